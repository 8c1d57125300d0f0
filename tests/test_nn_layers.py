"""Neuron, Layer, MLP: structure of the graph, names, seeded initialisation, bad input."""

from __future__ import annotations

import functools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import ACTIVATIONS, MLP, Layer, Neuron


def test_a_neuron_is_one_dot_node_a_bias_add_and_an_activation() -> None:
    neuron = Neuron(3, activation="tanh", seed=1)
    out = neuron([1.0, 2.0, 3.0])
    assert out.op == "tanh"
    (biased,) = out.children
    assert biased.op == "add"
    weighted, bias = biased.children
    assert weighted.op == "dot" and bias is neuron.b
    assert list(weighted.children[:3]) == neuron.w
    assert [x.data for x in weighted.children[3:]] == [1.0, 2.0, 3.0]
    expected = math.tanh(sum(w.data * x for w, x in zip(neuron.w, [1, 2, 3])) + neuron.b.data)
    assert out.data == pytest.approx(expected, rel=1e-15)


def test_a_linear_neuron_adds_no_activation_node() -> None:
    out = Neuron(2, activation="linear")([1.0, -1.0])
    assert out.op == "add"


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_matches_its_formula(activation: str) -> None:
    neuron = Neuron(2, activation=activation, seed=3)
    z = neuron.w[0].data * 0.5 + neuron.w[1].data * -2.0 + neuron.b.data
    expected = {"relu": max(z, 0.0), "tanh": math.tanh(z), "sigmoid": 1 / (1 + math.exp(-z)),
                "leaky_relu": z if z > 0 else 0.01 * z, "linear": z}[activation]
    assert neuron([0.5, -2.0]).data == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_nodes_carry_layer_and_neuron_scopes_and_parameters_carry_labels() -> None:
    model = MLP(2, [4, 3, 1], seed=0)
    out = model([0.3, -0.7])
    assert out.op == "add" and out.scope == "layer2/neuron0"
    top_dot = out.children[0]
    assert top_dot.op == "dot" and top_dot.scope == "layer2/neuron0"
    layer1_outputs = top_dot.children[3:]
    assert [node.scope for node in layer1_outputs] == [f"layer1/neuron{j}" for j in range(3)]
    first_dot = layer1_outputs[0].children[0].children[0].children[4].children[0].children[0]
    assert first_dot.op == "dot" and first_dot.scope == "layer0/neuron0"
    # the numbers of the input row become input leaves labelled x0, x1
    assert [(x.label, x.kind, x.data) for x in first_dot.children[2:]] == [
        ("x0", "input", 0.3), ("x1", "input", -0.7)]
    assert model.layers[1].neurons[2].w[1].label == "layer1/neuron2/w1"
    assert model.layers[0].neurons[3].b.label == "layer0/neuron3/b"
    assert all(p.kind == "parameter" for p in model.parameters())


def test_layer_returns_a_list_and_mlp_a_single_value_for_one_output() -> None:
    assert len(Layer(2, 3)([1.0, 2.0])) == 3
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    outputs = MLP(2, [3, 4])([1.0, 2.0])
    assert isinstance(outputs, list) and len(outputs) == 4


def test_mlp_uses_the_output_activation_only_on_the_last_layer() -> None:
    model = MLP(2, [3, 3, 2], activation="tanh", output_activation="sigmoid")
    assert [layer.activation for layer in model.layers] == ["tanh", "tanh", "sigmoid"]
    assert model.final_activation == "sigmoid"


def test_mlp_output_agrees_with_a_plain_float_computation() -> None:
    model = MLP(3, [5, 4, 2], activation="tanh", seed=11)
    x = [0.2, -1.3, 0.7]
    values = x
    for layer in model.layers:
        act = math.tanh if layer.activation == "tanh" else (lambda z: z)
        values = [act(sum(w.data * v for w, v in zip(n.w, values)) + n.b.data)
                  for n in layer.neurons]
    assert [o.data for o in model(x)] == pytest.approx(values, rel=1e-14)


