"""draw_graph: the DOT it builds and its size limit.

What the rendered picture shows (numbers in the SVG), and the inline display in Jupyter,
are checked with each renderer in test_viz_render.py.
"""

from __future__ import annotations

import graphviz
import pytest

from autograd import Value, scope, topological_order
from viz import MAX_NODES, GraphTooLargeError, describe_graph, draw_graph, fold
from viz.graph import layout_nodes, layout_size
from viz.style import NEGATIVE, NO_GRAD_FILL, POSITIVE


def chain(length: int) -> Value:
    """x + 1 + 1 + ...: 2 * length + 1 Values, length of them computed."""
    out = Value(0.5, "x")
    for _ in range(length):
        out = out + 1.0
    return out


def test_returns_a_left_to_right_digraph() -> None:
    graph = draw_graph(Value(2.0, "a") * Value(3.0, "b"))
    assert isinstance(graph, graphviz.Digraph)
    assert "rankdir=LR" in graph.source


def test_value_boxes_show_label_data_and_dash_before_backward() -> None:
    a = Value(2.0, "a")
    out = a * a
    source = draw_graph(out).source
    assert "a\\ndata 2\\ngrad -" in source
    assert "data 4\\ngrad -" in source
    assert f'fillcolor="{NO_GRAD_FILL}"' in source
    out.backward()
    source = draw_graph(out).source
    assert "a\\ndata 2\\ngrad 4" in source and "data 4\\ngrad 1" in source


def test_edges_into_ops_are_coloured_by_the_sign_of_their_blame() -> None:
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    out = a * b
    out.backward()  # blame to a: 1 * b = -3 (blue); to b: 1 * a = 2 (red)
    source = draw_graph(out).source
    assert f'n0 -> n2_op [label=-3 color="{NEGATIVE}"' in source
    assert f'n1 -> n2_op [label=2 color="{POSITIVE}"' in source
    assert 'penwidth=5.0' in source  # the larger |blame| gets the widest arrow


def test_kinds_are_drawn_differently() -> None:
    param = Value(1.0, "p", kind="parameter")
    const = Value(2.0, "k", kind="constant")
    source = draw_graph(param * const + Value(3.0, "i")).source
    lines = {line.split()[0]: line for line in source.splitlines() if "data " in line}
    assert "peripheries=2" in lines["n0"]             # parameter: double border
    assert 'style="filled,dashed"' in lines["n1"]      # constant: dashed
    assert "style=filled " in lines["n3"]              # input: plain square box
    assert 'style="filled,rounded"' in lines["n2"]     # computed: rounded


def test_nodes_in_a_scope_are_framed_in_nested_clusters() -> None:
    with scope("layer0"), scope("neuron1"):
        out = Value(1.0, "w", kind="parameter").tanh()
    source = draw_graph(out).source
    # Frames are numbered (no user text in DOT names); each is labelled with its scope,
    # and neuron1's frame is inside layer0's.
    assert (source.index("subgraph cluster_1 {") < source.index("label=layer0")
            < source.index("subgraph cluster_2 {") < source.index("label=neuron1"))


def test_labels_with_dot_syntax_stay_literal() -> None:
    source = draw_graph(Value(1.0, 'say "hi" \\n <b>') + 1).source
    assert 'say \\"hi\\" \\\\n <b>' in source


def shared_weight_sum(terms: int) -> Value:
    """tanh(x_0 * w) + tanh(x_1 * w) + ...: one weight whose arrows cross many columns."""
    w = Value(0.3, "w", kind="parameter")
    total = Value(0.0, "zero", kind="constant")
    for i in range(terms):
        total = total + (Value(0.1 * i, f"x{i}") * w).tanh()
    return total


