"""Blame labels where they belong, read off the SVG as a person reads the picture.

For every label: its centre is nearer its own arrow than any other arrow (arrows are
sampled along their Bezier curves), and its box (estimated from position, font size and
characters) overlaps no box and no other label. The caption strip (the legend) is no
wider than the drawing. Each test runs with the system dot and with the wasm renderer.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_viz_describe import expressions
from test_viz_render import SVG, mlp_batch_loss, renderer  # noqa: F401 (a fixture)

import autograd
from autograd import Value, scope
from autograd.testing import expressions_with_inputs
from demos import expression, hidden_layer, neuron
from viz import render

pytestmark = pytest.mark.usefixtures("renderer")  # every test: with dot, then with wasm

NUMBER = re.compile(r"-?\d*\.?\d+(?:[eE][-+]?\d+)?")
Point = tuple[float, float]
Box = tuple[float, float, float, float]  # left, top, right, bottom


# ---- reading the SVG ---------------------------------------------------------------------
def text_box(text: ET.Element) -> Box:
    """Where a <text> is drawn: Helvetica digits are 0.556 em wide, . and space 0.278, a
    minus 0.333; other characters are taken as 0.6 em. Height: 0.8 em above the baseline,
    0.2 below."""
    size = float(text.get("font-size"))
    content = "".join(text.itertext())
    width = size * sum(0.556 if c.isdigit() else 0.278 if c in ". ," else
                       0.333 if c in "-()" else 0.6 for c in content)
    x, y = float(text.get("x")), float(text.get("y"))
    left = {"middle": x - width / 2, "end": x - width}.get(text.get("text-anchor"), x)
    return (left, y - 0.8 * size, left + width, y + 0.2 * size)


def curve_points(d: str) -> list[Point]:
    """Points every pt or so along "M x,y C x,y x,y x,y ..." (cubic Bezier pieces)."""
    numbers = [float(n) for n in NUMBER.findall(d)]
    corners = list(zip(numbers[::2], numbers[1::2]))
    points = corners[:1]
    for i in range(0, len(corners) - 3, 3):
        p0, p1, p2, p3 = corners[i:i + 4]
        steps = max(8, int(math.dist(p0, p1) + math.dist(p1, p2) + math.dist(p2, p3)))
        for k in range(1, steps + 1):
            t = k / steps
            points.append(tuple((1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b
                                + 3 * (1 - t) * t * t * c + t ** 3 * e
                                for a, b, c, e in zip(p0, p1, p2, p3)))
    return points


def outline_box(group: ET.Element) -> Box:
    """The box around a node's shapes (its texts, for a node drawn as text only)."""
    points: list[Point] = []
    for element in group.iter():
        if element.tag == f"{SVG}ellipse":
            cx, cy, rx, ry = (float(element.get(k)) for k in ("cx", "cy", "rx", "ry"))
            points += [(cx - rx, cy - ry), (cx + rx, cy + ry)]
        elif element.tag in (f"{SVG}polygon", f"{SVG}path"):
            numbers = [float(n) for n in NUMBER.findall(element.get("points")
                                                           or element.get("d"))]
            points += list(zip(numbers[::2], numbers[1::2]))
    if not points:
        boxes = [text_box(text) for text in group.iter(f"{SVG}text")]
        points = [corner for b in boxes for corner in ((b[0], b[1]), (b[2], b[3]))]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def overlap(a: Box, b: Box, slack: float = 0.5) -> bool:
    return (min(a[2], b[2]) - max(a[0], b[0]) > slack
            and min(a[3], b[3]) - max(a[1], b[1]) > slack)


