"""fit(..., live=True): the loss curve, redrawn in place in a Jupyter cell as training goes.

Jupyter can replace an output it has already shown: display(obj, display_id=True) returns
a handle, and handle.update(new_obj) swaps the picture in the same place (one
"update_display_data" message, no new output). Each redraw here is a small SVG written as
text in Python, so no plotting library is needed and a redraw costs little next to a
training step: the loss and accuracy curves and, for a model with two inputs and one
output, its decision boundary on a coarse grid (see REDRAWS and GRID).

nn does not import viz (viz draws the full picture afterwards: viz.training_view), so the
few colours below follow viz/style.py's convention by value: red positive, blue negative.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from html import escape
from typing import Any

from nn.module import Module
from nn.outputs import number_of, predict

# About this many redraws per run, whatever the number of steps, plus the last step.
# Measured for MLP(2, [16, 16, 1]) on 100 moons: the curves take 0.3 ms a redraw, the
# boundary 150 ms (GRID ** 2 model calls), so the boundary is redrawn only at every
# BOUNDARY_EVERY-th redraw and the last: about 5 per run, well under a tenth of the time
# the run's 100 steps take.
REDRAWS = 25
BOUNDARY_EVERY = 5
# The boundary is drawn on GRID x GRID points: coarse, so a redraw stays cheap.
GRID = 14
POSITIVE, NEGATIVE = "#c0392b", "#2166ac"  # viz/style.py's red and blue
CURVE_BOX = (40, 30, 300, 170)  # x, y, width, height of the curves' plot area
BOUNDARY_BOX = (390, 30, 170, 170)


def in_notebook() -> bool:
    """True inside a running Jupyter kernel (where display handles can be updated)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


class LiveTraining:
    """fit's display for live=True: one SVG output, updated every few steps."""

    def __init__(self, model: Module, X: Sequence[Sequence[Any]], y: Sequence[Any],
                 steps: int, threshold: float) -> None:
        from IPython.display import display  # in a notebook, IPython is always there

        self.model, self.steps, self.threshold = model, steps, threshold
        self.every = max(1, math.ceil(steps / REDRAWS))
        self.losses: list[float] = []
        self.accuracies: list[float] = []
        self.points = _two_input_points(model, X, y)
        self.drawn_at = 0
        self.redraws = 0
        self.boundary = ""  # the boundary's SVG as last drawn
        self._draw_boundary()
        self.handle = display(self._picture(), display_id=True)

    def step_done(self, loss: float, accuracy: float) -> None:
        self.losses.append(loss)
        self.accuracies.append(accuracy)
        done = len(self.losses)
        if done % self.every == 0 or done == self.steps:
            self.redraw(boundary=(self.redraws + 1) % BOUNDARY_EVERY == 0 or done == self.steps)

    def redraw(self, boundary: bool) -> None:
        self.redraws += 1
        self.drawn_at = len(self.losses)
        if boundary:
            self._draw_boundary()
        self.handle.update(self._picture())

    def close(self) -> None:
        if self.drawn_at != len(self.losses):  # stopped between redraws (Ctrl-C, a divergence)
            self.redraw(boundary=True)

    def _draw_boundary(self) -> None:
        if self.points is not None:
            self.boundary = _boundary(self.model, self.points, self.threshold)

    def _picture(self) -> Any:
        from IPython.display import SVG

        return SVG(self.svg())

    def svg(self) -> str:
        """The picture at the current step, as SVG text."""
        done = len(self.losses)
        title = f"step {done}/{self.steps}"
        if done:
            title += f", loss {self.losses[-1]:.4g}, accuracy {self.accuracies[-1]:.0%}"
        parts = [f'<text x="10" y="18" font-size="14">{escape(title)}</text>',
                 _curves(self.losses, self.accuracies)]
        parts.append(self.boundary)
        return ('<svg xmlns="http://www.w3.org/2000/svg" width="580" height="230" '
                'font-family="sans-serif" font-size="11">' + "".join(parts) + "</svg>")


