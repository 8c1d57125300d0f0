"""Training plots with matplotlib (the optional extra `pip install blameflow[plot]`).

    >>> from nn import MLP, SGD, fit, hinge, moons  # viz never imports nn; you may
    >>> X, y = moons(40, noise=0.1, seed=0, signed=True)
    >>> model = MLP(2, [4, 1], seed=0)
    >>> history = fit(model, X, y, hinge, SGD(model.parameters(), lr=0.1), steps=5,
    ...               progress=False)
    >>> plot_history(history)                    # in Jupyter: the plot, inline
    <PlotFigure size 800x350 with 2 Axes>
    >>> plot_history(history, "out/loss.png")    # saved as well; the Figure is returned
    <PlotFigure size 800x350 with 2 Axes>

matplotlib is imported inside the functions, so `import viz` works without it. The plots
are drawn on a matplotlib Figure made directly (no pyplot): no window, no display needed,
no global pyplot state shared between threads, and in Jupyter the returned Figure shows
once, as the cell's value (see viz/figure.py).

Sizes: a figure of figsize=(w, h) inches at dpi dots per inch is a PNG of exactly
w*dpi by h*dpi pixels (so (8, 4) at 100 dpi is 800 x 400).
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Callable, Mapping, Sequence
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


def plot_loss_curves(curves: Mapping[str, Sequence[float]],
                     path: str | os.PathLike | None = None, title: str = "loss per step",
                     log_scale: bool = True, notes: Mapping[str, str] | None = None,
                     figsize: tuple[float, float] = (5.4, 3.9), dpi: int = 180) -> PlotFigure:
    """Several loss curves on one plot (one run per learning rate, say); return the Figure.

    curves: name -> the loss at each step ("lr 0.1" -> [0.3, 0.2, ...]).
    log_scale: a logarithmic loss axis, so that 1e-10 and 0.1 both show; a loss of exactly
        0 cannot be drawn on it and leaves a gap.
    notes: name -> a few words written at the end of that curve, with a cross: what went
        wrong ("diverged: stuck"). A curve that reaches NaN or infinity is cut at its last
        finite loss and marked there without being asked.
    """
    path = _check_png_path(path)
    if not curves:
        raise ValueError("plot_loss_curves: no curves given; pass {name: [loss per step]}")
    notes = dict(notes or {})
    figure = _figure(figsize, dpi)
    axes = figure.subplots()
    for index, (name, values) in enumerate(curves.items()):
        losses = [float(v) for v in values]
        finite = _finite_prefix(losses)
        if len(finite) < len(losses):
            notes.setdefault(name, f"{losses[len(finite)]} at step {len(finite) + 1}")
        colour = _curve_colour(index)
        steps = range(1, len(finite) + 1)
        axes.plot(steps, finite, color=colour, linewidth=2, label=name)
        if name in notes and finite:
            axes.plot([len(finite)], [finite[-1]], marker="X", markersize=11, color=colour,
                      markeredgecolor="black")
            # Below and to the left of the cross: inside the plot, wherever the curve ends.
            axes.annotate(notes[name], (len(finite), finite[-1]), textcoords="offset points",
                          xytext=(-8, -10), ha="right", va="top", fontsize=10,
                          color="black", fontweight="bold",
                          bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85})
    if log_scale:
        axes.set_yscale("log")
    axes.set_xlabel("step")
    axes.set_ylabel("loss (log scale)" if log_scale else "loss")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    _legend_below(figure, axes)
    return _saved(figure, path)


def plot_decision_boundary(model: Callable[[list[float]], Any], X: Sequence[Sequence[float]],
                           y: Sequence[float], path: str | os.PathLike | None = None,
                           threshold: float = 0.0, resolution: int = 60,
                           figsize: tuple[float, float] = (4.8, 4.8), dpi: int = 180,
                           class_names: tuple[str, str] | None = None,
                           score_name: str = "score", colour_span: float | None = None,
                           axis_names: tuple[str, str] = ("x0 (first input)",
                                                          "x1 (second input)"),
                           title: str = "") -> PlotFigure:
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
    class_names: (negative, positive) for the legend; by default the labels ("label -1").
    score_name: what the score is, for the colour bar ("P(class 1)").
    colour_span: the colours go from threshold - colour_span (deepest blue) through white
        at the threshold to threshold + colour_span (deepest red); a score beyond them gets
        the deepest colour. None: the largest distance from the threshold on the grid. Give
        it for scores with a meaning (0.5 for a probability) so that an unsure model looks
        pale rather than sure.
    title: a first line for the title; the accuracy on X is always added to it.

    The black line is the boundary, where the score equals the threshold; the title says
    so when the whole picture is on one side. The grid is evaluated under no_grad(): no
    graph is kept, so it is quick and small.
    """
    path = _check_png_path(path)
    points = _points(X)
    if len(y) != len(points):
        raise ValueError(f"plot_decision_boundary: {len(points)} points in X but {len(y)} "
                         f"labels in y; give one label per point")
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2 (grid points per side), got {resolution}")
    if colour_span is not None and not colour_span > 0:
        raise ValueError(f"colour_span is a distance from the threshold and must be above 0, "
                         f"got {colour_span!r}")
    xs, ys = _grid_axis(points, 0, resolution), _grid_axis(points, 1, resolution)
    with no_grad():
        scores = [[_score(model, [x, y_]) for x in xs] for y_ in ys]
        said_positive = [_score(model, list(point)) > threshold for point in points]
    positive = [label > threshold for label in y]
    figure = _figure(figsize, dpi)
    axes = figure.subplots()
    span = colour_span or max(abs(s - threshold) for row in scores for s in row) or 1.0
    levels = [threshold + span * (i - 10) / 10 for i in range(21)]
    filled = axes.contourf(xs, ys, scores, levels=levels, cmap="RdBu_r", extend="both",
                           alpha=0.6)
    colour_bar = figure.colorbar(filled, ax=axes, shrink=0.85,
                                 ticks=[levels[0], threshold, levels[-1]])
    colour_bar.set_label(f"{score_name} (white: {threshold:g}, the boundary)")
    axes.contour(xs, ys, scores, levels=[threshold], colors="black", linewidths=2)
    names = class_names or _class_names(y, threshold)
    for side, colour, marker, name in ((False, NEGATIVE, "o", names[0]),
                                       (True, POSITIVE, "s", names[1])):
        chosen = [point for point, label in zip(points, positive) if label == side]
        axes.scatter([p[0] for p in chosen], [p[1] for p in chosen], color=colour,
                     marker=marker, s=90 if len(points) <= 20 else 28, edgecolors="black",
                     linewidths=0.7, label=name, zorder=3)
    axes.set_xlabel(axis_names[0])
    axes.set_ylabel(axis_names[1])
    correct = sum(said == truth for said, truth in zip(said_positive, positive))
    lines = [title] if title else []
    lines.append(f"accuracy {correct / len(points):.0%} ({correct} of {len(points)})")
    lines.append(_boundary_caption(scores, threshold, score_name))
    axes.set_title("\n".join(lines), fontsize=11)
    # Below the plot, not on it: a legend inside the axes can hide a data point.
    _legend_below(figure, axes)
    return _saved(figure, path)


