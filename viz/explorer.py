"""explore: one self-contained HTML page to step through the forward and backward pass.

    >>> explore(loss, "out/loss.html")        # open the file in any browser, even offline

The page shows the graph as render() draws it, and lets the learner
- step the forward pass (each Value lights up, in topological order, with its data) and
  the backward pass (each gradient fills in, in reverse order, and the arrows whose blame
  made it up light up): buttons, or the keys right (step), left (step back), space (play);
- click a Value to read its label, op, data, grad, children and parents, and the chain
  rule behind its gradient written out with its numbers:
      grad(w1) = grad(z) x d z/d w1 = 0.25 x 2 = 0.5
- fold and unfold the frames around scopes (neurons, layers).

Everything is worked out here, in Python: Graphviz lays the graph out and draws it as SVG,
and every number and sentence the page shows is written into it as JSON. The browser only
shows, hides and recolours what is already there, so a graph at the viz node cap stays
quick to step through. The script and style (viz/assets) are copied into the page: it
fetches nothing, from the network or from disk.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter, defaultdict
from html import escape
from importlib import resources
from typing import Any

from autograd import Value
from viz.backends import render_source
from viz.describe import EdgeInfo, GraphDescription, NodeInfo, describe_sweep
from viz.files import write_atomically
from viz.fold import FoldedGraph, fold
from viz.graph import (
    MAX_NODES,
    arrow_id,
    check_size,
    cluster_id,
    graph_of,
    home_scopes,
    op_arrow_id,
    op_id,
    parent_scope,
)
from viz.notebook import ExplorerPage, SavedFile
from viz.style import format_number

# Unlabelled Values are named by their expression up to this length (see _names).
MAX_NAME_LENGTH = 32
INFIX_SYMBOLS = ("+", "-", "*", "/", "**")
# The page is this template with each {{name}} replaced (see _fill_template).
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def explore(root: Value, path: str | os.PathLike | None = None, collapse: str | None = None,
            max_nodes: int = MAX_NODES) -> SavedFile | ExplorerPage:
    """The explorer page for the graph of root, written to path (an .html file).

    Returns path as a SavedFile (a pathlib.Path). With no path nothing is written and it
    returns an ExplorerPage holding the page. In Jupyter either one, as a cell's value,
    shows the page working inline (see viz/notebook.py).

    The gradients shown are those of one fresh reverse sweep from root (as in
    backprop_frames): d root / d node, whether or not backward() has run, and no .grad
    is changed.
    collapse: None shows every Value; "neuron" or "layer" draws each such scope as one box
        (see draw_graph); stepping still visits every Value, and a folded box lights up
        when all of its Values have.
    max_nodes: the most boxes to draw; a bigger graph raises GraphTooLargeError, which
        says how to make it smaller. Without Graphviz (system dot or blameflow[wasm]) it
        raises RendererNotFoundError, which says how to install one; no file is written.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explore takes a Value (the output of your computation), "
                        f"got {type(root).__name__}")
    description = describe_sweep(root)
    folded = fold(description, collapse)
    check_size(folded, max_nodes, collapse)
    picture = graph_of(folded, legend=False, element_ids=True)
    svg = render_source(picture.source, "svg").decode("utf-8")
    title = f"blameflow explorer: {root.label or 'your graph'}"
    page = _fill_template(_asset("explorer.html"), {
        "title": escape(title),
        "style": _asset("explorer.css"),
        "svg": _inline_svg(svg),
        "data": script_json(page_data(description, folded)),
        "script": _asset("explorer.js"),
    })
    if path is None:
        return ExplorerPage(page)
    path = SavedFile(path)
    write_atomically(path, page.encode("utf-8"))
    return path


