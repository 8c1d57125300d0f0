"""Where a lesson's pictures go, and the list of every file it wrote.

A lesson asks for a graph, an explorer page or a plot by name; the file lands in the
lesson's folder (out/<lesson>/). If a renderer or matplotlib is missing, the lesson says
how to install it and carries on: the numbers are the lesson, the pictures help.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import viz
from viz.plots import plot_input_gradients, plot_loss_curves, plot_matrices


class Pictures:
    """Saves pictures into `folder` (nothing at all when folder is None)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.written: list[Path] = []

    def graph(self, root: Any, name: str, **options: Any) -> Path | None:
        """The blame graph of root as SVG (options go to viz.draw_graph)."""
        return self._save(name, lambda path: _folded_if_too_large(viz.render, root, path,
                                                                  options))

    def explorer(self, root: Any, name: str, **options: Any) -> Path | None:
        """The interactive backprop explorer page for root."""
        return self._save(name, lambda path: _folded_if_too_large(viz.explore, root, path,
                                                                  options))

    def history(self, history: Any, name: str) -> Path | None:
        """Loss (and accuracy) per step as a PNG."""
        return self._save(name, lambda path: viz.plot_history(history, path))

    def curves(self, curves: dict[str, list[float]], name: str, **options: Any) -> Path | None:
        """Several loss curves on one plot as a PNG (options go to plot_loss_curves)."""
        return self._save(name, lambda path: plot_loss_curves(curves, path, **options))

    def training_view(self, runs: dict[str, Any], name: str, **options: Any) -> Path | None:
        """The step-by-step training page of one run or several compared, {label: History
        from fit(..., record=k)} (options go to viz.training_view: X and y for a boundary)."""
        return self._save(name, lambda path: viz.training_view(
            list(runs.values()), path, labels=list(runs), **options))

    def boundary(self, model: Any, X: Any, y: Any, name: str, threshold: float,
                 **options: Any) -> Path | None:
        """Where a two-input classifier says "positive", with the data on top, as a PNG
        (options go to viz.plot_decision_boundary: class names, colour span, title)."""
        return self._save(name, lambda path: viz.plot_decision_boundary(
            model, X, y, path, threshold=threshold, **options))

    def input_gradients(self, images: Any, gradients: Any, titles: Any,
                        shape: tuple[int, int], name: str) -> Path | None:
        """Each image above its d loss/d pixel heat map, as a PNG."""
        return self._save(name, lambda path: plot_input_gradients(
            images, gradients, titles, shape, path))

    def matrices(self, matrices: dict[str, Any], name: str, **options: Any) -> Path | None:
        """Matrices side by side with their numbers and shapes, as a PNG."""
        return self._save(name, lambda path: plot_matrices(matrices, path, **options))

    def _save(self, name: str, write: Any) -> Path | None:
        if self.folder is None:
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        try:
            write(path)
        except (viz.RendererNotFoundError, ImportError) as missing:
            print(f"  (skipped {path}: {missing})")
            return None
        self.written.append(path)
        print(f"  wrote {path}")
        return path



def _folded_if_too_large(write: Any, root: Any, path: Path, options: dict[str, Any]) -> None:
    """write(root, path, **options). A graph too large to lay out node by node (a lesson
    run with many neurons) is drawn folded instead, one box per neuron, else per layer,
    and the lesson says so; unless options ask for a fold themselves."""
    if "collapse" in options:
        write(root, path, **options)
        return
    for collapse in (None, "neuron"):
        try:
            write(root, path, collapse=collapse, **options)
            return
        except viz.GraphTooLargeError:
            print(f"  ({path.name}: too many nodes to draw "
                  f"{'one by one' if collapse is None else 'by neuron'}; folded by "
                  f"{'neuron' if collapse is None else 'layer'})")
    write(root, path, collapse="layer", **options)