def plot_input_gradients(images: Sequence[Sequence[float]],
                         gradients: Sequence[Sequence[float]], titles: Sequence[str],
                         shape: tuple[int, int], path: str | os.PathLike | None = None,
                         figsize: tuple[float, float] | None = None,
                         dpi: int = 180) -> PlotFigure:
    """Each image above the gradient of the loss with respect to its pixels; return the
    Figure. The gradient says which pixels are to blame for the loss.

    images: one row of pixel values per image (0 = blank paper, larger = more ink), row by
        row from the top left; gradients: d loss / d pixel for the same pixels.
    titles: a few words above each image ("a 3, said 3").
    shape: (rows, columns) of one image, e.g. (8, 8).

    Red pixels have a positive gradient: more ink there would raise the loss. Blue: more
    ink there would lower it. Each heat map is scaled to its own largest gradient, written
    under it, so that a confident image (tiny gradients) shows its pattern too.
    """
    path = _check_png_path(path)
    count = len(images)
    if not count or len(gradients) != count or len(titles) != count:
        raise ValueError(f"plot_input_gradients: give as many gradients and titles as "
                         f"images (at least one); got {count} images, {len(gradients)} "
                         f"gradients and {len(titles)} titles")
    rows, columns = shape
    for index, pixels in enumerate([*images, *gradients]):
        if len(pixels) != rows * columns:
            raise ValueError(f"plot_input_gradients: shape {shape} needs {rows * columns} "
                             f"numbers per image, got {len(pixels)} in entry {index}")
    figure = _figure(figsize or (1.5 * count + 1.5, 4.0), dpi)
    panels = figure.subplots(2, count, squeeze=False)
    ink = max(max(pixels) for pixels in images) or 1.0
    for column, (image, gradient, title) in enumerate(zip(images, gradients, titles)):
        top, bottom = panels[0][column], panels[1][column]
        top.imshow(_grid(image, columns), cmap="gray_r", vmin=0.0, vmax=ink)
        top.set_title(title, fontsize=12)
        largest = max(abs(g) for g in gradient) or 1.0
        heat = bottom.imshow(_grid([g / largest for g in gradient], columns), cmap="RdBu_r",
                             vmin=-1.0, vmax=1.0)
        bottom.set_xlabel(f"largest {largest:.2g}", fontsize=11)
        for axes in (top, bottom):
            axes.set_xticks([])
            axes.set_yticks([])
    panels[0][0].set_ylabel("image")
    panels[1][0].set_ylabel("d loss / d pixel")
    colour_bar = figure.colorbar(heat, ax=panels[1].tolist(), ticks=[-1, 0, 1], shrink=0.9)
    colour_bar.ax.set_yticklabels(["-largest:\nmore ink,\nless loss", "0",
                                   "+largest:\nmore ink,\nmore loss"], fontsize=8)
    return _saved(figure, path)


