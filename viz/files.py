"""Writing output files so that a reader never sees half of one."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def write_atomically(path: Path, content: bytes) -> None:
    """Write content to path all at once: to a temporary file beside it, then rename.

    os.replace is atomic on one file system, so a browser, an image viewer or another
    thread rendering to the same path sees the old file or the new one, never a mix.
    The temporary name is unique per call (threads may write the same path at once), and
    plain open() gives it the usual permissions (tempfile.mkstemp would make it private).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "xb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
