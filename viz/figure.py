"""PlotFigure: the matplotlib Figure that viz's plots return, shown inline by Jupyter.

This module imports matplotlib, so only viz/plots.py imports it, and only when a plot is
drawn: `import viz` works without matplotlib.

Why a Figure of our own: a Figure made without pyplot (see viz/plots.py) has no picture
for Jupyter unless pyplot's inline backend happened to be loaded; this one always has
(_repr_png_). And since pyplot never sees it, pyplot's inline backend does not show it a
second time at the end of the cell: it appears once, as the cell's value.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure


class PlotFigure(Figure):
    """A matplotlib Figure that Jupyter shows as its PNG."""

    def png(self) -> bytes:
        """The figure as PNG bytes, exactly figsize x dpi pixels (no bbox="tight")."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=self.dpi)
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()
