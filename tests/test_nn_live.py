"""fit(..., live=True): one picture in the cell's output, redrawn in place as training goes.

In this process IPython's display() is replaced by a recorder; then a real kernel runs a
cell (tests/notebook_kernel.py) and must send one display and then updates of it
(update_display_data messages carrying the same display id), never new outputs.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from notebook_kernel import run_notebook

import nn.live
from nn import MLP, SGD, fit, hinge, moons

SVG = "{http://www.w3.org/2000/svg}"


class Handle:
    """Stands in for the DisplayHandle that display(..., display_id=True) returns."""

    def __init__(self, shown: list) -> None:
        self.shown = shown

    def update(self, picture) -> None:
        self.shown.append(("update", picture.data))


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list:
    """What fit shows, in order: ("display", svg) once, then ("update", svg) per redraw."""
    display = pytest.importorskip("IPython.display", reason="live=True needs IPython")
    pictures: list = []

    def fake_display(picture, display_id: bool = False):
        assert display_id is True
        pictures.append(("display", picture.data))
        return Handle(pictures)

    monkeypatch.setattr(display, "display", fake_display)
    monkeypatch.setattr(nn.live, "in_notebook", lambda: True)
    return pictures


def live_fit(steps: int, sizes: list[int] = [4, 1], inputs: int = 2, **options) -> MLP:  # noqa: B006
    X, y = moons(20, noise=0.1, seed=0, signed=True)
    X = [row + [0.5] * (inputs - 2) for row in X]
    model = MLP(inputs, sizes, seed=1)
    fit(model, X, y, hinge, SGD(model.parameters(), lr=0.3), steps=steps, live=True, **options)
    return model


def texts(svg: str) -> list[str]:
    return [text.text for text in ET.fromstring(svg).iter(f"{SVG}text")]


def test_one_display_then_about_25_updates_ending_at_the_last_step(shown: list,
                                                                   capsys) -> None:
    live_fit(60)
    kinds = [kind for kind, _ in shown]
    every = math.ceil(60 / nn.live.REDRAWS)
    assert kinds == ["display"] + ["update"] * (60 // every)
    assert texts(shown[0][1])[0] == "step 0/60"
    last = texts(shown[-1][1])[0]
    assert last.startswith("step 60/60, loss ") and last.endswith("%")
    assert capsys.readouterr().err == ""  # the live picture replaces the progress lines


def test_the_boundary_is_drawn_for_two_inputs_and_one_output_only(shown: list) -> None:
    live_fit(2)
    cells = [r for r in ET.fromstring(shown[-1][1]).iter(f"{SVG}rect")
             if r.get("fill-opacity")]
    assert len(cells) == nn.live.GRID ** 2
    assert {cell.get("fill") for cell in cells} <= {nn.live.POSITIVE, nn.live.NEGATIVE}
    points = list(ET.fromstring(shown[-1][1]).iter(f"{SVG}circle"))
    assert len(points) == 20
    shown.clear()
    live_fit(2, inputs=3)
    assert not any(r.get("fill-opacity") for r in ET.fromstring(shown[-1][1]).iter(f"{SVG}rect"))


def test_the_curve_has_a_point_per_step_done(shown: list) -> None:
    live_fit(10)
    (loss_line, accuracy_line) = ET.fromstring(shown[-1][1]).iter(f"{SVG}polyline")
    assert len(loss_line.get("points").split()) == 10
    assert len(accuracy_line.get("points").split()) == 10


# ---- in a real kernel -----------------------------------------------------------------------
CELL = """\
from nn import MLP, SGD, fit, hinge, moons
X, y = moons(20, noise=0.1, seed=0, signed=True)
model = MLP(2, [4, 1], seed=1)
history = fit(model, X, y, hinge, SGD(model.parameters(), lr=0.3), steps=30, live=True)
"""


@pytest.mark.slow
def test_live_fit_in_a_kernel_updates_one_display(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat", reason="the kernel test needs blameflow[test]")
    nbclient = pytest.importorskip("nbclient", reason="the kernel test needs blameflow[test]")
    messages: list[tuple[str, str | None]] = []

    class Watching(nbclient.NotebookClient):
        def process_message(self, msg, cell, cell_index):
            transient = msg.get("content", {}).get("transient") or {}
            messages.append((msg["header"]["msg_type"], transient.get("display_id")))
            return super().process_message(msg, cell, cell_index)

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    run_notebook(notebook, tmp_path, Watching)
    (display_id,) = [shown for kind, shown in messages if kind == "display_data"]
    updates = [shown for kind, shown in messages if kind == "update_display_data"]
    assert display_id and len(updates) == 30 // math.ceil(30 / nn.live.REDRAWS)
    assert set(updates) == {display_id}
    (output,) = notebook.cells[0].outputs  # one output, updated in place: the last picture
    assert output.output_type == "display_data"
    assert texts(output.data["image/svg+xml"])[0].startswith("step 30/30, loss ")


def test_the_boundary_is_redrawn_every_few_redraws_and_at_the_end(
        shown: list, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = []
    real = nn.live._boundary
    monkeypatch.setattr(nn.live, "_boundary", lambda *args: drawn.append(1) or real(*args))
    live_fit(60)
    redraws = len(shown) - 1
    due = [r for r in range(1, redraws + 1) if r % nn.live.BOUNDARY_EVERY == 0 or r == redraws]
    assert 1 < len(due) < redraws and len(drawn) == 1 + len(due)  # the start, every 5th, the end
