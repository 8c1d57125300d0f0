"""gradcheck: do backward()'s gradients agree with finite differences?

The central difference (f(x + eps) - f(x - eps)) / (2 eps) approximates f'(x) with an
error that shrinks like eps^2, independently of how backward() computed it. Agreement
within atol + rtol * |numeric| is strong evidence that the derivative rules are right.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd.errors import GradcheckError
from autograd.mode import no_grad
from autograd.value import Value, _number


def numeric_gradient(f: Callable[..., Any], inputs: list[float], eps: float = 1e-6) -> list[float]:
    """Central differences of f at inputs, one per input (f takes Values, returns a Value)."""
    slopes = []
    with no_grad():
        for i in range(len(inputs)):
            above = [x + eps if j == i else x for j, x in enumerate(inputs)]
            below = [x - eps if j == i else x for j, x in enumerate(inputs)]
            slopes.append((_evaluate(f, above) - _evaluate(f, below)) / (2 * eps))
    return slopes


def analytic_gradient(f: Callable[..., Any], inputs: list[float]) -> list[float]:
    """The gradients backward() gives for f at inputs."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    out = f(*leaves)
    if isinstance(out, Value):
        out.backward()
    return [leaf.grad for leaf in leaves]


def gradcheck(f: Callable[..., Any], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3) -> bool:
    """True if backward() matches central differences at inputs; else GradcheckError.

    The error message is a table: input, analytic gradient, numeric gradient, error.
    """
    points = [x.data if isinstance(x, Value) else _number(x, "gradcheck input") for x in inputs]
    analytic = analytic_gradient(f, points)
    numeric = numeric_gradient(f, points, eps)
    rows = [(i, a, n, abs(a - n), abs(a - n) <= atol + rtol * abs(n))
            for i, (a, n) in enumerate(zip(analytic, numeric))]
    if all(ok for *_, ok in rows):
        return True
    table = [f"{'input':>7} {'value':>14} {'analytic':>14} {'numeric':>14} {'error':>10}"]
    table += [f"{'x' + str(i):>7} {points[i]:>14.6g} {a:>14.8g} {n:>14.8g} {err:>10.3g}"
              f"{'' if ok else '  <- mismatch'}" for i, a, n, err, ok in rows]
    raise GradcheckError(f"gradients disagree with central differences "
                         f"(eps={eps}, atol={atol}, rtol={rtol}):\n" + "\n".join(table))


def _evaluate(f: Callable[..., Any], inputs: list[float]) -> float:
    out = f(*[Value(x) for x in inputs])
    return out.data if isinstance(out, Value) else _number(out, "the function's result")
