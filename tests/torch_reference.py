"""PyTorch's version of every table entry, for cross-checks in float64.

Kept apart from the tests so each test module that compares against PyTorch uses the same
mapping; tests import it only after torch has been found importable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch


def tensor(x: Any) -> torch.Tensor:
    return x if isinstance(x, torch.Tensor) else torch.tensor(float(x), dtype=torch.float64)


def _dot(*xs: torch.Tensor) -> torch.Tensor:
    half = len(xs) // 2
    return (torch.stack(xs[:half]) * torch.stack(xs[half:])).sum()


_FUNCTIONS: dict[str, Callable[..., torch.Tensor]] = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
    "pow": torch.pow, "neg": torch.neg, "abs": torch.abs, "identity": lambda x: x * 1.0,
    "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "tanh": torch.tanh,
    "sigmoid": torch.sigmoid, "relu": torch.relu,
    # Not F.softplus: above its threshold (20) it returns x itself, slope exactly 1,
    # where the true slope is sigmoid(x) = 1 - 2e-9. logaddexp(x, 0) = log(1 + e^x) exactly.
    "softplus": lambda x: torch.logaddexp(x, torch.zeros_like(x)),
    "leaky_relu": lambda x, slope: torch.where(x > 0, x, slope * x),
    "sum": lambda *xs: torch.stack(xs).sum(),
    "dot": _dot,
}

def _on_tensors(f: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    return lambda *args: f(*map(tensor, args))


# Every entry takes its inputs as separate arguments and accepts numbers or tensors.
FUNCTIONS = {name: _on_tensors(f) for name, f in _FUNCTIONS.items()}


def value_and_gradients(f: Callable[..., torch.Tensor],
                        inputs: list[float]) -> tuple[float, list[float]]:
    """f's value and gradient at inputs, computed by PyTorch in float64."""
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = f(*leaves)
    if not out.requires_grad:  # a function of constants only
        return float(out), [0.0] * len(inputs)
    grads = torch.autograd.grad(out, leaves, allow_unused=True)
    return float(out.detach()), [0.0 if g is None else float(g) for g in grads]
