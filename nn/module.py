"""Module: the base class of everything in nn that holds trainable parameters.

A module owns some parameters (Values of kind "parameter") and some child modules. From
those two lists alone it can answer every bookkeeping question a training loop asks:
which numbers to train (`parameters()`), what they are called (`named_parameters()`),
how to reset their gradients (`zero_grad()`), and how to write them down and read them
back (`state_dict()`, `load_state_dict()`, `save()`, `load()`). The names are PyTorch's.

Calling a module, `model(x)`, runs its `forward(x)`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from autograd import Value
from nn import serialization


class Module:
    """A piece of a network: parameters of its own plus child modules.

    Subclasses define `forward`, and assign their parameters (Values of kind "parameter")
    and child modules as attributes, as in PyTorch; lists, tuples and dicts of them count
    too. nn's own Neuron, Layer and MLP are built the same way (model.layer0.neuron3.w1 is
    the parameter named "layer0.neuron3.w1"). Subclasses may define `config` so that a
    saved file can say which architecture it belongs to.
    """

    # How the module's output should be read when it is a single number: a sigmoid output
    # is a probability, anything else a score. nn.train uses it to pick the 0.5 or 0.0
    # decision threshold for accuracy.
    final_activation: str = "linear"

    def forward(self, x: Any) -> Any:
        """The module's computation on one input. Subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward(x)")

    def __call__(self, x: Any) -> Any:
        return self.forward(x)

    def forward_batch(self, X: Sequence[Any]) -> list[Any]:
        """forward(x) for every row x of X, as a list. Modules may compute it faster than
        one row at a time (nn's layers go layer by layer); fit and predict use it."""
        return [self.forward(x) for x in X]

    # ---- what a module is made of ------------------------------------------------------
    # By default, as in PyTorch, a module is made of what its attributes hold: a Value of
    # kind "parameter" is a parameter, a Module is a child, and a list, tuple or dict of them
    # contributes each item under "name.index" or "name.key". Attributes count in the order
    # they were first assigned (vars() keeps it). Inputs and constants are not trained.
    def own_parameters(self) -> Iterator[tuple[str, Value]]:
        """(short name, parameter) for the parameters this module holds itself."""
        for name, item in _attribute_items(self):
            if isinstance(item, Value) and item.kind == "parameter":
                yield name, item

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(short name, module) for the modules directly inside this one."""
        for name, item in _attribute_items(self):
            if isinstance(item, Module):
                yield name, item

    def config(self) -> dict[str, Any]:
        """The constructor arguments that fix the architecture (not the weights)."""
        return {}

    # ---- derived from the two lists above -------------------------------------------------
    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """Every parameter with its dotted name, e.g. "layer0.neuron3.w1", in a fixed order.

        The order is: this module's own parameters, then each child's, depth first. It never
        changes between calls, so lists of parameters from two calls line up one to one.
        """
        seen: set[int] = set()  # a Value held in two places is one parameter (first name)
        for name, parameter in self._all_named_parameters(prefix):
            if id(parameter) not in seen:
                seen.add(id(parameter))
                yield name, parameter

    def _all_named_parameters(self, prefix: str) -> Iterator[tuple[str, Value]]:
        for name, parameter in self.own_parameters():
            yield prefix + name, parameter
        for name, child in self.named_children():
            yield from child._all_named_parameters(prefix + name + ".")

    def parameters(self) -> list[Value]:
        """Every trainable Value, in the order of `named_parameters()`.

        The same walk as named_parameters() without the dotted names: a training step asks
        for the parameters every time and never for their names, and building the names
        took most of the time (issue 16: 5 ms a call for digits' MLP(64, [32, 10])).
        """
        if type(self).named_parameters is not Module.named_parameters:
            return [parameter for _, parameter in self.named_parameters()]  # its own order
        found: list[Value] = []
        _gather_parameters(self, found)
        # A Value held in two places is one parameter, kept at its first place, as in
        # named_parameters(). Values hash by identity, and dict.fromkeys keeps the first
        # of equal keys, in order.
        return list(dict.fromkeys(found))

    def zero_grad(self) -> None:
        """Set every parameter's .grad to 0.

        Needed before each backward(): a leaf's gradient accumulates across backward()
        calls (as in PyTorch), so without it step k would also follow the gradients of
        steps 0 .. k-1.
        """
        for parameter in self.parameters():
            parameter.grad = 0.0

    def num_parameters(self) -> int:
        """How many numbers training adjusts."""
        return len(self.parameters())

    # ---- keeping the weights -------------------------------------------------------------
    def state_dict(self) -> dict[str, float]:
        """{dotted name: value} for every parameter: the weights as plain numbers."""
        return {name: parameter.data for name, parameter in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy the numbers of `state` into the parameters with the same names.

        Every entry is checked before any is copied: a missing, extra or malformed entry
        raises StateDictError naming it, and then the model is left exactly as it was.
        """
        serialization.assign_state(self, serialization.check_state_dict(self, state))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and the weights to `path` as JSON, atomically.

        Atomically: the JSON goes to a temporary file in the same folder, which then
        replaces `path` in one step; a crash half-way leaves the old file untouched.
        """
        serialization.save(self, path)

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read weights saved by `save(path)` into this model.

        The file is validated in full first (size, JSON, format, version, architecture,
        every entry; see nn.serialization for the list); any problem raises StateDictError
        saying what is wrong and leaves the model unchanged. A missing file raises
        FileNotFoundError.
        """
        serialization.load_into(self, path)


def _attribute_items(module: Module) -> Iterator[tuple[str, Any]]:
    """(name, item) for each attribute of module, lists, tuples and dicts opened one level:
    self.w = [v0, v1] gives ("w.0", v0), ("w.1", v1); self.heads = {"a": m} gives ("heads.a", m)."""
    for name, value in vars(module).items():
        if isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                yield f"{name}.{index}", item
        elif isinstance(value, dict):
            for key, item in value.items():
                yield f"{name}.{key}", item
        else:
            yield name, value


# ---- the walk of parameters(), without names --------------------------------------------------
def _gather_parameters(module: Module, found: list[Value]) -> None:
    """Append module's own parameters, then each child's, depth first, to `found`: the order
    of named_parameters(), with a Value held in two places appearing twice."""
    own, children = _parts(module)
    found += own
    for child in children:
        _gather_parameters(child, found)


def _parts(module: Module) -> tuple[list[Value], list[Module]]:
    """module's own parameters and its child modules, without their names.

    A module that says itself what it is made of (its class overrides own_parameters or
    named_children) is asked through those methods. Otherwise its attributes are read
    here directly, by the rule of _attribute_items: the same items in the same order,
    without a generator per attribute or a name per item.
    """
    cls = type(module)
    if cls.own_parameters is not Module.own_parameters \
            or cls.named_children is not Module.named_children:
        return ([parameter for _, parameter in module.own_parameters()],
                [child for _, child in module.named_children()])
    # Attributes are of a few types (Value, str, int, Neuron, ...), so asking each type
    # once whether it is a container or a module is cheaper than asking each attribute:
    # a neuron holds no lists and no modules, and its walk skips both questions.
    items = list(vars(module).values())
    types = set(map(type, items))
    if any(issubclass(held, (list, tuple, dict)) for held in types):
        items = _opened(items)
        types = set(map(type, items))
    own = [item for item in items if isinstance(item, Value) and item.kind == "parameter"]
    if not any(issubclass(held, Module) for held in types):
        return own, []
    return own, [item for item in items if isinstance(item, Module)]


def _opened(values: list[Any]) -> list[Any]:
    """values with each list, tuple and dict opened one level, as _attribute_items does."""
    items: list[Any] = []
    for value in values:
        if isinstance(value, (list, tuple)):
            items += value
        elif isinstance(value, dict):
            items += value.values()
        else:
            items.append(value)
    return items
