"""backprop_frames: one SVG per step of the reverse sweep, the completed node in gold."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import Value, topological_order
from viz import GraphTooLargeError, available_renderer, backprop_frames
from viz.style import HIGHLIGHT

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def needs_a_renderer() -> None:
    if available_renderer() is None:
        pytest.skip("no Graphviz renderer: install graphviz or blameflow[wasm]")


def expression() -> Value:
    """L = (a * b + c) * f, with a = 2, b = -3, c = 10, f = -2 (worked by hand below)."""
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = Value(10.0, "c", kind="parameter")
    f = Value(-2.0, "f", kind="constant")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    out = d * f
    out.label = "L"
    return out


def frame_contents(path: Path) -> tuple[dict[str, list[str]], str, str]:
    """(texts of each Value box by label, the label of the gold box, the caption)."""
    root = ET.parse(path).getroot()
    boxes, gold = {}, ""
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if group.get("class") != "node" or not title.text.startswith("n") or \
                title.text.endswith("_op"):
            continue
        texts = [t.text for t in group.iter(f"{SVG}text")]
        boxes[texts[0]] = texts[1:]
        if any(shape.get("stroke") == HIGHLIGHT for shape in group.iter()):
            gold = texts[0]
    graph = root.find(f"{SVG}g")
    caption = [t.text for t in graph.findall(f"{SVG}text")][-1]
    return boxes, gold, caption


def test_one_frame_per_node_in_reverse_creation_order(tmp_path: Path) -> None:
    root = expression()
    paths = backprop_frames(root, tmp_path)
    assert [p.name for p in paths] == [f"step{i:04d}.svg" for i in range(7)]
    golds = [frame_contents(path)[1] for path in paths]
    assert golds == ["L", "d", "e", "f", "c", "b", "a"]  # a, b, c, f, e, d, L reversed
    assert golds == [v.label for v in reversed(topological_order(root))]


def test_gradients_fill_in_as_the_sweep_reaches_each_node(tmp_path: Path) -> None:
    paths = backprop_frames(expression(), tmp_path)
    by_hand = {"L": "1", "d": "-2", "e": "-2", "f": "4", "c": "-2", "b": "-4", "a": "6"}
    order = list(by_hand)
    for step, path in enumerate(paths):
        boxes, gold, caption = frame_contents(path)
        for label, grad in by_hand.items():
            reached = order.index(label) <= step
            assert boxes[label][-1] == (f"grad {grad}" if reached else "grad -")
        assert f"grad of {gold} is complete" in caption
        assert caption.endswith(f"= {by_hand[gold]}") or step == 0


def test_caption_writes_out_the_sum_of_blame(tmp_path: Path) -> None:
    x = Value(3.0, "x")
    square = x * x  # x gets 3 from each of its two edges: grad 6
    paths = backprop_frames(square, tmp_path)
    caption = frame_contents(paths[-1])[2]
    assert caption == ("step 2 of 2: grad of x is complete: the sum of the blame it "
                       "received, 3 + 3 = 6")


def test_frames_do_not_touch_grad_and_replace_older_frames(tmp_path: Path) -> None:
    root = expression()
    (tmp_path / "step0099.svg").write_text("from an earlier run")
    backprop_frames(root, tmp_path)
    assert all(v.grad == 0.0 for v in topological_order(root))
    assert not (tmp_path / "step0099.svg").exists()
    assert len(list(tmp_path.glob("step*.svg"))) == 7


def test_too_many_nodes_is_an_error_before_any_frame_is_written(tmp_path: Path) -> None:
    with pytest.raises(GraphTooLargeError, match="more than max_nodes=5"):
        backprop_frames(expression(), tmp_path / "frames", max_nodes=5)
    assert not (tmp_path / "frames").exists()
