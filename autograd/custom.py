"""Your own operation: one entry like those of the table of primitives, declared in one call.

    >>> from autograd import Value, primitive, sigmoid
    >>> swish = primitive("swish", lambda x: x * sigmoid(x),
    ...                   lambda x, out: out + sigmoid(x) * (1 - out),
    ...                   math="d/dx swish(x) = swish(x) + sigmoid(x) * (1 - swish(x))")
    >>> round(swish(1.0), 4)              # a number in, a float out
    0.7311
    >>> x = Value(1.0, "x")
    >>> y = swish(x)                      # a Value in: one "swish" node in the graph
    >>> y.backward()
    >>> y.op, round(x.grad, 4)
    ('swish', 0.9277)

The forward function works on floats. The derivative rule, (x, out) -> d out/d x, is
written as the table's rules are: ordinary arithmetic and autograd's functions
(autograd.sigmoid, autograd.exp, ...), never math.exp. Then the same rule runs on floats
(backward) and on Values (a gradient with a graph of its own), and second derivatives
work: grad(grad(swish)). autograd.testing.check_primitive(swish) property-tests both.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from autograd.functions import is_number
from autograd.node import Node
from autograd.primitives import TABLE, Primitive
from autograd.value import Value, apply

# What each domain allows, in words (the DomainError says it) and as a test on a float.
# NaN passes every test (it is neither <= 0 nor == 0): it flows on, as through built-ins.
DOMAINS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "real": ("", lambda x: True),
    "positive": ("needs x > 0", lambda x: not x <= 0.0),
    "nonzero": ("needs x != 0", lambda x: x != 0.0),
}


class OwnPrimitive:
    """A primitive you declared with autograd.primitive(), as a function.

    On a number it returns a float; on a Value it returns a new Value, one node whose
    primitive is `self.primitive`, so backward(), grad() and viz treat it as a built-in.
    """

    __slots__ = ("primitive", "__name__")

    def __init__(self, declared: Primitive) -> None:
        self.primitive = declared
        self.__name__ = declared.name

    def __call__(self, x: Any) -> Any:
        if is_number(x):
            return self.primitive.evaluate(float(x))
        if isinstance(x, Value):
            return apply(self.primitive, x)
        raise TypeError(f"{self.__name__}() takes a number or a Value, "
                        f"got {type(x).__name__}: {x!r}")

    def __repr__(self) -> str:
        return f"<your primitive {self.__name__}: {self.primitive.math}>"


def primitive(name: str, forward: Callable[[float], float],
              derivative: Callable[[Any, Any], Any], math: str = "",
              domain: str = "real", kinks: tuple[float, ...] = ()) -> OwnPrimitive:
    """Declare a one-input operation, its derivative and its domain; get it as a function.

    forward: x -> f(x) on floats.
    derivative: (x, out) -> d out/d x, where out = f(x) (reuse it: d tanh = 1 - out * out).
    math: the derivative in plain text, "d/dx f(x) = ...", shown in pictures and checks.
    domain: "real", "positive" (x > 0) or "nonzero" (x != 0). Outside it, the operation
        raises a DomainError naming the value and the node, as log(0) does.
    kinks: points where the derivative jumps (relu's 0); checks stay away from them.
    """
    _check_name(name)
    _check_callable(name, "forward", forward, 1, "x -> f(x)")
    _check_callable(name, "derivative", derivative, 2, "(x, out) -> d out/d x")
    if domain not in DOMAINS:
        raise ValueError(f"{name}: unknown domain {domain!r}; use 'real', 'positive' (x > 0) "
                         f"or 'nonzero' (x != 0)")
    requirement, allowed = DOMAINS[domain]
    return OwnPrimitive(Primitive(
        name, name, 1, _guarded_forward(name, forward, allowed), _checked_rule(name, derivative),
        math or f"d/dx {name}(x): the derivative rule given to autograd.primitive",
        domain=(domain,), kinks=tuple(kinks), requirement=requirement))


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"a primitive's name is a Python name such as 'swish' or 'my_tanh', "
                         f"got {name!r}")
    if name in TABLE:
        raise ValueError(f"{name!r} is a built-in primitive already; give yours another "
                         f"name, such as 'my_{name}'")


def _check_callable(name: str, role: str, function: Any, count: int, shape: str) -> None:
    """TypeError unless function can be called with `count` positional arguments."""
    if not callable(function):
        raise TypeError(f"{name}: {role} must be a function {shape}, "
                        f"got {type(function).__name__}: {function!r}")
    try:
        parameters = inspect.signature(function)
    except ValueError:  # some built-ins (math.exp on older Pythons) have no signature to read
        return
    try:
        parameters.bind(*[0.0] * count)
    except TypeError:
        raise TypeError(f"{name}: {role} must take {count} argument(s), {shape}; "
                        f"it takes {parameters}") from None


def _guarded_forward(name: str, forward: Callable[[float], Any],
                     allowed: Callable[[float], bool]) -> Callable[[float], float]:
    """forward, refusing inputs outside the domain and results that are not real numbers.

    A ValueError here becomes the primitive's DomainError (Primitive.input_error), named
    with the value and the node, just as math.log(0) does for the built-in log.
    """
    def checked_forward(x: float) -> float:
        if not allowed(x):
            raise ValueError(x)
        result = forward(x)
        if not is_number(result):
            raise TypeError(f"{name}: forward must return a number for the number {x!r}; it "
                            f"returned {type(result).__name__}: {result!r} (a complex result "
                            f"means x is outside where {name} is real: declare its domain)")
        return float(result)

    return checked_forward


def _checked_rule(name: str, derivative: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """derivative, with a clear error when it returns something that is not a slope (None
    from a missing return, a list, a string). It gets floats in backward() and Values when
    a gradient needs a graph of its own (second derivatives)."""
    def checked_derivative(x: Any, out: Any) -> Any:
        slope = derivative(x, out)
        if not (is_number(slope) or isinstance(slope, Node)):
            raise TypeError(f"{name}: derivative must return d out/d x, a number (or a Value "
                            f"when given Values); it returned {type(slope).__name__}: "
                            f"{slope!r}")
        return slope

    return checked_derivative
