"""draw_graph: the backprop graph as a Graphviz picture, blame flowing right to left.

    >>> from autograd import Value
    >>> from viz import draw_graph
    >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
    >>> out = a * b
    >>> out.label = "out"
    >>> out.backward()
    >>> graph = draw_graph(out)   # a graphviz.Digraph; in Jupyter it displays inline

What the picture shows, left to right as the forward pass ran:
- a box per Value: its label, data and grad (4 significant digits; "-" before backward);
  fill red for grad > 0, blue for grad < 0, stronger for a larger |grad|; parameters have
  a double border, constants a dashed one, computed values rounded corners;
- a small op node (+, *, tanh, dot, ...) in front of every computed Value;
- on every arrow into an op, the blame: the parent's grad times the local derivative,
  i.e. the share of the child's gradient that came back along that arrow. Its width
  grows with |blame|, its colour is the sign;
- nodes created under one scope (a neuron, a layer) are framed together.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import graphviz

from autograd import Value
from viz.backends import PLACE_LABELS, render_source
from viz.chain_rule import ChainRuleWriter
from viz.describe import GraphDescription, NodeInfo, describe_graph
from viz.errors import GraphTooLargeError
from viz.fold import Flow, FoldedGraph, GroupInfo, fold
from viz.style import (
    GROUP_FILL,
    HIGHLIGHT,
    OP_FILL,
    Scale,
    edge_width,
    fill_colour,
    format_number,
    largest_magnitude,
    sign_colour,
)

# The most nodes Graphviz may lay out (boxes plus hidden points; see layout_size).
MAX_NODES = 3500
# The most arrows labelled with their blame; placing each label costs time (viz/labels.py).
MAX_LABELLED_ARROWS = 100
MAX_LABELS_INTO_ONE = 12  # and at most this many into one box
# A folded box lists its parameters one by one up to this many, then summarises them.
LISTED_PARAMETERS = 8

BORDER_STYLE = {"input": "filled", "parameter": "filled", "constant": "filled,dashed",
                "computed": "filled,rounded"}


class BlameGraph(graphviz.Digraph):
    """A graphviz.Digraph that displays inline in Jupyter with whichever Graphviz is there.

    graphviz.Digraph needs the system `dot` to display itself; this one falls back to the
    wasm renderer (blameflow[wasm]) the way render() does.
    """

    def _repr_image_svg_xml(self) -> str:
        return render_source(self.source, "svg").decode("utf-8")


def draw_graph(root: Value, show_grads: bool | None = None, collapse: str | None = None,
               max_nodes: int = MAX_NODES, legend: bool = True) -> BlameGraph:
    """The graph of everything root depends on, as a graphviz.Digraph laid out left to right.

    root: a Value, or what a compiled step (autograd.jit) returned (drawn_root).

    show_grads: None (default) shows gradients once root.backward() has run (root's grad
        is nonzero), "-" before; True or False forces it.
    collapse: None draws every Value; "neuron" or "layer" draws each scope made by nn
        ("layer0/neuron3", "layer0") as one box with its inputs, outputs and the gradients
        of its parameters, and merges the arrows between boxes (see viz/fold.py).
    max_nodes: the most nodes Graphviz may have to lay out (see layout_size: boxes, plus
        the hidden points it adds along arrows); a bigger graph raises GraphTooLargeError,
        naming a folding that fits, instead of leaving Graphviz busy for minutes.
    legend: add a strip under the picture explaining colours, widths and borders.
    """
    description = describe_graph(drawn_root(root), show_grads)
    folded = fold(description, collapse)
    check_size(folded, max_nodes, collapse, description)
    return graph_of(folded, legend=legend)


def drawn_root(root: Any) -> Any:
    """The Value to draw for root: a compiled step's result (what a step made by
    autograd.jit returns: not a Value, but its .graph() rebuilds the traced graph as
    Values with the latest numbers and gradients) is drawn as that graph; anything else
    is left as it is, for the caller's own check."""
    rebuild = getattr(root, "graph", None)
    if not isinstance(root, Value) and callable(rebuild):
        return rebuild()
    return root