def classed(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [group for group in svg.iter(f"{SVG}g") if group.get("class") == kind]


def misplaced_labels(path: Path) -> list[str]:
    """Every way a blame label in the SVG at path is out of place, in words."""
    svg = ET.parse(path).getroot()
    arrows, labels = [], []
    for index, group in enumerate(classed(svg, "edge")):
        points = [p for element in group.iter(f"{SVG}path") for p in curve_points(element.get("d"))]
        points += [p for element in group.iter(f"{SVG}polygon")
                   for p in curve_points("M" + element.get("points"))]
        arrows.append(points)
        labels += [(index, text) for text in group.iter(f"{SVG}text")]
    boxes = [outline_box(group) for group in classed(svg, "node")]
    boxes += [text_box(text) for group in classed(svg, "cluster")
              for text in group.iter(f"{SVG}text")]
    problems = []
    placed: list[tuple[str, Box]] = []
    for index, text in labels:
        words, box = "".join(text.itertext()), text_box(text)
        centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        own = min(math.dist(centre, p) for p in arrows[index])
        nearest_other = min((math.dist(centre, p) for other, points in enumerate(arrows)
                             if other != index for p in points), default=math.inf)
        if nearest_other <= own:
            problems.append(f"{words!r} is {own:.1f} pt from its arrow, {nearest_other:.1f} "
                            f"from another")
        if any(overlap(box, other) for other in boxes):
            problems.append(f"{words!r} overlaps a box")
        problems += [f"{words!r} overlaps the label {other!r}" for other, other_box in placed
                     if overlap(box, other_box)]
        placed.append((words, box))
    return problems


def labels_on_lines(path: Path) -> list[str]:
    """The labels whose box runs into the stroke of an arrow's line (half its width)."""
    svg = ET.parse(path).getroot()
    lines = [(curve_points(element.get("d")), float(element.get("stroke-width", "1")) / 2)
             for group in classed(svg, "edge") for element in group.iter(f"{SVG}path")]
    touching = []
    for text in (text for group in classed(svg, "edge") for text in group.iter(f"{SVG}text")):
        left, top, right, bottom = text_box(text)
        if any(left - reach < x < right + reach and top - reach < y < bottom + reach
               for points, reach in lines for x, y in points):
            touching.append("".join(text.itertext()))
    return touching


def caption_outgrows_drawing(path: Path) -> bool:
    """True if the caption strip under the picture is wider than the drawing above it."""
    svg = ET.parse(path).getroot()
    drawing = [outline_box(group) for group in classed(svg, "node")]
    drawing += [outline_box(group) for group in classed(svg, "cluster")]
    left, right = min(b[0] for b in drawing), max(b[2] for b in drawing)
    (graph,) = classed(svg, "graph")
    caption = [text_box(text) for text in graph.findall(f"{SVG}text")]
    return any(b[2] - b[0] > right - left + 1 for b in caption)


def assert_labels_in_place(root: Value, path: Path, **options: object) -> None:
    picture = render(root, path, **options)
    assert misplaced_labels(picture) == []
    assert not caption_outgrows_drawing(picture)


# ---- the pictures people see -------------------------------------------------------------
def docs_graph() -> Value:
    """docs/graph.svg: one tanh neuron in a scope and its squared error against 1."""
    x1, x2 = Value(2.0, "x1"), Value(-1.0, "x2")
    w1, w2 = Value(0.5, "w1", kind="parameter"), Value(-0.3, "w2", kind="parameter")
    b = Value(0.1, "b", kind="parameter")
    with scope("neuron"):
        z = autograd.dot([w1, w2], [x1, x2]) + b
        z.label = "z"
        out = z.tanh()
        out.label = "out"
    loss = (out - Value(1.0, "target", kind="constant")) ** 2
    loss.label = "loss"
    loss.backward()
    return loss


def test_the_docs_graph(tmp_path: Path) -> None:
    assert_labels_in_place(docs_graph(), tmp_path / "graph.svg")


def test_lesson_one_neuron(tmp_path: Path) -> None:
    nodes = neuron.build()
    nodes["loss"].backward()
    assert_labels_in_place(nodes["loss"], tmp_path / "graph.svg")


def test_lesson_three_hidden_layer(tmp_path: Path) -> None:
    # The picture: h1's blame 0.08867 sat under w4's arrow, two 0.2956 on one arrow.
    loss = hidden_layer.forward(hidden_layer.parameters())["loss"]
    loss.backward()
    assert_labels_in_place(loss, tmp_path / "graph.svg")


def test_the_moons_batch_folded_by_layer(tmp_path: Path) -> None:
    loss = mlp_batch_loss([2, 16, 16, 1], samples=20)
    assert_labels_in_place(loss, tmp_path / "layers.svg", collapse="layer")
    # Few labels and room around them: none sits on a line (thick ones here: the blame of
    # thousands of edges), where its white halo would notch the line.
    assert labels_on_lines(tmp_path / "layers.svg") == []
    assert_labels_in_place(loss, tmp_path / "neurons.svg", collapse="neuron")


def test_an_expression_from_the_command_line(tmp_path: Path) -> None:
    root, _ = expression.compute("tanh(x*w + b) * x - x**2", ["x=2", "w=0.4", "b=0.1"])
    root.backward()
    assert_labels_in_place(root, tmp_path / "expr.svg")


# ---- random graphs -----------------------------------------------------------------------
FEW = settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FEW
@given(expressions())
def test_random_graphs(tmp_path: Path, root: Value) -> None:
    root.backward()
    assert_labels_in_place(root, tmp_path / "graph.svg")


@FEW
@given(expressions_with_inputs(variables=3, max_depth=3))
def test_random_formulas_from_the_table(tmp_path: Path, drawn: tuple) -> None:
    formula, inputs = drawn
    root = formula(*[Value(x, f"x{i}") for i, x in enumerate(inputs)])
    if not isinstance(root, Value):
        root = Value(root) + 0.0  # a formula of constants only
    root.backward()
    assert_labels_in_place(root, tmp_path / "graph.svg")


@FEW
@given(sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4), samples=st.integers(1, 2),
       collapse=st.sampled_from([None, "neuron", "layer"]))
def test_random_scoped_networks(tmp_path: Path, sizes: list[int], samples: int,
                                collapse: str | None) -> None:
    loss = mlp_batch_loss([2, *sizes], samples)
    assert_labels_in_place(loss, tmp_path / "net.svg", collapse=collapse)
