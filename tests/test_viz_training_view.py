"""training_view: the page to watch training, checked in its file and driven in Chromium.

The file's data (the JSON block) must hold the recorded numbers, and the boundary's
scores must be the model's own (computed independently with nn.predict after loading the
recorded parameters). In the browser, moving the slider must move every picture to the
recorded numbers of that step; playing must reach the end; nothing may be fetched, logged
as an error, or run from a label.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_viz_explorer import SCREENSHOTS, browser, open_page  # noqa: F401 (fixtures)
from test_viz_notebook import the_iframe

from nn import MLP, SGD, History, Neuron, cross_entropy, digits, fit, hinge, moons, mse, predict
from viz import TrainingPage, training_view
from viz.training_view import (
    MAX_FRAMES,
    MAX_LINES,
    _network,
    scores_in_python,
    scores_with_numpy,
)

DATA = re.compile(r'<script type="application/json" id="training-data">(.*?)</script>',
                  re.DOTALL)
HOSTILE = '</script><script>alert("label")</script><img src=x onerror=alert(1)>&amp;'


def page_data(text: str) -> dict:
    (data,) = DATA.findall(text)
    return json.loads(data)


def moons_run(steps: int = 30, sizes: tuple[int, ...] = (8, 8, 1), lr: float = 0.5,
              record: int = 1) -> tuple[MLP, History, list, list]:
    X, y = moons(60, noise=0.1, seed=0, signed=True)
    model = MLP(2, list(sizes), seed=7)
    history = fit(model, X, y, hinge, SGD(model.parameters(), lr=lr), steps=steps,
                  progress=False, record=record)
    return model, history, X, y


@pytest.fixture(scope="module")
def run() -> tuple[MLP, History, list, list]:
    return moons_run()


def close(a: float, b: float, digits: int) -> bool:
    return math.isclose(a, b, rel_tol=10 ** (1 - digits), abs_tol=1e-300)


# ---- the file ---------------------------------------------------------------------------------
def test_the_data_holds_every_recorded_step_and_the_curves(run, tmp_path: Path) -> None:
    model, history, X, y = run
    data = page_data(training_view(history, tmp_path / "t.html", X=X, y=y).read_text("utf-8"))
    (shown,) = data["runs"]
    assert shown["frames"] == [r.step for r in history.recorded] == list(range(30))
    assert shown["loss"] == [float(f"{x:.6g}") for x in history.loss]
    network = shown["network"]
    assert network["sizes"] == [2, 8, 8, 1]
    assert sorted(network["names"]) == sorted(history.parameter_names)  # all drawn: few
    index = {name: i for i, name in enumerate(history.parameter_names)}
    for frame, recorded in enumerate(history.recorded):
        for k, name in enumerate(network["names"]):
            assert close(network["values"][frame][k], recorded.parameters[index[name]], 6)
            assert close(network["gradients"][frame][k], recorded.gradients[index[name]], 6)
    line = network["lines"][0]
    expected = f"layer{line['layer']}.neuron{line['to']}.w{line['from']}"
    assert network["names"][line["parameter"]] == expected


def test_the_boundary_is_the_models_score_at_each_recorded_step(run, tmp_path: Path) -> None:
    model, history, X, y = run
    data = page_data(training_view(history, tmp_path / "t.html", X=X, y=y, grid=12)
                     .read_text("utf-8"))
    xs, ys = data["grid"]["xs"], data["grid"]["ys"]
    points = [[x, y_] for y_ in ys for x in xs]
    trained = model.state_dict()
    for frame in (0, 13, 29):
        recorded = history.recorded[frame]
        model.load_state_dict(dict(zip(history.parameter_names, recorded.parameters)))
        expected = predict(model, points)
        shown = data["runs"][0]["boundary"]["scores"][frame]
        assert all(close(s, e, 3) or abs(e) < 1e-12 for s, e in zip(shown, expected))
    model.load_state_dict(trained)
    assert data["points"] == [[x[0], x[1], label > 0] for x, label in zip(X, y)]


@given(st.lists(st.floats(-3, 3), min_size=2 * 3 + 3 + 4 * 1 + 1, max_size=14),
       st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu", "linear"]))
def test_numpy_and_plain_python_give_the_same_scores(numbers: list[float],
                                                     activation: str) -> None:
    pytest.importorskip("numpy", reason="the fast path needs numpy (blameflow[numpy])")
    names = [f"layer0.neuron{j}.{p}" for j in range(3) for p in ("w0", "w1", "b")] + \
        [f"layer1.neuron0.{p}" for p in ("w0", "w1", "w2", "b")]
    network = _network(names)
    rows = [[-1.5, 0.25], [0.0, 0.0], [2.0, -3.0]]
    slow = scores_in_python(rows, numbers, network, [activation, "linear"])
    fast = scores_with_numpy(__import__("numpy"), rows, numbers, network, [activation, "linear"])
    assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(slow, fast))


@pytest.mark.parametrize("names", [
    ["w0", "w1", "b"],  # a lone Neuron: not layer.neuron names
    ["layer0.neuron0.w0", "layer0.neuron0.b", "layer0.neuron1.b"],  # neuron 1 lacks w0
    ["layer0.neuron0.w0", "layer0.neuron0.b", "layer2.neuron0.w0", "layer2.neuron0.b"],
    ["layer0.neuron0.w0", "layer0.neuron0.b", "layer1.neuron0.w0", "layer1.neuron0.w1",
     "layer1.neuron0.b"],  # layer 1 reads 2 inputs, layer 0 has 1 neuron
])
def test_names_that_do_not_describe_a_network_draw_none(names: list[str]) -> None:
    assert _network(names) is None


def test_a_history_without_names_of_layers_still_shows_curves(tmp_path: Path) -> None:
    history = History(loss=[1.0, 0.5], accuracy=[0.5, 1.0], parameter_names=["w0", "b"])
    data = page_data(training_view(history, tmp_path / "t.html").read_text("utf-8"))
    (shown,) = data["runs"]
    assert shown["network"] is None and shown["loss"] == [1.0, 0.5]
    assert "record=1" in shown["notes"][0]


def test_a_model_whose_names_hide_its_layers_draws_its_boundary_through_the_model(
        tmp_path: Path) -> None:
    X, y = moons(20, noise=0.1, seed=0, signed=True)
    model = Neuron(2, activation="tanh", seed=1)  # names w0, w1, b: no layers to read
    history = fit(model, X, y, hinge, SGD(model.parameters(), lr=0.5), steps=6,
                  progress=False, record=2)
    trained = model.state_dict()
    (without,) = page_data(training_view(history, tmp_path / "a.html", X=X, y=y)
                           .read_text("utf-8"))["runs"]
    assert without["boundary"] is None and any("pass model=" in n for n in without["notes"])
    data = page_data(training_view(history, tmp_path / "b.html", model=model, X=X, y=y,
                                   grid=6).read_text("utf-8"))
    assert model.state_dict() == trained  # its own parameters are back
    points = [[x, y_] for y_ in data["grid"]["ys"] for x in data["grid"]["xs"]]
    for frame, recorded in enumerate(history.recorded):
        shown = data["runs"][0]["boundary"]["scores"][frame]
        other = Neuron(2, activation="tanh", seed=1)
        other.load_state_dict(dict(zip(history.parameter_names, recorded.parameters)))
        assert all(close(s, e, 3) for s, e in zip(shown, predict(other, points)))


def test_a_policy_allows_only_the_pages_own_script_and_style(run, tmp_path: Path) -> None:
    _, history, X, y = run
    text = training_view(history, tmp_path / "t.html", X=X, y=y).read_text("utf-8")
    (policy,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
    assert "default-src 'none'" in policy and "unsafe" not in policy
    (script,) = re.findall(r"<script>(.*?)</script>", text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert not re.search(r"\b(src|href)=", text)  # links nowhere, loads nothing


def test_hostile_labels_and_names_stay_text_in_the_file(run, tmp_path: Path) -> None:
    _, history, X, y = run
    text = training_view([history], tmp_path / "t.html", labels=[HOSTILE]).read_text("utf-8")
    assert HOSTILE not in text and "<img" not in text and text.count("<script") == 2
    assert page_data(text)["runs"][0]["label"] == HOSTILE


def test_a_digits_sized_network_draws_the_largest_weights_and_says_so(tmp_path: Path) -> None:
    X, y = digits()[:2]
    model = MLP(64, [32, 10], seed=0)
    history = fit(model, X[:20], y[:20], cross_entropy, SGD(model.parameters(), lr=0.1),
                  steps=12, progress=False, record=1)
    path = training_view(history, tmp_path / "digits.html", X=X[:20], y=y[:20])
    data = page_data(path.read_text("utf-8"))
    assert data["boundaryNote"] == ("No picture of the model's output: it is drawn for one "
                                    "input column (a curve) or two (the decision boundary), "
                                    "and X has 64.")
    (shown,) = data["runs"]
    network = shown["network"]
    assert network["sizes"] == [64, 32, 10] and shown["boundary"] is None
    assert [sum(line["layer"] == layer for line in network["lines"]) for layer in (0, 1)] == \
        [MAX_LINES, MAX_LINES]
    assert any(f"only the {MAX_LINES} largest of 2,048 weights" in note for note in shown["notes"])
    # The weights drawn between the inputs and layer 0 are the largest ever.
    index = {name: i for i, name in enumerate(history.parameter_names)}
    largest = {name: max(abs(r.parameters[index[name]]) for r in history.recorded)
               for name in history.parameter_names if name.startswith("layer0.") and ".w" in name}
    drawn = {network["names"][line["parameter"]] for line in network["lines"] if line["layer"] == 0}
    assert min(largest[name] for name in drawn) >= max(
        value for name, value in largest.items() if name not in drawn)
    assert len(shown["layerGradients"]["names"]) == 2  # every parameter counts there


def test_at_most_max_frames_steps_are_kept_evenly(tmp_path: Path) -> None:
    _, history, _, _ = moons_run(steps=MAX_FRAMES + 50, sizes=(2, 1))
    (shown,) = page_data(training_view(history, tmp_path / "t.html").read_text("utf-8"))["runs"]
    assert len(shown["frames"]) == MAX_FRAMES and shown["frames"][0] == 0
    assert shown["frames"][-1] == MAX_FRAMES + 49 and shown["recordedCount"] == MAX_FRAMES + 50
    assert any("keeps 200" in note for note in shown["notes"])


def test_without_a_path_nothing_is_written_and_the_page_shows_inline(
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _, history, X, y = run
    page = training_view(history, X=X, y=y)
    assert isinstance(page, TrainingPage) and list(tmp_path.iterdir()) == []
    assert the_iframe(page._repr_html_())["srcdoc"] == page.html
    assert page.html == training_view(history, tmp_path / "t.html", X=X, y=y).read_text("utf-8")
    assert "training_view(history, 'train.html')" in repr(page)


@pytest.mark.parametrize("call, error, message", [
    (lambda h: training_view({"loss": [1.0]}), TypeError, "takes the History that nn.fit"),
    (lambda h: training_view([]), ValueError, "at least one History"),
    (lambda h: training_view(History()), ValueError, "no steps"),
    (lambda h: training_view([h, h], labels=["one"]), ValueError, "one label per run"),
    (lambda h: training_view(h, X=[[0.0, 1.0]]), ValueError, "give X and y together"),
    (lambda h: training_view(h, grid=1), ValueError, "grid=..."),
])
def test_bad_arguments_say_what_to_do(run, call, error, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        call(run[1])


# ---- in the browser ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Three runs (learning rates 0.05, 0.5 and 2) on one page, the second with hostile
    label and the first recorded every 3 steps."""
    runs = [moons_run(steps=24, lr=lr, record=record)
            for lr, record in ((0.05, 3), (0.5, 1), (2.0, 1))]
    path = training_view([history for _, history, _, _ in runs],
                         tmp_path_factory.mktemp("view") / "compare.html", X=runs[0][2],
                         y=runs[0][3], labels=["lr 0.05", HOSTILE, "lr 2"])
    return path, page_data(path.read_text("utf-8"))