def test_parameter_order_is_layer_by_layer_neuron_by_neuron_weights_then_bias() -> None:
    model = MLP(2, [2, 1])
    names = [name for name, _ in model.named_parameters()]
    assert names == ["layer0.neuron0.w0", "layer0.neuron0.w1", "layer0.neuron0.b",
                     "layer0.neuron1.w0", "layer0.neuron1.w1", "layer0.neuron1.b",
                     "layer1.neuron0.w0", "layer1.neuron0.w1", "layer1.neuron0.b"]
    assert [p.label for p in model.parameters()] == [n.replace(".", "/") for n in names]


@settings(max_examples=25)
@given(nin=st.integers(1, 4), sizes=st.lists(st.integers(1, 5), min_size=1, max_size=3))
def test_a_dotted_name_is_the_attribute_path_to_its_parameter(nin: int,
                                                              sizes: list[int]) -> None:
    model = MLP(nin, sizes)
    named = list(model.named_parameters())
    assert [functools.reduce(getattr, name.split("."), model) for name, _ in named] == [
        parameter for _, parameter in named]
    # the lists read the same attributes, in order
    assert model.layers == [getattr(model, f"layer{i}") for i in range(len(sizes))]
    assert [p for layer in model.layers for n in layer.neurons for p in [*n.w, n.b]] == [
        parameter for _, parameter in named]


def test_neuron_layer_and_mlp_find_their_parameters_as_any_module_does() -> None:
    """No hand-written lists: what a user's module gets, nn's own classes use."""
    for cls in (Neuron, Layer, MLP):
        for method in ("parameters", "named_parameters", "own_parameters", "named_children"):
            assert method not in vars(cls), f"{cls.__name__} overrides {method}"
    neuron, layer = Neuron(2, seed=0), Layer(2, 2, seed=0)
    neuron.scale = Value(2.0, kind="parameter")
    neuron.seen = Value(1.0, kind="input")  # an input is not trained
    layer.gate = Neuron(2, activation="sigmoid", seed=1)
    assert [name for name, _ in neuron.named_parameters()] == ["w0", "w1", "b", "scale"]
    assert [name for name, _ in layer.named_parameters()][-3:] == ["gate.w0", "gate.w1",
                                                                   "gate.b"]


def test_a_replaced_weight_is_the_one_the_neuron_uses_and_trains() -> None:
    neuron = Neuron(2, activation="linear", seed=0)
    new_weight = Value(5.0, label="mine", kind="parameter")
    neuron.w1 = new_weight
    assert neuron.w[1] is new_weight and neuron.parameters()[1] is new_weight
    out = neuron([1.0, 2.0])
    assert out.data == pytest.approx(neuron.w0.data + 10.0 + neuron.b.data, rel=1e-15)
    out.backward()
    assert new_weight.grad == 2.0


@settings(max_examples=25)
@given(nin=st.integers(1, 4), sizes=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       seed=st.integers(0, 2**32))
def test_same_seed_same_model_and_the_init_is_within_one_over_sqrt_nin(
        nin: int, sizes: list[int], seed: int) -> None:
    first, second = MLP(nin, sizes, seed=seed), MLP(nin, sizes, seed=seed)
    assert first.state_dict() == second.state_dict()
    assert first.num_parameters() == sum((a + 1) * b for a, b in zip([nin, *sizes], sizes))
    for layer in first.layers:
        bound = 1 / math.sqrt(layer.nin)
        assert all(-bound <= p.data <= bound for p in layer.parameters())


def test_different_seeds_give_different_models() -> None:
    assert MLP(2, [4, 1], seed=1).state_dict() != MLP(2, [4, 1], seed=2).state_dict()


def test_building_a_model_leaves_the_global_random_state_alone() -> None:
    random.seed(123)
    expected = random.random()
    random.seed(123)
    MLP(3, [8, 8, 1], seed=5)
    assert random.random() == expected


