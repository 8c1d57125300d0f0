"""Neuron, Layer and MLP: a network built from Values, one readable node at a time.

A neuron computes

    out = activation(w_0 x_0 + ... + w_{n-1} x_{n-1} + b)

as three nodes: one fused `dot` node for the weighted sum, one `add` for the bias and one
for the activation (none for "linear"). A layer is a list of neurons that all read the
same inputs; an MLP (multi-layer perceptron) is a chain of layers, each reading the
previous layer's outputs.

Initialisation (PyTorch's default for nn.Linear): every weight and bias of a neuron with
nin inputs is drawn uniformly from [-1/sqrt(nin), +1/sqrt(nin)]. The 1/sqrt(nin) keeps
the weighted sum of nin inputs about as large as a single input, however wide the layer.
Numbers come from random.Random(seed), never from the global random state, in a fixed
order (layer by layer, neuron by neuron, w_0 .. w_{n-1} then b): the same seed gives the
same model, bit for bit.

Naming: one name per piece, used three ways. Each is an attribute, as a PyTorch user
would write it: an MLP holds layer0, layer1, ...; a layer holds neuron0, neuron1, ...; a
neuron holds w0 .. w{n-1} and b. Module finds them by those attributes, so the dotted name
from named_parameters() is the path to the parameter: "layer0.neuron3.w1" is
model.layer0.neuron3.w1. Parameters are labelled "layer0/neuron3/w1" (what pictures show),
and the nodes of a neuron are created inside scope("layer0") and scope("neuron3"), so their
.scope is "layer0/neuron3". The lists model.layers, layer.neurons and neuron.w read the
same attributes in order.
"""

from __future__ import annotations

import contextlib
import functools
import math
import numbers
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from autograd import Value, scope
from autograd.batch import Batch, dot_each
from nn import torch_bridge
from nn.checks import check_int
from nn.module import Module


def _linear(z: Value) -> Value:
    """The identity: a linear neuron passes its weighted sum through unchanged (no node)."""
    return z


# name -> the function a neuron applies to its weighted sum plus bias.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,  # slope 0.01, as torch.nn.LeakyReLU()
    "linear": _linear,
}


class Neuron(Module):
    """One neuron: activation(w . x + b), with nin weights and a bias.

    name: the neuron's path, used for labels ("layer0/neuron3/w1") and, by its last part,
    for its scope. seed: an int, or a random.Random to draw from (a Layer passes its own so
    that all its neurons come from one stream).
    """

    def __init__(self, nin: int, activation: str = "relu", seed: int | random.Random = 0,
                 name: str = "neuron0") -> None:
        check_int(nin, "Neuron(nin=...)")
        self.activation = _check_activation(activation)
        self.final_activation = activation
        self.name = _check_name(name)
        self._scope_name = name.rsplit("/", 1)[-1]
        self._activate = ACTIVATIONS[activation]
        rng = _rng(seed)
        bound = 1.0 / math.sqrt(nin)
        # Made under the neuron's own scope path, so that viz folds each parameter into its
        # neuron and layer even where other code (an L2 penalty) uses it outside them.
        self.nin = nin
        with _scope_path(name):
            for i in range(nin):
                setattr(self, f"w{i}", Value(rng.uniform(-bound, bound), label=f"{name}/w{i}",
                                             kind="parameter"))
            self.b = Value(rng.uniform(-bound, bound), label=f"{name}/b", kind="parameter")

    @property
    def w(self) -> list[Value]:
        """The weights [w0, ..., w{nin-1}], read from the attributes w0, w1, ..."""
        return _numbered(self, "w", self.nin)

    def forward(self, x: Sequence[Any]) -> Value:
        """activation(w . x + b) for one row x of nin numbers or Values."""
        return self.forward_batch([x])[0]

    def forward_batch(self, X: Sequence[Sequence[Any]]) -> list[Value]:
        """forward(x) for every row x of X."""
        return self._forward_rows(_as_rows(X, self.nin, f"Neuron {self.name!r}"))

    def _forward_rows(self, rows: Batch | Sequence[Sequence[Value]]) -> list[Value]:
        # Rows already checked: this is the hot path of training. The scope is entered
        # once for the whole batch; entering it per row would cost more than the neuron.
        # dot_each makes one dot node per row, reading the weights' numbers only once.
        with scope(self._scope_name):
            return [self._activate(z + self.b) for z in dot_each(self.w, rows)]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation}

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r}): {self.nin + 1} parameters"