def plot_matrices(matrices: Mapping[str, Sequence[Sequence[float]]],
                  path: str | os.PathLike | None = None, title: str = "",
                  per_row: int | None = None, dpi: int = 180) -> PlotFigure:
    """Matrices side by side, every entry written in its cell; return the Figure.

    matrices: name -> rows of numbers ("dW1 = dZ1 X^T" -> [[...], [...], [...]]), drawn
        left to right with the name and the shape (rows x columns) under each, at one cell
        size for all, so that shapes can be compared by eye: a (3 x 4) times a (4 x 2) is
        a (3 x 2). Cells are tinted by sign and size (red positive, blue negative), each
        matrix scaled to its own largest entry, light enough to read the numbers on.
    per_row: at most this many matrices on a line (None: all on one); fewer per line make
        a narrower picture, easier to read on a phone.
    """
    path = _check_png_path(path)
    if not matrices:
        raise ValueError("plot_matrices: no matrices given; pass {name: rows of numbers}")
    grids = {name: [[float(x) for x in row] for row in rows] for name, rows in matrices.items()}
    for name, rows in grids.items():
        if not rows or any(len(row) != len(rows[0]) or not row for row in rows):
            raise ValueError(f"plot_matrices: {name!r} must be rows of numbers, all of one "
                             f"length, got {matrices[name]!r:.80}")
    names = list(grids)
    step = per_row or len(names)
    lines = [names[start:start + step] for start in range(0, len(names), step)]
    cell = 0.62  # inches per cell: room for "-0.345"
    tallest = [max(len(grids[name]) for name in line) for line in lines]
    width = max(cell * sum(len(grids[name][0]) + 1 for name in line) for line in lines)
    figure = _figure((width + 0.4, sum(cell * rows + 1.0 for rows in tallest) + 0.4), dpi)
    parts = figure.subfigures(len(lines), 1, squeeze=False,
                              height_ratios=[cell * rows + 1.0 for rows in tallest])[:, 0]
    for part, line, rows_here in zip(parts, lines, tallest):
        panels = part.subplots(1, len(line), squeeze=False,
                               width_ratios=[len(grids[name][0]) for name in line])[0]
        for axes, name in zip(panels, line):
            _draw_matrix(axes, name, grids[name], rows_here)
    if title:
        figure.suptitle(title, fontsize=11)
    return _saved(figure, path)


