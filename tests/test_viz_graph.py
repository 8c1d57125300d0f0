"""draw_graph: the DOT it builds and its size limit.

What the rendered picture shows (numbers in the SVG), and the inline display in Jupyter,
are checked with each renderer in test_viz_render.py.
"""

from __future__ import annotations

import graphviz
import pytest

from autograd import Value, scope, topological_order
from viz import MAX_NODES, GraphTooLargeError, draw_graph
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
    assert "subgraph cluster_layer0 {" in source
    assert '"cluster_layer0/neuron1"' in source
    assert source.index("cluster_layer0 {") < source.index('"cluster_layer0/neuron1"')


def test_labels_with_dot_syntax_stay_literal() -> None:
    source = draw_graph(Value(1.0, 'say "hi" \\n <b>') + 1).source
    assert 'say \\"hi\\" \\\\n <b>' in source


def test_a_graph_over_max_nodes_is_an_error_with_the_count_and_what_to_do() -> None:
    root = chain(300)
    boxes = len(topological_order(root)) + 300  # every Value, plus one op node per computed
    with pytest.raises(GraphTooLargeError) as error:
        draw_graph(root)
    message = str(error.value)
    assert f"{boxes:,} boxes" in message and f"max_nodes={MAX_NODES}" in message
    assert 'collapse="neuron"' in message and "smaller batch" in message
    assert draw_graph(root, max_nodes=boxes) is not None


@pytest.mark.parametrize("max_nodes", [0, -5, 2.5, None, True])
def test_max_nodes_must_be_a_positive_int(max_nodes: object) -> None:
    with pytest.raises(ValueError, match="max_nodes must be a positive int"):
        draw_graph(Value(1.0) + 1, max_nodes=max_nodes)


def test_too_many_neurons_suggests_folding_layers() -> None:
    x = Value(1.0, "x")
    with scope("layer0"):
        outputs = []
        for j in range(30):
            with scope(f"neuron{j}"):
                outputs.append(x * Value(0.1 * j, kind="parameter"))
    total = outputs[0]
    for output in outputs[1:]:
        total = total + output
    with pytest.raises(GraphTooLargeError, match='pass collapse="layer" to fold whole layers'):
        draw_graph(total, collapse="neuron", max_nodes=20)
    assert draw_graph(total, collapse="layer", max_nodes=20) is not None


def test_legend_can_be_left_out() -> None:
    out = Value(1.0) + 2
    assert "cluster_legend" in draw_graph(out).source
    assert "cluster_legend" not in draw_graph(out, legend=False).source