def move_slider(page, frame: int) -> None:
    page.fill("#slider", str(frame))
    page.dispatch_event("#slider", "input")


def widths(page) -> dict[int, float]:
    pairs = "lines => lines.map(l => [l.dataset.parameter, l.getAttribute('stroke-width')])"
    return {int(k): float(v) for k, v in page.eval_on_selector_all("#weights line", pairs)}


def test_the_slider_moves_every_picture_to_the_recorded_numbers(open_page, compared) -> None:  # noqa: F811
    path, data = compared
    page = open_page(path)
    page.select_option("#run-picker", "1")
    shown = data["runs"][1]
    network = shown["network"]
    scale = max(abs(v) for row in network["values"] for v in row)
    seen = []
    for frame in (2, 11, 23):
        move_slider(page, frame)
        step = shown["frames"][frame]
        assert page.get_attribute("body", "data-step") == str(step)
        cursors = page.eval_on_selector_all("line.cursor", "ls => ls.map(l => l.dataset.step)")
        assert cursors == [str(step)] * 3  # on the loss, accuracy and gradient size charts
        # The boundary's cells: red exactly where the recorded score is above the threshold.
        classes = page.eval_on_selector_all("#boundary-cells rect",
                                            "rs => rs.map(r => r.getAttribute('class'))")
        scores = shown["boundary"]["scores"][frame]
        assert classes == ["cell positive-cell" if s > 0 else "cell negative-cell" for s in scores]
        # Each weight's width is its size at that step.
        for parameter, width in widths(page).items():
            value = network["values"][frame][parameter]
            assert width == pytest.approx(0.4 + 5.6 * min(abs(value) / scale, 1), abs=1e-3)
        seen.append((classes, page.get_attribute("#boundary-line", "d"), widths(page),
                     page.get_attribute("line.cursor", "x1")))
    for first, second in zip(seen, seen[1:]):
        assert all(a != b for a, b in zip(first, second))  # every picture changed
    assert "step 23 of 23" in page.inner_text("#step-counter")


