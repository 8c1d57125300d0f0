"""The functional API, in JAX's style: transformations of Python functions.

    grad(f)(x)            d f/d x at x, as a float
    value_and_grad(f)(x)  (f(x), d f/d x) from one forward and one backward pass
    hessian(f)(x, y)      the matrix of second derivatives
    grad(grad(f))(x)      second derivative; transformations compose to any order

`f` takes numbers and is called with Values instead; it may use operators, Value methods
and the functions of `autograd` (tanh, exp, ...). The functions are pure: they never
change the .grad of any Value, including Values that `f` closes over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.backward import gradients
from autograd.value import Value, _number, identity

# How many transformations are running inside each other. Inside another one, results
# must stay Values so that the outer transformation can differentiate them again.
_nesting_depth = 0


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """A function returning (f(*args), gradient of f with respect to args[argnums]).

    argnums: an int gives one gradient; a tuple of ints gives a tuple of gradients.
    has_aux: f returns a pair (output, aux), where aux is anything to carry along (the
    predictions, a dict of metrics); then the result is ((output, aux), gradient), as in JAX.
    Only the output is differentiated.

    >>> value_and_grad(lambda x: (x * x, "note"), has_aux=True)(3.0)
    ((9.0, 'note'), 6.0)
    """
    positions = _positions(argnums)

    def value_and_gradient(*args: Any) -> tuple[Any, Any]:
        global _nesting_depth
        nested = _nesting_depth > 0
        for i in positions:
            if i >= len(args):
                raise TypeError(f"argnums asks for argument {i}, but only {len(args)} were given")
        inputs = [(_fresh_input(arg, i) if i in positions else arg) for i, arg in enumerate(args)]
        _nesting_depth += 1
        try:
            out, aux = _split_aux(f(*inputs), has_aux)
            if not isinstance(out, Value):
                # f did not use its inputs (a constant function): derivative zero.
                value: Any = _number(out, "the function's result")
                grads = [0.0] * len(positions)
            else:
                grads = gradients(out, [inputs[i] for i in positions], create_graph=nested)
                value = out if nested else out.data
        finally:
            _nesting_depth -= 1
        return ((value, aux) if has_aux else value), _pack(argnums, grads)

    return value_and_gradient


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """A function returning the gradient of f with respect to args[argnums].

    has_aux: f returns (output, aux); the result is then (gradient, aux), as in JAX.

    >>> grad(lambda x: x * x * x)(2.0)   # d/dx x^3 = 3 x^2
    12.0
    """
    value_and_gradient = value_and_grad(f, argnums, has_aux)

    def gradient(*args: Any) -> Any:
        value, gradient_ = value_and_gradient(*args)
        return (gradient_, value[1]) if has_aux else gradient_

    return gradient


def hessian(f: Callable[..., Any], argnums: Sequence[int] | None = None) -> Callable[..., Any]:
    """A function returning H[i][j] = d^2 f / d args[i] d args[j] as a list of lists.

    By default over all positional arguments. Row i is the gradient of d f/d args[i],
    one grad-of-grad pass per row.
    """

    def matrix(*args: Any) -> list[list[Any]]:
        positions = tuple(range(len(args))) if argnums is None else _positions(argnums)
        return [list(grad(grad(f, i), positions)(*args)) for i in positions]

    return matrix


def _split_aux(result: Any, has_aux: bool) -> tuple[Any, Any]:
    """(output, aux) from what f returned: the pair itself with has_aux, else (result, None)."""
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError("with has_aux=True the function must return a pair (output, aux), "
                        f"got {type(result).__name__}")
    return result


def _positions(argnums: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        return (argnums,)
    positions = tuple(argnums)
    if not positions or not all(isinstance(i, int) and i >= 0 for i in positions):
        raise TypeError(f"argnums must be an int or a tuple of non-negative ints, got {argnums!r}")
    return positions


def _pack(argnums: int | Sequence[int], grads: list[Any]) -> Any:
    return grads[0] if isinstance(argnums, int) else tuple(grads)


def _fresh_input(arg: Any, position: int) -> Value:
    """A node of its own for each differentiated argument.

    A number becomes a new leaf. A Value (from an outer transformation) gets a new identity
    node on top: derivatives are taken with respect to that node only, so an inner grad
    never mixes up its variable with the outer one (JAX's "perturbation confusion").
    """
    if isinstance(arg, Value):
        return identity(arg)
    return Value(_number(arg, f"argument {position}"), label=f"arg{position}")
