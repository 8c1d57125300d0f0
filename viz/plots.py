"""Training plots with matplotlib (the optional extra `pip install blameflow[plot]`).

    >>> plot_history(history)                    # in Jupyter: the plot, inline
    >>> plot_history(history, "out/loss.png")    # saved as well; the Figure is returned

matplotlib is imported inside the functions, so `import viz` works without it. The plots
are drawn on a matplotlib Figure made directly (no pyplot): no window, no display needed,
no global pyplot state shared between threads, and in Jupyter the returned Figure shows
once, as the cell's value (see viz/figure.py).

Sizes: a figure of figsize=(w, h) inches at dpi dots per inch is a PNG of exactly
w*dpi by h*dpi pixels (so (8, 4) at 100 dpi is 800 x 400).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd import Value, no_grad
from viz.files import write_atomically
from viz.style import NEGATIVE, POSITIVE

if TYPE_CHECKING:  # only for the annotations: importing it needs matplotlib
    from viz.figure import PlotFigure

PLOT_HINT = "plotting needs matplotlib: pip install blameflow[plot]"


def plot_history(history: Any, path: str | os.PathLike | None = None,
                 figsize: tuple[float, float] = (8, 3.5), dpi: int = 100) -> PlotFigure:
    """Plot loss (and accuracy, if recorded) per training step; return the Figure.

    history: any object with a `loss` list (one float per step) and optionally an
        `accuracy` list (fractions in [0, 1], one per step; empty or missing: loss only).
        nn's History has both (plus lr and seconds, not plotted); a dict with those keys
        works too.
    path: where to save it as a PNG too (None: save nothing).
    """
    path = _check_png_path(path)
    loss = _series(history, "loss", required=True)
    accuracy = _series(history, "accuracy", required=False)
    figure = _figure(figsize, dpi)
    panels = figure.subplots(1, 2 if accuracy else 1, squeeze=False)[0]
    _plot_series(panels[0], loss, "loss", NEGATIVE)
    if accuracy:
        _plot_series(panels[1], accuracy, "accuracy", POSITIVE)
        panels[1].set_ylim(0.0, 1.02)
    return _saved(figure, path)


def plot_decision_boundary(model: Callable[[list[float]], Any], X: Sequence[Sequence[float]],
                           y: Sequence[float], path: str | os.PathLike | None = None,
                           threshold: float = 0.0, resolution: int = 60,
                           figsize: tuple[float, float] = (5, 5), dpi: int = 100) -> PlotFigure:
    """Plot where a two-input classifier says "positive", with the data on top; return
    the Figure.

    model: called with one point as a list of two floats, [x1, x2]; returns its score as a
        Value or a float (or a list holding one Value, as a one-output network may).
    X: the points, pairs of numbers. y: their labels.
    path: where to save it as a PNG too (None: save nothing).
    threshold: a score above it means the positive class: 0.0 for tanh or raw scores
        with labels -1/1, 0.5 for a sigmoid output with labels 0/1. The same rule colours
        the points: a label above threshold is drawn as positive, so both conventions work.
    resolution: the grid has resolution x resolution points (each is one model call).
    The grid is evaluated under no_grad(): no graph is kept, so it is quick and small.
    """
    path = _check_png_path(path)
    points = _points(X)
    if len(y) != len(points):
        raise ValueError(f"plot_decision_boundary: {len(points)} points in X but {len(y)} "
                         f"labels in y; give one label per point")
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2 (grid points per side), got {resolution}")
    xs, ys = _grid_axis(points, 0, resolution), _grid_axis(points, 1, resolution)
    with no_grad():
        scores = [[_score(model, [x, y_]) for x in xs] for y_ in ys]
    figure = _figure(figsize, dpi)
    from matplotlib.colors import TwoSlopeNorm  # _figure has checked matplotlib is there

    axes = figure.subplots()
    levels = _levels(scores, threshold)
    # Centre the colours on the threshold: blue below it, white at it, red above.
    centred = TwoSlopeNorm(vcenter=threshold, vmin=levels[0], vmax=levels[-1])
    axes.contourf(xs, ys, scores, levels=levels, cmap="RdBu_r", norm=centred, alpha=0.35)
    axes.contour(xs, ys, scores, levels=[threshold], colors="black", linewidths=1.5)
    for positive, colour in ((True, POSITIVE), (False, NEGATIVE)):
        chosen = [point for point, label in zip(points, y) if (label > threshold) == positive]
        axes.scatter([p[0] for p in chosen], [p[1] for p in chosen], s=14, color=colour,
                     edgecolors="white", linewidths=0.5,
                     label=f"label > {threshold:g}" if positive else f"label <= {threshold:g}")
    axes.set_title(f"decision boundary: score = {threshold:g}")
    axes.legend(loc="upper right", fontsize=8)
    return _saved(figure, path)


# ---- pieces -----------------------------------------------------------------------------
def _series(history: Any, field: str, required: bool) -> list[float]:
    """history.field (or history[field]) as a list of floats."""
    if isinstance(history, dict):
        values = history.get(field)
    else:
        values = getattr(history, field, None)
    if values is None:
        if required:
            raise TypeError(f"plot_history needs an object with a `{field}` list (one number "
                            f"per step), such as nn's History; got {type(history).__name__}")
        return []
    return [float(v) for v in values]


def _plot_series(axes: Any, values: list[float], name: str, colour: str) -> None:
    axes.plot(range(1, len(values) + 1), values, color=colour, linewidth=1.5)
    axes.set_xlabel("step")
    axes.set_ylabel(name)
    axes.set_title(f"{name} per step (last {values[-1]:.4g})" if values else name)
    axes.grid(alpha=0.3)


def _points(X: Sequence[Sequence[float]]) -> list[tuple[float, float]]:
    points = []
    for index, point in enumerate(X):
        if len(point) != 2:
            raise ValueError(f"plot_decision_boundary draws two-input classifiers: point "
                             f"{index} has {len(point)} coordinates, expected 2")
        points.append((_number(point[0]), _number(point[1])))
    if not points:
        raise ValueError("plot_decision_boundary: X is empty; give at least one point")
    return points


def _number(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _grid_axis(points: list[tuple[float, float]], axis: int, resolution: int) -> list[float]:
    """Evenly spaced coordinates covering the data along one axis, with a 10% margin."""
    low = min(p[axis] for p in points)
    high = max(p[axis] for p in points)
    margin = 0.1 * (high - low) or 1.0  # all points on one line: still show some area
    low, high = low - margin, high + margin
    return [low + (high - low) * i / (resolution - 1) for i in range(resolution)]


def _score(model: Callable[[list[float]], Any], point: list[float]) -> float:
    """The model's score at point as a float, whatever form it comes back in."""
    score = model(point)
    if isinstance(score, (list, tuple)) and len(score) == 1:
        (score,) = score
    if isinstance(score, Value):
        return score.data
    try:
        return float(score)
    except (TypeError, ValueError):
        raise TypeError(f"the model must return a Value or a number for one point, got "
                        f"{type(score).__name__}: {score!r}") from None


