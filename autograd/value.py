"""Value: a scalar that remembers how it was computed.

Every operation on Values creates a new Value (a node) that stores its inputs (its
children, as a tuple) and the primitive that made it. Nothing points from a child back to
its parents and no node holds a closure, so a graph is freed by reference counting the
moment the last reference to its output goes away.

Read top to bottom: making a Value from a number, what it shows, the operators (each one
line, a call into the table of primitives in autograd/primitives.py), backward() and
detach(); set_data, which gives many leaves new numbers at once; then the functions sum,
dot and apply, which make nodes the same way. How a new node is put together fast is
autograd/node_factory.py's business; the chain rule that backward() runs is
autograd/backward.py's.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any

from autograd import clock, mode
from autograd.fast_sweep import backward as _fast_sweep
from autograd.functions import is_number
from autograd.node import CONSTANT, Node, describe
from autograd.node_factory import node_makers
from autograd.primitives import (
    ABS,
    ADD,
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

LEAF_KINDS = ("input", "parameter", CONSTANT)


class Value(Node):
    """A scalar in a computation graph.

    data: the number (always a float).
    grad: d(output)/d(this Value), filled in by `output.backward()`; starts at 0.0.
    label: a name for pictures and error messages ("w1", "loss").
    scope: the `scope(...)` path the node was created in ("layer0/neuron3"), or "".

    >>> x = Value(3.0, "x")
    >>> y = x * x + 1          # two nodes: mul(x, x), then add(that, 1)
    >>> y.backward()           # dy/dx = 2x
    >>> y.data, x.grad
    (10.0, 6.0)
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
        self._kind = sys.intern(kind)  # one object per kind: the fast sweep tests it with `is`
        self._serial = clock.tick()  # when it was made: see autograd/clock.py
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
        cannot be set: change the inputs instead. (set_data below gives many leaves new
        numbers at once.)
        """
        if self._children:
            raise _computed_data_error(self, number)
        if number.__class__ is not float:  # a float, the usual case, needs no call
            number = _number(number, "Value.data")
        self._saved = self._data  # the old number, for StaleGraphError's message
        self._data = number
        # The leaf now counts as made at this moment: a node made before it reads the old
        # number, and that node's serial is smaller (which is what backward() checks).
        self._serial = clock.last_change = clock.tick()

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
        return Value(self.data, self.label, kind=CONSTANT)


# ---- many leaves at once ----------------------------------------------------------------
def set_data(leaves: Iterable[Value], numbers: Iterable[float]) -> None:
    """leaves[i].data = numbers[i] for every i, as one change: an optimizer's step.

    The same meaning as setting .data on each leaf, but about 2.5 times faster for
    thousands of leaves (the setter is a call per leaf), and all or nothing: every leaf
    and every number is checked first, so a computed Value or a non-number among them
    raises the setter's error and no leaf changes. The leaves count as changed at one moment (one
    tick of the clock, see autograd/clock.py), which is all that finding stale graphs
    needs: a graph built before the change refuses backward() (StaleGraphError), a graph
    built after it reads the new numbers. A leaf whose class defines its own data setter
    gets it called, one leaf after the other, once all the checks have passed.
    """
    leaves, numbers = list(leaves), list(numbers)
    if len(leaves) != len(numbers):
        raise ValueError(f"set_data: {len(leaves)} leaves but {len(numbers)} numbers; they "
                         f"pair up one to one")
    if not _plain_leaves_and_floats(leaves, numbers):
        numbers = _checked_numbers(leaves, numbers)
        if any(cls.data is not Value.data for cls in set(map(type, leaves))):
            for leaf, number in zip(leaves, numbers):
                leaf.data = number  # its class's own setter
            return
    moment = clock.tick()
    # last_change first: if this loop is stopped half-way (Ctrl-C), the leaves changed so
    # far are not younger than it, and backward() still checks the graphs built before.
    clock.last_change = moment
    for leaf, number in zip(leaves, numbers):
        leaf._saved = leaf._data  # the old number, for StaleGraphError's message
        leaf._data = number
        leaf._serial = moment


def _plain_leaves_and_floats(leaves: list[Any], numbers: list[Any]) -> bool:
    """Whether every leaf is a Value leaf (of class Value itself) and every number a float:
    an optimizer's case, which needs no further check. One quick pass, no messages."""
    for leaf, number in zip(leaves, numbers):
        if leaf.__class__ is not Value or leaf._children or number.__class__ is not float:
            return False
    return True


def _checked_numbers(leaves: list[Any], numbers: list[Any]) -> list[float]:
    """numbers as floats (ints converted), after the data setter's checks on every pair:
    its error for the first leaf that is not a Value leaf or number that is not a number."""
    checked = []
    for i, (leaf, number) in enumerate(zip(leaves, numbers)):
        if not isinstance(leaf, Value):
            raise TypeError(f"set_data: leaves[{i}] is a {type(leaf).__name__}, not a Value")
        if leaf._children:
            raise _computed_data_error(leaf, number)
        checked.append(_number(number, f"set_data: numbers[{i}] (for {describe(leaf)})"))
    return checked


# ---- leaves from numbers ----------------------------------------------------------------
def constant(x: Any, where: str = "constant()") -> Value:
    """A new constant leaf holding x's number (x a number, or a Value: as x.detach()).

    A constant needs no gradient: backward() passes nothing on to what made it.
    where: who is asking, for the TypeError when x is not a number.
    """
    if isinstance(x, Value):
        return x.detach()
    return Value(_number(x, where), kind=CONSTANT)


def as_value(x: Any, where: str = "a Value operation") -> Value:
    """x itself if it is a Value, else the number lifted to a constant leaf (the 2 in 2 * x).

    where: who is asking, for the TypeError when x is not a number.
    """
    if isinstance(x, Value):
        return x
    return constant(x, where)


# ---- making nodes -----------------------------------------------------------------------
# An operation runs the primitive's forward function on its inputs' numbers and makes the
# new Value that remembers the result, the inputs and the primitive. That is the engine's
# busiest code, written for speed in autograd/node_factory.py; here it is bound to Value.
# _unary(op, x), _binary(op, x, y) and _nary(op, inputs) each return op applied to the
# inputs, as a new Value (numbers among the inputs are lifted by as_value).
_make = node_makers(Value, as_value)
_unary, _binary, _nary = _make.unary, _make.binary, _make.nary


# ---- functions that make nodes: one fused node for a sum or a dot, any table entry ---
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


# ---- checking numbers ------------------------------------------------------------------
def _number(x: Any, where: str) -> float:
    """float(x) for an int or float; a TypeError naming the type for anything else."""
    if x.__class__ is float:  # the usual case, and the check below costs more than the rest
        return x
    if not is_number(x):
        hint = "; a bool is not a number here, use 1.0 or 0.0" if isinstance(x, bool) else ""
        if isinstance(x, Value):
            hint = ("; it is a Value already: use it as it is, or x.detach() (or "
                    "Value(x.data)) for a new leaf with its number")
        raise TypeError(f"{where} takes an int or float, got {type(x).__name__}: {x!r}{hint}")
    return float(x)


def _computed_data_error(node: Value, number: Any) -> AttributeError:
    """The error for giving a computed node a new number (node.data = number)."""
    return AttributeError(
        f"data of {describe(node)} cannot be set: it was computed by {node.op} from "
        f"other Values and must agree with them. Change the inputs and run the "
        f"forward pass again, or start from a new leaf: Value({number!r}).")


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
