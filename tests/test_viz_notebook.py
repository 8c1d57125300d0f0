"""Jupyter first: viz's results show themselves inline, and docs/tour.ipynb runs.

The display objects are checked as Jupyter asks them (_repr_svg_, _repr_png_,
_repr_html_), and the tour is executed in a real kernel (nbclient + ipykernel) whose
outputs must be the pictures and pages the lessons promise, with no errors. Without
nbclient or ipykernel the tour test skips (CI's strict mode turns that into a failure).
"""

from __future__ import annotations

import base64
import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from notebook_kernel import run_notebook

from autograd import Value
from viz import (
    ExplorerPage,
    Frames,
    SavedFile,
    available_renderer,
    backprop_frames,
    explore,
    render,
)

ROOT = Path(__file__).resolve().parents[1]
TOUR = ROOT / "docs" / "tour.ipynb"
HOSTILE = '"></iframe><script>alert("out")</script>\' &amp; &quot;'


@pytest.fixture(autouse=True)
def needs_a_renderer() -> None:
    if available_renderer() is None:
        pytest.skip("no Graphviz renderer: install graphviz or blameflow[wasm]")


def neuron(label: str = "loss") -> Value:
    x, w = Value(2.0, "x"), Value(0.4, "w", kind="parameter")
    loss = ((x * w + 0.1).sigmoid() - 1.0) ** 2
    loss.label = label
    return loss


class Tags(HTMLParser):
    """Every start tag of an HTML fragment with its attributes, as a browser parses them
    (attribute values come back with their entities turned into characters)."""

    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def the_iframe(fragment: str) -> dict[str, str | None]:
    """The attributes of the fragment's one element, which must be a sandboxed iframe."""
    tags = Tags(fragment).tags
    assert [tag for tag, _ in tags] == ["iframe"], f"expected one iframe, got {tags}"
    attributes = tags[0][1]
    assert attributes["sandbox"] == "allow-scripts"  # and so no allow-same-origin
    assert "width: 100%" in attributes["style"] and "height: 600px" in attributes["style"]
    return attributes


