"""A graph of Values as plain data: its nodes, its edges and the numbers on each.

Everything viz draws starts here. `describe_graph(root)` walks the graph once and returns
a `GraphDescription`: one `NodeInfo` per Value (data, grad, kind, op, scope) and one
`EdgeInfo` per argument of every operation, carrying the chain rule's two factors:

    blame along child -> parent = parent.grad * d parent / d child

The blame is the share of the child's gradient that came back along this edge; summing
the blame of a child's edges gives the child's gradient. Drawing (graph.py), the
step-by-step frames (frames.py) and the HTML explorer all read this description, so
they show the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from autograd import Value, gradients, topological_order
from autograd.backward import varying_nodes


@dataclass(frozen=True)
class NodeInfo:
    """One Value, as a picture shows it.

    id: "n0", "n1", ... in topological order (children before parents).
    kind: "input", "parameter", "constant" (leaves) or "computed".
    op, symbol, math: the primitive's name ("mul"), its symbol ("*") and its derivative in
        words ("d/dx (x * y) = y, ..."); "" for a leaf.
    grad: the gradient to show, or None when gradients are not shown (drawn as "-").
    """

    id: str
    label: str
    data: float
    grad: float | None
    kind: str
    op: str
    symbol: str
    math: str
    scope: str


@dataclass(frozen=True)
class EdgeInfo:
    """One argument of an operation: the child Value flows into the parent's op.

    position: which argument the child is (x * x has two edges, positions 0 and 1).
    local_derivative: d parent / d child at this point (nan where it is undefined).
    parent_grad: the parent's gradient, None when gradients are not shown.
    blame: parent_grad * local_derivative, the gradient sent back along this edge;
        None when gradients are not shown, and when the child needs no gradient (a
        constant, or a Value made from constants alone: backward() sends nothing there,
        and the local derivative may not even exist, as d/dy x ** y = x ** y * log(x)
        at x < 0).
    """

    child: str
    parent: str
    position: int
    local_derivative: float
    parent_grad: float | None
    blame: float | None


@dataclass(frozen=True)
class GraphDescription:
    """Every node (topological order) and edge (in the order of the nodes) of a graph."""

    nodes: list[NodeInfo]
    edges: list[EdgeInfo]
    root: str

    @property
    def shows_grads(self) -> bool:
        """True when the gradients are part of the description (any node has one)."""
        return any(node.grad is not None for node in self.nodes)


def describe_graph(root: Value, show_grads: bool | None = None,
                   grads: Mapping[Value, float] | None = None) -> GraphDescription:
    """Describe root and every Value it depends on, with their numbers.

    show_grads: True shows every .grad, False shows none (None in the description, "-" in
        pictures). None (the default) shows them once root.backward() has run, which sets
        root's grad to 1: the rule is "root's gradient is nonzero". Before that, the other
        nodes' 0.0 would wrongly read as "this node does not matter", and a parameter's
        leftover gradient from another graph's backward() would look like this graph's.
    grads: gradients to show instead of the nodes' .grad (backprop_frames passes the
        numbers of one fresh reverse sweep); any node it lacks shows 0.0.
    """
    if not isinstance(root, Value):
        raise TypeError(f"describe_graph takes a Value (the output of your computation), "
                        f"got {type(root).__name__}")
    order = topological_order(root)
    if grads is None:
        gradient = {node: node.grad for node in order}
    else:
        gradient = {node: grads.get(node, 0.0) for node in order}
    if show_grads is None:
        show_grads = gradient[root] != 0.0
    shown = gradient if show_grads else dict.fromkeys(order)
    ids = {node: f"n{index}" for index, node in enumerate(order)}
    nodes = [_node_info(node, ids[node], shown[node]) for node in order]
    varying = varying_nodes(order)
    edges = [edge for node in order for edge in _edges_into(node, ids, shown[node], varying)]
    return GraphDescription(nodes=nodes, edges=edges, root=ids[root])


def describe_sweep(root: Value) -> GraphDescription:
    """describe_graph with the gradients of one fresh reverse sweep from root.

    The numbers come from autograd.gradients, not from .grad, so they are d root / d node
    whether or not backward() has run (and however often), and no .grad is changed.
    backprop_frames and the explorer both show these.
    """
    order = topological_order(root)
    sweep = dict(zip(order, gradients(root, order)))
    return describe_graph(root, show_grads=True, grads=sweep)


def _node_info(node: Value, node_id: str, grad: float | None) -> NodeInfo:
    primitive = node.primitive
    return NodeInfo(id=node_id, label=_drawable(node.label, "label"), data=node.data,
                    grad=grad, kind=node.kind, op=node.op,
                    symbol=primitive.symbol if primitive else "",
                    math=primitive.math if primitive else "",
                    scope=_drawable(node.scope, "scope"))


# Graphviz (2.43) reads at most 16,384 bytes in one quoted string; a box's tooltip holds
# its label and its scope, and escaping can double a backslash, so each gets a quarter.
MAX_TEXT_BYTES = 4000


def _drawable(text: str, what: str) -> str:
    """text, if a picture can show it: a lone surrogate ("\\ud800", half of a UTF-16 pair)
    is no character at all, and no SVG or HTML file can hold it; and Graphviz cannot read
    a text longer than MAX_TEXT_BYTES (in UTF-8)."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise ValueError(f"cannot draw the {what} {text!r}: it holds a lone surrogate "
                         f"({text[error.start]!r} at index {error.start}), half of a UTF-16 "
                         f"pair and not a character; remove it or pair it") from None
    if size > MAX_TEXT_BYTES:
        raise ValueError(f"cannot draw the {what} {text[:40]!r}...: it is {size:,} bytes long "
                         f"in UTF-8, and Graphviz reads at most {MAX_TEXT_BYTES:,} here; "
                         f"give it a shorter {what}")
    return text


def _edges_into(node: Value, ids: Mapping[Value, str], grad: float | None,
                varying: set[Value]) -> list[EdgeInfo]:
    """The edges from node's children into node, with the chain rule's factors.

    varying: the Values that need a gradient; an edge from any other child has no blame.
    """
    if node.primitive is None:
        return []
    partials = local_derivatives(node)
    return [EdgeInfo(child=ids[child], parent=ids[node], position=position,
                     local_derivative=partial, parent_grad=grad,
                     blame=None if grad is None or child not in varying else grad * partial)
            for position, (child, partial) in enumerate(zip(node.children, partials))]


def local_derivatives(node: Value) -> list[float]:
    """d node / d child for each child, in argument order (nan where undefined).

    The derivative can be infinite where the forward pass was fine (sqrt at 0); a
    drawing of such a graph should still be possible, so that edge gets nan, not a crash.
    """
    inputs = [child.data for child in node.children]
    primitive = node.primitive
    if primitive.partial_rules is None:  # one rule for all inputs
        return _or_nan(lambda: primitive.partials(inputs, node.data), len(inputs))
    # One rule per input (pow): x ** 2 at x = -3 has d/dx = -6 though d/dy needs log(-3).
    return [_or_nan(lambda rule=rule: [rule(*inputs, node.data)], 1)[0]
            for rule in primitive.partial_rules]


def _or_nan(partials: Callable[[], Sequence[float]], count: int) -> list[float]:
    """The partials as floats, or count nans if computing them fails."""
    try:
        return [float(partial) for partial in partials()]
    except (ArithmeticError, ValueError):
        return [math.nan] * count
