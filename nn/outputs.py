"""A model's outputs as plain numbers: predict, and number_of for a single one.

fit (nn/train.py) and the live picture (nn/live.py) both read outputs this way; this module
sits below both, so neither has to import the other to do it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd import Value, no_grad
from nn.module import Module


@no_grad()
def predict(model: Module, X: Sequence[Sequence[Any]]) -> list[Any]:
    """The model's outputs for every row of X as plain floats, building no graph.

    One float per row for a single-output model, a list of floats per row otherwise.

        >>> from nn import MLP
        >>> outputs = predict(MLP(2, [3], seed=0), [[0.5, -1.0], [1.0, 2.0]])
        >>> len(outputs), len(outputs[0]), type(outputs[0][0]).__name__  # 2 rows, 3 outputs
        (2, 3, 'float')
    """
    check_rows(X, "predict")
    return [[o.data for o in out] if isinstance(out, list) else out.data
            for out in model.forward_batch(X)]


def number_of(x: Any) -> float:
    """The plain number of a Value (its .data) or of a number. (float(v) of a Value is an
    error: the number it would give has no link back to the graph.)"""
    return x.data if isinstance(x, Value) else float(x)


def check_rows(X: Any, who: str) -> None:
    """ValueError naming `who` unless X is a non-empty list of input rows."""
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence) or not X:
        raise ValueError(f"{who}: X must be a non-empty list of input rows, got {X!r:.60}")