# ---- size: what Graphviz's layout time depends on ----------------------------------------
# dot places boxes in columns ("ranks"). An arrow that skips columns gets a hidden point in
# every column it crosses, and its label gets one too: with labels, dot doubles every
# arrow's length so the label has a column of its own. Then it solves for the positions
# of all those points together (network simplex), which takes time growing faster than
# their number: a sum of 70 tanh(x_i * w) sharing one weight w has 492 boxes but ~20,000
# hidden points, as w's arrows cross up to 140 columns each. So the cap counts points,
# not boxes: layout_size estimates them, and so counts what layout time depends on:
# boxes, arrows (each one adds a point per column step) and fan-out (a Value used far
# away adds a point in every column between). MAX_NODES (at the top) is measured
# (benchmarks/viz.py, CPU seconds): at this size the slowest shapes we found, long chains
# for the system dot 2.43 (whose network simplex grows with the square of the points) and
# wide fan-outs for the wasm renderer (its crossing minimisation), take about a second.
# A 1,000-deep chain x + 1 + 1 ... (6,001 points) takes dot 2.43 about 6 s: refused.


def layout_nodes(folded: FoldedGraph, labelled: bool) -> int:
    """The nodes of dot's layout, estimated: boxes, plus for every arrow the hidden points
    in the columns it crosses and one per column step (dot's positioning adds a helper
    node per step). Columns are counted as late as possible (each box just before its
    first user), which is where dot puts a leaf used once."""
    nodes, arrows = _drawn(folded)
    column = _columns(nodes, arrows)
    stretch = 2 if labelled else 1  # labels double every arrow's length
    return len(column) + sum(2 * stretch * (column[head] - column[tail]) - 1
                             for tail, head in arrows)


def layout_size(folded: FoldedGraph) -> int:
    """layout_nodes of the layout graph_of will ask for (with labels when they fit)."""
    return layout_nodes(folded, labelled=_labels_fit(folded))


def _labels_fit(folded: FoldedGraph) -> bool:
    """Label every arrow unless that makes the layout too slow, or there are more labels
    than anyone reads (16 x 16 arrows between two layers of neuron boxes, per sample):
    then the tooltips (and the legend's note) carry the blame."""
    return (len(folded.flows) <= MAX_LABELLED_ARROWS
            and layout_nodes(folded, labelled=True) <= MAX_NODES)


def _drawn(folded: FoldedGraph) -> tuple[list[str], list[tuple[str, str]]]:
    """The ids of every node graph_of draws (boxes and op nodes), and (tail, head) of every
    arrow: into op nodes (or folded boxes), and from each op node to its Value."""
    computed = {node.id for node in folded.nodes if node.kind == "computed"}
    boxes = [node.id for node in folded.nodes] + [group.id for group in folded.groups]
    ops = [op_id(box) for box in boxes if box in computed]
    arrows = [(op_id(box), box) for box in boxes if box in computed]
    arrows += [(flow.source, op_id(flow.target) if flow.target in computed else flow.target)
               for flow in folded.flows]
    return boxes + ops, arrows


def _columns(nodes: list[str], arrows: list[tuple[str, str]]) -> dict[str, int]:
    """Each node's column counted back from the end: a node is one column before its
    earliest user (negative numbers; the last node is at 0)."""
    users: dict[str, list[str]] = {node: [] for node in nodes}
    for tail, head in arrows:
        users[tail].append(head)
    column: dict[str, int] = {}
    for start in users:
        stack = [start]
        while stack:  # iterative depth-first: a graph may be thousands of nodes deep
            node = stack[-1]
            waiting = [user for user in users[node] if user not in column]
            if waiting:
                stack.extend(waiting)
                continue
            stack.pop()
            column[node] = min((column[user] - 1 for user in users[node]), default=0)
    return column


def check_size(folded: FoldedGraph, max_nodes: int, collapse: str | None,
               description: GraphDescription | None = None) -> None:
    """Raise GraphTooLargeError, saying how to get a drawable graph, if folded is too big.

    description: the unfolded graph, so the message can name the foldings that fit.
    """
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int (the most nodes Graphviz may lay "
                         f"out), got {max_nodes!r}")
    size = layout_size(folded)
    if size <= max_nodes:
        return
    raise GraphTooLargeError(
        f"this graph needs about {size:,} layout nodes ({folded.box_count:,} boxes and "
        f"{len(folded.flows):,} arrows, plus the points Graphviz adds where arrows cross "
        f"columns), more than max_nodes={max_nodes:,}, and Graphviz would take very long to "
        f"lay it out. To draw it, {_advice(description, collapse, max_nodes)}build a smaller "
        f"graph (a smaller batch, fewer steps), or raise max_nodes.")