def _draw_matrix(axes: Any, name: str, rows: list[list[float]], tallest: int) -> None:
    """One matrix as tinted cells with its entries written in, named and shaped below."""
    # The colour range is twice the largest entry: the strongest tint is a pale one.
    largest = 2 * max(abs(x) for row in rows for x in row) or 1.0
    axes.imshow(rows, cmap="RdBu_r", vmin=-largest, vmax=largest)
    for (r, c), x in _cells(rows):
        axes.text(c, r, f"{x:.3g}", ha="center", va="center", fontsize=9)
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_xlabel(f"{name}\n({len(rows)} x {len(rows[0])})", fontsize=10)
    axes.set_ylim(tallest - 0.5, -0.5)  # one cell size for every panel, top aligned
    for spine in axes.spines.values():  # no frame round the empty rows of a short one
        spine.set_visible(False)


def _cells(rows: list[list[float]]) -> list[tuple[tuple[int, int], float]]:
    """((row, column), entry) for every entry of a matrix."""
    return [((r, c), x) for r, row in enumerate(rows) for c, x in enumerate(row)]


def _grid(pixels: Sequence[float], columns: int) -> list[list[float]]:
    """A flat row-by-row list of pixels as rows of `columns` pixels."""
    return [list(pixels[start:start + columns]) for start in range(0, len(pixels), columns)]


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


def _class_names(y: Sequence[float], threshold: float) -> tuple[str, str]:
    """("label -1", "label 1"): the labels found on each side of the threshold."""
    def name(side: bool) -> str:
        found = sorted({label for label in y if (label > threshold) == side})
        return "label " + " or ".join(f"{label:g}" for label in found) if found else \
            ("label <= " if not side else "label > ") + f"{threshold:g}"

    return name(False), name(True)


def _boundary_caption(scores: list[list[float]], threshold: float, score_name: str) -> str:
    """What the black line is, or why there is none: the grid is all on one side."""
    flat = [s for row in scores for s in row]
    if min(flat) > threshold:
        return f"no boundary in view: {score_name} > {threshold:g} everywhere"
    if max(flat) <= threshold:
        return f"no boundary in view: {score_name} <= {threshold:g} everywhere"
    return f"black line: the boundary, {score_name} = {threshold:g}"


LEGEND_FONT = 10  # points
# The widest a character of the legend's font is on average, in ems (DejaVu Sans's
# letters and digits are about 0.55 to 0.6 em; a little more keeps a margin).
CHARACTER_WIDTH = 0.65
LEGEND_HANDLE = 4.0  # ems beside each entry: its line or marker, and the gaps


def _legend_below(figure: PlotFigure, axes: Any) -> None:
    """The axes' legend below the plot, inside the figure: two columns when every name
    fits in half the figure's width, else one, and each name wrapped to fit its column.

    A column holds about (figure width / columns) / (CHARACTER_WIDTH * font size) - the
    handle's share characters; constrained layout then makes room for the legend's height.
    """
    handles, names = axes.get_legend_handles_labels()
    em = LEGEND_FONT / 72 * figure.dpi  # pixels
    width = figure.get_figwidth() * figure.dpi

    def fits(columns: int) -> int:
        return max(8, int((width / columns - LEGEND_HANDLE * em) / (CHARACTER_WIDTH * em)))

    columns = 2 if len(names) > 1 and max(map(len, names)) <= fits(2) else 1
    wrapped = [textwrap.fill(name, fits(columns)) for name in names]
    figure.legend(handles, wrapped, loc="outside lower center", ncols=columns,
                  fontsize=LEGEND_FONT)


def _finite_prefix(values: list[float]) -> list[float]:
    """values up to (not including) the first NaN or infinity."""
    for index, value in enumerate(values):
        if not math.isfinite(value):
            return values[:index]
    return values


def _curve_colour(index: int) -> Any:
    """The index-th colour of matplotlib's "tab10" set: ten colours easy to tell apart."""
    from matplotlib import colormaps  # _figure has checked matplotlib is there

    return colormaps["tab10"](index % 10)


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
