"""fold: scopes drawn as single boxes, arrows between boxes merged with their blame summed."""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import Value, scope
from viz import describe_graph, fold


def tiny_network() -> tuple[Value, dict[str, list[Value]]]:
    """Two neurons in layer0 reading x1, x2; one neuron in layer1 reading both; a loss.

    Parameters are made outside any scope, as a Module's constructor may make them.
    """
    x = [Value(0.5, "x1"), Value(-1.0, "x2")]
    params = {name: [Value(0.1 * (i + 1) * sign, f"{name}/w{i + 1}", kind="parameter")
                     for i in range(2)] + [Value(0.2, f"{name}/b", kind="parameter")]
              for name, sign in (("layer0/neuron0", 1), ("layer0/neuron1", -1),
                                 ("layer1/neuron0", 1))}
    hidden = []
    for name in ("layer0/neuron0", "layer0/neuron1"):
        layer, neuron = name.split("/")
        with scope(layer), scope(neuron):
            w1, w2, b = params[name]
            hidden.append((autograd.dot([w1, w2], x) + b).tanh())
    with scope("layer1"), scope("neuron0"):
        w1, w2, b = params["layer1/neuron0"]
        score = autograd.dot([w1, w2], hidden) + b
    loss = (score - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss, params


def test_without_collapse_every_node_and_edge_is_drawn() -> None:
    loss, _ = tiny_network()
    description = describe_graph(loss)
    folded = fold(description)
    assert folded.nodes == description.nodes and folded.groups == []
    assert [flow.edges for flow in folded.flows] == [[edge] for edge in description.edges]


def test_collapse_neuron_makes_one_box_per_neuron_with_its_parameters() -> None:
    loss, params = tiny_network()
    folded = fold(describe_graph(loss), "neuron")
    neurons = folded.groups[:3]
    assert [g.scope for g in neurons] == ["layer0/neuron0", "layer0/neuron1", "layer1/neuron0"]
    assert [g.name for g in neurons] == ["neuron0", "neuron1", "neuron0"]  # framed by layer
    for group in neurons:
        assert [p.label for p in group.parameters] == [v.label for v in params[group.scope]]
        assert [p.grad for p in group.parameters] == [v.grad for v in params[group.scope]]
    # x1 and x2 feed two neurons: they stay boxes of their own, outside every group.
    assert [node.label for node in folded.nodes] == ["x1", "x2"]
    assert folded.groups[3].name == "loss"


def test_merged_arrows_carry_the_sum_of_their_edges_blame() -> None:
    loss, _ = tiny_network()
    description = describe_graph(loss)
    folded = fold(description, "neuron")
    into_layer1 = [f for f in folded.flows if f.target == "group/layer1/neuron0"]
    assert sorted(f.source for f in into_layer1) == ["group/layer0/neuron0",
                                                     "group/layer0/neuron1"]
    for flow in into_layer1:
        assert len(flow.edges) == 1  # each hidden value enters the dot once
        assert flow.blame == flow.edges[0].blame
    x1 = next(n for n in description.nodes if n.label == "x1")
    from_x1 = [f for f in folded.flows if f.source == x1.id]
    assert len(from_x1) == 2
    assert math.fsum(f.blame for f in from_x1) == pytest.approx(
        next(n.grad for n in description.nodes if n.label == "x1"))


def test_collapse_layer_folds_the_inputs_used_by_one_layer_only() -> None:
    loss, _ = tiny_network()
    folded = fold(describe_graph(loss), "layer")
    layer0, layer1, rest = folded.groups
    assert (layer0.name, layer1.name) == ("layer0", "layer1")
    assert sorted(n.label for n in layer0.inputs) == ["x1", "x2"]
    assert len(layer0.parameters) == 6 and len(layer1.parameters) == 3
    assert len(layer0.outputs) == 2 and len(layer1.outputs) == 1
    flow = next(f for f in folded.flows if f.source == "group/layer0")
    assert flow.target == "group/layer1" and len(flow.edges) == 2
    # The loss, made outside any scope ((score - 1) ** 2 and its two constants), is one
    # box named after its last node; nothing is left to draw on its own.
    assert (rest.name, rest.scope) == ("loss", "")
    assert [n.kind for n in rest.members] == ["constant", "computed", "constant", "computed"]
    assert rest.outputs == [rest.members[-1]] and folded.root == rest.id
    assert folded.nodes == [] and folded.box_count == 3


def test_separate_pieces_outside_scopes_fold_separately() -> None:
    x = Value(4.0, "x")
    scaled = x / 2  # before the scoped part: one piece
    scaled.label = "scaled"
    with scope("layer0"):
        hidden = scaled.tanh()
    out = hidden * 3  # after it: another piece, unlabelled
    folded = fold(describe_graph(out), "layer")
    assert [g.name for g in folded.groups] == ["scaled", "layer0", "outside scopes"]
    assert [(f.source, f.target) for f in folded.flows] == [
        (folded.groups[0].id, "group/layer0"), ("group/layer0", folded.groups[2].id)]


def test_folded_edges_inside_a_scope_are_not_drawn() -> None:
    loss, _ = tiny_network()
    folded = fold(describe_graph(loss), "layer")
    for flow in folded.flows:
        assert flow.source != flow.target


def test_before_backward_merged_arrows_have_no_blame() -> None:
    with scope("layer0"):
        out = Value(1.0) * Value(2.0)
    total = out + 1
    folded = fold(describe_graph(total), "layer")
    assert [flow.blame for flow in folded.flows] == [None]  # layer0 -> the "+ 1" piece
    assert not folded.shows_grads


def test_unknown_collapse_is_an_error_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="'neuron' or 'layer', got 'neurons'"):
        fold(describe_graph(Value(1.0) + 1), "neurons")


def test_an_mlp_batch_with_an_l2_penalty_folds_to_one_box_per_layer() -> None:
    from nn import MLP, hinge, l2, moons

    X, y = moons(40, noise=0.1, signed=True)
    model = MLP(2, [8, 8, 1], seed=0)
    loss = hinge([model(x) for x in X], y) + 1e-4 * l2(model.parameters())
    loss.backward()
    folded = fold(describe_graph(loss), "layer")
    # three layer boxes and the unscoped loss: the parameters, used by both a layer and
    # the penalty, belong to their layer instead of standing alone
    assert folded.box_count == 4
