"""The bridge to PyTorch: the same network as a torch.nn.Sequential, and back.

An MLP layer of nout neurons with nin inputs is exactly torch.nn.Linear(nin, nout):
Linear's weight matrix has one row per neuron (row j holds neuron j's weights w_0 ..
w_{nin-1}) and its bias vector one entry per neuron. Each activation becomes its torch
module (relu -> ReLU, ...; linear -> nothing). The torch side is float64, like Python's
floats, so both give the same outputs and gradients to rounding error.

torch is imported only inside these functions: blameflow itself never needs it.

Imports point one way: nn.layers calls this module (MLP.to_torch, MLP.from_torch), and this
module never imports nn.layers. It reads a model through its layers and neurons, and gives
back the numbers an MLP is built from (torch_architecture), so the import graph stays acyclic.
"""

from __future__ import annotations

from typing import Any

INSTALL_HINT = "pip install torch  (or: pip install blameflow[torch])"

# blameflow activation name -> torch.nn class name. leaky_relu's slope is torch's default.
TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid",
                     "leaky_relu": "LeakyReLU"}
LEAKY_SLOPE = 0.01


def import_torch() -> Any:
    """The torch module, or an ImportError that says how to install it."""
    try:
        import torch
    except ImportError:
        raise ImportError(f"the PyTorch bridge needs PyTorch, which is not installed: "
                          f"{INSTALL_HINT}") from None
    return torch


def to_torch(model: Any) -> Any:
    """A torch.nn.Sequential of Linear (float64) and activation modules equal to model.

    model is an nn.MLP (anything with .layers of .neurons with weights .w and bias .b).
    """
    torch = import_torch()
    modules = []
    for layer in model.layers:
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in neuron.w]
                                              for neuron in layer.neurons],
                                             dtype=torch.float64))
            linear.bias.copy_(torch.tensor([neuron.b.data for neuron in layer.neurons],
                                           dtype=torch.float64))
        modules.append(linear)
        if layer.activation != "linear":
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[layer.activation])())
    return torch.nn.Sequential(*modules)


def torch_architecture(sequential: Any) -> tuple[dict[str, Any], dict[str, float]]:
    """The MLP(...) arguments and the state dict that rebuild a torch.nn.Sequential.

    The Sequential must alternate Linear layers and (optional) activations: ReLU, Tanh,
    Sigmoid, LeakyReLU (slope 0.01) or Identity. All hidden layers need the same
    activation (an MLP has one); the last may differ. A Linear without bias gets bias 0.
    With a single Linear there is no hidden layer, and the MLP's unused hidden activation
    is the default, relu. MLP.from_torch builds the model from these two dicts.
    """
    torch = import_torch()
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(f"from_torch takes a torch.nn.Sequential, got "
                        f"{type(sequential).__name__}")
    linears, activations = _read_layers(torch, sequential)
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(f"from_torch: the hidden layers use different activations "
                         f"{activations[:-1]}; an MLP uses one for all hidden layers")
    arguments = {"nin": linears[0].in_features,
                 "sizes": [linear.out_features for linear in linears],
                 "activation": activations[0] if len(activations) > 1 else "relu",
                 "output_activation": activations[-1]}
    state = {}
    for i, linear in enumerate(linears):
        weight = linear.weight.detach().to(torch.float64).tolist()
        bias = (linear.bias.detach().to(torch.float64).tolist() if linear.bias is not None
                else [0.0] * linear.out_features)
        for j, row in enumerate(weight):
            state.update({f"layer{i}.neuron{j}.w{k}": w for k, w in enumerate(row)})
            state[f"layer{i}.neuron{j}.b"] = bias[j]
    return arguments, state


def _read_layers(torch: Any, sequential: Any) -> tuple[list[Any], list[str]]:
    """The Linear modules in order, and the activation name that follows each one."""
    by_class = {name: key for key, name in TORCH_ACTIVATIONS.items()}
    linears: list[Any] = []
    activations: list[str] = []
    for position, module in enumerate(sequential):
        kind = type(module).__name__
        if isinstance(module, torch.nn.Linear):
            linears.append(module)
            activations.append("linear")
        elif isinstance(module, torch.nn.Identity):
            continue
        elif kind in by_class and linears and activations[-1] == "linear":
            if kind == "LeakyReLU" and module.negative_slope != LEAKY_SLOPE:
                raise ValueError(f"from_torch: module {position} is LeakyReLU with slope "
                                 f"{module.negative_slope}; blameflow's leaky_relu uses "
                                 f"{LEAKY_SLOPE}")
            activations[-1] = by_class[kind]
        else:
            raise ValueError(f"from_torch: module {position} ({kind}) does not fit; expected "
                             f"Linear layers, each followed by at most one of "
                             f"{', '.join(by_class)} or Identity")
    if not linears:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    for before, after in zip(linears, linears[1:]):
        if before.out_features != after.in_features:
            raise ValueError(f"from_torch: a Linear with {before.out_features} outputs feeds "
                             f"one with {after.in_features} inputs")
    return linears, activations
