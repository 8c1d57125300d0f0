"""write_atomically: the one way blameflow writes a file, so a reader never sees half of one.

    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "model.json"
    >>> write_atomically(target, '{"w": 0.5}')    # bytes or str (written as UTF-8)
    >>> target.read_text()
    '{"w": 0.5}'

The new content goes to a temporary file beside the target, is flushed to the disk
(fsync), and only then renamed over the target. A rename within one folder is atomic:
a browser, an image viewer or another thread reading the path sees the old file or the
new one, never a mix, and a crash or an error half-way leaves the old file as it was.

Renaming over a path has surprises that this helper takes care of:
- a symlink is written through: the file it points to gets the new content, and the
  link stays a link (a dangling link gets its target created);
- a folder, a named pipe (FIFO), a device or a socket is refused with an error that says
  what the path is; renaming over /dev/null would replace the device for everyone;
- the target keeps its permission bits (and, where allowed, its owner); a new file gets
  the usual 0o666 less the umask, as open() would give it;
- the temporary file is removed on any error, Ctrl-C included. A writer killed outright
  (SIGKILL, a power cut) cannot clean up, so the next write of the same target removes
  the temporary files whose writer is gone (their names carry the writer's process id);
- any name the file system accepts works: the temporary name uses at most the first
  MAX_SHORT_NAME_BYTES bytes of the target's name, so it stays within the 255-byte limit.

A file with other hard links is replaced, not rewritten: the other names keep the old
content. That is the price of never showing half a file.

Why here: autograd is the one package that both nn (model files) and viz (pictures and
pages) import, and it uses only the standard library, so one copy of this serves all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import stat
import time
from pathlib import Path

# Temporary files are named .<short name>.<writer's pid>.<8 random hex digits>.blameflow.tmp
# (ending in .tmp, which editors, backup tools and many .gitignore files pass over)
TEMPORARY_SUFFIX = ".blameflow.tmp"
# At most this much of the target's name (in bytes) goes into a temporary name: with the
# dots, pid, random part and suffix that stays under the 143 bytes of the strictest
# common file system (eCryptfs), let alone the usual 255.
MAX_SHORT_NAME_BYTES = 96
# A temporary file whose writer still seems to be running is removed anyway once it is
# this old: the process id may have been reused, and no write of ours takes an hour.
STALE_AFTER_SECONDS = 3600.0
NEW_FILE_MODE = 0o666  # the kernel takes the umask away, exactly as for open(path, "w")


def write_atomically(path: str | os.PathLike[str], data: bytes | str,
                     make_parents: bool = False) -> None:
    """Replace the file at path with data, all at once (see the module docstring).

    data: bytes, or str (written as UTF-8).
    make_parents: create missing folders on the way to the file first.
    Raises IsADirectoryError for a folder, ValueError for a pipe, device or socket, and
    the usual OSError (PermissionError, FileNotFoundError ...) when the folder is not
    writable or does not exist.
    """
    content = _as_bytes(data)
    target = _real_target(path)
    old = _existing_file(target, path)
    if make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(target)  # first, so even a write that fails tidies up
    temporary = target.with_name(_temporary_name(target.name))
    try:
        _write_temporary(temporary, content, old)
        os.replace(temporary, target)
    except BaseException:
        # Any error, KeyboardInterrupt too: the temporary file must not outlive us.
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
    _sync_folder(target.parent)


def _remove_stale_temporaries(target: Path) -> None:
    """Remove the temporary files that killed writers of target left behind.

    A temporary file is stale when the process that made it (the pid in its name) is no
    longer running on this machine, or when it is older than STALE_AFTER_SECONDS. Only
    names made by write_atomically for this very target are looked at.
    """
    pattern = re.compile(re.escape(f".{_short_name(target.name)}.") + r"(\d+)\.[0-9a-f]{8}"
                         + re.escape(TEMPORARY_SUFFIX))
    with contextlib.suppress(OSError), os.scandir(target.parent) as entries:
        for entry in entries:
            found = pattern.fullmatch(entry.name)
            if found and _is_stale(entry, int(found.group(1))):
                # Best effort: another process may be removing it too, or we may lack the
                # right to; neither must make the write that called us fail.
                with contextlib.suppress(OSError):
                    os.remove(entry.path)


# ---- the steps of a write ------------------------------------------------------------------
def _as_bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"write_atomically writes bytes or str, got {type(data).__name__}")


def _real_target(path: str | os.PathLike[str]) -> Path:
    """The file that writing to path must change: path with every symlink followed."""
    text = os.fspath(path)
    if not text or text.endswith(("/", os.sep)):
        raise IsADirectoryError(f"{text!r} names a folder, not a file: give a file name")
    # realpath follows a dangling link to where its target would be, so it gets created.
    target = Path(os.path.realpath(text))
    if target.is_symlink():  # realpath stops at a link that loops back on itself
        raise OSError(f"{text} is a symbolic link that loops back on itself; point it at a "
                      f"file, or remove it")
    return target


def _existing_file(target: Path, path: str | os.PathLike[str]) -> os.stat_result | None:
    """os.stat of the regular file at target; None if there is no file there yet.

    Anything else at target is refused: os.replace would put our file in its place.
    os.stat only reads the folder entry, so a pipe is not opened (which would block).
    """
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return None
    shown = os.fspath(path) + (f" (a link to {target})" if os.path.islink(path) else "")
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(f"{shown} is a folder, not a file: give the path of a file "
                                f"(for example one inside that folder)")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{shown} is {_kind_of(info.st_mode)}, not a regular file; blameflow "
                         f"writes only regular files and will not replace it: choose another "
                         f"file name")
    return info


def _kind_of(mode: int) -> str:
    kinds = [(stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]
    return next((name for test, name in kinds if test(mode)), "a special file")


def _temporary_name(name: str) -> str:
    """.<short name>.<pid>.<random>.blameflow.tmp: unique per call, and traceable to us.

    The random part keeps threads of one process apart; the pid lets a later write tell
    whether the writer is still running (_remove_stale_temporaries).
    """
    return f".{_short_name(name)}.{os.getpid()}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"


def _short_name(name: str) -> str:
    """name if it fits in MAX_SHORT_NAME_BYTES, else its start and a hash of all of it.

    The hash keeps two long names that start alike apart. The name is cut between
    characters, never inside one, so the result is still valid text.
    """
    if len(os.fsencode(name)) <= MAX_SHORT_NAME_BYTES:
        return name
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:8]
    start = name
    while len(os.fsencode(start)) > MAX_SHORT_NAME_BYTES - len(digest) - 1:
        start = start[:-1]
    return f"{start}~{digest}"


def _write_temporary(temporary: Path, content: bytes, old: os.stat_result | None) -> None:
    """Create temporary (never an existing one), write content, make it durable.

    A replacement starts private (0o600) and gets the old file's owner and mode once
    written; a new file is created with the mode it will keep. Either way its content is
    never more visible than the target's.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, NEW_FILE_MODE if old is None else 0o600)
    with open(descriptor, "wb") as file:
        file.write(content)
        file.flush()
        # The bytes must be on the disk before the rename makes them visible, or a power
        # cut could leave a complete-looking file that is empty.
        os.fsync(file.fileno())
    if old is not None:
        _keep_owner(temporary, old)
        # Permission bits only: set-user-id and the like do not carry over to new content.
        os.chmod(temporary, stat.S_IMODE(old.st_mode) & 0o777)


