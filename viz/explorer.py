"""explore: one self-contained HTML page to step through the forward and backward pass.

    >>> from autograd import Value
    >>> w, x = Value(2.0, label="w"), Value(3.0, label="x")
    >>> loss = (w * x).tanh()
    >>> explore(loss, "out/loss.html")        # open the file in any browser, even offline
    SavedFile('out/loss.html')

The page shows the graph as render() draws it, and lets the learner
- step the forward pass (each box lights up, in order, with its data) and the backward
  pass (each box's gradient fills in, in reverse order, and the arrows whose blame made
  it up light up): buttons, or the keys right (step), left (step back), space (play);
- click a Value (or Tab to it and press Enter) to read its label, op, data, grad, and the
  chain rule behind its gradient written out with its numbers (viz/chain_rule.py):
      dL/dw = dL/dz × dz/dw = 0.25 × 2 = 0.5
- zoom (wheel, pinch, +/- buttons and keys) and pan (drag) like a map; the view follows
  the box being computed or blamed;
- fold the graph by neuron or by layer and unfold it again.

A step is one drawn box: with the graph folded by layer, one step computes (forward) or
completes (backward) a whole layer, so a batch of a hundred samples is a few steps.

Everything is worked out here, in Python: Graphviz lays out each fold level as its own
SVG, and every number and sentence the page shows is written into it as JSON (in a
<script type="application/json">, which browsers never run). The page's script only
shows, hides and recolours what is already there and swaps one SVG for another. The
script and style (viz/assets) are copied into the page and allowed by their hashes in
its content-security policy: the page fetches nothing and runs nothing else.
"""

from __future__ import annotations

import dataclasses
import math
import os
import xml.etree.ElementTree as ET
from typing import Any

from autograd import Value
from viz.backends import render_source
from viz.chain_rule import ChainRuleWriter
from viz.describe import EdgeInfo, GraphDescription, NodeInfo, describe_sweep
from viz.errors import GraphTooLargeError
from viz.files import write_atomically
from viz.fold import FoldedGraph, GroupInfo, fold
from viz.graph import (
    MAX_NODES,
    arrow_id,
    check_size,
    drawn_root,
    graph_of,
    group_lines,
    op_arrow_id,
    op_id,
    value_lines,
)
from viz.notebook import ExplorerPage, SavedFile
from viz.pages import page
from viz.style import format_number

# The fold levels a page can offer, finest first, and what the page calls them.
LEVELS = (None, "neuron", "layer")
LEVEL_NAMES = {None: "every value", "neuron": "by neuron", "layer": "by layer"}
# A level the caller did not ask for is offered only if Graphviz can draw it readably:
# thousands of arrows between folded boxes make megabytes of SVG and a tangle.
MAX_ARROWS = 1000
# A folded box's inspector lists this many of its outputs and of its parameters.
LISTED = 8
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"


def explore(root: Value, path: str | os.PathLike | None = None, collapse: str | None = None,
            max_nodes: int = MAX_NODES) -> SavedFile | ExplorerPage:
    """The explorer page for the graph of root, written to path (an .html file).

    root: a Value, or what a compiled step (autograd.jit) returned: its traced graph is
    drawn with the latest numbers.

    Returns path as a SavedFile (a pathlib.Path). With no path nothing is written and it
    returns an ExplorerPage holding the page. In Jupyter either one, as a cell's value,
    shows the page working inline (see viz/notebook.py).

    The gradients shown are those of one fresh reverse sweep from root (as in
    backprop_frames): d root / d node, whether or not backward() has run, and no .grad
    is changed.
    collapse: None shows every Value; "neuron" or "layer" draws each such scope as one box
        (see draw_graph). The page opens at this level and offers the others that can be
        drawn (each laid out on its own, so folding gives the space back).
    max_nodes: the most boxes to draw; a bigger graph raises GraphTooLargeError, which
        says how to make it smaller. Without Graphviz (system dot or blameflow[wasm]) it
        raises RendererNotFoundError, which says how to install one; no file is written.
    """
    root = drawn_root(root)  # a compiled step's result: its traced graph
    if not isinstance(root, Value):
        raise TypeError(f"explore takes a Value (the output of your computation), "
                        f"got {type(root).__name__}")
    description = describe_sweep(root)
    levels = fold_levels(description, collapse, max_nodes)
    writer = ChainRuleWriter.of(description)
    views = [_view(description, folded, level) for level, folded in levels]
    title = f"blameflow explorer: {root.label or 'your graph'}"
    data = {
        "title": title,
        "levels": [view.data for view in views],
        "initial": [level for level, _ in levels].index(collapse),
        "missing": _missing_levels(description, [level for level, _ in levels], max_nodes),
        "values": _values_data(description, writer, views),
    }
    html = _page(title, [view.svg for view in views], data)
    if path is None:
        return ExplorerPage(html)
    path = SavedFile(path)
    write_atomically(path, html.encode("utf-8"))
    return path