def _levels(scores: list[list[float]], threshold: float) -> list[float]:
    """Fill levels for the scores, with the threshold as one of the boundaries."""
    flat = [s for row in scores for s in row]
    low, high = min(min(flat), threshold) - 1e-9, max(max(flat), threshold) + 1e-9
    below = [low + (threshold - low) * i / 5 for i in range(5)]
    above = [threshold + (high - threshold) * i / 5 for i in range(6)]
    return below + above


def _figure(figsize: tuple[float, float], dpi: int) -> PlotFigure:
    try:
        from viz.figure import PlotFigure
    except ImportError:
        raise ImportError(PLOT_HINT) from None
    return PlotFigure(figsize=figsize, dpi=dpi, layout="constrained")


def _check_png_path(path: str | os.PathLike | None) -> Path | None:
    """path as a Path (None stays None), or a ValueError before any drawing if it is not a .png."""
    if path is None:
        return None
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"plots are saved as PNG: end the file name with .png, got {str(path)!r}")
    return path


def _saved(figure: PlotFigure, path: Path | None) -> PlotFigure:
    """Write the figure to path as PNG, atomically, at exactly its figsize x dpi pixels
    (nothing when path is None); return the figure."""
    if path is not None:
        write_atomically(path, figure.png())
    return figure