def _advice(description: GraphDescription | None, collapse: str | None,
            max_nodes: int) -> str:
    """Which foldings coarser than collapse would fit, by name and size."""
    coarser = {None: ["neuron", "layer"], "neuron": ["layer"], "layer": []}[collapse]
    if description is None:
        return "".join(f'pass collapse="{level}", or ' for level in coarser[-1:])
    folded = [(level, fold(description, level)) for level in coarser]
    # Folding a graph without nn's scopes makes one box of everything: no help.
    fits = [(level, layout_size(graph)) for level, graph in folded
            if any(group.scope for group in graph.groups)]
    fits = [(level, size) for level, size in fits if size <= max_nodes]
    if not fits:
        return ""
    level, size = fits[0]
    return (f'pass collapse="{level}" (it fits: about {size:,} layout nodes; each '
            f'{level} scope drawn as one box), or ')


def graph_of(folded: FoldedGraph, scale: Scale | None = None, highlight: str | None = None,
             title: str = "", legend: bool = True, element_ids: bool = False,
             tooltips: bool = True) -> BlameGraph:
    """The Digraph of a folded graph (draw_graph, backprop_frames and explore end here).

    scale: what colours and widths are relative to (default: this graph's own largest).
    highlight: the id of a box to mark in gold, with the arrows leaving it.
    title: a caption under the picture.
    element_ids: give every box, op node, arrow and cluster a stable SVG id (the box's
        own id, op_id(...), op_arrow_id(...), arrow_id(index in folded.flows),
        cluster_id(number)) so a page's script can find them; Graphviz's default ids
        ("node1", "edge2") say nothing about which Value is which.
    tooltips: write each box's and arrow's chain rule as its tooltip. The explorer, whose
        inspector says all that and more, leaves them out (they are most of the work).
    """
    scale = scale or scale_of(folded)
    labelled = _labels_fit(folded)
    caption = [title] if title else []
    if legend:
        caption += _legend_lines(folded, scale, labelled)
    graph = BlameGraph(graph_attr={"comment": PLACE_LABELS, "rankdir": "LR",
                                   "fontname": "Helvetica", "fontsize": "10",
                                   "label": _lines(caption), "labelloc": "b",
                                   "nodesep": "0.25", "ranksep": "0.4"},
                       node_attr={"fontname": "Helvetica", "fontsize": "11"},
                       edge_attr={"fontname": "Helvetica", "fontsize": "10"})
    clusters = {"": graph}
    home = home_scopes(folded)
    words = ChainRuleWriter.of_picture(folded) if tooltips else None  # their chain rules
    for node in folded.nodes:
        _draw_value(_cluster(clusters, home[node.id], element_ids), node, scale,
                    node.id == highlight, element_ids, words)
    for group in folded.groups:
        _draw_group(_cluster(clusters, parent_scope(group.scope), element_ids), group,
                    highlight, element_ids)
    _nest_clusters(clusters)
    computed = {node.id for node in folded.nodes if node.kind == "computed"}
    fan_in = Counter(flow.target for flow in folded.flows)
    for index, flow in enumerate(folded.flows):
        ids = {"id": arrow_id(index)} if element_ids else {}
        # Dozens of labels crowding into one op node (a long sum) can be neither read nor
        # placed: those arrows keep their blame in the tooltip.
        _draw_flow(graph, flow, scale, computed, flow.source == highlight, ids, words,
                   labelled and fan_in[flow.target] <= MAX_LABELS_INTO_ONE)
    return graph


def scale_of(folded: FoldedGraph) -> Scale:
    """The largest |grad| over the drawn values and |blame| over the drawn arrows."""
    return Scale(largest_grad=largest_magnitude([node.grad for node in folded.nodes]),
                 largest_blame=largest_magnitude([flow.blame for flow in folded.flows]))


