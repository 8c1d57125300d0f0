"""notebook: viz's results show themselves when they are the value of a Jupyter cell.

Jupyter shows a cell's value by asking it for _repr_svg_, _repr_png_ or _repr_html_ and
drawing whichever answer it gets. So each viz function returns what it always did (the
path of the file it wrote), as a class that also answers those questions:

    render(loss, "graph.svg")         SavedFile, a pathlib.Path: the SVG inline
    render(loss, "graph.png")         SavedFile: the PNG inline
    explore(loss, "page.html")        SavedFile: the page, working, in a frame
    explore(loss)                     ExplorerPage, no file at all: the page in a frame
    training_view(history)            TrainingPage, the same for the training view
    backprop_frames(loss, "frames")   Frames, a list of SavedFiles: the steps side by side

Outside Jupyter nothing changes: a SavedFile is a Path (read_text(), suffix, open(...)).

The explorer page goes into an <iframe> that holds the page itself (srcdoc) and is
sandboxed to "scripts only": the page runs in an origin of its own, so its script and
style cannot reach the notebook, the notebook's cannot reach in, and the page's arrow
keys work only while it has the focus instead of fighting Jupyter's own shortcuts.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

# Tall enough for the explorer's graph, toolbar and inspector side by side.
FRAME_HEIGHT_PX = 600
# Every step of backprop_frames is shown at this height, so the strip reads as a row.
STEP_HEIGHT_PX = 420


def sandboxed_frame(page: str, title: str) -> str:
    """A whole HTML page as an <iframe srcdoc="...">, sandboxed to run only its scripts.

    escape(page, quote=True) writes & < > " ' as entities, so no text in the page (a
    label reading '"><script>...' say) can end the attribute early: the browser turns the
    entities back into exactly the page, and nothing else, before showing it.
    """
    return (f'<iframe srcdoc="{escape(page, quote=True)}" sandbox="allow-scripts" '
            f'title="{escape(title, quote=True)}" '
            f'style="width: 100%; height: {FRAME_HEIGHT_PX}px; border: 1px solid #ccc">'
            f'</iframe>')


# pathlib.Path itself can be subclassed only from Python 3.12 on; its concrete class for
# this system (PosixPath, or WindowsPath) can be on every version we support.
class SavedFile(type(Path())):  # type: ignore[misc]
    """The path of a file viz wrote, shown by Jupyter as the file's picture or page.

    .svg shows as the SVG, .png as the image, .html as the page in a sandboxed frame;
    any other file (a .pdf) shows as its path. A file deleted since shows as its path.
    """

    def _repr_svg_(self) -> str | None:
        return self.read_text(encoding="utf-8") if self._shows_as(".svg") else None

    def _repr_png_(self) -> bytes | None:
        return self.read_bytes() if self._shows_as(".png") else None

    def _repr_html_(self) -> str | None:
        if not self._shows_as(".html"):
            return None
        return sandboxed_frame(self.read_text(encoding="utf-8"), title=self.name)

    def _shows_as(self, suffix: str) -> bool:
        return self.suffix.lower() == suffix and self.is_file()


class ExplorerPage:
    """An explorer page kept in memory (explore(root) with no path): Jupyter shows it.

    html: the whole page, the same text explore(root, path) would write to path.
    """

    def __init__(self, html: str) -> None:
        self.html = html

    def _repr_html_(self) -> str:
        return sandboxed_frame(self.html, title="blameflow explorer")

    def __repr__(self) -> str:
        return (f"<ExplorerPage: {len(self.html):,} characters of HTML. Jupyter shows it "
                f"inline; explore(root, 'page.html') saves it as a file to open in a browser>")


class TrainingPage(ExplorerPage):
    """A training view kept in memory (training_view(history) with no path), shown inline
    the same way: the whole page in a sandboxed frame."""

    def _repr_html_(self) -> str:
        return sandboxed_frame(self.html, title="blameflow training view")

    def __repr__(self) -> str:
        return (f"<TrainingPage: {len(self.html):,} characters of HTML. Jupyter shows it "
                f"inline; training_view(history, 'train.html') saves it as a file>")


class Frames(list):
    """backprop_frames' pictures, one SavedFile per step, in the order the sweep ran.

    Jupyter shows them as a row to scroll through, each with its caption (which node's
    gradient the step completed, and the sum that made it).
    """

    def __init__(self, paths: list[Path]) -> None:
        super().__init__(SavedFile(path) for path in paths)

    def _repr_html_(self) -> str:
        if not self:
            return "<p>no frames</p>"
        steps = "".join(_step_image(number, len(self), path)
                        for number, path in enumerate(self, start=1))
        folder = escape(str(self[0].parent))
        return (f"<p>{len(self)} steps of the reverse sweep, saved in {folder}. "
                f"Scroll sideways to follow the blame back from the output.</p>"
                f'<div style="display: flex; gap: 16px; overflow-x: auto">{steps}</div>')


def _step_image(number: int, count: int, path: Path) -> str:
    """One frame as an <img> with the SVG inside it as a data: URL.

    An <img> keeps each SVG's ids and styles to itself (Graphviz numbers its elements the
    same way in every frame), where SVGs pasted into one page would share them.
    """
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<img src="data:image/svg+xml;base64,{data}" alt="step {number} of {count}" '
            f'style="height: {STEP_HEIGHT_PX}px; max-width: none; flex: none">')
