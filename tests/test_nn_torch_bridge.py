"""to_torch / from_torch: same outputs and gradients to 1e-9, clear errors, install hint."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import ACTIVATIONS, MLP

TOLERANCE = {"rel": 1e-12, "abs": 1e-9}


@st.composite
def models_and_inputs(draw: st.DrawFn) -> tuple[MLP, list[float]]:
    nin = draw(st.integers(1, 3))
    model = MLP(nin, draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)),
                activation=draw(st.sampled_from(sorted(ACTIVATIONS))),
                output_activation=draw(st.sampled_from(sorted(ACTIVATIONS))),
                seed=draw(st.integers(0, 1000)))
    x = draw(st.lists(st.floats(-3, 3), min_size=nin, max_size=nin))
    return model, x


def blameflow_outputs_and_gradients(model: MLP, x: list[float]):
    """Outputs, and the gradients of their sum for every weight and every input."""
    inputs = [Value(v) for v in x]
    out = model(inputs)
    outputs = out if isinstance(out, list) else [out]
    total = outputs[0]
    for o in outputs[1:]:
        total = total + o
    total.backward()
    weights = [[([w.grad for w in n.w], n.b.grad) for n in layer.neurons]
               for layer in model.layers]
    return [o.data for o in outputs], weights, [v.grad for v in inputs]


def torch_outputs_and_gradients(torch, sequential, x: list[float]):
    inputs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = sequential(inputs)
    out.sum().backward()
    linears = [m for m in sequential if isinstance(m, torch.nn.Linear)]
    weights = [[(lin.weight.grad[j].tolist(), lin.bias.grad[j].item())
                for j in range(lin.out_features)] for lin in linears]
    return out.tolist(), weights, inputs.grad.tolist()


def flatten(weights) -> list[float]:
    return [g for layer in weights for ws, b in layer for g in [*ws, b]]


@settings(max_examples=30)
@given(models_and_inputs())
def test_to_torch_gives_the_same_outputs_and_gradients(case) -> None:
    torch = pytest.importorskip("torch")
    model, x = case
    ours = blameflow_outputs_and_gradients(model, x)
    theirs = torch_outputs_and_gradients(torch, model.to_torch(), x)
    assert ours[0] == pytest.approx(theirs[0], **TOLERANCE)
    assert flatten(ours[1]) == pytest.approx(flatten(theirs[1]), **TOLERANCE)
    assert ours[2] == pytest.approx(theirs[2], **TOLERANCE)


@settings(max_examples=20)
@given(models_and_inputs())
def test_from_torch_goes_back_to_the_same_model(case) -> None:
    pytest.importorskip("torch")
    model, x = case
    back = MLP.from_torch(model.to_torch())
    if len(model.sizes) == 1:
        # no hidden layer: the hidden activation is unused and torch has no trace of it
        assert back.layers[0].activation == model.layers[0].activation
    else:
        assert back.config() == model.config()
    assert back.state_dict() == model.state_dict()  # float64 both ways: bit for bit


def test_from_torch_reads_a_model_built_in_torch() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    sequential = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4), torch.nn.Tanh(),
        torch.nn.Linear(4, 2, bias=False), torch.nn.Identity()).double()
    model = MLP.from_torch(sequential)
    assert model.config() == {"nin": 3, "sizes": [5, 4, 2], "activation": "tanh",
                              "output_activation": "linear"}
    assert all(n.b.data == 0.0 for n in model.layers[2].neurons)  # no bias: bias 0
    x = [0.3, -1.2, 2.0]
    ours = blameflow_outputs_and_gradients(model, x)
    inputs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = sequential(inputs)
    out.sum().backward()
    assert ours[0] == pytest.approx(out.tolist(), **TOLERANCE)
    assert ours[2] == pytest.approx(inputs.grad.tolist(), **TOLERANCE)


def test_to_torch_builds_linear_layers_and_activation_modules() -> None:
    torch = pytest.importorskip("torch")
    sequential = MLP(2, [3, 1], activation="leaky_relu", output_activation="sigmoid").to_torch()
    assert [type(m).__name__ for m in sequential] == ["Linear", "LeakyReLU", "Linear",
                                                       "Sigmoid"]
    assert sequential[0].weight.dtype == torch.float64
    assert sequential[1].negative_slope == 0.01


@pytest.mark.parametrize("build, message", [
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(),
                              nn.Linear(3, 1)), "different activations"),
    (lambda nn: nn.Sequential(nn.ReLU(), nn.Linear(2, 1)), r"module 0 \(ReLU\) does not fit"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.ReLU()), "module 2"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=0)), "Softmax"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.2)), "slope 0.2"),
    (lambda nn: nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)), "3 outputs feeds one with 4"),
    (lambda nn: nn.Sequential(), "no Linear layer"),
    (lambda nn: nn.Linear(2, 1), "takes a torch.nn.Sequential"),
])
def test_from_torch_refuses_what_an_mlp_cannot_be(build, message: str) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises((ValueError, TypeError), match=message):
        MLP.from_torch(build(torch.nn))


def test_without_torch_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(ImportError, match=r"pip install torch.*pip install blameflow\[torch\]"):
        MLP(2, [1]).to_torch()
    with pytest.raises(ImportError, match="pip install torch"):
        MLP.from_torch(object())
