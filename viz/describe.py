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
from collections.abc import Mapping
from dataclasses import dataclass

from autograd import Value, gradients, topological_order


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
        None when gradients are not shown.
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
    edges = [edge for node in order for edge in _edges_into(node, ids, shown[node])]
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
    return NodeInfo(id=node_id, label=node.label, data=node.data, grad=grad, kind=node.kind,
                    op=node.op, symbol=primitive.symbol if primitive else "",
                    math=primitive.math if primitive else "", scope=node.scope)


def _edges_into(node: Value, ids: Mapping[Value, str], grad: float | None) -> list[EdgeInfo]:
    """The edges from node's children into node, with the chain rule's factors."""
    if node.primitive is None:
        return []
    partials = local_derivatives(node)
    return [EdgeInfo(child=ids[child], parent=ids[node], position=position,
                     local_derivative=partial, parent_grad=grad,
                     blame=None if grad is None else grad * partial)
            for position, (child, partial) in enumerate(zip(node.children, partials))]


def local_derivatives(node: Value) -> list[float]:
    """d node / d child for each child, in argument order (nan where undefined).

    The derivative can be infinite where the forward pass was fine (sqrt at 0); a
    drawing of such a graph should still be possible, so that edge gets nan, not a crash.
    """
    try:
        partials = node.primitive.partials([child.data for child in node.children], node.data)
    except (ArithmeticError, ValueError):
        return [math.nan] * len(node.children)
    return [float(partial) for partial in partials]