# ---- fold levels: which pictures the page holds ------------------------------------------
def fold_levels(description: GraphDescription, collapse: str | None,
                max_nodes: int) -> list[tuple[str | None, FoldedGraph]]:
    """The fold levels the page offers, finest first: the one asked for (which must fit
    in max_nodes, or GraphTooLargeError says what to do), and each other level that fits
    in max_nodes and MAX_ARROWS, folds some real scope and differs from the finer ones."""
    asked = fold(description, collapse)
    check_size(asked, max_nodes, collapse, description)
    levels, seen = [], set()
    for level in LEVELS:
        folded = asked if level == collapse else fold(description, level)
        boxes = _boxes_of(folded)
        if level != collapse and not _worth_offering(folded, max_nodes, boxes, seen):
            continue
        seen.add(boxes)
        levels.append((level, folded))
    return levels


def _boxes_of(folded: FoldedGraph) -> frozenset[str]:
    return frozenset([node.id for node in folded.nodes] + [g.id for g in folded.groups])


def _worth_offering(folded: FoldedGraph, max_nodes: int, boxes: frozenset[str],
                    seen: set[frozenset[str]]) -> bool:
    folds_a_scope = not folded.groups or any(group.scope for group in folded.groups)
    return (_drawable(folded, max_nodes) and len(folded.flows) <= MAX_ARROWS
            and folds_a_scope and boxes not in seen)


def _drawable(folded: FoldedGraph, max_nodes: int) -> bool:
    """True when Graphviz can lay the level out (check_size's rule, which says why not)."""
    try:
        check_size(folded, max_nodes, None)
    except GraphTooLargeError:
        return False
    return True


def _missing_levels(description: GraphDescription, offered: list[str | None],
                    max_nodes: int) -> list[str]:
    """Why each level the page does not offer is missing, for the page to say so."""
    notes = []
    for level in LEVELS:
        if level in offered:
            continue
        folded = fold(description, level)
        if folded.groups and not any(group.scope for group in folded.groups):
            continue  # no neuron or layer scopes to fold
        size = f"{folded.box_count:,} boxes and {len(folded.flows):,} arrows"
        if _drawable(folded, max_nodes):
            notes.append(f"{LEVEL_NAMES[level]}: {size}, too many for this page; "
                         f"explore(root, path, collapse={level!r}) draws it alone")
        else:
            notes.append(f"{LEVEL_NAMES[level]}: {size}, too many for Graphviz to lay out")
    return notes


# ---- one fold level: its SVG and what the page needs to step through it -----------------
@dataclasses.dataclass
class _View:
    """One fold level: its SVG markup, its data for the page, and each Value's box."""

    svg: str
    data: dict[str, Any]
    box_of: dict[str, int]  # Value id -> index of the box it is drawn in


def _view(description: GraphDescription, folded: FoldedGraph, level: str | None) -> _View:
    """Lay out one fold level and work out its steps.

    A step is one box: forward, it is computed once the last of its Values is; backward,
    it is complete once the first of them (the last the reverse sweep reaches) is. So
    boxes are stepped in the order of their last Value forward, of their first backward.
    """
    prefix = f"v{LEVELS.index(level)}-"
    order = {node.id: index for index, node in enumerate(description.nodes)}
    members = _members(folded)
    box_ids = list(members)
    box_of = {value: index for index, box in enumerate(box_ids) for value in members[box]}
    last = [max(order[value] for value in members[box]) for box in box_ids]
    first = [min(order[value] for value in members[box]) for box in box_ids]
    forward = sorted(range(len(box_ids)), key=lambda index: last[index])
    backward = sorted(range(len(box_ids)), key=lambda index: -first[index])
    svg = _render(folded)
    texts = _box_texts(description, folded, level, _texts_by_box(svg))
    groups = {group.id: group for group in folded.groups}
    computed = {node.id for node in folded.nodes if node.kind == "computed"}
    boxes = []
    for index, box in enumerate(box_ids):
        elements = [prefix + element for element in _drawn_with(box, box in computed)]
        data = {"id": prefix + box, "elements": elements, "lines": _changing_lines(texts, box),
                "first": first[index], "last": last[index]}
        data.update(_group_data(groups[box]) if box in groups else {"value": box})
        boxes.append(data)
    index_of = {box: index for index, box in enumerate(box_ids)}
    arrows = [{"id": prefix + arrow_id(index), "source": index_of[flow.source],
               "target": index_of[flow.target]} for index, flow in enumerate(folded.flows)]
    svg = _page_svg(svg, prefix, [prefix + box for box in box_ids])
    data = {"collapse": level, "name": LEVEL_NAMES[level], "svg": f"view-{prefix[:-1]}",
            "boxes": boxes, "arrows": arrows, "forward": forward, "backward": backward,
            "root": box_of[description.root]}
    return _View(svg, data, box_of)