def test_play_runs_to_the_last_recorded_step_and_stops(open_page, compared) -> None:  # noqa: F811
    path, data = compared
    page = open_page(path)
    page.click("#button-play")
    page.wait_for_selector("body[data-playing='false']", timeout=20_000)
    assert page.get_attribute("body", "data-frame") == str(len(data["runs"][0]["frames"]) - 1)
    assert page.get_attribute("body", "data-step") == "23"  # the last step: kept, not a 3rd


def test_focusing_a_weight_shows_its_history(open_page, compared) -> None:  # noqa: F811
    path, data = compared
    page = open_page(path)
    move_slider(page, 4)
    network = data["runs"][0]["network"]
    page.focus("#weights line[data-parameter='5']")
    assert page.inner_text("#inspector-name") == network["names"][5]
    value = network["values"][4][5]
    shown = page.inner_text("#inspector-value")
    assert shown.startswith("value ") and float(shown[6:]) == float(f"{value:.4g}")
    points = page.get_attribute("#inspector-values polyline", "points").split()
    assert len(points) == len(data["runs"][0]["frames"])


def test_hostile_labels_run_nothing_and_show_as_text(open_page, compared) -> None:  # noqa: F811
    path, _ = compared
    page = open_page(path)
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.dismiss())
    page.select_option("#run-picker", "1")
    page.wait_for_timeout(200)
    assert page.title() == "blameflow: watch it learn" and dialogs == []
    assert HOSTILE in page.inner_text("#legend")
    options = page.eval_on_selector_all("#run-picker option", "os => os.map(o => o.textContent)")
    assert options[1] == HOSTILE
    assert page.locator("img").count() == 0