# ---- boxes ------------------------------------------------------------------------------
# Plain text labels, one fact per line: the wasm Graphviz has no HTML-like labels, and
# every renderer must draw the same picture.
def _draw_value(graph: graphviz.Digraph, node: NodeInfo, scale: Scale, marked: bool,
                element_ids: bool, words: ChainRuleWriter | None) -> None:
    """A Value's box (label, data, grad) and, if it was computed, its op node.

    words: what writes the tooltips' chain rules; None for no tooltips.
    """
    graph.node(node.id, _lines(value_lines(node)), shape="box", style=BORDER_STYLE[node.kind],
               peripheries="2" if node.kind == "parameter" else "1",
               fillcolor=fill_colour(node.grad, scale.largest_grad),
               **_tooltip(words and _value_tooltip(node, words)), **_marking(marked),
               **_element_id(node.id, element_ids))
    if node.kind == "computed":
        graph.node(op_id(node.id), dot_text(node.symbol), shape="ellipse",
                   style="filled", fillcolor=OP_FILL, fontsize="10", width="0.3",
                   height="0.3", margin="0.03,0.01",
                   **_tooltip(words and f"{node.op}: {node.math}"),
                   **_element_id(op_id(node.id), element_ids))
        graph.edge(op_id(node.id), node.id, color="#777777", arrowsize="0.6",
                   **_element_id(op_arrow_id(node.id), element_ids))


def _draw_group(graph: graphviz.Digraph, group: GroupInfo, highlight: str | None,
                element_ids: bool) -> None:
    """A folded scope: its name and size, inputs, outputs and parameter gradients."""
    graph.node(group.id, _lines(group_lines(group)), shape="box",
               style="filled,bold", fillcolor=GROUP_FILL, **_marking(group.id == highlight),
               **_element_id(group.id, element_ids))


def value_lines(node: NodeInfo) -> list[str]:
    """The lines of text in a Value's box: its label (if any), data and grad."""
    lines = [node.label] if node.label else []
    return lines + [f"data {format_number(node.data)}", f"grad {format_number(node.grad)}"]


def group_lines(group: GroupInfo) -> list[str]:
    """The lines of text in a folded scope's box: name and size, inputs, outputs and the
    gradients of its parameters."""
    lines = [f"{group.name} ({len(group.members):,} nodes)"]
    if group.inputs:
        lines.append(f"in: {len(group.inputs):,} inputs/constants")
    return lines + [_outputs_line(group)] + _parameter_lines(group)


def _outputs_line(group: GroupInfo) -> str:
    if len(group.outputs) == 1:
        (out,) = group.outputs
        return f"out: data {format_number(out.data)} grad {format_number(out.grad)}"
    return f"out: {len(group.outputs):,} values"


def _parameter_lines(group: GroupInfo) -> list[str]:
    """Each parameter's grad if there are few, else the count and the largest |grad|."""
    parameters = group.parameters
    if not parameters:
        return []
    if len(parameters) <= LISTED_PARAMETERS:
        return [f"{_short_label(p, group.scope)}: data {format_number(p.data)} "
                f"grad {format_number(p.grad)}" for p in parameters]
    if parameters[0].grad is None:
        return [f"{len(parameters):,} parameters, grad -"]
    steepest = max(parameters, key=lambda p: abs(p.grad))
    return [f"{len(parameters):,} parameters; largest |grad| {format_number(abs(steepest.grad))}"
            f" ({_short_label(steepest, group.scope)})"]


def _short_label(node: NodeInfo, scope: str) -> str:
    """"w1" for "layer0/neuron3/w1" inside the box of layer0/neuron3 (it says the rest)."""
    return node.label.removeprefix(scope + "/") or node.id


def _lines(lines: list[str]) -> str:
    """A multi-line label, each line shown exactly as written (see dot_text)."""
    return graphviz.nohtml("\\n".join(dot_text(line) for line in lines))


def dot_text(text: str) -> str:
    """text as a DOT attribute value that Graphviz shows exactly as written.

    Every piece of user text (labels, scope names, titles) goes through here:
    - backslashes are doubled, so "\\n" or "\\N" in a label is not a DOT escape;
    - the result is marked "not HTML": python-graphviz would otherwise write a string that
      starts with "<" and ends with ">" as an HTML-like label, unquoted, where a scope
      named '<a> URL="javascript:..." label=<b>' would become attributes of its own;
    - "&" is written "&amp;": Graphviz copies an entity like "&amp;" into the SVG as it
      is, so a label "&amp;" would show as "&".
    python-graphviz then quotes it, escaping the quotes.
    """
    return graphviz.escape(text.replace("&", "&amp;"))


