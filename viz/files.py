"""viz writes every file through autograd.files.write_atomically (the project's one helper),
creating missing folders first: render(root, "out/new/graph.svg") has always made out/new."""

from __future__ import annotations

import os

from autograd import files


def write_atomically(path: str | os.PathLike[str], content: bytes) -> None:
    """Write content to path all at once, creating the folders on the way to it."""
    files.write_atomically(path, content, make_parents=True)