# ---- what the page knows: plain data, turned into JSON ----------------------------------
def page_data(description: GraphDescription, folded: FoldedGraph) -> dict[str, Any]:
    """Every number, sentence and SVG id the page's script needs, as JSON-ready data.

    nodes: one per Value in topological order, with the texts the page shows, the box
        it is drawn in and the indices of its edges (children: edges into it, parents:
        edges out of it).
    edges: one per argument of an operation, with its blame and the SVG arrow drawing it
        (None when both ends are folded into one box, where no arrow is drawn).
    boxes: each drawn box with the Values in it and the SVG ids that light up with it.
    clusters: each scope frame with every SVG id inside it (hidden when it is folded).
    forward, backward: the order of the two passes (backward is forward reversed).
    """
    nodes, edges = description.nodes, description.edges
    children, parents = defaultdict(list), defaultdict(list)
    for index, edge in enumerate(edges):
        children[edge.parent].append(index)
        parents[edge.child].append(index)
    names, operands = _names(nodes, {node.id: [edges[i] for i in children[node.id]]
                                      for node in nodes})
    box_of = _box_of(folded)
    arrow_of = {(edge.child, edge.parent, edge.position): arrow_id(index)
                for index, flow in enumerate(folded.flows) for edge in flow.edges}
    return {
        "root": description.root,
        "nodes": [_node_data(node, names, operands, box_of[node.id], children[node.id],
                             parents[node.id], edges, description.root) for node in nodes],
        "edges": [_edge_data(edge, arrow_of.get((edge.child, edge.parent, edge.position)))
                  for edge in edges],
        "boxes": _boxes_data(folded, box_of),
        "clusters": _clusters_data(folded),
        "forward": [node.id for node in nodes],
        "backward": [node.id for node in reversed(nodes)],
    }


def _names(nodes: list[NodeInfo],
           into: dict[str, list[EdgeInfo]]) -> tuple[dict[str, str], dict[str, str]]:
    """What the page calls each Value, alone ("x1 * w1") and inside a formula ("(x1 * w1)").

    A label is the best name. An unlabelled Value is named by how it was made, from its
    children's names, while that stays short: the learner can see "x1 * w1" in the
    graph, but not an id such as "n2". A longer expression is named by its op and scope
    if that is unique ("dot in layer0/neuron3"), else by op and id ("dot_n7"). An
    unlabelled constant is its number.
    """
    names = {node.id: _own_name(node) for node in nodes}
    _tell_apart(nodes, names)
    operands = dict(names)
    unnamed = Counter((node.op, node.scope) for node in nodes if names[node.id] is None)
    for node in nodes:  # topological order: children are named first
        if names[node.id] is not None:
            continue
        expression = _expression(node, [operands[edge.child] for edge in into[node.id]])
        if len(expression) <= MAX_NAME_LENGTH:
            names[node.id], operands[node.id] = expression, f"({expression})"
        elif node.scope and unnamed[node.op, node.scope] == 1:
            # The one dot of a neuron: "dot in layer0/neuron3".
            names[node.id] = operands[node.id] = f"{node.op} in {node.scope}"
        else:
            names[node.id] = operands[node.id] = f"{node.op}_{node.id}"
    return names, operands


def _own_name(node: NodeInfo) -> str | None:
    """A Value's name on its own: label, constant's number or leaf id; None if computed."""
    if node.label:
        return node.label
    if node.kind == "constant":
        return format_number(node.data)
    return node.id if node.kind != "computed" else None


def _tell_apart(nodes: list[NodeInfo], names: dict[str, str | None]) -> None:
    """Give Values that share a label different names: add the scope, then if two are
    still alike (a batch's inputs "x0", one per sample), the id as well.

    Two "w1" in a chain rule would not say which weight is meant.
    """
    qualifiers = (lambda node: f"{names[node.id]} in {node.scope}" if node.scope
                  else names[node.id],
                  lambda node: f"{names[node.id]} ({node.id})")
    for qualify in qualifiers:
        counts = Counter(names[node.id] for node in nodes if node.label)
        for node in nodes:
            if node.label and counts[names[node.id]] > 1:
                names[node.id] = qualify(node)