def _marking(marked: bool) -> dict[str, str]:
    """Extra attributes for the box backprop_frames points at: a thick gold border."""
    return {"color": HIGHLIGHT, "penwidth": "4"} if marked else {}


def _value_tooltip(node: NodeInfo, words: ChainRuleWriter) -> str:
    """What the Value is and, once gradients are shown, the chain rule behind its grad."""
    what = node.kind if node.kind != "computed" else f"computed by {node.op}"
    where = f" in {node.scope}" if node.scope else ""
    about = f"{node.label or words.name(node.id)}: {what}{where}"
    return about if node.grad is None else f"{about}\n{words.words(node.id)}"


def op_id(node_id: str) -> str:
    """The id of the op node drawn in front of a computed Value."""
    return f"{node_id}_op"


def op_arrow_id(node_id: str) -> str:
    """The SVG id of the short arrow from a computed Value's op node to its box."""
    return f"{node_id}_op_arrow"


def arrow_id(index: int) -> str:
    """The SVG id of the arrow drawn for folded.flows[index]."""
    return f"arrow{index}"


def cluster_id(number: int) -> str:
    """The SVG id of the number-th frame drawn around a scope's boxes (numbers, not the
    scope's name: no user text in ids)."""
    return f"cluster{number}"


def _tooltip(text: str | None) -> dict[str, str]:
    """The DOT attribute for a tooltip, when there is one."""
    return {"tooltip": dot_text(text)} if text else {}


def _element_id(element: str, wanted: bool) -> dict[str, str]:
    """The DOT attribute that makes element the SVG id, when element ids are wanted."""
    return {"id": element} if wanted else {}


# ---- arrows -----------------------------------------------------------------------------
def _draw_flow(graph: graphviz.Digraph, flow: Flow, scale: Scale, computed: set[str],
               marked: bool, extra: dict[str, str], words: ChainRuleWriter | None,
               labelled: bool) -> None:
    """An arrow into an op (or a folded box), labelled with the blame it carried back.

    extra: more DOT attributes (the SVG id, when graph_of is asked for ids).
    labelled: False when there are too many arrows to label (see _labels_fit).
    words: what writes the tooltip's chain rule; None for no tooltip.
    """
    blame = flow.blame
    target = op_id(flow.target) if flow.target in computed else flow.target
    colour = sign_colour(blame)
    # A plain label: dot keeps room for it beside the arrow, and viz/labels.py moves it
    # to the spot in that room that is clearly this arrow's (it explains the choice).
    attributes = {"color": colour, "fontcolor": colour,
                  "penwidth": str(edge_width(blame, scale.largest_blame)),
                  "label": _blame_label(flow) if labelled else "",
                  **_tooltip(words and _blame_tooltip(flow, words))}
    if marked:
        # A gold edge on either side of the sign colour: still readable as red or blue.
        attributes["color"] = f"{HIGHLIGHT}:{colour}:{HIGHLIGHT}"
    graph.edge(flow.source, target, **attributes, **extra)


def _blame_label(flow: Flow) -> str:
    blame = flow.blame
    if blame is None:
        return ""
    if len(flow.edges) == 1:
        return format_number(blame)
    return f"sum {format_number(blame)} ({len(flow.edges):,} edges)"


def _blame_tooltip(flow: Flow, words: ChainRuleWriter) -> str:
    """The chain rule behind a single arrow's label, for a reader hovering over it."""
    if len(flow.edges) > 1 or flow.edges[0].parent_grad is None:
        return f"{len(flow.edges):,} edges"
    (edge,) = flow.edges
    return words.blame(edge)


