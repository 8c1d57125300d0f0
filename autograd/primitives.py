"""The table of primitives: every operation blameflow knows, declared once.

Each entry puts a forward function (floats in, a float out) next to its local derivative
rule: how much the output moves per unit change of each input. The reverse sweep
multiplies these local derivatives by the gradient arriving from above; that product
is the chain rule, one node at a time.

Rules receive the inputs and the output `out` (reusing `out` is cheaper: d tanh = 1 - out^2).
They use only arithmetic and Value's own methods (log, sigmoid), so the same rule
runs on floats (fast backward) and on Values (the gradient gets a graph of its own, and
differentiating it again gives second and third derivatives).

The table doubles as the test catalogue: tests walk it and check every entry against
central differences and PyTorch. Adding an operation is one `_declare` call plus its test.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

from autograd.errors import DomainError

# Python's own errors from math.log(0), 1/0, math.pow(-8, 0.5), math.exp(1000) ...
# are caught and re-raised with the operation's name, the values and the nodes.
ARITHMETIC_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


class Primitive:
    """One operation: its forward function, its local derivatives and its domain.

    arity: 1 (unary), 2 (binary) or None (n-ary: takes a list of inputs).
    derivative: unary (x, out) -> d out/d x; binary (x, y, out) -> (d out/d x, d out/d y);
        n-ary (xs, out) -> [d out/d x_i for each i].
    domain: for each input, "real", "positive" or "nonzero": where the operation and its
        derivative are finite. Tests and `autograd.testing` draw inputs from it.
    kinks: points of the first input where the derivative jumps (relu at 0); the
        derivative there is a convention (PyTorch's), and central differences cannot check it.
    requirement: the domain in words, for error messages.
    math: the derivative in plain text, for learners and for the explorer.
    constant_partials: for a binary op whose local derivatives do not depend on its inputs
        (add: 1 and 1), the pair itself, so the reverse sweep uses it without calling the
        rule (declare with constant=True); None for every other op.
    partial_rules: for an op where one partial can fail while the other is fine (pow:
        d/dy x^y needs log x, not real for x < 0, yet x ** 2 at x = -3 is fine), one rule
        per input, (x, y, out) -> that partial; declare `derivative` as the tuple of them.
        A partial is computed only for an input that needs one. None for every other op.
    """

    __slots__ = ("name", "symbol", "arity", "forward", "derivative", "domain", "kinks",
                 "requirement", "math", "constant_partials", "partial_rules")

    def __init__(self, name: str, symbol: str, arity: int | None, forward: Callable,
                 derivative: Callable | tuple[Callable, ...], math: str,
                 domain: tuple[str, ...] = ("real",),
                 kinks: tuple[float, ...] = (), requirement: str = "",
                 constant: bool = False) -> None:
        self.name = name
        self.symbol = symbol
        self.arity = arity
        self.forward = forward
        self.partial_rules = derivative if isinstance(derivative, tuple) else None
        if self.partial_rules is not None:
            derivative = _all_partials(self.partial_rules)
        self.derivative = derivative
        self.math = math
        self.domain = domain
        self.kinks = kinks
        self.requirement = requirement
        if constant and arity != 2:
            raise ValueError(f"{name}: constant=True is for binary primitives")
        # The rule ignores its inputs, so any will do: call it once, here.
        self.constant_partials = derivative(0.0, 0.0, 0.0) if constant else None

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def partials(self, inputs: Sequence[Any], out: Any) -> Sequence[Any]:
        """Local derivatives d out / d input_i, one per input, whatever the arity."""
        if self.arity == 1:
            return (self.derivative(inputs[0], out),)
        if self.arity == 2:
            return self.derivative(inputs[0], inputs[1], out)
        return self.derivative(inputs, out)

    def partial(self, position: int, inputs: Sequence[Any], out: Any) -> Any:
        """d out / d input_position alone: its own rule if the op has one, else picked from all."""
        if self.partial_rules is not None:
            return self.partial_rules[position](*inputs, out)
        return self.partials(inputs, out)[position]

    def evaluate(self, *inputs: float) -> float:
        """Run the forward function on floats, turning Python's math errors into ours."""
        args = inputs if self.arity is not None else (list(inputs),)
        try:
            return self.forward(*args)
        except ARITHMETIC_ERRORS as error:
            raise self.input_error(error, inputs, [None] * len(inputs)) from None

    def input_error(self, error: Exception, values: Sequence[float],
                    nodes: Sequence[str | None]) -> Exception:
        """The error for inputs outside the domain: names the op, the values and the nodes.

        nodes: a description of each input node ("node 'x'", "a constant"), or None.
        """
        described = ", ".join(_describe(v, label) for v, label in zip(values, nodes))
        if isinstance(error, OverflowError):
            return OverflowError(
                f"{self.name}: the result is too large for a float at {described}. "
                f"Scale the input down, or use a stable form (sigmoid, softplus, "
                f"log-sum-exp) instead of exp.")
        return DomainError(
            f"{self.name}: {self.requirement or 'input outside the domain'}; got {described}. "
            f"Check the values that reach this node, or shift/clamp them into the domain.")

    def derivative_error(self, values: Sequence[float], nodes: Sequence[str | None],
                         position: int = 0) -> DomainError:
        """The error for a point where the local derivative with respect to input `position`
        is infinite (sqrt at 0) or not a real number (d/dy x^y at x < 0)."""
        described = ", ".join(_describe(v, label) for v, label in zip(values, nodes))
        which = "" if len(values) == 1 else f" with respect to input {position + 1}"
        if nodes[position] is not None and len(values) > 1:
            which += f" ({nodes[position]})"
        return DomainError(
            f"backward through {self.name}: the derivative{which} is infinite or not a real "
            f"number at {described} ({self.math}). Keep the input away from that point, e.g. "
            f"sqrt(x + 1e-12); an input that needs no gradient can be a constant.")


def _describe(value: float, who: str | None) -> str:
    return f"{value!r}" if who is None else f"{value!r} ({who})"


TABLE: dict[str, Primitive] = {}


def _declare(name: str, symbol: str, arity: int | None, forward: Callable,
             derivative: Callable | tuple[Callable, ...], math: str,
             **details: Any) -> Primitive:
    primitive = Primitive(name, symbol, arity, forward, derivative, math, **details)
    TABLE[name] = primitive
    return primitive


# NaN is neither > 0 nor <= 0, so a rule written "1 if x > 0 else 0" would turn a NaN that
# reached the node into a clean 0 and hide it. These helpers ask both questions and give
# NaN for NaN, as PyTorch does. (They compare with < and >, never ==, because x may be a
# Value, whose == means "the same node".)
def _sign(x: Any) -> float:
    """1 for x > 0, -1 for x < 0, 0 for x = 0, NaN for NaN."""
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return 0.0 if x >= 0 else math.nan


def _step(x: Any, at_or_below_zero: Any, above_zero: Any) -> Any:
    """above_zero for x > 0, at_or_below_zero for x <= 0, NaN for NaN."""
    if x > 0:
        return above_zero
    return at_or_below_zero if x <= 0 else math.nan


def _power(x: float, y: float) -> float:
    """x ** y, NaN when x or y is NaN.

    IEEE (and math.pow) say NaN ** 0 = 1 and 1 ** NaN = 1; a learner whose weights went
    NaN would then see a clean number come out of the graph. Here nothing hides a NaN.
    """
    if x != x or y != y:  # only NaN differs from itself
        return math.nan
    return math.pow(x, y)


def _all_partials(partial_rules: tuple[Callable, ...]) -> Callable:
    """One rule giving every partial, from a rule per input."""
    def derivative(*inputs_and_out: Any) -> tuple[Any, ...]:
        return tuple(rule(*inputs_and_out) for rule in partial_rules)

    return derivative


def stable_sigmoid(x: float) -> float:
    """1 / (1 + e^-x) on floats without overflow for any finite x.

    For x >= 0, e^-x <= 1 and the textbook form is safe. For x < 0 we use the equal form
    e^x / (1 + e^x), whose e^x <= 1 cannot overflow either.
    """
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def stable_softplus(x: float) -> float:
    """log(1 + e^x) on floats without overflow: max(x, 0) + log(1 + e^-|x|)."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


# A rule runs on floats (backward) and on Values (a gradient with a graph of its own), so
# where it needs log or sigmoid it asks: a Value has the method, a number does not.
def log(x: Any) -> Any:
    """log(x) for a number or a Value."""
    return x.log() if hasattr(x, "log") else math.log(x)


def sigmoid(x: Any) -> Any:
    """sigmoid(x) for a number or a Value."""
    return x.sigmoid() if hasattr(x, "sigmoid") else stable_sigmoid(x)


def _is_zero(x: Any) -> bool:
    """x == 0 for a float and for a Value alike (a Value is false exactly when its number is
    0; its == asks "the same node?")."""
    return not x


def _dot_forward(values: list[float]) -> float:
    half = len(values) // 2
    return sum(map(operator.mul, values[:half], values[half:]))


def _dot_derivative(values: Sequence[Any], out: Any) -> list[Any]:
    # d/dw_i (sum_j w_j x_j) = x_i and d/dx_i = w_i: each weight's partial is its input.
    half = len(values) // 2
    return values[half:] + values[:half]


def _pow_base_partial(x: Any, y: Any, out: Any) -> Any:
    """d/dx x^y = y * x^(y-1).

    At y = 0 the power x^0 = 1 is flat, so 0, even at x = 0 where the formula would read
    0 * 0^-1. For 0 < y < 1 at x = 0 the slope really is infinite (sqrt at 0): 0^(y-1) fails.
    """
    if _is_zero(y) and _is_zero(x):
        return 0.0
    return y * x ** (y - 1)


def _pow_exponent_partial(x: Any, y: Any, out: Any) -> Any:
    """d/dy x^y = x^y * log(x).

    At x = 0 the power 0^y is 0 for every y > 0, flat: 0 (and at y = 0 too, as in PyTorch).
    For x < 0 (x ** 2 with x = -3) it is not a real number and log fails: fine when the
    exponent is a constant, since that partial is then never asked for.
    """
    if _is_zero(x):
        return 0.0
    return out * log(x)


# ---- binary arithmetic -------------------------------------------------------------
ADD = _declare("add", "+", 2, operator.add, lambda x, y, out: (1.0, 1.0),
               "d/dx (x + y) = 1, d/dy (x + y) = 1", constant=True)
SUB = _declare("sub", "-", 2, operator.sub, lambda x, y, out: (1.0, -1.0),
               "d/dx (x - y) = 1, d/dy (x - y) = -1", constant=True)
MUL = _declare("mul", "*", 2, operator.mul, lambda x, y, out: (y, x),
               "d/dx (x * y) = y, d/dy (x * y) = x")
DIV = _declare("div", "/", 2, operator.truediv, lambda x, y, out: (1 / y, -out / y),
               "d/dx (x / y) = 1 / y, d/dy (x / y) = -x / y^2",
               domain=("real", "nonzero"), requirement="division by zero (needs y != 0)")
POW = _declare("pow", "**", 2, _power, (_pow_base_partial, _pow_exponent_partial),
               "d/dx x^y = y * x^(y-1), d/dy x^y = x^y * log(x)",
               domain=("positive", "real"),
               requirement="needs x > 0, or x < 0 with an integer power, or x = 0 with a "
                           "power >= 0")

# ---- unary ----------------------------------------------------------------------------
NEG = _declare("neg", "-", 1, operator.neg, lambda x, out: -1.0, "d/dx (-x) = -1")
ABS = _declare("abs", "abs", 1, abs, lambda x, out: _sign(x), "d/dx |x| = sign(x)", kinks=(0.0,))
IDENTITY = _declare("identity", "id", 1, lambda x: x, lambda x, out: 1.0, "d/dx x = 1")
EXP = _declare("exp", "exp", 1, math.exp, lambda x, out: out, "d/dx exp(x) = exp(x)")
LOG = _declare("log", "log", 1, math.log, lambda x, out: 1 / x, "d/dx log(x) = 1 / x",
               domain=("positive",), requirement="needs x > 0")
SQRT = _declare("sqrt", "sqrt", 1, math.sqrt, lambda x, out: 0.5 / out,
                "d/dx sqrt(x) = 1 / (2 sqrt(x))", domain=("positive",),
                requirement="needs x >= 0")
TANH = _declare("tanh", "tanh", 1, math.tanh, lambda x, out: 1 - out * out,
                "d/dx tanh(x) = 1 - tanh(x)^2")
SIGMOID = _declare("sigmoid", "sigmoid", 1, stable_sigmoid, lambda x, out: out * (1 - out),
                   "d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x))")
# relu and leaky_relu ask "x <= 0?" rather than "x > 0?", so that NaN (neither) passes through.
RELU = _declare("relu", "relu", 1, lambda x: 0.0 if x <= 0.0 else x,
                # _step(x, 0.0, 1.0) written out: relu's is the hottest rule, and a call
                # per node costs a twentieth of a relu network's backward.
                lambda x, out: 1.0 if x > 0 else (0.0 if x <= 0 else math.nan),
                "d/dx relu(x) = 1 if x > 0 else 0", kinks=(0.0,))
SOFTPLUS = _declare("softplus", "softplus", 1, stable_softplus, lambda x, out: sigmoid(x),
                    "d/dx softplus(x) = sigmoid(x)")
# The slope is a second input (a constant), so the table stays a table of plain functions.
LEAKY_RELU = _declare("leaky_relu", "leaky_relu", 2,
                      lambda x, slope: slope * x if x <= 0.0 else x,
                      lambda x, slope, out: (_step(x, slope, 1.0), _step(x, x, 0.0)),
                      "d/dx leaky_relu(x) = 1 if x > 0 else slope", kinks=(0.0,))

# ---- fused n-ary: one node instead of a chain of 2n ---------------------------------
SUM = _declare("sum", "sum", None, sum, lambda xs, out: [1.0] * len(xs),
               "d/dx_i (x_1 + ... + x_n) = 1")
DOT = _declare("dot", "dot", None, _dot_forward, _dot_derivative,
               "d/dw_i (w . x) = x_i, d/dx_i (w . x) = w_i")
