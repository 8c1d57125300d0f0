"""What a person sees: every page and picture the tour writes, in Chromium, at a laptop's
size (1280x720) and a phone's (390x844).

Each one is saved under out/screens/ (git-ignored) for a reviewer to look at, and checked
for what reads badly on a screen: the explorer's first view must show box text at 11 CSS
px or more on the laptop and give the graph the phone's full width; no page may scroll
sideways; no page may log an error (open_page checks that after the test).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_viz_explorer import SCREENSHOTS, box_text_pixels, browser, open_page  # noqa: F401

from viz import available_renderer

ROOT = Path(__file__).resolve().parents[1]

SIZES = ((1280, 720), (390, 844))
PICTURES = (".svg", ".png")


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Everything `python -m demos tour --quick` writes (each lesson's files, quickly)."""
    if available_renderer() is None:
        pytest.skip("no Graphviz renderer (system dot or blameflow[wasm])")
    out = tmp_path_factory.mktemp("tour")
    subprocess.run([sys.executable, "-m", "demos", "tour", "--quick", "--out", str(out)],
                   cwd=ROOT, check=True, capture_output=True, timeout=600)
    return out


def overflow(page) -> float:
    """How far the page reaches past the window's right edge (CSS px; 0 if it fits)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def shown(page, path: Path) -> list[str]:
    """What reads badly about a file shown in the page (an empty list if nothing)."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    where = f"{path.parent.name}/{path.name} at {width}x{height}"
    if path.suffix in PICTURES:
        # Chromium shows a picture file on its own: it must have loaded, at some size.
        size = page.evaluate("() => { const image = document.querySelector('img, svg');"
                             " const box = image.getBoundingClientRect();"
                             " return box.width * box.height; }")
        return [] if size > 0 else [f"{where}: the picture did not load"]
    problems = []
    if overflow(page) > 0:
        problems.append(f"{where}: the page scrolls sideways by {overflow(page)} px")
    if path.name == "explorer.html":
        if width >= 1000 and box_text_pixels(page) < 11:
            problems.append(f"{where}: box text is {box_text_pixels(page):.1f} px")
        pane = page.locator("#graph-pane").bounding_box()["width"]
        if width < 700 and pane < 0.95 * width:
            problems.append(f"{where}: the graph pane is only {pane:.0f} px wide")
    return problems


@pytest.mark.slow
def test_every_page_and_picture_of_the_tour_reads_well(open_page, tour: Path) -> None:  # noqa: F811
    files = sorted(path for path in tour.rglob("*")
                   if path.suffix in (".html", *PICTURES))
    names = {path.name for path in files}
    assert {"explorer.html", "training.html", "graph.svg"} <= names  # the tour wrote them
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for path in files:
        for width, height in SIZES:
            page = open_page(path, size=(width, height))
            page.wait_for_timeout(400)  # the pages draw, fade and fit on load
            problems += shown(page, path)
            shot = SCREENSHOTS / f"{path.parent.name}-{path.stem}-{width}x{height}.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 5_000  # not a blank page
            page.close()
    assert problems == []
