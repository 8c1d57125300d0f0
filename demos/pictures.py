"""Where a lesson's pictures go, and the list of every file it wrote.

A lesson asks for a graph, an explorer page or a plot by name; the file lands in the
lesson's folder (out/<lesson>/). If a renderer or matplotlib is missing, the lesson says
how to install it and carries on: the numbers are the lesson, the pictures help.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import viz


class Pictures:
    """Saves pictures into `folder` (nothing at all when folder is None)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.written: list[Path] = []

    def graph(self, root: Any, name: str, **options: Any) -> Path | None:
        """The blame graph of root as SVG (options go to viz.draw_graph)."""
        return self._save(name, lambda path: viz.render(root, path, **options))

    def explorer(self, root: Any, name: str, **options: Any) -> Path | None:
        """The interactive backprop explorer page for root."""
        return self._save(name, lambda path: viz.explore(root, path, **options))

    def history(self, history: Any, name: str) -> Path | None:
        """Loss (and accuracy) per step as a PNG."""
        return self._save(name, lambda path: viz.plot_history(history, path))

    def boundary(self, model: Any, X: Any, y: Any, name: str, threshold: float) -> Path | None:
        """Where a two-input classifier says "positive", with the data on top, as a PNG."""
        return self._save(name, lambda path: viz.plot_decision_boundary(
            model, X, y, path, threshold=threshold))

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