def _expression(node: NodeInfo, arguments: list[str]) -> str:
    """node's op applied to its arguments: "x * w" for a binary operator, else "tanh(z)"."""
    if len(arguments) == 2 and node.symbol in INFIX_SYMBOLS:
        return f" {node.symbol} ".join(arguments)
    return f"{node.symbol or node.op}({', '.join(arguments)})"


def _node_data(node: NodeInfo, names: dict[str, str], operands: dict[str, str], box: str,
               children: list[int], parents: list[int], edges: list[EdgeInfo],
               root: str) -> dict[str, Any]:
    return {
        "id": node.id, "name": names[node.id], "operand": operands[node.id],
        "label": node.label, "kind": node.kind,
        "op": node.op, "symbol": node.symbol, "math": node.math, "scope": node.scope,
        "data": _finite(node.data), "grad": _finite(node.grad),
        "dataText": format_number(node.data), "gradText": format_number(node.grad),
        "box": box, "children": children, "parents": parents,
        "formula": _formula(node, names, operands, [edges[i] for i in children]),
        "chainRule": chain_rule(node, names, operands, [edges[i] for i in parents],
                                node.id == root),
    }


def _edge_data(edge: EdgeInfo, arrow: str | None) -> dict[str, Any]:
    return {
        "child": edge.child, "parent": edge.parent, "position": edge.position,
        "arrow": arrow, "localText": format_number(edge.local_derivative),
        "blameText": format_number(edge.blame),
    }


def _finite(x: float | None) -> float | None:
    """x, or None for nan and infinities (JSON has no way to write them)."""
    return x if x is not None and math.isfinite(x) else None


def _formula(node: NodeInfo, names: dict[str, str], operands: dict[str, str],
             into: list[EdgeInfo]) -> str:
    """How the forward pass made node: "z = x * w = -6", or what kind of leaf it is."""
    name, value = names[node.id], format_number(node.data)
    if node.kind != "computed":
        return f"{name} is a{'n' if node.kind == 'input' else ''} {node.kind}: {value}"
    expression = _expression(node, [operands[edge.child] for edge in into])
    if expression == name:  # an unlabelled Value is named by its expression
        return f"{expression} = {value}"
    return f"{name} = {expression} = {value}"


def chain_rule(node: NodeInfo, names: dict[str, str], operands: dict[str, str],
               out_of: list[EdgeInfo], is_root: bool) -> str:
    """The chain rule behind node's gradient, written out with its numbers.

    A node's gradient is the sum, over every use of it (every edge out of it), of the
    user's gradient times the local derivative of that use:
        grad(w1) = grad(z) x d z/d w1 = 0.25 x 2 = 0.5
    The root's gradient is the seed of the backward pass: d root / d root = 1.
    """
    name, operand = names[node.id], operands[node.id]
    if is_root:
        return f"grad({name}) = 1 (the seed: d {operand}/d {operand} = 1)"
    # x * x uses x twice; say which argument each term is for, or the terms look alike.
    uses = defaultdict(int)
    for edge in out_of:
        uses[edge.parent] += 1
    terms, numbers = [], []
    for edge in out_of:
        which = f" (argument {edge.position + 1})" if uses[edge.parent] > 1 else ""
        terms.append(f"grad({names[edge.parent]}) x "
                     f"d {operands[edge.parent]}/d {operand}{which}")
        numbers.append(f"{format_number(edge.parent_grad)} x "
                       f"{format_number(edge.local_derivative)}")
    return (f"grad({name}) = {' + '.join(terms)} = {' + '.join(numbers)} = "
            f"{format_number(node.grad)}")


def _box_of(folded: FoldedGraph) -> dict[str, str]:
    """For every Value, the SVG id of the box it is drawn in (its own, or its group's)."""
    box_of = {node.id: node.id for node in folded.nodes}
    for group in folded.groups:
        for member in group.members:
            box_of[member.id] = group.id
    return box_of


