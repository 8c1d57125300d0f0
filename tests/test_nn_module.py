"""Module: parameters, names, zero_grad, state dicts; and nn's place among the packages."""

from __future__ import annotations

import ast
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, Module, Neuron, StateDictError


class Affine(Module):
    """A user-defined module: y = a * x + c, with a Neuron inside."""

    def __init__(self) -> None:
        self.a = Value(2.0, label="a", kind="parameter")
        self.c = Value(-1.0, label="c", kind="parameter")
        self.inner = Neuron(1, activation="linear", seed=0)

    def forward(self, x: list[float]) -> Value:
        return self.inner([self.a * x[0] + self.c])


def test_a_user_module_gets_names_parameters_and_state_dict_for_free() -> None:
    module = Affine()
    assert [name for name, _ in module.named_parameters()] == ["a", "c", "inner.w0", "inner.b"]
    assert module.parameters()[:2] == [module.a, module.c]
    assert module.state_dict()["a"] == 2.0
    out = module([3.0])
    assert out.data == pytest.approx(module.inner.w[0].data * 5.0 + module.inner.b.data)


def test_forward_batch_of_a_user_module_calls_forward_per_row() -> None:
    module = Affine()
    outputs = module.forward_batch([[1.0], [2.0]])
    assert [o.data for o in outputs] == [module([1.0]).data, module([2.0]).data]


def test_calling_a_module_without_forward_says_so() -> None:
    with pytest.raises(NotImplementedError, match="Module does not define forward"):
        Module()([1.0])


def test_parameters_come_in_the_same_order_every_time() -> None:
    model = MLP(3, [4, 2])
    assert model.parameters() == model.parameters()
    assert model.num_parameters() == len(model.state_dict()) == 4 * 4 + 5 * 2


def test_zero_grad_clears_what_backward_accumulated() -> None:
    model = MLP(2, [3, 1], seed=1)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip_restores_the_outputs() -> None:
    source, target = MLP(2, [5, 1], seed=1), MLP(2, [5, 1], seed=2)
    assert target([0.3, 0.4]).data != source([0.3, 0.4]).data
    target.load_state_dict(source.state_dict())
    assert target([0.3, 0.4]).data == source([0.3, 0.4]).data


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("layer1.neuron0.b"), r"missing 1 parameter\(s\): 'layer1.neuron0.b'"),
    (lambda s: s.update({"layer9.neuron0.b": 1.0}), "'layer9.neuron0.b'"),
    (lambda s: s.update({"layer0.neuron1.w0": [1.0, 2.0]}),
     "'layer0.neuron1.w0' is a list"),
    (lambda s: s.update({"layer0.neuron0.b": "0.5"}), "'layer0.neuron0.b' is a str"),
    (lambda s: s.update({"layer0.neuron0.b": True}), "is a bool"),
    (lambda s: s.update({"layer0.neuron0.b": float("nan")}), "nan .not finite."),
])
def test_a_bad_state_dict_is_named_and_changes_nothing(change, message: str) -> None:
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    state = MLP(2, [2, 1], seed=5).state_dict()
    change(state)
    with pytest.raises(StateDictError, match=message):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_every_problem_of_a_state_dict_is_reported_at_once() -> None:
    state = MLP(2, [2, 1]).state_dict()
    state.pop("layer0.neuron0.w0")
    state["extra"] = 1.0
    state["layer1.neuron0.b"] = None
    with pytest.raises(StateDictError) as caught:
        MLP(2, [2, 1]).load_state_dict(state)
    text = str(caught.value)
    assert "'layer0.neuron0.w0'" in text and "'extra'" in text and "NoneType" in text
    with pytest.raises(StateDictError, match="dict of name -> number"):
        MLP(2, [2, 1]).load_state_dict([1.0, 2.0])