def _two_input_points(model: Module, X: Sequence[Sequence[Any]],
                      y: Sequence[Any]) -> list[tuple[float, float, bool]] | None:
    """(x0, x1, positive) for each row when the model reads two inputs and gives one
    score (a boundary to draw); None otherwise."""
    if len(X[0]) != 2 or isinstance(predict(model, X[:1])[0], list):
        return None
    return [(number_of(row[0]), number_of(row[1]), number_of(label) > 0)
            for row, label in zip(X, y)]


def _curves(losses: list[float], accuracies: list[float]) -> str:
    """Loss (black, scaled to its largest value) and accuracy (grey, 0 to 100%) by step."""
    x, y, width, height = CURVE_BOX
    frame = (f'<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="none" '
             f'stroke="#bbb"/><text x="{x}" y="{y + height + 16}">step</text>'
             f'<text x="{x + width}" y="{y + height + 16}" text-anchor="end">'
             f'{len(losses)}</text>')
    if not losses:
        return frame
    top = max(losses) or 1.0
    loss_line = _polyline(losses, top, "black")
    accuracy_line = _polyline(accuracies, 1.0, "#888", dashed=True)
    labels = (f'<text x="{x - 4}" y="{y + 4}" text-anchor="end">{top:.3g}</text>'
              f'<text x="{x - 4}" y="{y + height}" text-anchor="end">0</text>'
              f'<text x="{x + 6}" y="{y + 14}">loss (black), accuracy (grey, dashed: 0-100%)'
              f'</text>')
    return frame + loss_line + accuracy_line + labels


def _polyline(values: list[float], top: float, colour: str, dashed: bool = False) -> str:
    x, y, width, height = CURVE_BOX
    span = max(len(values) - 1, 1)
    points = " ".join(f"{x + width * i / span:.1f},"
                      f"{y + height * (1 - min(max(v / top, 0.0), 1.0)):.1f}"
                      for i, v in enumerate(values) if math.isfinite(v))
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return f'<polyline points="{points}" fill="none" stroke="{colour}"{dash}/>'


def _boundary(model: Module, points: list[tuple[float, float, bool]], threshold: float) -> str:
    """The model's class at each point of a GRID x GRID grid (red: positive), the data on
    top. Each cell is one model call under no_grad: GRID ** 2 calls per redraw."""
    x, y, width, height = BOUNDARY_BOX
    low = [min(p[axis] for p in points) for axis in (0, 1)]
    high = [max(p[axis] for p in points) for axis in (0, 1)]
    size = [(high[axis] - low[axis]) or 1.0 for axis in (0, 1)]

    def place(px: float, py: float) -> tuple[float, float]:
        return (x + width * (px - low[0]) / size[0],
                y + height * (1 - (py - low[1]) / size[1]))

    centres = [[low[0] + size[0] * (i + 0.5) / GRID, low[1] + size[1] * (j + 0.5) / GRID]
               for j in range(GRID) for i in range(GRID)]
    scores = predict(model, centres)
    cell_w, cell_h = width / GRID, height / GRID
    cells = "".join(
        f'<rect x="{x + cell_w * (k % GRID):.1f}" y="{y + height - cell_h * (k // GRID + 1):.1f}" '
        f'width="{cell_w + 0.3:.1f}" height="{cell_h + 0.3:.1f}" '
        f'fill="{POSITIVE if score > threshold else NEGATIVE}" fill-opacity="0.3"/>'
        for k, score in enumerate(scores))
    dots = "".join(
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.5" stroke="white" stroke-width="0.5" '
        f'fill="{POSITIVE if positive else NEGATIVE}"/>'
        for cx, cy, positive in ((*place(px, py), positive) for px, py, positive in points))
    caption = (f'<text x="{x}" y="{y + height + 16}">the model\'s class (red: score above '
               f'{threshold:g})</text>')
    return cells + dots + caption
