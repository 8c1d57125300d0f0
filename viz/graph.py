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

import graphviz

from autograd import Value
from viz.backends import render_source
from viz.chain_rule import ChainRuleWriter
from viz.describe import NodeInfo, describe_graph
from viz.errors import GraphTooLargeError
from viz.fold import GROUP_PREFIX, Flow, FoldedGraph, GroupInfo, fold
from viz.style import (
    GROUP_FILL,
    HIGHLIGHT,
    NEGATIVE_FILL,
    NO_GRAD_FILL,
    OP_FILL,
    POSITIVE_FILL,
    Scale,
    edge_width,
    fill_colour,
    format_number,
    largest_magnitude,
    sign_colour,
)

# dot lays out a few hundred boxes in about a second; many thousands take minutes.
MAX_NODES = 500
# A folded box lists its parameters one by one up to this many, then summarises them.
LISTED_PARAMETERS = 8
LEGEND_PREFIX = "legend_"  # ids of the legend's sample boxes

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

    show_grads: None (default) shows gradients once root.backward() has run (root's grad
        is nonzero), "-" before; True or False forces it.
    collapse: None draws every Value; "neuron" or "layer" draws each scope made by nn
        ("layer0/neuron3", "layer0") as one box with its inputs, outputs and the gradients
        of its parameters, and merges the arrows between boxes (see viz/fold.py).
    max_nodes: the most boxes (Values, op nodes, folded scopes) to draw; a bigger graph
        raises GraphTooLargeError instead of leaving Graphviz busy for minutes.
    legend: add a box explaining colours, widths and borders.
    """
    folded = fold(describe_graph(root, show_grads), collapse)
    check_size(folded, max_nodes, collapse)
    return graph_of(folded, legend=legend)


def check_size(folded: FoldedGraph, max_nodes: int, collapse: str | None) -> None:
    """Raise GraphTooLargeError, saying how to get a drawable graph, if folded is too big."""
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int (the most boxes to draw), "
                         f"got {max_nodes!r}")
    count = folded.box_count
    if count <= max_nodes:
        return
    advice = {None: 'pass collapse="neuron" or collapse="layer" to draw each neuron or layer '
                    'scope as one box, or ',
              "neuron": 'pass collapse="layer" to fold whole layers, or ',
              "layer": ""}[collapse]
    raise GraphTooLargeError(
        f"this graph needs {count:,} boxes (Values, op nodes and folded scopes), more than "
        f"max_nodes={max_nodes:,}, and Graphviz would take very long to lay it out. To draw "
        f"it, {advice}build it from a smaller batch (fewer samples), or raise max_nodes.")


def graph_of(folded: FoldedGraph, scale: Scale | None = None, highlight: str | None = None,
             title: str = "", legend: bool = True, element_ids: bool = False) -> BlameGraph:
    """The Digraph of a folded graph (draw_graph, backprop_frames and explore end here).

    scale: what colours and widths are relative to (default: this graph's own largest).
    highlight: the id of a box to mark in gold, with the arrows leaving it.
    title: a caption under the picture.
    element_ids: give every box, op node, arrow and cluster a stable SVG id (the box's
        own id, op_id(...), op_arrow_id(...), arrow_id(index in folded.flows),
        cluster_id(scope)) so a page's script can find them; Graphviz's default ids
        ("node1", "edge2") say nothing about which Value is which.
    """
    scale = scale or scale_of(folded)
    graph = BlameGraph(graph_attr={"rankdir": "LR", "fontname": "Helvetica", "label": title,
                                   "labelloc": "b", "nodesep": "0.25", "ranksep": "0.4"},
                       node_attr={"fontname": "Helvetica", "fontsize": "11"},
                       edge_attr={"fontname": "Helvetica", "fontsize": "10"})
    clusters = {"": graph}
    home = home_scopes(folded)
    words = ChainRuleWriter.of_picture(folded)  # the tooltips' chain rules
    for node in folded.nodes:
        _draw_value(_cluster(clusters, home[node.id], element_ids), node, scale,
                    node.id == highlight, element_ids, words)
    for group in folded.groups:
        _draw_group(_cluster(clusters, parent_scope(group.scope), element_ids), group,
                    highlight, element_ids)
    _nest_clusters(clusters)
    computed = {node.id for node in folded.nodes if node.kind == "computed"}
    for index, flow in enumerate(folded.flows):
        ids = {"id": arrow_id(index)} if element_ids else {}
        _draw_flow(graph, flow, scale, computed, flow.source == highlight, ids, words)
    if legend:
        _draw_legend(graph, folded, scale)
    return graph


def scale_of(folded: FoldedGraph) -> Scale:
    """The largest |grad| over the drawn values and |blame| over the drawn arrows."""
    return Scale(largest_grad=largest_magnitude([node.grad for node in folded.nodes]),
                 largest_blame=largest_magnitude([flow.blame for flow in folded.flows]))


# ---- boxes ------------------------------------------------------------------------------
# Plain text labels, one fact per line: the wasm Graphviz has no HTML-like labels, and
# every renderer must draw the same picture.
def _draw_value(graph: graphviz.Digraph, node: NodeInfo, scale: Scale, marked: bool,
                element_ids: bool, words: ChainRuleWriter) -> None:
    """A Value's box (label, data, grad) and, if it was computed, its op node."""
    lines = [node.label] if node.label else []
    lines += [f"data {format_number(node.data)}", f"grad {format_number(node.grad)}"]
    graph.node(node.id, _lines(lines), shape="box", style=BORDER_STYLE[node.kind],
               peripheries="2" if node.kind == "parameter" else "1",
               fillcolor=fill_colour(node.grad, scale.largest_grad),
               tooltip=_value_tooltip(node, words), **_marking(marked),
               **_element_id(node.id, element_ids))
    if node.kind == "computed":
        graph.node(op_id(node.id), graphviz.escape(node.symbol), shape="ellipse",
                   style="filled", fillcolor=OP_FILL, fontsize="10", width="0.3",
                   height="0.3", margin="0.03,0.01", tooltip=f"{node.op}: {node.math}",
                   **_element_id(op_id(node.id), element_ids))
        graph.edge(op_id(node.id), node.id, color="#777777", arrowsize="0.6",
                   **_element_id(op_arrow_id(node.id), element_ids))


def _draw_group(graph: graphviz.Digraph, group: GroupInfo, highlight: str | None,
                element_ids: bool) -> None:
    """A folded scope: its name and size, inputs, outputs and parameter gradients."""
    lines = [f"{group.name} ({len(group.members):,} nodes)"]
    if group.inputs:
        lines.append(f"in: {len(group.inputs):,} inputs/constants")
    lines.append(_outputs_line(group))
    graph.node(group.id, _lines(lines + _parameter_lines(group)), shape="box",
               style="filled,bold", fillcolor=GROUP_FILL, **_marking(group.id == highlight),
               **_element_id(group.id, element_ids))


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
    """A multi-line label; backslashes in users' labels stay literal (not DOT escapes)."""
    return "\\n".join(graphviz.escape(line) for line in lines)


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


def cluster_id(scope: str) -> str:
    """The SVG id of the frame drawn around a scope's boxes."""
    return f"cluster_{scope}"


def _element_id(element: str, wanted: bool) -> dict[str, str]:
    """The DOT attribute that makes element the SVG id, when element ids are wanted."""
    return {"id": element} if wanted else {}


# ---- arrows -----------------------------------------------------------------------------
def _draw_flow(graph: graphviz.Digraph, flow: Flow, scale: Scale, computed: set[str],
               marked: bool, extra: dict[str, str], words: ChainRuleWriter) -> None:
    """An arrow into an op (or a folded box), labelled with the blame it carried back.

    extra: more DOT attributes (the SVG id, when graph_of is asked for ids).
    """
    blame = flow.blame
    target = op_id(flow.target) if flow.target in computed else flow.target
    colour = sign_colour(blame)
    # Arrows touching folded boxes can be many (16 x 16 between two layers of neurons). A
    # plain label is laid out as a hidden node between the ranks, and hundreds of them
    # stretch the picture into a tall column; an xlabel is placed after the layout instead.
    folded = flow.source.startswith(GROUP_PREFIX) or flow.target.startswith(GROUP_PREFIX)
    label_kind = "xlabel" if folded else "label"
    attributes = {"color": colour, "fontcolor": colour,
                  "penwidth": str(edge_width(blame, scale.largest_blame)),
                  label_kind: _blame_label(flow), "tooltip": _blame_tooltip(flow, words)}
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
    if len(flow.edges) > 1 or flow.blame is None:
        return f"{len(flow.edges):,} edges"
    (edge,) = flow.edges
    return words.blame(edge)


# ---- clusters ---------------------------------------------------------------------------
def _cluster(clusters: dict[str, graphviz.Digraph], scope: str,
             element_ids: bool) -> graphviz.Digraph:
    """The subgraph that frames a scope's boxes, created on first use with its parents."""
    if scope not in clusters:
        _cluster(clusters, parent_scope(scope), element_ids)
        clusters[scope] = graphviz.Digraph(
            name=f"cluster_{scope}",
            graph_attr={"label": scope.rsplit("/", 1)[-1], "style": "rounded,dashed",
                        "color": "#999999", "fontcolor": "#555555", "fontsize": "10",
                        "labelloc": "t", **_element_id(cluster_id(scope), element_ids)})
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
def _draw_legend(graph: graphviz.Digraph, folded: FoldedGraph, scale: Scale) -> None:
    """A small framed column: sample fills, then what borders and arrows mean."""
    samples = [("positive", "grad > 0: raising it\\nraises the output", POSITIVE_FILL),
               ("negative", "grad < 0: raising it\\nlowers the output", NEGATIVE_FILL)]
    if not folded.shows_grads:
        samples.append(("nograd", "grad -: call backward()\\nto see gradients", NO_GRAD_FILL))
    if folded.groups:
        samples.append(("group", "a folded scope\\n(neuron or layer)", GROUP_FILL))
    # \l ends a left-aligned line.
    words = ("border: double = parameter\\l        dashed = constant\\l"
             "        square = input\\l        rounded = computed\\l"
             "arrow label: blame = grad of the\\l    parent x local derivative\\l")
    if folded.shows_grads:
        words += f"arrow width: |blame| (widest {format_number(scale.largest_blame)})\\l"
    # The samples share one rank: in a left-to-right layout that stacks them in a column,
    # which does not stretch the graph's own columns the way a row would.
    with graph.subgraph(name="cluster_legend",
                        graph_attr={"label": "legend", "style": "rounded", "color": "#bbbbbb",
                                    "fontsize": "10", "labelloc": "t", "rank": "same"},
                        node_attr={"shape": "box", "style": "filled", "fontsize": "9"}) as legend:
        for name, label, fill in samples:
            legend.node(f"{LEGEND_PREFIX}{name}", label, fillcolor=fill)
        legend.node(f"{LEGEND_PREFIX}words", words, shape="plaintext", style="")