def test_nn_imports_only_autograd_the_standard_library_tqdm_and_torch() -> None:
    """The layering of DESIGN.md: nn never imports viz or demos; tqdm and torch lazily."""
    root = pathlib.Path(__file__).resolve().parent.parent / "nn"
    for path in sorted(root.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top not in ("viz", "demos"), f"{path.name} imports {name}"
                if top in ("tqdm", "torch"):
                    assert node.col_offset > 0, f"{path.name} imports {name} at module level"


class PyTorchStyle(Module):
    """A module written as a PyTorch user would: parameters and children as attributes."""

    def __init__(self) -> None:
        self.scale = Value(0.5, kind="parameter")
        self.x_seen = Value(3.0)  # an input: not trained
        self.offsets = [Value(0.1, kind="parameter"), Value(0.2, kind="parameter")]
        self.blocks = {"first": Neuron(1, activation="linear", seed=1)}
        self.pair = (Neuron(1, activation="tanh", seed=2), Value(1.0, kind="constant"))
        self.again = self.scale  # the same Value twice is one parameter

    def forward(self, x: list[float]) -> Value:
        return self.pair[0]([self.blocks["first"]([self.scale * x[0] + self.offsets[0]])])


def test_attributes_are_found_in_assignment_order_with_dotted_names() -> None:
    module = PyTorchStyle()
    names = [name for name, _ in module.named_parameters()]
    assert names == ["scale", "offsets.0", "offsets.1", "blocks.first.w0", "blocks.first.b",
                     "pair.0.w0", "pair.0.b"]
    assert module.parameters()[0] is module.scale
    assert module.x_seen not in module.parameters()


@pytest.mark.parametrize("kind", ["input", "constant"])
def test_a_value_that_is_not_a_parameter_is_not_trained_saved_or_zeroed(kind: str) -> None:
    module = Affine()
    module.data_point = Value(4.0, kind=kind)
    module.data_point.grad = 1.5
    assert module.data_point not in module.parameters()
    assert "data_point" not in module.state_dict()
    module.zero_grad()
    assert module.data_point.grad == 1.5


def test_a_state_dict_missing_an_attribute_parameter_names_it_with_its_dots() -> None:
    state = PyTorchStyle().state_dict()
    del state["offsets.1"], state["blocks.first.b"]
    with pytest.raises(StateDictError, match=r"missing 2 parameter\(s\): 'offsets.1', "
                                             r"'blocks.first.b'"):
        PyTorchStyle().load_state_dict(state)


def test_an_attribute_module_trains_saves_and_loads(tmp_path) -> None:
    from nn import SGD
    module = PyTorchStyle()
    optimizer = SGD(module.parameters(), lr=0.1)
    loss = (module([1.0]) - 1.0) ** 2
    module.zero_grad()
    loss.backward()
    before = module.scale.data
    optimizer.step()
    assert module.scale.data != before
    module.save(tmp_path / "m.json")
    other = PyTorchStyle()
    other.load(tmp_path / "m.json")
    assert other.state_dict() == module.state_dict()


# ---- parameters() walks without names, and agrees with named_parameters() -----------------------
class Bag(Module):
    """A module holding whatever it is given, as attributes a0, a1, ... in that order."""

    def __init__(self, held: list) -> None:
        for i, item in enumerate(held):
            setattr(self, f"a{i}", item)


class ParametersBackwards(Bag):
    """Says itself which parameters it holds: its attributes' parameters, last first."""

    def own_parameters(self):
        return reversed(list(super().own_parameters()))


class ChildrenBackwards(Bag):
    """Says itself which modules it holds: its attributes' modules, last first."""

    def named_children(self):
        return reversed(list(super().named_children()))


@st.composite
def module_trees(draw) -> Module:
    """A random module tree: Values (of each kind) and modules held in attributes, lists,
    tuples and dicts, any of them in several places, some classes saying themselves what
    they hold. Each module can hold only those made before it, so there are no cycles."""
    kinds = st.sampled_from(["parameter", "parameter", "parameter", "input", "constant"])
    values = [Value(0.0, kind=draw(kinds)) for _ in range(draw(st.integers(1, 8)))]
    modules: list[Module] = []
    for _ in range(draw(st.integers(1, 6))):
        item = st.sampled_from(values + modules)
        holding = st.one_of(item, st.lists(item, max_size=3), st.lists(item, max_size=3).map(tuple),
                            st.dictionaries(st.sampled_from("xyz"), item, max_size=3),
                            st.sampled_from([7, "text", None]))
        cls = draw(st.sampled_from([Bag, ParametersBackwards, ChildrenBackwards]))
        modules.append(cls(draw(st.lists(holding, min_size=1, max_size=5))))
    return modules[-1]


@settings(max_examples=200, deadline=None)
@given(module_trees())
def test_parameters_are_named_parameters_without_the_names(module: Module) -> None:
    assert module.parameters() == [parameter for _, parameter in module.named_parameters()]
    assert module.num_parameters() == len(module.state_dict())


def test_parameters_follow_a_subclass_that_overrides_named_parameters() -> None:
    class Renamed(Affine):
        def named_parameters(self, prefix: str = ""):
            return reversed(list(super().named_parameters(prefix)))

    module = Renamed()
    assert module.parameters() == [module.inner.b, module.inner.w0, module.c, module.a]


def test_a_subclass_saying_what_it_holds_is_asked_even_when_it_is_a_child() -> None:
    inner = ParametersBackwards([Value(1.0, kind="parameter"), Value(2.0, kind="parameter")])
    outer = Bag([Value(3.0, kind="parameter"), inner, inner.a0])
    # outer's own parameters first (inner.a0 is one of them too), then inner's, last first;
    # inner.a0 counts once, at its first place
    assert outer.parameters() == [outer.a0, inner.a0, inner.a1]