class Layer(Module):
    """nout neurons reading the same nin inputs; returns a list of nout Values."""

    def __init__(self, nin: int, nout: int, activation: str = "relu",
                 seed: int | random.Random = 0, name: str = "layer0") -> None:
        check_int(nin, "Layer(nin=...)")
        check_int(nout, "Layer(nout=...)")
        self.activation = _check_activation(activation)
        self.final_activation = activation
        self.name = _check_name(name)
        self._scope_name = name.rsplit("/", 1)[-1]
        rng = _rng(seed)
        self.nin, self.nout = nin, nout
        for j in range(nout):
            setattr(self, f"neuron{j}", Neuron(nin, activation, rng, name=f"{name}/neuron{j}"))

    @property
    def neurons(self) -> list[Neuron]:
        """The neurons [neuron0, ..., neuron{nout-1}], read from those attributes."""
        return _numbered(self, "neuron", self.nout)

    def forward(self, x: Sequence[Any]) -> list[Value]:
        """[neuron(x) for each neuron] for one row x of nin numbers or Values."""
        return self.forward_batch([x])[0]

    def forward_batch(self, X: Sequence[Sequence[Any]]) -> list[list[Value]]:
        """forward(x) for every row x of X."""
        return [list(row) for row in self._forward_rows(_as_rows(X, self.nin,
                                                                 f"Layer {self.name!r}"))]

    def _forward_rows(self, rows: Sequence[Sequence[Value]]) -> list[tuple[Value, ...]]:
        batch = Batch(rows)  # every neuron reads the same rows: read their numbers once
        with scope(self._scope_name):
            columns = [neuron._forward_rows(batch) for neuron in self.neurons]
        # columns[j][r] is neuron j's output for row r; the next layer wants them by row.
        return list(zip(*columns))

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    def __repr__(self) -> str:
        return (f"Layer({self.nin} -> {self.nout}, {self.activation}): "
                f"{(self.nin + 1) * self.nout} parameters")


class MLP(Module):
    """A multi-layer perceptron: MLP(nin, [h1, ..., nout]).

    Hidden layers use `activation`, the last layer `output_activation` ("linear" by
    default: a raw score or logit, which is what the losses expect). Calling it on one
    input row returns a single Value when nout == 1 (one score per row, handy for binary
    classification and regression) and a list of nout Values otherwise.
    """

    def __init__(self, nin: int, sizes: Sequence[int], activation: str = "relu",
                 output_activation: str = "linear", seed: int | random.Random = 0) -> None:
        check_int(nin, "MLP(nin=...)")
        if isinstance(sizes, numbers.Integral) or not isinstance(sizes, Sequence) or not sizes:
            raise TypeError(f"MLP(nin, sizes): sizes is the list of layer widths ending with "
                            f"the number of outputs, e.g. [16, 16, 1]; got {sizes!r}")
        for size in sizes:
            check_int(size, "each of MLP's sizes")
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(output_activation)
        self.final_activation = output_activation
        rng = _rng(seed)
        widths = [nin, *sizes]
        last = len(sizes) - 1
        self.nin, self.num_layers = nin, len(sizes)
        for i in range(self.num_layers):
            setattr(self, f"layer{i}", Layer(widths[i], widths[i + 1],
                                             output_activation if i == last else activation,
                                             rng, name=f"layer{i}"))

    @property
    def layers(self) -> list[Layer]:
        """The layers [layer0, ..., layer{num_layers-1}], read from those attributes."""
        return _numbered(self, "layer", self.num_layers)

    @property
    def sizes(self) -> list[int]:
        return [layer.nout for layer in self.layers]

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        """The network's output for one input row of nin numbers (or Values)."""
        return self.forward_batch([x])[0]

    def forward_batch(self, X: Sequence[Sequence[Any]]) -> list[Value] | list[list[Value]]:
        """forward(x) for every row x of X, computed layer by layer for the whole batch."""
        rows = _as_rows(X, self.nin, "MLP")
        for layer in self.layers:
            rows = layer._forward_rows(rows)
        return [row[0] if len(row) == 1 else list(row) for row in rows]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "sizes": self.sizes, "activation": self.activation,
                "output_activation": self.output_activation}

    def to_torch(self) -> Any:
        """An equivalent torch.nn.Sequential (float64) holding copies of these weights."""
        return torch_bridge.to_torch(self)

    @classmethod
    def from_torch(cls, sequential: Any) -> MLP:
        """An MLP with the weights of a torch.nn.Sequential of Linear and activation layers."""
        arguments, state = torch_bridge.torch_architecture(sequential)
        model = cls(**arguments)
        model.load_state_dict(state)
        return model

    def __repr__(self) -> str:
        lines = [f"MLP({self.nin}, {self.sizes}, activation={self.activation!r}, "
                 f"output_activation={self.output_activation!r}): "
                 f"{self.num_parameters()} parameters"]
        lines += [f"  layer{i}: {layer!r}" for i, layer in enumerate(self.layers)]
        return "\n".join(lines)