def test_the_cap_counts_what_layout_time_depends_on_not_boxes() -> None:
    # 70 terms are only 492 boxes, but w's 70 arrows cross up to 140 columns each, and
    # dot places a point in every column crossed: about 20,000 points, minutes of layout.
    root = shared_weight_sum(70)
    folded = fold(describe_graph(root))
    assert folded.box_count < 500
    assert layout_nodes(folded, labelled=False) > 3 * MAX_NODES
    with pytest.raises(GraphTooLargeError) as error:
        draw_graph(root)
    message = str(error.value)
    assert f"{layout_size(folded):,} layout nodes" in message
    assert f"max_nodes={MAX_NODES:,}" in message and "smaller batch" in message
    # Folding would make one box of it (it has no nn scopes): no use, so not advised.
    assert "collapse=" not in message
    assert draw_graph(root, collapse="neuron") is not None


def test_a_chain_counts_its_boxes_and_arrows_once_each() -> None:
    # A chain crosses no columns: each arrow adds only dot's own helper node per step.
    root = chain(200)
    folded = fold(describe_graph(root))
    boxes = len(topological_order(root)) + 200  # every Value, plus one op node per computed
    arrows = 2 * 200 + 200  # two arguments into each +, and each op node to its Value
    assert folded.box_count == boxes
    assert layout_nodes(folded, labelled=False) == boxes + arrows
    assert layout_nodes(folded, labelled=True) == boxes + 3 * arrows  # labels double columns
    assert draw_graph(root) is not None  # admitted, without arrow labels if need be


def test_arrow_labels_are_left_out_when_they_would_not_fit() -> None:
    short, long = chain(40), chain(200)
    short.backward()
    long.backward()
    assert "label=1 " in draw_graph(short).source
    source = draw_graph(long).source
    assert "label=1 " not in source and 'label=""' in source
    assert "hover an arrow" in source  # the legend says where the blame went


def test_a_graph_over_max_nodes_names_the_folding_that_fits() -> None:
    x = Value(1.0, "x")
    with scope("layer0"):
        outputs = []
        for j in range(30):
            with scope(f"neuron{j}"):
                outputs.append(x * Value(0.1 * j, kind="parameter"))
    total = outputs[0]
    for output in outputs[1:]:
        total = total + output
    with pytest.raises(GraphTooLargeError, match='pass collapse="layer" \\(it fits'):
        draw_graph(total, collapse="neuron", max_nodes=60)
    assert draw_graph(total, collapse="layer", max_nodes=60) is not None
    with pytest.raises(GraphTooLargeError) as error:
        draw_graph(total, collapse="layer", max_nodes=2)
    assert "collapse=" not in str(error.value)  # nothing coarser to suggest


@pytest.mark.parametrize("max_nodes", [0, -5, 2.5, None, True])
def test_max_nodes_must_be_a_positive_int(max_nodes: object) -> None:
    with pytest.raises(ValueError, match="max_nodes must be a positive int"):
        draw_graph(Value(1.0) + 1, max_nodes=max_nodes)


def test_legend_can_be_left_out() -> None:
    out = Value(1.0) + 2
    assert "key: grad -" in draw_graph(out).source
    assert "key:" not in draw_graph(out, legend=False).source


def test_the_legend_explains_only_what_the_picture_shows() -> None:
    out = Value(1.0, "x") * Value(2.0, "w", kind="parameter")
    out.backward()
    source = draw_graph(out).source
    assert "double border: parameter" in source and "square: input" in source
    assert "dashed" not in source  # no constant in this picture
    assert "arrow label: blame" in source and "widest 2" in source


def test_an_arrow_from_a_constant_carries_no_blame_and_never_nan() -> None:
    # d/dy x ** y = x ** y * log(x): no number at x = -2. But y is a constant, which
    # backward() gives no gradient, so its arrow has no blame to show.
    base, exponent = Value(-2.0, "base"), Value(3.0, "exponent", kind="constant")
    out = base ** exponent
    out.backward()
    source = draw_graph(out).source
    assert "nan" not in source
    (into_base,) = [line for line in source.splitlines() if "n0 -> n2_op" in line]
    (into_exponent,) = [line for line in source.splitlines() if "n1 -> n2_op" in line]
    assert "label=12 " in into_base  # d/dx x ** 3 = 3 x ** 2 = 12 at x = -2
    assert 'label=""' in into_exponent and "no blame: exponent is a constant" in into_exponent
    folded = fold(describe_graph(out), None)
    assert [flow.blame for flow in folded.flows] == [12.0, None]