def _keep_owner(temporary: Path, old: os.stat_result) -> None:
    """Give temporary the old file's owner and group, as far as we may (POSIX only).

    Changing the owner needs root (say, `sudo` rewriting a user's file); the group only
    needs membership. Where neither is allowed the file stays ours, as with any new file.
    """
    if not hasattr(os, "chown"):
        return
    for owner in (old.st_uid, -1):  # -1: leave the owner, change only the group
        try:
            os.chown(temporary, owner, old.st_gid)
            return
        except OSError:
            continue


def _sync_folder(folder: Path) -> None:
    """fsync the folder, so the rename itself survives a power cut (POSIX only)."""
    if os.name != "posix":  # Windows cannot open a folder as a file
        return
    with contextlib.suppress(OSError):  # some file systems refuse; the data is safe anyway
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _is_stale(entry: os.DirEntry[str], pid: int) -> bool:
    """Whether the temporary file's writer (pid) is gone, or the file is very old."""
    try:
        age = time.time() - entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return False
    return age > STALE_AFTER_SECONDS or not _is_running(pid)


def _is_running(pid: int) -> bool:
    """Whether a process with this id runs here (signal 0 asks without sending anything)."""
    if pid == os.getpid():
        return True  # another thread of ours may be writing it right now
    if os.name != "posix" or pid <= 0:
        # On Windows os.kill would terminate the process; pid 0 means our process group.
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True