def test_without_a_boundary_its_panel_gives_way_and_the_notes_say_why(
        open_page, tmp_path: Path) -> None:  # noqa: F811
    _, history, X, y = moons_run(steps=3, sizes=(2, 1))
    page = open_page(training_view(history, tmp_path / "t.html"))
    assert page.is_hidden("#boundary")
    assert "Give training_view X and y" in page.inner_text("#notes")
    assert page.is_visible("#network-chart") and page.is_visible("#loss-chart")


def test_screenshots_for_a_person_to_look_at(open_page, tmp_path: Path) -> None:  # noqa: F811
    """out/screens/training_view_*.png: the moons run of lesson 5's size (337 parameters,
    100 steps) at a laptop's and a phone's size, halfway through."""
    X, y = moons(100, noise=0.1, seed=0, signed=True)
    model = MLP(2, [16, 16, 1], seed=7)
    history = fit(model, X, y, hinge, SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100),
                  steps=100, progress=False, record=1)
    path = training_view(history, tmp_path / "moons.html", X=X, y=y)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 720), (390, 844)):
        page = open_page(path, size=(width, height))
        move_slider(page, 40)
        if width > 1000:  # the inspector beside the network, as a pointer would show it
            page.focus("#weights line[data-parameter='20']")
        else:
            page.evaluate("document.activeElement.blur()")
        shot = SCREENSHOTS / f"training_view_{width}x{height}.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000