def _members(folded: FoldedGraph) -> dict[str, list[str]]:
    """Each drawn box (by SVG id) with the ids of the Values drawn in it."""
    members = {node.id: [node.id] for node in folded.nodes}
    for group in folded.groups:
        members[group.id] = [member.id for member in group.members]
    return members


def _drawn_with(box: str, computed: bool) -> list[str]:
    """The SVG ids of a box, and for a computed Value its op node and the arrow between."""
    return [box, op_id(box), op_arrow_id(box)] if computed else [box]


def _group_data(group: GroupInfo) -> dict[str, Any]:
    """What the inspector and the captions say about a folded box."""
    parameters = sorted(group.parameters, key=lambda p: -_magnitude(p.grad))
    outputs = group.outputs
    largest = parameters[0] if parameters else None
    forward = f"{group.name}: its {len(group.members):,} values are computed"
    if len(outputs) == 1:
        forward += f"; its output is {format_number(outputs[0].data)}"
    else:
        forward += f"; {len(outputs):,} of them go on to other boxes"
    backward = f"{group.name}: every gradient inside is complete"
    if largest is not None:
        backward += (f"; the largest |grad| of its {len(parameters):,} parameters is "
                     f"{format_number(abs(largest.grad))}")
    elif len(outputs) == 1:
        backward += f"; its output's grad is {format_number(outputs[0].grad)}"
    return {"value": None, "name": group.name, "scope": group.scope,
            "size": len(group.members),
            "outputs": [node.id for node in outputs[:LISTED]], "outputCount": len(outputs),
            "parameters": [node.id for node in parameters[:LISTED]],
            "parameterCount": len(parameters),
            "largestGrad": None if largest is None else format_number(abs(largest.grad)),
            "forwardCaption": forward, "backwardCaption": backward}


def _magnitude(x: float | None) -> float:
    return abs(x) if x is not None and not math.isnan(x) else 0.0


