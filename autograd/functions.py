"""Math functions that work on plain numbers and on Values alike.

`tanh(0.5)` returns a float; `tanh(Value(0.5))` returns a Value and records a node.
The derivative rules in the table of primitives are written with these functions and
ordinary arithmetic, which is what lets one rule serve both the fast float backward
pass and the graph-building pass that gives second derivatives.

For numbers the call goes through the same table entry (and the same clear errors) as
for Values.
"""

from __future__ import annotations

import math
import numbers
from typing import Any


def is_number(x: Any) -> bool:
    """True for ints and floats (any real number), False for bools and everything else.

    bool is a subclass of int, so True would pass as 1; where a number belongs a bool is
    almost always a mistake.
    """
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _call_by_name(name: str, x: Any) -> Any:
    """The table entry `name` on a number (a float back), or the Value method `name`."""
    from autograd.primitives import TABLE  # the table's rules import this module

    if is_number(x):
        return TABLE[name].evaluate(float(x))
    method = getattr(x, name, None)
    if method is None:
        raise TypeError(f"{name}() takes a number or a Value, got {type(x).__name__}")
    return method()


def exp(x: Any) -> Any:
    """e ** x."""
    return _call_by_name("exp", x)


def log(x: Any) -> Any:
    """Natural logarithm, defined for x > 0."""
    return _call_by_name("log", x)


def sqrt(x: Any) -> Any:
    """Square root, defined for x >= 0."""
    return _call_by_name("sqrt", x)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent, (e^x - e^-x) / (e^x + e^-x), in (-1, 1)."""
    return _call_by_name("tanh", x)


def sigmoid(x: Any) -> Any:
    """Logistic sigmoid, 1 / (1 + e^-x), in (0, 1)."""
    return _call_by_name("sigmoid", x)


def relu(x: Any) -> Any:
    """max(x, 0)."""
    return _call_by_name("relu", x)


def softplus(x: Any) -> Any:
    """log(1 + e^x), a smooth relu."""
    return _call_by_name("softplus", x)


def leaky_relu(x: Any, slope: float = 0.01) -> Any:
    """x for x > 0, slope * x otherwise."""
    from autograd.primitives import TABLE

    if is_number(x):
        return TABLE["leaky_relu"].evaluate(float(x), float(slope))
    return x.leaky_relu(slope)


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