def _boxes_data(folded: FoldedGraph, box_of: dict[str, str]) -> list[dict[str, Any]]:
    """Each drawn box: its Values, and the SVG ids that light up with it (op node too)."""
    members = defaultdict(list)
    for node_id, box in box_of.items():
        members[box].append(node_id)
    boxes = [{"id": node.id, "group": False, "members": members[node.id],
              "elements": _drawn_with(node.id, node.kind == "computed")}
             for node in folded.nodes]
    for group in folded.groups:
        boxes.append({"id": group.id, "group": True, "name": group.name,
                      "members": members[group.id], "elements": [group.id]})
    return boxes


def _clusters_data(folded: FoldedGraph) -> list[dict[str, Any]]:
    """Each scope frame: its name, and every SVG id drawn inside it (nested frames too).

    Folding a frame in the page hides exactly these; arrows crossing its border stay.
    """
    home = home_scopes(folded)
    home.update({group.id: parent_scope(group.scope) for group in folded.groups})
    computed = {node.id for node in folded.nodes if node.kind == "computed"}
    inside: dict[str, list[str]] = defaultdict(list)  # scope -> SVG ids in its frame
    boxes_inside: dict[str, set[str]] = defaultdict(set)
    for box, scope in home.items():
        for enclosing in _enclosing_scopes(scope):
            inside[enclosing].extend(_drawn_with(box, box in computed))
            boxes_inside[enclosing].add(box)
    for scope in list(inside):  # a frame inside a frame: folding the outer hides it too
        for enclosing in _enclosing_scopes(parent_scope(scope)):
            inside[enclosing].append(cluster_id(scope))
    for index, flow in enumerate(folded.flows):
        for enclosing in _enclosing_scopes(home[flow.source]):
            if flow.target in boxes_inside[enclosing]:
                inside[enclosing].append(arrow_id(index))
    return [{"scope": scope, "id": cluster_id(scope), "elements": inside[scope],
             "boxes": sorted(boxes_inside[scope])}
            for scope in sorted(inside)]


def _drawn_with(box: str, computed: bool) -> list[str]:
    """The SVG ids of a box, and for a computed Value its op node and the arrow between."""
    return [box, op_id(box), op_arrow_id(box)] if computed else [box]


def _enclosing_scopes(scope: str) -> list[str]:
    """"layer0/neuron3" -> ["layer0/neuron3", "layer0"]; "" (outside every frame) -> []."""
    parts = scope.split("/") if scope else []
    return ["/".join(parts[:depth]) for depth in range(len(parts), 0, -1)]


def script_json(data: Any) -> str:
    """data as JSON that is safe inside an HTML <script> element.

    The HTML parser ends a script at the first "</script>", whatever the JSON means, and
    a label is the user's own text. Writing <, > and & as \\u003c, \\u003e and \\u0026
    keeps every such character out of the HTML while JSON.parse reads the same string.
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for character in "<>&":
        text = text.replace(character, f"\\u{ord(character):04x}")
    return text


# ---- putting the page together ----------------------------------------------------------
def _asset(name: str) -> str:
    """The text of viz/assets/<name>, shipped with the package."""
    return resources.files("viz").joinpath("assets", name).read_text(encoding="utf-8")


def _inline_svg(svg: str) -> str:
    """Graphviz's SVG file as an element of the page: no XML declaration, DOCTYPE (its
    DTD address would be the page's only link to the web) or comments (they repeat the
    node names, which are ours, but nothing needs them)."""
    start = svg.index("<svg")
    return re.sub(r"<!--.*?-->\n?", "", svg[start:], flags=re.DOTALL)


def _fill_template(template: str, parts: dict[str, str]) -> str:
    """template with each {{name}} replaced by parts[name], in one pass.

    One pass matters: the parts hold user text (labels), and a label that reads
    "{{script}}" must stay those characters, not become the script.
    """
    return PLACEHOLDER.sub(lambda match: parts[match.group(1)], template)