# ---- the box texts at each stage, as Graphviz draws them ---------------------------------
def _box_texts(description: GraphDescription, folded: FoldedGraph, level: str | None,
               drawn: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """For each stage ("pending", "computed", "complete"), each box's lines of text.

    The page shows "data -" until the forward pass reaches a box and "grad -" until the
    backward pass does. Rather than guess which of a box's lines hold numbers, the lines
    are written (by the same value_lines and group_lines that graph_of draws with) with
    those numbers unknown, and the page swaps in the lines that differ. Only the finished
    graph is laid out: the words of a box are known without asking Graphviz where it goes.
    drawn: each box's lines as Graphviz drew them (a box whose lines differ in number
        from ours, say a label holding a line break, is shown as drawn).
    """
    stages = {"pending": fold(_hidden(description, data=True), level),
              "computed": fold(_hidden(description, data=False), level),
              "complete": folded}
    texts = {stage: _lines_by_box(stage_folded) for stage, stage_folded in stages.items()}
    texts["complete"] = {box: lines for box, lines in texts["complete"].items()
                         if len(lines) == len(drawn.get(box, []))}
    return texts


def _lines_by_box(folded: FoldedGraph) -> dict[str, list[str]]:
    """The lines of text of every box of a folded graph, by its id."""
    lines = {node.id: value_lines(node) for node in folded.nodes}
    lines.update({group.id: group_lines(group) for group in folded.groups})
    return lines


def _hidden(description: GraphDescription, data: bool) -> GraphDescription:
    """The description with every gradient unknown, and every data too if data."""
    nodes = [dataclasses.replace(node, grad=None, data=None if data else node.data)
             for node in description.nodes]
    edges = [dataclasses.replace(edge, parent_grad=None, blame=None)
             for edge in description.edges]
    return GraphDescription(nodes=nodes, edges=edges, root=description.root)


def _changing_lines(texts: dict[str, dict[str, list[str]]],
                    box: str) -> list[list[int | str]]:
    """[line index, text while pending, text while computed] for each line that changes."""
    complete = texts["complete"].get(box, [])
    pending, computed = texts["pending"].get(box, []), texts["computed"].get(box, [])
    if not len(complete) == len(pending) == len(computed):
        return []  # a different number of lines: show the box as drawn
    return [[index, pending[index], computed[index]] for index in range(len(complete))
            if not complete[index] == pending[index] == computed[index]]


def _render(folded: FoldedGraph) -> ET.Element:
    source = graph_of(folded, legend=False, element_ids=True, tooltips=False).source
    return ET.fromstring(render_source(source, "svg"))


def _texts_by_box(svg: ET.Element) -> dict[str, list[str]]:
    """The lines of text of every node group of a Graphviz SVG, by its id."""
    return {group.get("id"): [text.text or "" for text in group.iter(f"{{{SVG_NS}}}text")]
            for group in svg.iter(f"{{{SVG_NS}}}g") if group.get("class") == "node"}


def _page_svg(svg: ET.Element, prefix: str, boxes: list[str]) -> str:
    """Graphviz's SVG made ready for the page.

    - Links go: Graphviz wraps each tooltip in an <a>; the page has no links at all (a
      user's text can never become a javascript: address), and the inspector says more
      than the tooltip would (and nothing before the passes reach it).
    - <title>s go: they are Graphviz's node names, read out by screen readers.
    - Every id gets the level's prefix, so the SVGs of all levels can share the page.
    - Each box can be reached with Tab and is announced as a button (its aria-label is
      set by the page as the passes go).
    - The size comes from the page (the pane), not from the SVG: the page zooms.
    """
    _drop_links_and_titles(svg)
    for element in svg.iter():
        if element.get("id"):
            element.set("id", prefix + element.get("id"))
    focusable = set(boxes)
    for element in svg.iter(f"{{{SVG_NS}}}g"):
        if element.get("id") in focusable:
            element.set("tabindex", "0")
            element.set("role", "button")
    for size in ("width", "height"):
        svg.attrib.pop(size, None)
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(svg, encoding="unicode")


def _drop_links_and_titles(element: ET.Element) -> None:
    """Remove <title> children and replace each <a> by its children, all the way down."""
    index = 0
    while index < len(element):
        child = element[index]
        if child.tag == f"{{{SVG_NS}}}title":
            element.remove(child)
        elif child.tag == f"{{{SVG_NS}}}a":
            element.remove(child)
            for offset, grandchild in enumerate(list(child)):
                element.insert(index + offset, grandchild)
        else:
            _drop_links_and_titles(child)
            index += 1


# ---- the Values the inspector can show ---------------------------------------------------
def _values_data(description: GraphDescription, writer: ChainRuleWriter,
                 views: list[_View]) -> dict[str, dict[str, Any]]:
    """Every Value drawn as a box of its own in some level, or listed by a folded box:
    its numbers, sentences, and the box it is drawn in at each level."""
    shown = set()
    for view in views:
        for box in view.data["boxes"]:
            if box["value"] is not None:
                shown.add(box["value"])
            else:
                shown.update(box["outputs"], box["parameters"])
    children: dict[str, list[EdgeInfo]] = {node.id: [] for node in description.nodes}
    parents: dict[str, list[EdgeInfo]] = {node.id: [] for node in description.nodes}
    for edge in description.edges:
        children[edge.parent].append(edge)
        parents[edge.child].append(edge)
    return {node.id: _value_data(node, writer, views, children[node.id][:LISTED * 4],
                                 parents[node.id][:LISTED * 4])
            for node in description.nodes if node.id in shown}


def _value_data(node: NodeInfo, writer: ChainRuleWriter, views: list[_View],
                into: list[EdgeInfo], out_of: list[EdgeInfo]) -> dict[str, Any]:
    return {
        "name": writer.name(node.id), "description": writer.describe(node.id),
        "kind": node.kind, "op": node.op, "symbol": node.symbol, "math": node.math,
        "scope": node.scope,
        "dataText": format_number(node.data), "gradText": format_number(node.grad),
        "formula": writer.formula(node.id), "chainRule": writer.words(node.id),
        "boxes": [view.box_of[node.id] for view in views],
        "children": [[edge.child, writer.name(edge.child), writer.local(edge)]
                     for edge in into],
        "parents": [[edge.parent, writer.name(edge.parent),
                     "not needed" if edge.blame is None else format_number(edge.blame)]
                    for edge in out_of],
    }


# ---- putting the page together ----------------------------------------------------------
def _page(title: str, svgs: list[str], data: dict[str, Any]) -> str:
    """The whole page (viz.pages.page): every level's SVG, the data and the script."""
    views = "\n".join(f'<div class="view" id="view-v{_level_number(data, index)}" hidden>'
                      f'{svg}</div>' for index, svg in enumerate(svgs))
    return page("explorer", title, {"views": views}, data, "graph-data", images=True)


def _level_number(data: dict[str, Any], index: int) -> int:
    return LEVELS.index(data["levels"][index]["collapse"])
