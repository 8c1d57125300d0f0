"""Value: a scalar that remembers how it was computed.

Every operation on Values creates a new Value (a node) that stores its inputs (its
children, as a tuple) and the primitive that made it. Nothing points from a child back to
its parents and no node holds a closure, so a graph is freed by reference counting the
moment the last reference to its output goes away.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from autograd import clock, mode
from autograd.fast_sweep import backward as _fast_sweep
from autograd.functions import is_number
from autograd.node import Node, describe
from autograd.primitives import (
    ABS,
    ADD,
    ARITHMETIC_ERRORS,
    DIV,
    DOT,
    EXP,
    IDENTITY,
    LEAKY_RELU,
    LOG,
    MUL,
    NEG,
    POW,
    RELU,
    SIGMOID,
    SOFTPLUS,
    SQRT,
    SUB,
    SUM,
    TANH,
    Primitive,
)

LEAF_KINDS = ("input", "parameter", "constant")


class Value(Node):
    """A scalar in a computation graph.

    data: the number (always a float).
    grad: d(output)/d(this Value), filled in by `output.backward()`; starts at 0.0.
    label: a name for pictures and error messages ("w1", "loss").
    scope: the `scope(...)` path the node was created in ("layer0/neuron3"), or "".
    """

    __slots__ = ()  # the fields are Node's

    def __init__(self, data: float, label: str = "", kind: str = "input") -> None:
        """Wrap a number. kind: "input" (default), "parameter" (trained) or "constant"."""
        self._data = _number(data, "Value()")
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        if kind not in LEAF_KINDS:
            raise ValueError(f"Value kind must be one of {LEAF_KINDS}, got {kind!r}")
        self.grad = 0.0
        self.label = label
        self.scope = mode.current_scope()
        self._children: tuple[Value, ...] = ()
        self._op: Primitive | None = None
        self._kind = kind
        self._serial = _tick()
        self._visit = None
        self._saved = None

    # ---- the number -------------------------------------------------------------------------
    @property
    def data(self) -> float:
        """The number (a float)."""
        return self._data

    @data.setter
    def data(self, number: float) -> None:
        """Give a leaf a new number (an optimizer step does this to every parameter).

        Graphs already built from this leaf hold derivatives and numbers of the old one, so
        backward() on them refuses (StaleGraphError): run the forward pass again to build
        a graph from the new number. A computed node's number follows from its inputs and
        cannot be set: change the inputs instead.
        """
        if self._children:
            raise AttributeError(
                f"data of {describe(self)} cannot be set: it was computed by {self.op} from "
                f"other Values and must agree with them. Change the inputs and run the "
                f"forward pass again, or start from a new leaf: Value({number!r}).")
        if number.__class__ is not float:  # the check costs more than the rest: floats skip it
            number = _number(number, "Value.data")
        self._saved = self._data
        self._data = number
        # The leaf now counts as made at this moment: a node made before it reads the old
        # number, and that node's serial is smaller (which is what backward() checks).
        self._serial = clock.last_change = _tick()

    # ---- what learners see ------------------------------------------------------------
    def __repr__(self) -> str:
        label = f"{self.label!r}, " if self.label else ""
        return f"Value({label}data={self.data:.6g}, grad={self.grad:.6g})"

    def __format__(self, spec: str) -> str:
        """f"{v:.3f}" formats the number (v.data); f"{v}" is the readable repr."""
        return format(self.data, spec) if spec else str(self)

    def __bool__(self) -> bool:
        """True unless the number is 0, as for a float (and a 0-d PyTorch tensor).

        Branching on a Value (`if v:`), like comparing it (`if loss > 0.5:`), looks at
        its number and chooses which graph to build; it is not a computation, so no
        gradient is lost. Without this, every Value would count as True, even Value(0.0).
        """
        return self.data != 0.0

    # ---- a Value is not a float: turning it into one would cut the graph -----------------
    # math.exp(v), math.sin(v), float(v), int(v), round(v), range(v), ... all ask the Value
    # for a plain number. The result would have no link to v, so the gradient through it
    # would be silently 0. Each conversion raises instead and says what to write.
    def __float__(self) -> float:
        raise _conversion_error(self, "float()")

    def __complex__(self) -> complex:
        raise _conversion_error(self, "complex()")

    def __int__(self) -> int:
        raise _conversion_error(self, "int()")

    def __index__(self) -> int:
        raise _conversion_error(self, "using it as an index or a count")

    def __round__(self, ndigits: int | None = None) -> float:
        raise _conversion_error(self, "round()")

    def __trunc__(self) -> int:
        raise _conversion_error(self, "math.trunc()")

    def __floor__(self) -> int:
        raise _conversion_error(self, "math.floor()")

    def __ceil__(self) -> int:
        raise _conversion_error(self, "math.ceil()")

    # ---- comparisons look at data; == and hash stay identity (Values live in sets) --------
    def __lt__(self, other: Any) -> bool:
        return self._data < _data_of(other)

    def __le__(self, other: Any) -> bool:
        return self._data <= _data_of(other)

    def __gt__(self, other: Any) -> bool:
        return self._data > _data_of(other)

    def __ge__(self, other: Any) -> bool:
        return self._data >= _data_of(other)

    # ---- arithmetic: thin calls into the table -------------------------------------------
    def __add__(self, other: Any) -> Value:
        return _binary(ADD, self, other)

    def __radd__(self, other: Any) -> Value:
        return _binary(ADD, other, self)

    def __sub__(self, other: Any) -> Value:
        return _binary(SUB, self, other)

    def __rsub__(self, other: Any) -> Value:
        return _binary(SUB, other, self)

    def __mul__(self, other: Any) -> Value:
        return _binary(MUL, self, other)

    def __rmul__(self, other: Any) -> Value:
        return _binary(MUL, other, self)

    def __truediv__(self, other: Any) -> Value:
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Any) -> Value:
        return _binary(DIV, other, self)

    def __pow__(self, other: Any) -> Value:
        return _binary(POW, self, other)

    def __rpow__(self, other: Any) -> Value:
        return _binary(POW, other, self)

    def __neg__(self) -> Value:
        return _unary(NEG, self)

    def __pos__(self) -> Value:
        """+x is x itself: no operation, so no node."""
        return self

    def __abs__(self) -> Value:
        return _unary(ABS, self)

    def exp(self) -> Value:
        return _unary(EXP, self)

    def log(self) -> Value:
        return _unary(LOG, self)

    def sqrt(self) -> Value:
        return _unary(SQRT, self)

    def tanh(self) -> Value:
        return _unary(TANH, self)

    def sigmoid(self) -> Value:
        return _unary(SIGMOID, self)

    def relu(self) -> Value:
        return _unary(RELU, self)

    def softplus(self) -> Value:
        return _unary(SOFTPLUS, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        return _binary(LEAKY_RELU, self, slope)

    # ---- gradients -------------------------------------------------------------------------
    def backward(self, grad: float = 1.0) -> None:
        """Fill in .grad of every Value this one depends on: d(self)/d(node).

        Leaves accumulate across calls (add to what is there, as in PyTorch) until you
        zero them; intermediate nodes are recomputed by each call.
        """
        _fast_sweep(self, _number(grad, "backward(grad=...)"))

    def detach(self) -> Value:
        """A constant leaf with the same data: gradients stop here."""
        return Value(self.data, self.label, kind="constant")


# ---- creating nodes ---------------------------------------------------------------------
_new_object = object.__new__
_read_mode = mode.read
_tick = clock.tick  # every Value's serial: see autograd/clock.py


def _node(data: float, children: tuple[Value, ...], op: Primitive,
          saved: list[float] | None = None) -> Value:
    """A new Value made by op from children; under no_grad() a constant leaf instead.

    saved: the children's numbers, kept for backward by n-ary nodes (a dot node's rule
    needs all of them, and reading them again from 2n children costs more than keeping
    the list the forward pass made anyway; PyTorch calls this saving for backward).
    """
    node = _new_object(Value)
    node._data = data
    node.grad = 0.0
    node.label = ""
    grad_enabled, node.scope = _read_mode()  # this thread's or task's: see autograd.mode
    if grad_enabled:
        node._children = children
        node._op = op
        node._kind = "computed"
        node._saved = saved
    else:
        node._children = ()
        node._op = None
        node._kind = "constant"
        node._saved = None
    node._serial = _tick()
    node._visit = None
    return node


def constant(x: Any, where: str = "constant()") -> Value:
    """A new constant leaf holding x's number (x a number, or a Value: as x.detach()).

    A constant needs no gradient: backward() passes nothing on to what made it.
    where: who is asking, for the TypeError when x is not a number.
    """
    if isinstance(x, Value):
        return x.detach()
    return Value(_number(x, where), kind="constant")


def as_value(x: Any, where: str = "a Value operation") -> Value:
    """x itself if it is a Value, else the number lifted to a constant leaf (the 2 in 2 * x).

    where: who is asking, for the TypeError when x is not a number.
    """
    if isinstance(x, Value):
        return x
    return constant(x, where)


# Each maker reads op.forward into a local before calling it: CPython would look a
# function stored on an instance up as a method, slowly, on every call.
def _unary(op: Primitive, x: Value) -> Value:
    forward = op.forward
    try:
        data = forward(x._data)
    except ARITHMETIC_ERRORS as error:
        raise op.input_error(error, (x._data,), (describe(x),)) from None
    return _node(data, (x,), op)


def _binary(op: Primitive, x: Any, y: Any) -> Value:
    if x.__class__ is not Value:
        x = as_value(x, op.name)
    if y.__class__ is not Value:
        y = as_value(y, op.name)
    forward = op.forward
    try:
        data = forward(x._data, y._data)
    except ARITHMETIC_ERRORS as error:
        raise op.input_error(error, (x._data, y._data), (describe(x), describe(y))) from None
    return _node(data, (x, y), op)


def _nary(op: Primitive, items: tuple[Any, ...]) -> Value:
    """A node for any arity (n-ary forwards take the list, fixed arities the arguments).

    items may hold numbers, lifted to constants.
    """
    items, values = _lifted(items)
    return _from_values(op, items, values)


def _lifted(items: tuple[Any, ...]) -> tuple[tuple[Value, ...], list[float]]:
    """items with numbers lifted to constants, and the list of their numbers.

    Inside a network they are all Values already, so the data is read in the same pass
    that checks that: a number (or a subclass) is skipped, and only then are the items
    lifted and read again.
    """
    values = [item._data for item in items if item.__class__ is Value]
    if len(values) < len(items):
        items = tuple(map(as_value, items))
        values = [node._data for node in items]
    return items, values


def _from_values(op: Primitive, items: tuple[Value, ...], values: list[float]) -> Value:
    """The node op makes from items, whose numbers are values (read by the caller)."""
    forward = op.forward
    try:
        data = forward(values) if op.arity is None else forward(*values)
    except ARITHMETIC_ERRORS as error:
        raise op.input_error(error, values, [describe(node) for node in items]) from None
    return _node(data, items, op, values if op.arity is None else None)


def _number(x: Any, where: str) -> float:
    """float(x) for an int or float; a TypeError naming the type for anything else."""
    if not is_number(x):
        hint = "; a bool is not a number here, use 1.0 or 0.0" if isinstance(x, bool) else ""
        if isinstance(x, Value):
            hint = ("; it is a Value already: use it as it is, or x.detach() (or "
                    "Value(x.data)) for a new leaf with its number")
        raise TypeError(f"{where} takes an int or float, got {type(x).__name__}: {x!r}{hint}")
    return float(x)


def _conversion_error(value: Value, conversion: str) -> TypeError:
    """The error for a Value used where Python wants a plain number (float(v), math.exp(v))."""
    name = value.label or "v"
    return TypeError(
        f"{conversion} of a Value ({describe(value)}) would give a plain number with no link "
        f"back to the graph, so no gradient could flow through it (math.exp({name}), "
        f"math.sin({name}) and the like call float({name})). Compute with the Value instead: "
        f"{name}.exp(), "
        f"autograd.exp({name}), {name}.tanh(), {name} ** 0.5; or, for the number itself "
        f"(printing, logging, plain arithmetic), use {name}.data.")


def _data_of(x: Any) -> float:
    return x._data if isinstance(x, Value) else _number(x, "comparison with a Value")


# ---- fused n-ary primitives --------------------------------------------------------------
def sum(values: Iterable[Any]) -> Value:  # noqa: A001 - autograd.sum, as torch.sum
    """x_1 + ... + x_n as one node (numbers are lifted to constants); 0.0 for no values."""
    items = tuple(values)
    if not items:
        return constant(0.0)
    return _nary(SUM, items)


def dot(weights: Sequence[Any], inputs: Sequence[Any]) -> Value:
    """w_1 x_1 + ... + w_n x_n as one node: a neuron's weighted sum in a single step.

    (autograd.batch.dot_each makes one such node per row of a batch, faster.)
    """
    weights, inputs = tuple(weights), tuple(inputs)
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights but {len(inputs)} inputs; "
                         f"they must pair up one to one")
    if not weights:
        return constant(0.0)
    return _nary(DOT, weights + inputs)


def identity(x: Value) -> Value:
    """A new node equal to x with derivative 1 (the functional API's fresh input)."""
    return _unary(IDENTITY, x)


def apply(op: Primitive, *inputs: Any) -> Value:
    """Apply any table entry to Values or numbers: apply(TABLE['tanh'], x)."""
    if op.arity is not None and len(inputs) != op.arity:
        raise TypeError(f"{op.name} takes {op.arity} input(s), got {len(inputs)}")
    return _nary(op, inputs)

