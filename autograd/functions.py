"""Math functions that work on plain numbers and on Values alike.

`tanh(0.5)` returns a float; `tanh(Value(0.5))` returns a Value and records a node:

    >>> from autograd import Value, tanh
    >>> tanh(0.0), tanh(Value(0.0, "x")).op
    (0.0, 'tanh')

For numbers the call goes through the same table entry (and the same clear errors) as
for Values.
"""

from __future__ import annotations

import numbers
from typing import Any

from autograd.primitives import TABLE


def is_number(x: Any) -> bool:
    """True for ints and floats (any real number), False for bools and everything else.

    bool is a subclass of int, so True would pass as 1; where a number belongs a bool is
    almost always a mistake.
    """
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _call_by_name(name: str, x: Any) -> Any:
    """The table entry `name` on a number (a float back), or the Value method `name`."""
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
    if is_number(x):
        return TABLE["leaky_relu"].evaluate(float(x), float(slope))
    return x.leaky_relu(slope)