# ---- the explorer ---------------------------------------------------------------------------
def test_explore_without_a_path_writes_nothing_and_shows_the_page_in_a_sandboxed_frame(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    page = explore(neuron())
    assert isinstance(page, ExplorerPage)
    assert list(tmp_path.iterdir()) == []
    attributes = the_iframe(page._repr_html_())
    assert attributes["srcdoc"] == page.html
    saved = explore(neuron(), tmp_path / "page.html")
    assert page.html == saved.read_text(encoding="utf-8")  # the same, whole page
    assert page.html.startswith("<!DOCTYPE html>") and page.html.rstrip().endswith("</html>")
    assert "ExplorerPage" in repr(page) and "explore(root, 'page.html')" in repr(page)


def test_a_hostile_label_stays_inside_the_srcdoc_attribute() -> None:
    page = explore(neuron(HOSTILE))
    fragment = page._repr_html_()
    assert HOSTILE not in fragment and "<script" not in fragment
    attributes = the_iframe(fragment)  # one tag: the label opened no element
    assert attributes["srcdoc"] == page.html  # and the frame gets exactly the page


def test_explore_with_a_path_returns_a_path_that_shows_the_page(tmp_path: Path) -> None:
    path = explore(neuron(), tmp_path / "neuron.html")
    assert isinstance(path, SavedFile) and isinstance(path, Path)
    assert path == tmp_path / "neuron.html" and hash(path) == hash(tmp_path / "neuron.html")
    assert path.suffix == ".html" and path.stat().st_size > 0 and os.fspath(path) == str(path)
    assert the_iframe(path._repr_html_())["srcdoc"] == path.read_text(encoding="utf-8")
    assert path._repr_svg_() is None and path._repr_png_() is None


# ---- render and backprop_frames -------------------------------------------------------------
def test_render_returns_a_path_that_shows_its_picture(tmp_path: Path) -> None:
    svg = render(neuron(), tmp_path / "neuron.svg")
    assert isinstance(svg, SavedFile) and svg.read_text(encoding="utf-8").count("<svg") == 1
    assert svg._repr_svg_() == svg.read_text(encoding="utf-8")
    assert svg._repr_png_() is None and svg._repr_html_() is None
    png = render(neuron(), tmp_path / "neuron.png")
    assert png._repr_png_() == png.read_bytes()
    assert png._repr_png_().startswith(b"\x89PNG\r\n\x1a\n") and png._repr_svg_() is None
    pdf = render(neuron(), tmp_path / "neuron.pdf")  # Jupyter shows no PDF: its path
    assert (pdf._repr_svg_(), pdf._repr_png_(), pdf._repr_html_()) == (None, None, None)


def test_a_deleted_file_shows_as_its_path(tmp_path: Path) -> None:
    svg = render(neuron(), tmp_path / "neuron.svg")
    svg.unlink()
    assert svg._repr_svg_() is None


def test_frames_show_as_a_row_of_every_step(tmp_path: Path) -> None:
    frames = backprop_frames(neuron(), tmp_path / "frames")
    assert isinstance(frames, Frames) and all(isinstance(p, SavedFile) for p in frames)
    assert frames == sorted((tmp_path / "frames").iterdir())  # still a list of the paths
    images = [attributes for tag, attributes in Tags(frames._repr_html_()).tags
              if tag == "img"]
    assert len(images) == len(frames)
    prefix = "data:image/svg+xml;base64,"
    for number, (image, path) in enumerate(zip(images, frames), start=1):
        assert image["src"].startswith(prefix)
        assert base64.b64decode(image["src"][len(prefix):]) == path.read_bytes()
        assert image["alt"] == f"step {number} of {len(frames)}"
    assert Frames([])._repr_html_() == "<p>no frames</p>"


# ---- the tour, run in a real kernel ---------------------------------------------------------
# Appended to the tour when the test runs it: even with pyplot's inline backend loaded,
# a plot is shown once, as the cell's value, not a second time by pyplot.
PYPLOT_CHECK = 'import matplotlib.pyplot\nplot_history({"loss": [3.0, 2.0, 1.0]})'
# What the last line of a tour cell shows, by the function it calls.
SHOWS = {"draw_graph(": "image/svg+xml", "render(": "image/svg+xml",
         "backprop_frames(": "text/html", "explore(": "text/html",
         "plot_history(": "image/png", "plot_decision_boundary(": "image/png"}


def test_the_tour_is_saved_without_outputs() -> None:
    # Outputs are made by running it; a saved copy would hold pages of base64 and go stale.
    notebook = json.loads(TOUR.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code and all(cell["outputs"] == [] and cell["execution_count"] is None
                        for cell in code)


@pytest.fixture(scope="module")
def executed_tour(tmp_path_factory: pytest.TempPathFactory) -> object:
    """docs/tour.ipynb (plus PYPLOT_CHECK) run top to bottom in a fresh ipykernel of this
    Python (tests/notebook_kernel.py), in a temporary folder where the tour's files land."""
    nbformat = pytest.importorskip("nbformat", reason="the tour test needs blameflow[test]")
    pytest.importorskip("matplotlib", reason="the tour's plots need blameflow[plot]")
    notebook = nbformat.read(TOUR, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PYPLOT_CHECK))
    run_notebook(notebook, tmp_path_factory.mktemp("tour"))
    return notebook


@pytest.mark.slow
def test_the_tour_runs_without_errors_or_progress_bars(executed_tour: object) -> None:
    for cell in executed_tour.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{cell.source}\n-> {output.get('evalue')}"
            assert output.get("name") != "stderr", f"{cell.source}\n-> {output['text']!r}"


@pytest.mark.slow
def test_every_picture_in_the_tour_shows_inline(executed_tour: object) -> None:
    checked = set()
    for cell in executed_tour.cells:
        if cell.cell_type != "code":
            continue
        last_line = cell.source.splitlines()[-1]
        calls = [call for call in SHOWS if last_line.startswith(call)]
        if not calls:
            continue
        shown = [output["data"] for output in cell.outputs
                 if output.output_type in ("execute_result", "display_data")]
        assert len(shown) == 1, f"{last_line} showed {len(shown)} outputs, expected one"
        assert SHOWS[calls[0]] in shown[0], f"{last_line} showed only {sorted(shown[0])}"
        if calls[0] == "explore(":
            frame = the_iframe(shown[0]["text/html"])
            assert frame["srcdoc"].startswith("<!DOCTYPE html>")
        checked.add(calls[0])
    assert checked == set(SHOWS), f"the tour shows no {set(SHOWS) - checked}"
