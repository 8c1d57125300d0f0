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
    # The caption's lines (one text each), then any legend texts drawn outside a cluster.
    caption = "\n".join(t.text for t in graph.findall(f"{SVG}text"))
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
    # f is a constant: backward() gives it no gradient (nothing trains it).
    by_hand = {"L": "1", "d": "-2", "e": "-2", "f": "0", "c": "-2", "b": "-4", "a": "6"}
    order = list(by_hand)
    for step, path in enumerate(paths):
        boxes, gold, caption = frame_contents(path)
        for label, grad in by_hand.items():
            reached = order.index(label) <= step
            assert boxes[label][-1] == (f"grad {grad}" if reached else "grad -")
        heading, one_hop = caption.splitlines()[:2]
        assert heading.endswith(f"the gradient of {gold} is complete")
        assert one_hop.endswith(f"= {by_hand[gold]}") or step == 0 or gold == "f"


def test_caption_writes_out_the_sum_of_blame(tmp_path: Path) -> None:
    x = Value(3.0, "x")
    square = x * x  # x gets 3 from each of its two edges: grad 6
    paths = backprop_frames(square, tmp_path)
    caption = frame_contents(paths[-1])[2]
    # The explorer's words: x is used twice, so its gradient is a sum of two terms; the
    # unlabelled output is L, and "x" is never the times sign.
    assert caption.splitlines()[:3] == [
        "step 2 of 2: the gradient of x is complete",
        "dL/dx = dL/dL × dL/dx (argument 1) + dL/dL × dL/dx (argument 2) = 1 × 3 + 1 × 3 = 6",
        "where L: the output, the mul node"]


def test_caption_writes_out_the_largest_path(tmp_path: Path) -> None:
    """a reaches L along one path of three steps: its product is written out."""
    paths = backprop_frames(expression(), tmp_path)
    caption = frame_contents(paths[-1])[2]
    assert caption.splitlines()[2] == ("dL/da along the largest path = dL/dd × dd/de × de/da "
                                       "= -2 × 1 × -3 = 6 (the only path)")


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
