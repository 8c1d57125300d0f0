"""describe_graph: the nodes and edges of a graph with the numbers pictures show."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value, topological_order
from autograd.backward import varying_nodes
from viz import describe_graph

finite = st.floats(min_value=-3, max_value=3, allow_nan=False, allow_infinity=False)

# Total operations (no domain to leave), each on up to three earlier nodes a, b, c.
OPS = {"add": lambda a, b, c: a + b, "mul": lambda a, b, c: a * b,
       "square": lambda a, b, c: a * a, "tanh": lambda a, b, c: a.tanh(),
       "sigmoid": lambda a, b, c: a.sigmoid(),
       "dot": lambda a, b, c: autograd.dot([a, b], [c, a]),
       "sum": lambda a, b, c: autograd.sum([a, b, c])}


@st.composite
def expressions(draw: st.DrawFn) -> Value:
    """A random graph: one leaf of each kind, then up to 8 of OPS on earlier nodes.

    Reusing a node (x * x, or one weight in two places) gives nodes with two parents and
    parents with the same child twice, the cases where blame must be added up.
    """
    nodes = [Value(draw(finite), "x", kind="input"), Value(draw(finite), "w", kind="parameter"),
             Value(draw(finite), "c", kind="constant")]
    pick = st.integers(min_value=0, max_value=10**6).map(lambda i: nodes[i % len(nodes)])
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        op = OPS[draw(st.sampled_from(sorted(OPS)))]
        nodes.append(op(draw(pick), draw(pick), draw(pick)))
    return nodes[-1]


def local_derivatives_by_engine(node: Value) -> list[float]:
    return list(node.primitive.partials([c.data for c in node.children], node.data))


@given(expressions())
def test_every_edge_carries_parent_grad_times_local_derivative(root: Value) -> None:
    root.backward()
    order = topological_order(root)
    description = describe_graph(root)
    by_id = dict(zip((n.id for n in description.nodes), order))
    expected_edges = sum(len(node.children) for node in order)
    assert len(description.edges) == expected_edges
    varying = varying_nodes(order)
    for edge in description.edges:
        parent, child = by_id[edge.parent], by_id[edge.child]
        assert parent.children[edge.position] is child
        partial = local_derivatives_by_engine(parent)[edge.position]
        assert edge.local_derivative == partial
        if root not in varying:  # constants alone: backward() gives no node a gradient
            assert edge.parent_grad is None and edge.blame is None
            continue
        assert edge.parent_grad == parent.grad
        if child in varying:
            assert edge.blame == parent.grad * partial
        else:  # a constant, or made from constants alone: backward() sends it nothing
            assert edge.blame is None


@given(expressions())
def test_blame_on_a_nodes_edges_adds_up_to_its_grad(root: Value) -> None:
    root.backward()
    description = describe_graph(root)
    for node in description.nodes:
        if node.id == description.root:
            continue
        blame = [e.blame for e in description.edges if e.child == node.id]
        if None in blame:  # a constant (or made from constants): no blame comes back
            assert set(blame) == {None}
            continue
        assert math.fsum(blame) == pytest.approx(node.grad, rel=1e-9, abs=1e-12)


@given(expressions())
def test_nodes_keep_their_data_label_kind_and_order(root: Value) -> None:
    order = topological_order(root)
    description = describe_graph(root)
    assert [n.id for n in description.nodes] == [f"n{i}" for i in range(len(order))]
    assert description.root == f"n{len(order) - 1}"
    for info, node in zip(description.nodes, order):
        assert (info.data, info.label, info.kind, info.op) == (node.data, node.label,
                                                               node.kind, node.op)
        assert info.symbol == (node.primitive.symbol if node.primitive else "")


def test_grads_are_hidden_before_backward_and_shown_after() -> None:
    w = Value(3.0, "w", kind="parameter")
    out = w * w
    before = describe_graph(out)
    assert all(n.grad is None for n in before.nodes)
    assert all(e.blame is None and e.parent_grad is None for e in before.edges)
    assert not before.shows_grads
    out.backward()
    after = describe_graph(out)
    assert [n.grad for n in after.nodes] == [6.0, 1.0]
    assert [e.blame for e in after.edges] == [3.0, 3.0]  # x * x: two edges, 3 each


def test_leftover_leaf_grads_from_another_graph_do_not_count_as_backward() -> None:
    w = Value(3.0, "w", kind="parameter")
    (w * 2).backward()  # w.grad is now 2, from a different graph
    fresh = w + 1
    assert all(n.grad is None for n in describe_graph(fresh).nodes)
    assert describe_graph(fresh, show_grads=True).nodes[0].grad == 2.0


def test_show_grads_false_hides_them_after_backward() -> None:
    out = Value(2.0).tanh()
    out.backward()
    assert all(n.grad is None for n in describe_graph(out, show_grads=False).nodes)


def test_grads_mapping_replaces_dot_grad() -> None:
    x = Value(2.0, "x")
    out = x * 5
    shown = describe_graph(out, show_grads=True, grads={x: 7.0, out: 1.0})
    assert [n.grad for n in shown.nodes] == [7.0, 0.0, 1.0]  # the constant 5 is missing: 0
    assert x.grad == 0.0


def test_an_infinite_local_derivative_is_nan_not_a_crash() -> None:
    out = Value(0.0, "x").sqrt()
    (edge,) = describe_graph(out).edges
    assert math.isnan(edge.local_derivative)


def test_describe_graph_rejects_a_number() -> None:
    with pytest.raises(TypeError, match="takes a Value.*got float"):
        describe_graph(1.5)
