"""The errors viz raises, so callers can catch exactly what they mean to."""


class GraphTooLargeError(ValueError):
    """A graph has more boxes than max_nodes: Graphviz would take minutes to lay it out.

    The message gives the count and what to do: fold scopes with collapse="neuron" or
    collapse="layer", draw a smaller batch, or raise max_nodes.
    """


class RendererNotFoundError(RuntimeError):
    """Neither the system Graphviz (`dot`) nor the wasm renderer can make this file.

    The message names both fixes: install Graphviz, or `pip install blameflow[wasm]`.
    """


class RenderError(RuntimeError):
    """Graphviz ran but failed on this graph; the message holds Graphviz's own words."""