# ---- clusters ---------------------------------------------------------------------------
def _cluster(clusters: dict[str, graphviz.Digraph], scope: str,
             element_ids: bool) -> graphviz.Digraph:
    """The subgraph that frames a scope's boxes, created on first use with its parents."""
    if scope not in clusters:
        _cluster(clusters, parent_scope(scope), element_ids)
        number = len(clusters)  # the name is ours, the scope shows only in the label
        clusters[scope] = graphviz.Digraph(
            name=f"cluster_{number}",
            graph_attr={"label": _lines([scope.rsplit("/", 1)[-1]]), "style": "rounded,dashed",
                        "color": "#999999", "fontcolor": "#555555", "fontsize": "10",
                        "labelloc": "t", **_element_id(cluster_id(number), element_ids)})
    return clusters[scope]


def home_scopes(folded: FoldedGraph) -> dict[str, str]:
    """The scope each drawn Value is framed in: its own, or for a leaf made outside any
    scope (a neuron's weights, often) the one scope of all the nodes that use it."""
    users: dict[str, set[str]] = {node.id: set() for node in folded.nodes}
    scope_of = {node.id: node.scope for node in folded.nodes}
    for flow in folded.flows:
        if flow.source in users:
            users[flow.source].add(scope_of.get(flow.target, ""))
    home = {}
    for node in folded.nodes:
        shared_by = users[node.id]
        adopted = node.kind != "computed" and not node.scope and len(shared_by) == 1
        home[node.id] = next(iter(shared_by)) if adopted else node.scope
    return home


def _nest_clusters(clusters: dict[str, graphviz.Digraph]) -> None:
    """Put each cluster inside its parent's, innermost first.

    Digraph.subgraph copies the subgraph's statements at the moment it is called, so a
    cluster must be complete (its own inner clusters added) before it goes into its parent.
    """
    for scope in sorted(clusters, key=lambda s: (-s.count("/"), s)):
        if scope:
            clusters[parent_scope(scope)].subgraph(clusters[scope])


def parent_scope(scope: str) -> str:
    """ "layer0" for "layer0/neuron3"; "" for "layer0" (the top level)."""
    return scope.rsplit("/", 1)[0] if "/" in scope else ""


# ---- legend -----------------------------------------------------------------------------
# A strip of small print under the picture, not a box beside it: a box of samples was
# wider or taller than a small graph. It explains only what this picture shows, and its
# lines are wrapped to the picture's estimated width, so it never makes the picture wider.
LEGEND_MARK = "key:"
CHARACTER_WIDTH = 5.5  # pt, for the caption's 10 pt Helvetica
COLUMN_WIDTH = 55.0    # pt per column of the layout, on average (boxes, op nodes, labels)
MIN_LEGEND_WIDTH = 24  # characters: the longest word of the key fits


def _legend_lines(folded: FoldedGraph, scale: Scale, labelled: bool) -> list[str]:
    """What the picture's colours, borders and arrows mean, wrapped to its width."""
    kinds = {node.kind for node in folded.nodes}
    items = []
    if folded.shows_grads:
        items.append("red fill: grad > 0 (raising it raises the output), blue: grad < 0")
    else:
        items.append("grad -: call backward() to see gradients")
    borders = [f"{word}: {kind}" for kind, word in (("parameter", "double border"),
               ("constant", "dashed"), ("input", "square"), ("computed", "rounded"))
               if kind in kinds]
    if borders:
        items.append(", ".join(borders))
    if folded.groups:
        items.append("purple: a folded scope (neuron or layer)")
    if folded.shows_grads and folded.flows:
        if labelled:
            items.append("arrow label: blame = grad of the parent × local derivative")
        else:
            items.append(f"{len(folded.flows):,} arrows, too many to label: hover an arrow "
                         f"for its blame (grad of the parent × local derivative)")
        items.append(f"arrow width: |blame| (widest {format_number(scale.largest_blame)})")
    width = _width_in_characters(folded)
    if width < MIN_LEGEND_WIDTH:
        return []  # a picture of one or two boxes: a key would be wider than the picture
    return _wrapped(f"{LEGEND_MARK} " + " · ".join(items), width)


def _width_in_characters(folded: FoldedGraph) -> int:
    """About how many caption characters fit across the picture."""
    nodes, arrows = _drawn(folded)
    columns = _columns(nodes, arrows)
    width = (1 - min(columns.values(), default=0)) * COLUMN_WIDTH
    return int(width / CHARACTER_WIDTH)


def _wrapped(text: str, width: int) -> list[str]:
    """text in lines of at most width characters (words kept whole)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
