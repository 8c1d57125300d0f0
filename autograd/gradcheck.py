"""gradcheck: do backward()'s gradients agree with finite differences?

The central difference (f(x + eps) - f(x - eps)) / (2 eps) approximates f'(x) with an
error that shrinks like eps^2, independently of how backward() computed it. Agreement
within atol + rtol * |numeric| is strong evidence that the derivative rules are right.

With order=2 it also checks second derivatives, as PyTorch's gradgradcheck and JAX's
check_grads(order=2) do: the engine's second derivative d/dx_j (d f/d x_i), from the graph
of the gradient, against central differences of the engine's own first derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.backward import gradients
from autograd.errors import GradcheckError
from autograd.mode import no_grad
from autograd.value import Value, _number


def numeric_gradient(f: Callable[..., Any], inputs: list[float], eps: float = 1e-6) -> list[float]:
    """Central differences of f at inputs, one per input (f takes Values, returns a Value)."""
    with no_grad():
        return _central_differences(lambda point: _evaluate(f, point), inputs, eps)


def analytic_gradient(f: Callable[..., Any], inputs: list[float]) -> list[float]:
    """The gradients backward() gives for f at inputs."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    out = f(*leaves)
    if isinstance(out, Value):
        out.backward()
    return [leaf.grad for leaf in leaves]


def analytic_hessian(f: Callable[..., Any], inputs: list[float]) -> list[list[float]]:
    """H[i][j] = d/dx_j (d f/d x_i): the graph of each first derivative, swept again."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    out = f(*leaves)
    if not isinstance(out, Value):
        return [[0.0] * len(leaves) for _ in leaves]
    first = gradients(out, leaves, create_graph=True)
    return [gradients(d, leaves) if isinstance(d, Value) else [0.0] * len(leaves)
            for d in first]


def numeric_hessian(f: Callable[..., Any], inputs: list[float],
                    eps: float = 1e-6) -> list[list[float]]:
    """H[i][j] by central differences of the engine's first derivative d f/d x_i along x_j."""
    columns = _central_differences(lambda point: analytic_gradient(f, point), inputs, eps)
    return [[columns[j][i] for j in range(len(inputs))] for i in range(len(inputs))]


def gradcheck(f: Callable[..., Any], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, order: int = 1) -> bool:
    """True if backward() matches central differences at inputs; else GradcheckError.

    The inputs come one by one, gradcheck(f, 1.0, 2.0), or as one tuple, PyTorch's form
    gradcheck(f, (1.0, 2.0)). order=2 checks the second derivatives as well. The error
    message is a table: input, analytic derivative, numeric derivative, error.
    """
    if order not in (1, 2):
        raise ValueError(f"gradcheck checks order 1 or 2, got order={order!r}")
    if len(inputs) == 1 and isinstance(inputs[0], (tuple, list)):
        inputs = tuple(inputs[0])
    points = [x.data if isinstance(x, Value) else _number(x, "gradcheck input") for x in inputs]
    names = [f"x{i}" for i in range(len(points))]
    rows = _compare(names, points, analytic_gradient(f, points),
                    numeric_gradient(f, points, eps), atol, rtol)
    if order == 2:
        hessian_names = [f"d/d{b} d/d{a}" for a in names for b in names]
        rows += _compare(hessian_names, [points[j] for _ in points for j in range(len(points))],
                         _flatten(analytic_hessian(f, points)),
                         _flatten(numeric_hessian(f, points, eps)), atol, rtol)
    if all(ok for *_, ok in rows):
        return True
    width = max(7, *(len(name) for name, *_ in rows))
    table = [f"{'input':>{width}} {'value':>14} {'analytic':>14} {'numeric':>14} {'error':>10}"]
    table += [f"{name:>{width}} {x:>14.6g} {a:>14.8g} {n:>14.8g} {err:>10.3g}"
              f"{'' if ok else '  <- mismatch'}" for name, x, a, n, err, ok in rows]
    raise GradcheckError(f"derivatives disagree with central differences "
                         f"(order={order}, eps={eps}, atol={atol}, rtol={rtol}):\n"
                         + "\n".join(table))


def _compare(names: Sequence[str], points: Sequence[float], analytic: Sequence[float],
             numeric: Sequence[float], atol: float, rtol: float) -> list[tuple]:
    """(name, point, analytic, numeric, error, within tolerance) for each derivative."""
    return [(name, x, a, n, abs(a - n), abs(a - n) <= atol + rtol * abs(n))
            for name, x, a, n in zip(names, points, analytic, numeric)]


def _central_differences(g: Callable[[list[float]], Any], inputs: list[float],
                         eps: float) -> list[Any]:
    """(g(x + eps e_i) - g(x - eps e_i)) / (2 eps) for each input i; g gives a number or a
    list of numbers (then the difference is taken entry by entry)."""
    slopes = []
    for i in range(len(inputs)):
        above = g([x + eps if j == i else x for j, x in enumerate(inputs)])
        below = g([x - eps if j == i else x for j, x in enumerate(inputs)])
        if isinstance(above, list):
            slopes.append([(a - b) / (2 * eps) for a, b in zip(above, below)])
        else:
            slopes.append((above - below) / (2 * eps))
    return slopes


def _flatten(matrix: list[list[float]]) -> list[float]:
    return [entry for row in matrix for entry in row]


def _evaluate(f: Callable[..., Any], inputs: list[float]) -> float:
    out = f(*[Value(x) for x in inputs])
    return out.data if isinstance(out, Value) else _number(out, "the function's result")
