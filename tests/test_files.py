"""autograd.files.write_atomically: the one helper every file of blameflow is written with."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import files
from autograd.files import STALE_AFTER_SECONDS, TEMPORARY_SUFFIX, write_atomically

ROOT = Path(__file__).resolve().parent.parent
posix_only = pytest.mark.skipif(os.name != "posix", reason="symlinks, pipes and modes: POSIX")


def temporaries(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(TEMPORARY_SUFFIX))


@contextlib.contextmanager
def umask(mask: int):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


# ---- what is written, and where -----------------------------------------------------------
@given(first=st.binary(max_size=2000), second=st.text(max_size=500))
def test_what_is_written_reads_back_exactly(tmp_path_factory, first, second):
    path = tmp_path_factory.mktemp("round") / "file.bin"
    write_atomically(path, first)
    assert path.read_bytes() == first
    write_atomically(path, second)  # str is written as UTF-8
    assert path.read_bytes() == second.encode("utf-8")
    assert os.listdir(path.parent) == ["file.bin"]


def test_only_bytes_or_text_are_written(tmp_path):
    with pytest.raises(TypeError, match="bytes or str, got list"):
        write_atomically(tmp_path / "f", [1, 2])
    assert os.listdir(tmp_path) == []


def test_parents_are_made_only_when_asked(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomically(tmp_path / "new" / "f.txt", "x")
    write_atomically(tmp_path / "new" / "f.txt", "x", make_parents=True)
    assert (tmp_path / "new" / "f.txt").read_text() == "x"


def test_viz_makes_missing_folders_as_it_always_has(tmp_path):
    from viz.files import write_atomically as viz_write

    viz_write(tmp_path / "a" / "b" / "g.svg", b"<svg/>")
    assert (tmp_path / "a" / "b" / "g.svg").read_bytes() == b"<svg/>"


@pytest.mark.parametrize("name", ["a" * 255, "é" * 127 + "a", "ü" * 120 + "x" * 15])
def test_a_name_as_long_as_the_file_system_allows_works(tmp_path, name):
    assert len(os.fsencode(name)) == 255
    write_atomically(tmp_path / name, "long")
    write_atomically(tmp_path / name, "longer")  # through the rename over an existing file
    assert (tmp_path / name).read_text() == "longer"
    assert os.listdir(tmp_path) == [name]


def test_long_names_that_start_alike_get_different_temporary_names():
    first, second = "a" * 200 + "1", "a" * 200 + "2"
    assert files._temporary_name(first).split(".")[1] != files._temporary_name(second).split(".")[1]
    assert all(len(os.fsencode(files._temporary_name(name))) <= 143 for name in (first, second))


# ---- links, folders, pipes and devices ---------------------------------------------------
@posix_only
def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "picture.svg"
    target.write_text("old")
    link = tmp_path / "link.svg"
    link.symlink_to(Path("real") / "picture.svg")  # relative, as links often are
    write_atomically(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / "picture.svg")
    assert target.read_text() == "new"
    assert temporaries(tmp_path) == temporaries(tmp_path / "real") == []


@posix_only
def test_a_dangling_symlink_gets_its_target_created(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "elsewhere.json")
    write_atomically(link, "{}")
    assert link.is_symlink() and (tmp_path / "elsewhere.json").read_text() == "{}"


@posix_only
def test_a_symlink_loop_is_refused(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OSError, match="loops back"):
        write_atomically(tmp_path / "a", "x")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    for path in (tmp_path / "out", f"{tmp_path / 'new'}{os.sep}"):
        with pytest.raises(IsADirectoryError, match="folder"):
            write_atomically(path, "x")
    assert (tmp_path / "out").is_dir() and os.listdir(tmp_path / "out") == []
    assert not (tmp_path / "new").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_opening_it(tmp_path):
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    # A reader is attached, so even if the helper did open the pipe, the test would not
    # hang; it would then see the bytes arrive, which the assert below catches.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(ValueError, match=r"named pipe \(FIFO\), not a regular file"):
            write_atomically(fifo, "<html>")
        assert os.read(reader, 10) == b""  # no writer ever sent anything into the pipe
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert temporaries(tmp_path) == []


@posix_only
@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_is_refused_and_stays_a_device(tmp_path):
    link = tmp_path / "out.html"
    link.symlink_to("/dev/null")
    for path, shown in (("/dev/null", "/dev/null is"), (link, f"{link} (a link to /dev/null)")):
        with pytest.raises(ValueError, match="character device, not a regular file") as caught:
            write_atomically(path, "<html>")
        assert str(caught.value).startswith(shown)
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert temporaries(Path("/dev")) == []
    assert link.is_symlink()


# ---- modes and owners --------------------------------------------------------------------
@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o600, 0o755, 0o640])
def test_an_existing_file_keeps_its_mode(tmp_path, mode):
    path = tmp_path / "f.json"
    path.write_text("old")
    path.chmod(mode)
    with umask(0o077):  # the umask is for new files only
        write_atomically(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == mode and path.read_text() == "new"


@posix_only
def test_set_user_id_does_not_carry_over_to_new_content(tmp_path):
    path = tmp_path / "f"
    path.write_text("old")
    path.chmod(0o4755)
    write_atomically(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o755


@posix_only
@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_umasks_mode(tmp_path, mask, expected):
    with umask(mask):
        write_atomically(tmp_path / "new.svg", "x")
    assert stat.S_IMODE((tmp_path / "new.svg").stat().st_mode) == expected


@posix_only
def test_the_owner_is_kept_where_allowed(tmp_path):
    path = tmp_path / "theirs.json"
    path.write_text("old")
    if os.geteuid() == 0:  # root (sudo) rewriting someone's file gives it back to them
        os.chown(path, 12345, 23456)
        write_atomically(path, "new")
        assert (path.stat().st_uid, path.stat().st_gid) == (12345, 23456)
    else:  # a user cannot give files away: the file stays theirs, and the write works
        write_atomically(path, "new")
        assert path.stat().st_uid == os.geteuid()
    assert path.read_text() == "new"


# ---- errors and crashes leave nothing behind ---------------------------------------------
@pytest.mark.parametrize("failing, error", [("fsync", KeyboardInterrupt),
                                            ("replace", PermissionError),
                                            ("chmod", OSError)])
def test_an_error_half_way_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch,
                                                               failing, error):
    path = tmp_path / "model.json"
    path.write_text("old")

    def fail(*args, **kwargs):
        raise error("stop")

    monkeypatch.setattr(files.os, failing, fail)
    with pytest.raises(error):
        write_atomically(path, "new")
    monkeypatch.undo()
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["model.json"]


KILLED_WRITER = textwrap.dedent("""
    import os, sys, time
    from autograd import files
    def stall(descriptor):  # stop between the write and the rename, as a crash might
        print("writing", flush=True)
        time.sleep(600)
    os.fsync = stall
    files.write_atomically(sys.argv[1], "half")
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
def test_the_next_write_removes_what_a_killed_writer_left(tmp_path):
    path = tmp_path / "graph.svg"
    path.write_text("old")
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "writing\n"
    finally:
        writer.kill()
        writer.wait()  # reaped: its pid no longer names a process
        writer.stdout.close()
    left = temporaries(tmp_path)
    assert len(left) == 1 and left[0].startswith(f".graph.svg.{writer.pid}.")
    assert path.read_text() == "old"
    write_atomically(path, "new")
    assert os.listdir(tmp_path) == ["graph.svg"] and path.read_text() == "new"


def test_only_stale_temporaries_of_the_same_target_are_removed(tmp_path):
    path = tmp_path / "graph.svg"
    alive = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    try:
        kept = [f".graph.svg.{alive.pid}.0123abcd{TEMPORARY_SUFFIX}",  # a live writer
                f".other.svg.999999999.0123abcd{TEMPORARY_SUFFIX}",  # another target
                ".graph.svg.notes", "graph.svg.bak"]  # not ours
        stale = [f".graph.svg.999999999.89abcdef{TEMPORARY_SUFFIX}",  # no such process
                 f".graph.svg.{alive.pid}.00000000{TEMPORARY_SUFFIX}"]  # pid alive, but old
        for name in kept + stale:
            (tmp_path / name).write_text("left over")
        an_hour_ago = time.time() - STALE_AFTER_SECONDS - 60
        os.utime(tmp_path / stale[1], (an_hour_ago, an_hour_ago))
        write_atomically(path, "new")
        assert sorted(os.listdir(tmp_path)) == sorted(kept + ["graph.svg"])
    finally:
        alive.communicate(b"")
