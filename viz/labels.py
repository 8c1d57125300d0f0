"""Blame labels beside their own arrow: placed after Graphviz has drawn the arrows.

Graphviz offers four ways to label an arrow, and we measured all four on the tour's
graphs, docs/graph.svg and random graphs (a label is misplaced when its centre is nearer
another arrow than its own, or its box overlaps a box or another label):
- a plain `label` is laid out as a hidden node beside the arrow's middle, so room is
  kept for it; but where arrows converge on an op node the label hangs on the side of
  its arrow that faces the neighbouring arrow: about 1 graph in 3 had a misplaced label;
- an `xlabel` is put near the middle after layout, with no room kept: worse;
- head and tail labels crowd at the op node (or at a shared weight): worse still.
So we keep the plain label (for the room dot keeps) and move it after layout: along its
own arrow, on either side, to the first spot whose centre is clearly nearer its own
arrow than any other and whose box overlaps no box, no label and not its own line; failing
that (an arrow inside a bundle of parallel ones), onto its own arrow, with a white halo. A
label that found no clear spot tries again once all the others have moved. The SVG is
changed, not the DOT, so both renderers (system dot and wasm) get the same treatment.

Text size is estimated from Helvetica's character widths (Graphviz draws the labels in
Helvetica); a label's box is its estimated width by 1.2 x its font size.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_SVG = f"{{{SVG_NS}}}"
_NUMBER = re.compile(r"-?\d*\.?\d+(?:[eE][-+]?\d+)?")
# Helvetica's advance widths, in ems, for the characters blame labels are made of; any
# other character counts as 0.6 em, wider than most letters: boxes err on the big side.
_WIDTHS = {**dict.fromkeys("0123456789", 0.556), ".": 0.278, ",": 0.278, " ": 0.278,
           "-": 0.333, "+": 0.584, "(": 0.333, ")": 0.333, "e": 0.556, "s": 0.5,
           "u": 0.556, "m": 0.833, "d": 0.556, "g": 0.556, "a": 0.556, "n": 0.556}
# A label's centre must be at least this much nearer its own arrow than any other (pt):
# 2 pt to spare, plus up to 2 pt by which the 4 pt sampling of other arrows can miss.
MARGIN = 4.0
# Where along its arrow a label may go (fractions of the arrow's length), best first.
_ALONG = tuple(0.5 + sign * step / 20 for step in range(10) for sign in (-1, 1))
_CELL = 24.0  # the spatial grid's cell size (pt)


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in SVG coordinates (y grows downwards)."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (min(self.right, other.right) > max(self.left, other.left)
                and min(self.bottom, other.bottom) > max(self.top, other.top))

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2)

    def moved_to(self, centre: tuple[float, float]) -> Box:
        half_width, half_height = (self.right - self.left) / 2, (self.bottom - self.top) / 2
        return Box(centre[0] - half_width, centre[1] - half_height,
                   centre[0] + half_width, centre[1] + half_height)


def text_box(text: ET.Element) -> Box:
    """The box a <text> covers, from its position, font size and characters."""
    size = float(text.get("font-size", "14"))
    width = sum(_WIDTHS.get(char, 0.6) for char in "".join(text.itertext())) * size
    x, y = float(text.get("x", "0")), float(text.get("y", "0"))
    left = {"middle": x - width / 2, "end": x - width}.get(text.get("text-anchor", ""), x)
    # The baseline is at y: ascenders reach about 0.9 em above it, descenders 0.3 below.
    return Box(left, y - 0.9 * size, left + width, y + 0.3 * size)


def shape_points(shape: ET.Element) -> list[tuple[float, float]]:
    """The corner or control points of a polygon, path or ellipse (its outline's hull)."""
    if shape.tag == f"{_SVG}ellipse":
        cx, cy, rx, ry = (float(shape.get(key, "0")) for key in ("cx", "cy", "rx", "ry"))
        return [(cx - rx, cy - ry), (cx + rx, cy + ry)]
    numbers = [float(n) for n in _NUMBER.findall(shape.get("points") or shape.get("d") or "")]
    return list(zip(numbers[::2], numbers[1::2]))


def path_samples(d: str, spacing: float = 2.0) -> list[tuple[float, float]]:
    """Points along a Graphviz path ("M x,y C x,y x,y x,y ..."), about spacing pt apart."""
    numbers = [float(n) for n in _NUMBER.findall(d)]
    points = list(zip(numbers[::2], numbers[1::2]))
    samples = points[:1]
    for start in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[start:start + 4]
        # A Bezier piece is no longer than its control polygon.
        steps = max(4, math.ceil((math.dist(p0, p1) + math.dist(p1, p2) + math.dist(p2, p3))
                                 / spacing))
        for step in range(1, steps + 1):
            t = step / steps
            u = 1 - t
            samples.append(tuple(u * u * u * a + 3 * u * u * t * b + 3 * u * t * t * c
                                 + t * t * t * e for a, b, c, e in zip(p0, p1, p2, p3)))
    return samples


def bounding_box(points: list[tuple[float, float]]) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return Box(min(xs), min(ys), max(xs), max(ys))


class _Grid:
    """Points and boxes filed by grid cell, so "what is near here?" looks at a few cells."""

    def __init__(self) -> None:
        self.points: dict[tuple[int, int], list[tuple[float, float, int]]] = defaultdict(list)
        self.boxes: dict[tuple[int, int], set[int]] = defaultdict(set)
        self.box_list: list[Box] = []

    @staticmethod
    def _cell(x: float, y: float) -> tuple[int, int]:
        return (math.floor(x / _CELL), math.floor(y / _CELL))

    def add_point(self, x: float, y: float, owner: int) -> None:
        self.points[self._cell(x, y)].append((x, y, owner))

    def _cells(self, box: Box) -> Iterator[tuple[int, int]]:
        (left, top), (right, bottom) = self._cell(box.left, box.top), self._cell(box.right,
                                                                                  box.bottom)
        for i in range(left, right + 1):
            for j in range(top, bottom + 1):
                yield (i, j)

    def add_box(self, box: Box) -> int:
        self.box_list.append(box)
        for cell in self._cells(box):
            self.boxes[cell].add(len(self.box_list) - 1)
        return len(self.box_list) - 1

    def replace_box(self, index: int, box: Box) -> None:
        """Move the box numbered index to box (it keeps its number)."""
        for cell in self._cells(self.box_list[index]):
            self.boxes[cell].discard(index)
        self.box_list[index] = box
        for cell in self._cells(box):
            self.boxes[cell].add(index)

    def nearest(self, x: float, y: float, radius: float) -> dict[int, float]:
        """For each owner with a point within radius of (x, y), its nearest distance."""
        found: dict[int, float] = {}
        for cell in self._cells(Box(x - radius, y - radius, x + radius, y + radius)):
            for px, py, owner in self.points.get(cell, ()):
                distance = math.hypot(px - x, py - y)
                if distance <= radius and distance < found.get(owner, math.inf):
                    found[owner] = distance
        return found

    def hits(self, box: Box, ignore: int) -> int:
        """How many stored boxes (other than the one numbered ignore) overlap box."""
        seen = {index for cell in self._cells(box) for index in self.boxes.get(cell, ())}
        return sum(1 for index in seen - {ignore} if self.box_list[index].overlaps(box))


def place_labels(svg: bytes) -> bytes:
    """The SVG with every arrow's label moved beside its own arrow (see the docstring)."""
    root = ET.fromstring(svg)
    arrows = [group for group in root.iter(f"{_SVG}g") if group.get("class") == "edge"]
    if not any(arrow.find(f".//{_SVG}text") is not None for arrow in arrows):
        return svg  # no labels (too many arrows to label): nothing to place
    grid = _Grid()
    labels: list[tuple[ET.Element, int, list[tuple[float, float]], float]] = []
    for owner, arrow in enumerate(arrows):
        lines = [element for element in arrow.iter(f"{_SVG}path")]
        heads = [element for element in arrow.iter(f"{_SVG}polygon")]
        if not lines:
            continue
        line = path_samples(lines[0].get("d", ""), spacing=3.0)
        # Obstacles every 4 pt are enough to tell which arrow is nearer by MARGIN.
        for x, y in [point for element in lines for point in path_samples(
                element.get("d", ""), spacing=4.0)] + [p for head in heads
                                                       for p in shape_points(head)]:
            grid.add_point(x, y, owner)
        pen = float(lines[0].get("stroke-width", "1"))
        labels += [(text, owner, line, pen) for text in arrow.iter(f"{_SVG}text")]
    for group in root.iter(f"{_SVG}g"):
        if group.get("class") in ("node", "cluster"):
            outline = [point for element in group.iter() if element.tag in
                       (f"{_SVG}polygon", f"{_SVG}ellipse", f"{_SVG}path")
                       for point in shape_points(element)]
            if outline and group.get("class") == "node":
                grid.add_box(bounding_box(outline))
            for text in group.iter(f"{_SVG}text"):  # cluster names, legend words
                grid.add_box(text_box(text))
    for text in root.findall(f"{_SVG}g/{_SVG}text"):  # the graph's caption
        grid.add_box(text_box(text))
    label_boxes = [grid.add_box(text_box(text)) for text, *_ in labels]
    placed = [(label, number) for label, number in zip(labels, label_boxes)
              if len(label[2]) >= 2]
    # A label is placed while the labels after it are still where Graphviz put them; one
    # that found no clear spot gets a second try once they have all moved.
    for attempt in (placed, [entry for entry in placed if not _is_clear(grid, *entry)]):
        for (text, owner, line, pen), number in attempt:
            box = _best_spot(grid, grid.box_list[number], owner, line, pen, number)
            grid.replace_box(number, box)
            _move_text(text, box)
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    header = svg[:svg.find(b"<svg")]
    return header + ET.tostring(root, encoding="unicode").encode("utf-8")


def _best_spot(grid: _Grid, box: Box, owner: int, samples: list[tuple[float, float]],
               pen: float, number: int) -> Box:
    """The first candidate spot that is clearly this arrow's and overlaps nothing; if none
    is, the one that comes closest (largest lead over other arrows, fewest overlaps)."""
    best, best_score = box, -math.inf
    for spot in [box, *_candidates(box, samples, pen)]:
        clear, score = _judge(grid, spot, owner, samples, pen, number)
        if clear:
            return spot
        if score > best_score:
            best, best_score = spot, score
    return best


def _is_clear(grid: _Grid, label: tuple[ET.Element, int, list[tuple[float, float]], float],
              number: int) -> bool:
    """True if the label numbered number is where _best_spot would stop looking."""
    _, owner, samples, pen = label
    return _judge(grid, grid.box_list[number], owner, samples, pen, number)[0]


def _judge(grid: _Grid, spot: Box, owner: int, samples: list[tuple[float, float]],
           pen: float, number: int) -> tuple[bool, float]:
    """Whether spot is clearly this arrow's (its centre nearer it by MARGIN than any other
    arrow, overlapping nothing, off its line), and a score for comparing spots that are
    not: the lead over other arrows, minus much for each overlap."""
    own = min(math.dist(spot.centre, point) for point in samples)
    # Only arrows within own + MARGIN can spoil the spot: a small neighbourhood.
    nearby = grid.nearest(*spot.centre, own + MARGIN)
    others = [distance for arrow, distance in nearby.items() if arrow != owner]
    lead = min(others, default=own + MARGIN) - own
    overlaps = grid.hits(spot, ignore=number)
    # Touching its own arrow is allowed only when nothing else will do: on a thick
    # arrow the halo of a descender would cut a white notch into the line.
    touches = _touches(spot, samples, pen / 2)
    clear = lead >= MARGIN and not overlaps and not touches
    return clear, min(lead, MARGIN) - 100 * overlaps - 0.01 * touches


def _touches(box: Box, samples: list[tuple[float, float]], reach: float) -> bool:
    """True if a line through samples, reach thick on each side, runs into the box."""
    return any(box.left - reach < x < box.right + reach and box.top - reach < y < box.bottom + reach
               for x, y in samples)


def _candidates(box: Box, samples: list[tuple[float, float]], pen: float) -> Iterator[Box]:
    """Spots for the label, best first: just clear of its arrow's line on either side,
    from the middle out; then one label-height farther out; last, on the line itself
    (for an arrow inside a bundle of parallel ones, the only spot nearer to it than to
    its neighbours; the white halo keeps the text readable over the line)."""
    lengths = [0.0]
    for a, b in zip(samples, samples[1:]):
        lengths.append(lengths[-1] + math.dist(a, b))
    points = [min(range(len(samples)), key=lambda i: abs(lengths[i] - fraction * lengths[-1]))
              for fraction in _ALONG]
    half_width, half_height = (box.right - box.left) / 2, (box.bottom - box.top) / 2
    for farther in (0.0, 2 * half_height):
        for at in points:
            before, after = samples[max(at - 1, 0)], samples[min(at + 1, len(samples) - 1)]
            dx, dy = after[0] - before[0], after[1] - before[1]
            norm = math.hypot(dx, dy) or 1.0
            nx, ny = -dy / norm, dx / norm  # the normal: perpendicular to the arrow
            # How far the box reaches along the normal, plus half the pen and some air.
            clearance = abs(nx) * half_width + abs(ny) * half_height + pen / 2 + 1.5 + farther
            x, y = samples[at]
            for side in (1, -1):
                yield box.moved_to((x + side * nx * clearance, y + side * ny * clearance))
    for at in points:
        yield box.moved_to(samples[at])


def _move_text(text: ET.Element, box: Box) -> None:
    """Put the <text> where box is (its anchor point and baseline), with a white halo
    (an outline painted under the letters) so that a line behind it does not hide it."""
    text.set("stroke", "white")
    text.set("stroke-width", "3")
    text.set("stroke-linejoin", "round")
    text.set("paint-order", "stroke")
    old = text_box(text)
    dx, dy = box.left - old.left, box.top - old.top
    text.set("x", f"{float(text.get('x', '0')) + dx:.2f}")
    text.set("y", f"{float(text.get('y', '0')) + dy:.2f}")