def test_a_shared_random_stream_can_be_passed_as_seed() -> None:
    rng = random.Random(9)
    first = Neuron(2, seed=rng)
    second = Neuron(2, seed=rng)
    assert first.state_dict() != second.state_dict()
    again = random.Random(9)
    assert Neuron(2, seed=again).state_dict() == first.state_dict()


def test_repr_shows_the_architecture_and_the_parameter_count() -> None:
    text = repr(MLP(2, [16, 16, 1]))
    assert text.splitlines()[0] == ("MLP(2, [16, 16, 1], activation='relu', "
                                    "output_activation='linear'): 337 parameters")
    assert "layer1: Layer(16 -> 16, relu): 272 parameters" in text
    assert repr(Neuron(3, activation="tanh")) == "Neuron(3, activation='tanh'): 4 parameters"


@pytest.mark.parametrize("build, message", [
    (lambda: MLP(0, [1]), "nin"),
    (lambda: MLP(2, []), "sizes"),
    (lambda: MLP(2, 3), "sizes"),
    (lambda: MLP(2, [4, 0]), "sizes"),
    (lambda: MLP(2, [4, 1], activation="gelu"), "unknown activation 'gelu'"),
    (lambda: Neuron(2, activation=["relu"]), "unknown activation"),
    (lambda: Layer(2, True), "nout"),
    (lambda: Neuron(2, seed=1.5), "seed must be an int"),
    (lambda: Neuron(2, name="layer0//n"), "module name is a path"),
    (lambda: Layer(2, 2, name=""), "module name is a path"),
])
def test_bad_construction_arguments_are_named(build, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_a_row_of_the_wrong_length_says_how_many_inputs_are_expected() -> None:
    with pytest.raises(ValueError, match=r"MLP expects 2 input\(s\) per row, got 3"):
        MLP(2, [1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Layer 'layer0' expects 2"):
        Layer(2, 2)([1.0])
    with pytest.raises(TypeError, match="one input row"):
        Neuron(1)(1.0)
    with pytest.raises(TypeError, match="str"):
        MLP(2, [1])(["a", "b"])


@pytest.mark.parametrize("model", [Neuron(3, activation="tanh", seed=2),
                                   Layer(3, 4, activation="sigmoid", seed=2),
                                   MLP(3, [4, 1], seed=2), MLP(3, [4, 2], seed=2)])
def test_forward_batch_equals_forward_row_by_row(model) -> None:
    X = [[0.1, 0.2, 0.3], [-1.0, 0.5, 2.0], [3.0, -2.0, 0.0]]

    def data(out):
        return [o.data for o in out] if isinstance(out, list) else out.data

    assert [data(out) for out in model.forward_batch(X)] == [data(model(x)) for x in X]
    with pytest.raises(ValueError, match=r"expects 3 input\(s\) per row, got 2"):
        model.forward_batch([[1.0, 2.0, 3.0], [1.0, 2.0]])
    with pytest.raises(TypeError, match="list of input rows"):
        model.forward_batch(5)


def test_a_batch_enters_each_neuron_scope_once_and_tags_every_row() -> None:
    model = MLP(2, [3, 1], seed=0)
    outputs = model.forward_batch([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    assert {out.scope for out in outputs} == {"layer1/neuron0"}
    hidden = [node for out in outputs for node in out.children[0].children[3:]]
    assert [node.scope for node in hidden] == [f"layer0/neuron{j}" for j in range(3)] * 3


def test_parameters_are_made_under_their_neurons_scope() -> None:
    # viz folds each parameter into its neuron and layer by .scope, even where an L2
    # penalty outside every scope uses it too.
    model = MLP(2, [3, 1], seed=0)
    for name, parameter in model.named_parameters():
        layer, neuron, _ = name.split(".")
        assert parameter.scope == f"{layer}/{neuron}", name
    assert Neuron(2, name="neuron5").b.scope == "neuron5"