# ---- one input and regressions: lessons 2 and 3's shape ----------------------------------------
def one_input_run(lr: float, hidden: tuple[int, ...] = (), steps: int = 30,
                  target: float = 0.8) -> tuple[MLP, History]:
    """A sigmoid network with one input fitting the number `target` at x = 1.5 (mse): a
    regression, whose loss falls to tiny numbers (1e-4 and below) at the right rate."""
    model = MLP(1, [*hidden, 1], activation="sigmoid", output_activation="sigmoid", seed=3)
    history = fit(model, [[1.5]], [target], mse, SGD(model.parameters(), lr=lr),
                  steps=steps, progress=False, record=1)
    return model, history


@pytest.fixture(scope="module")
def regression(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, list]:
    runs = [one_input_run(lr) for lr in (0.1, 3.0, 30.0)]
    path = training_view([history for _, history in runs],
                         tmp_path_factory.mktemp("regression") / "fit.html",
                         X=[[1.5]], y=[0.8], labels=["lr 0.1", "lr 3", "lr 30"])
    return path, page_data(path.read_text("utf-8")), runs


def test_a_regression_shows_no_accuracy_and_a_classification_does(regression, run,
                                                                  tmp_path: Path) -> None:
    _, data, runs = regression
    assert data["showAccuracy"] is False  # y = 0.8: a number to fit, not a class
    _, history, X, y = run
    assert page_data(training_view(history, tmp_path / "m.html", X=X, y=y)
                     .read_text("utf-8"))["showAccuracy"] is True
    # Whole-number targets look like classes: accuracy=False says it is a regression anyway.
    _, zero = one_input_run(1.0, target=0.0, steps=3)
    assert page_data(training_view(zero, tmp_path / "z.html", X=[[1.5]], y=[0.0])
                     .read_text("utf-8"))["showAccuracy"] is True
    assert page_data(training_view(zero, tmp_path / "z.html", accuracy=False)
                     .read_text("utf-8"))["showAccuracy"] is False
    # A history that recorded no accuracy at all has none to show.
    blank = History(loss=[1.0, 0.5], accuracy=[None, None])
    assert page_data(training_view(blank, tmp_path / "b.html")
                     .read_text("utf-8"))["showAccuracy"] is False
    with pytest.raises(ValueError, match="accuracy=...") as raised:
        training_view(zero, accuracy="no")
    assert "True, False or None" in str(raised.value)


