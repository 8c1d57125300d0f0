"""render: save a graph picture as SVG, PNG or PDF with whichever Graphviz is available.

    >>> from autograd import Value
    >>> w, x = Value(2.0, label="w"), Value(3.0, label="x")
    >>> loss = (w * x).tanh()
    >>> render(loss, "out/loss.svg")                     # draws the graph of loss first
    SavedFile('out/loss.svg')
    >>> render(loss, "out/mlp.png", collapse="layer")    # draw_graph's options pass through
    SavedFile('out/mlp.png')
    >>> render(draw_graph(loss), "out/loss.pdf")         # or render a graph you drew
    SavedFile('out/loss.pdf')

It returns the path written, as a SavedFile (viz/notebook.py): a pathlib.Path that
Jupyter shows as the picture when it is a cell's value.

See viz/backends.py for how the renderer is chosen (system `dot`, else the wasm extra).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from autograd import Value
from viz.backends import FORMATS, render_source
from viz.errors import RendererNotFoundError
from viz.files import write_atomically
from viz.graph import draw_graph, drawn_root
from viz.notebook import SavedFile

Drawable = Value | graphviz.Digraph | graphviz.Graph | graphviz.Source


def render(root_or_graph: Drawable, path: str | os.PathLike, **draw_options: Any) -> SavedFile:
    """Write the picture to path; the suffix picks the format (.svg, .png or .pdf).

    root_or_graph: a Value (drawn with draw_graph(root, **draw_options) first; also what
        a compiled step, autograd.jit, returned) or a graph already drawn (draw_graph's
        result, or any graphviz graph).
    Returns the path written (a Path; in Jupyter, the picture). Without a renderer for
    this format it writes the graph's DOT source next to path (same name, .dot) and
    raises RendererNotFoundError, which says how to install one.
    """
    path = Path(path)
    file_format = _format_of(path)
    source = _dot_source(root_or_graph, draw_options)
    try:
        picture = render_source(source, file_format)
    except RendererNotFoundError as error:
        dot_path = path.with_suffix(".dot")
        write_atomically(dot_path, source.encode("utf-8"))
        raise RendererNotFoundError(
            f"{error} The graph's DOT source is saved in {dot_path}: any Graphviz "
            f"(or an online DOT viewer) can draw it.") from None
    write_atomically(path, picture)
    return SavedFile(path)


def _format_of(path: Path) -> str:
    file_format = path.suffix.lower().removeprefix(".")
    if file_format not in FORMATS:
        raise ValueError(f"render: cannot tell the format from {str(path)!r}; end the file "
                         f"name with {', '.join('.' + f for f in FORMATS)}")
    return file_format


def _dot_source(root_or_graph: Drawable, draw_options: dict[str, Any]) -> str:
    root_or_graph = drawn_root(root_or_graph)  # a compiled step's result: its traced graph
    if isinstance(root_or_graph, Value):
        return draw_graph(root_or_graph, **draw_options).source
    if isinstance(root_or_graph, (graphviz.Digraph, graphviz.Graph, graphviz.Source)):
        if draw_options:
            raise TypeError(f"render: options {sorted(draw_options)} apply only when drawing "
                            f"a Value; this graph is already drawn, pass them to draw_graph")
        return root_or_graph.source
    raise TypeError(f"render takes a Value or a graph from draw_graph, "
                    f"got {type(root_or_graph).__name__}")