# ---- helpers shared by the three classes ----------------------------------------------------
def _numbered(module: Module, prefix: str, count: int) -> list[Any]:
    """[module.<prefix>0, ..., module.<prefix>{count-1}]: the attributes __init__ set in a loop.

    Read afresh on each call (once per batch, not per row), so it always agrees with the
    attributes, also after one is replaced (model.layer0.neuron1.w0 = Value(...)).
    """
    return [getattr(module, name) for name in _numbered_names(prefix, count)]


@functools.cache
def _numbered_names(prefix: str, count: int) -> tuple[str, ...]:
    """("w0", "w1", ...), made once: formatting them on every forward pass cost twice as
    much as reading the attributes."""
    return tuple(f"{prefix}{i}" for i in range(count))


def _as_rows(X: Sequence[Sequence[Any]], nin: int, who: str) -> list[list[Value]]:
    """Every row of X through _as_inputs."""
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence):
        raise TypeError(f"{who}.forward_batch takes a list of input rows, "
                        f"got {type(X).__name__}")
    return [_as_inputs(x, nin, who) for x in X]


def _as_inputs(x: Sequence[Any], nin: int, who: str) -> list[Value]:
    """x as a list of nin Values: numbers become input leaves labelled x0, x1, ...

    Lifting once here, rather than inside every neuron, makes one leaf per input number
    instead of one per neuron, and gives pictures of the graph named inputs.
    """
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{who} takes one input row: a list of {nin} numbers, "
                        f"got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} input(s) per row, got {len(x)}; "
                         f"build it with nin={len(x)} or pass rows of length {nin}")
    return [v if isinstance(v, Value) else Value(v, label=f"x{i}") for i, v in enumerate(x)]


def _check_activation(name: Any) -> str:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of "
                         f"{', '.join(ACTIVATIONS)}")
    return name


@contextlib.contextmanager
def _scope_path(path: str) -> Iterator[None]:
    """Enter scope(part) for every part of "layer0/neuron3", as the forward pass does."""
    with contextlib.ExitStack() as stack:
        for part in path.split("/"):
            stack.enter_context(scope(part))
        yield


def _check_name(name: Any) -> str:
    """A path of scope names such as "layer0/neuron3": non-empty parts joined by "/"."""
    if not isinstance(name, str) or not all(name.split("/")):
        raise ValueError(f"a module name is a path like 'layer0/neuron3' (non-empty parts "
                         f"joined by '/'), got {name!r}")
    return name


def _rng(seed: int | random.Random) -> random.Random:
    """A private random stream: a given Random is shared, an int seeds a new one."""
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int or a random.Random, got {type(seed).__name__}")
    return random.Random(seed)