def test_one_input_draws_the_output_as_a_curve_over_the_input(regression) -> None:
    _, data, runs = regression
    assert data["picture"] == "curve" and data["points"] == [[1.5, 0.8]]
    xs = data["grid"]["xs"]
    assert set(data["grid"]) == {"xs"} and xs[0] < 1.5 < xs[-1]
    model, history = runs[1]
    for frame in (0, 10, 29):
        model.load_state_dict(dict(zip(history.parameter_names,
                                       history.recorded[frame].parameters)))
        expected = predict(model, [[x] for x in xs])
        shown = data["runs"][1]["boundary"]["scores"][frame]
        assert all(close(s, e, 3) for s, e in zip(shown, expected))


def test_a_one_input_network_without_data_says_how_to_see_its_output(tmp_path: Path) -> None:
    _, history = one_input_run(1.0, hidden=(2,), steps=3)
    data = page_data(training_view(history, tmp_path / "n.html").read_text("utf-8"))
    note = data["boundaryNote"]
    assert note.startswith("The network has one input, so there is no 2-D decision boundary")
    assert "Give training_view X and y to see its output as a curve" in note


def tick_boxes(page) -> list[dict]:
    """Every axis label of the shown charts: its text, its exact value and its box in
    its SVG's own units, with the SVG's viewBox."""
    return page.eval_on_selector_all("svg text.tick", """texts => texts
        .filter(t => t.ownerSVGElement.getBoundingClientRect().width > 0)
        .map(t => { const b = t.getBBox(), v = t.ownerSVGElement.viewBox.baseVal;
          return {text: t.textContent, value: t.dataset.value, chart: t.ownerSVGElement.id,
                  x0: b.x, x1: b.x + b.width, y0: b.y, y1: b.y + b.height,
                  width: v.width, height: v.height}; })""")


NUMBER = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")


def test_every_axis_label_is_a_whole_number_inside_its_chart(open_page, regression) -> None:  # noqa: F811
    path, data, _ = regression
    assert min(x for r in data["runs"] for x in r["loss"]) < 1e-3  # labels like 0.0003847
    for size in ((1280, 720), (390, 844)):
        page = open_page(path, size=size)
        boxes = tick_boxes(page)
        charts = {box["chart"] for box in boxes}
        assert charts == {"loss-chart", "gradient-chart", "boundary-chart", "network-chart"}
        for box in boxes:
            assert 0 <= box["x0"] and box["x1"] <= box["width"], box
            assert 0 <= box["y0"] and box["y1"] <= box["height"], box
            if box["value"] is not None:  # a number on an axis: all of it, to 3 digits
                assert NUMBER.fullmatch(box["text"]), box
                value = float(box["value"])
                assert float(box["text"]) == pytest.approx(value, rel=5e-3), box
        assert sum(box["value"] is not None for box in boxes) == 2 + 2 + 4


def test_a_regression_page_shows_the_loss_alone_and_the_output_curve_moves(
        open_page, regression) -> None:  # noqa: F811
    path, data, _ = regression
    page = open_page(path)
    assert page.is_hidden("#accuracy-chart") and page.inner_text("#curves-title") == "Loss"
    assert "accuracy" not in page.inner_text("#step-counter")
    assert page.eval_on_selector_all("line.cursor", "ls => ls.length") == 2  # loss, gradients
    assert page.inner_text("#boundary-title") == "The model's output"
    page.select_option("#run-picker", "1")
    curves = []
    for frame in (0, 2, 6):
        move_slider(page, frame)
        d = page.get_attribute("#output-curve", "d")
        assert d.count("L") == len(data["grid"]["xs"]) - 1
        curves.append(d)
        assert f"Step {frame}:" in page.inner_text("#boundary-caption")
    assert len(set(curves)) == 3
    assert page.locator("#boundary-chart circle.target").count() == 1
