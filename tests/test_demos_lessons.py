"""Every lesson runs to the end and prints its key numbers, checked here."""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import viz
from demos import hidden_layer, moons, training_loop, xor
from demos.options import OptionError
from demos.pictures import Pictures


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def page_data(path: Path) -> dict:
    """The numbers a training page carries (viz.training_view's JSON data block)."""
    found = re.search(r'<script type="application/json" id="training-data">(.*?)</script>',
                      path.read_text(encoding="utf-8"), re.DOTALL)
    assert found, f"no training data in {path}"
    return json.loads(found[1])


def test_training_loop_prints_the_loss_of_each_rate_as_it_changes(capsys):
    numbers = training_loop.run(None)
    assert list(numbers["runs"]) == list(training_loop.LEARNING_RATES)
    good = numbers["runs"][1.0]
    assert len(good) == training_loop.EPOCHS
    assert all(later < earlier for earlier, later in zip(good, good[1:]))
    printed = capsys.readouterr().out
    header = next(line for line in printed.splitlines() if line.strip().startswith("epoch"))
    assert header.split() == ["epoch", "lr", "0.3", "lr", "1", "lr", "10", "lr", "50"]
    for epoch in (0, 1, 5, 20, training_loop.EPOCHS - 1):
        row = next(line.split() for line in printed.splitlines()
                   if line.split()[:1] == [str(epoch)])
        assert row[1:] == [f"{numbers['runs'][lr][epoch]:.4g}"
                           for lr in training_loop.LEARNING_RATES], row
    # Times is ×, never the letter x, which is the neuron's input.
    assert "x × w + b" in printed and not re.search(r"[\d)] x [\d(w]", printed)


def _rises(losses: list[float]) -> int:
    """How many steps made the loss go up."""
    return sum(later > earlier for earlier, later in zip(losses, losses[1:]))


def test_learning_rates_creep_converge_overshoot_and_diverge(tmp_path):
    numbers = training_loop.run(tmp_path)
    small, good, large, huge = (numbers["runs"][lr] for lr in training_loop.LEARNING_RATES)
    start = good[0]
    # Too small: always down, but far behind the good rate.
    assert _rises(small) == 0 and small[-1] > 1000 * good[-1]
    assert _rises(good) == 0 and good[-1] < 1e-8
    # Too large: the loss goes up again and again and never settles.
    assert _rises(large) >= 10 and min(large[-10:]) > 1e-4
    # Far too large: worse than the start after one step, and stuck there.
    assert huge[1] > 4 * start and huge[-1] > 4 * start
    assert max(huge[-10:]) - min(huge[-10:]) < 1e-6
    assert list(numbers["verdicts"].values()) == [
        "creeps: still going down", "converges", "overshoots: the loss bounces",
        "diverges: ends worse than it started, stuck"]
    assert numbers["files"] == [tmp_path / "loss.png", tmp_path / "training.html"]
    assert all(path.stat().st_size > 0 for path in numbers["files"])


@pytest.mark.parametrize("losses, verdict", [
    ([1.0, 0.5, 0.2, 0.1], "creeps: still going down"),
    ([1.0, 0.1, 1e-3, 1e-5], "converges"),
    ([1.0, 0.1, 0.3, 1e-5], "overshoots, then settles"),
    ([1.0, 0.1, 0.3, 0.1, 0.3], "overshoots: the loss bounces"),
    ([1.0, 2.0, 1.5, 3.0], "diverges: ends worse than it started"),
    ([1.0, 2.0, 2.0, 2.0, 2.0, 2.0], "diverges: ends worse than it started, stuck"),
])
def test_each_loss_curve_gets_the_verdict_it_shows(losses, verdict):
    assert training_loop.verdict(losses) == verdict


def test_training_loop_options_set_the_start_the_rate_and_the_epochs(capsys):
    numbers = training_loop.run(None, lr=[0.05], epochs=50, w=-0.3, b=0.2)
    (losses,) = numbers["runs"].values()
    assert len(losses) == 50
    assert losses[0] == pytest.approx((_sigmoid(2.0 * -0.3 + 0.2) - training_loop.TARGET) ** 2)
    # w moves against its gradient by lr × gradient: the first step, worked out by hand
    a = _sigmoid(2.0 * -0.3 + 0.2)
    first_w = -0.3 - 0.05 * 2 * (a - training_loop.TARGET) * a * (1 - a) * 2.0
    assert training_loop.train(0.05, 1, -0.3, 0.2)[1] == pytest.approx(first_w)
    printed = capsys.readouterr().out
    assert "Start: w = -0.3, b = 0.2; 50 epochs" in printed
    assert f"{losses[49]:.4g}" in printed and "lr 0.05: creeps" in printed


@given(lr=st.floats(0.01, 20), epochs=st.integers(1, 40), w=st.floats(-3, 3),
       b=st.floats(-3, 3))
@settings(max_examples=25, deadline=None)
def test_the_recorded_run_by_fit_is_the_hand_written_loop(lr, epochs, w, b):
    losses, w_end, b_end = training_loop.train(lr, epochs, w, b)
    history = training_loop.record(lr, epochs, w, b)
    assert history.loss == pytest.approx(losses, rel=1e-12, abs=1e-15)
    assert [step.step for step in history.recorded] == list(range(epochs))
    assert list(history.recorded[0].parameters) == [w, b]


def test_several_learning_rates_write_one_comparison_page(tmp_path, capsys):
    numbers = training_loop.run(tmp_path, lr=[0.1, 1, 10], epochs=12)
    page = tmp_path / "training.html"
    assert f"open {page}" in capsys.readouterr().out
    runs = page_data(page)["runs"]
    assert [run["label"] for run in runs] == ["lr 0.1", "lr 1", "lr 10"]
    for run, lr in zip(runs, (0.1, 1, 10)):
        assert run["loss"] == pytest.approx(numbers["runs"][lr], rel=1e-5)  # 6 digits kept
        assert run["network"] is not None  # the neuron is drawn
    # a regression towards 0.8: the loss alone, and the neuron's output as a curve over x
    assert page_data(page)["showAccuracy"] is False
    assert page_data(page)["picture"] == "curve"


def test_hidden_layer_forward_values_match_the_formulas():
    numbers = hidden_layer.run(None)
    p = hidden_layer.START
    h1 = _sigmoid(p["w1"] * 1 + p["b1"])
    h2 = _sigmoid(p["w2"] * 1 + p["b2"])
    out = _sigmoid(p["w3"] * h1 + p["w4"] * h2 + p["b3"])
    assert numbers["forward"]["h1"] == pytest.approx(h1)
    assert numbers["forward"]["h2"] == pytest.approx(h2)
    assert numbers["forward"]["out"] == pytest.approx(out)
    assert numbers["forward"]["loss"] == pytest.approx(out ** 2)
    # d loss/d w1 by the chain rule, written out independently of the engine
    expected_w1 = 2 * out * out * (1 - out) * p["w3"] * h1 * (1 - h1)
    assert numbers["gradients"]["w1"] == pytest.approx(expected_w1)
    assert numbers["losses"][-1] < numbers["losses"][0] / 10


def test_hidden_layer_has_one_input_x_whose_gradient_sums_both_paths(tmp_path, capsys):
    numbers = hidden_layer.run(tmp_path)
    p, h = hidden_layer.START, numbers["forward"]
    out_blame = 2 * h["out"] * h["out"] * (1 - h["out"])  # d loss/d out × d out/d (its sum)
    through_h1 = out_blame * p["w3"] * h["h1"] * (1 - h["h1"]) * p["w1"]
    through_h2 = out_blame * p["w4"] * h["h2"] * (1 - h["h2"]) * p["w2"]
    assert numbers["gradients"]["x"] == pytest.approx(through_h1 + through_h2)
    printed = capsys.readouterr().out
    assert f"{through_h1:+.6f} + ({through_h2:+.6f})" in printed
    assert not any(line.rstrip().endswith(" x") for line in printed.splitlines()), printed
    # The graph draws x once, as a labelled input, with the summed gradient.
    svg = (tmp_path / "graph.svg").read_text()
    texts = [html.unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert texts.count("x") == 1
    assert texts[texts.index("x") + 2] == f"grad {numbers['gradients']['x']:.4g}"
    assert "data 1" in texts and texts.count("data 1") == 1


def test_hidden_layer_gradients_equal_pytorchs():
    torch = pytest.importorskip("torch")
    p = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
         for name, value in hidden_layer.START.items()}
    h1 = torch.sigmoid(p["w1"] * 1.0 + p["b1"])
    h2 = torch.sigmoid(p["w2"] * 1.0 + p["b2"])
    out = torch.sigmoid(p["w3"] * h1 + p["w4"] * h2 + p["b3"])
    ((out - 0.0) ** 2).backward()
    ours = hidden_layer.run(None)["gradients"]
    for name, tensor in p.items():
        assert ours[name] == pytest.approx(float(tensor.grad), rel=1e-12, abs=1e-15), name


def test_hidden_layer_trains_the_network_of_its_walk_through():
    nodes = hidden_layer.forward(hidden_layer.parameters(hidden_layer.START))
    nodes["loss"].backward()
    history = hidden_layer.record(hidden_layer.START, steps=3)
    assert hidden_layer.train(hidden_layer.parameters(), steps=3) == history.loss
    assert history.loss[0] == pytest.approx(nodes["loss"].data, rel=1e-12)
    # fit's first gradients, by their nn names, are the walk-through's
    fit_gradients = dict(zip(history.parameter_names, history.recorded[0].gradients))
    named = {"w1": "layer0.neuron0.w0", "b1": "layer0.neuron0.b", "w2": "layer0.neuron1.w0",
             "b2": "layer0.neuron1.b", "w3": "layer1.neuron0.w0", "w4": "layer1.neuron0.w1",
             "b3": "layer1.neuron0.b"}
    p = hidden_layer.parameters(hidden_layer.START)
    nodes = hidden_layer.forward(p)
    nodes["loss"].backward()
    for ours, theirs in named.items():
        assert fit_gradients[theirs] == pytest.approx(p[ours].grad, rel=1e-12), ours


def test_hidden_layer_names_any_number_of_hidden_neurons():
    assert hidden_layer.parameter_names(2) == list(hidden_layer.START)
    assert hidden_layer.parameter_names(3) == ["w1", "w2", "w3", "b1", "b2", "b3",
                                               "w4", "w5", "w6", "b4"]
    values = hidden_layer.start_values(3, {"w1": 0.9, "b4": -2.0})
    assert list(values) == hidden_layer.parameter_names(3)
    assert values["w1"] == 0.9 and values["b4"] == -2.0
    assert all(-1 <= value <= 1 for name, value in values.items() if name not in ("w1", "b4"))
    assert hidden_layer.start_values(2) == hidden_layer.START
    with pytest.raises(OptionError, match="no 'w5'; its weights are w1 .. w2, b1 .. b2, "
                                          "w3 .. w4 and b3"):
        hidden_layer.start_values(2, {"w5": 1.0})
    with pytest.raises(OptionError, match="gives w1 twice"):
        hidden_layer.run(None, weights=[("w1", 1.0), ("w1", 2.0)])


def test_four_hidden_neurons_sum_the_blame_of_four_paths_to_x(capsys):
    numbers = hidden_layer.run(None, hidden=[4], epochs=5, lr=0.5, weights=[("w6", -0.7)])
    assert [name for name in numbers["forward"] if name.startswith("h")] == [
        "h1", "h2", "h3", "h4"]
    assert len(numbers["paths"]) == 4
    assert numbers["gradients"]["x"] == pytest.approx(sum(numbers["paths"]))
    start = hidden_layer.start_values(4, {"w6": -0.7})
    h = numbers["forward"]
    out = _sigmoid(sum(start[f"w{4 + j}"] * h[f"h{j}"] for j in range(1, 5)) + start["b5"])
    assert h["out"] == pytest.approx(out) and numbers["losses"][0] == pytest.approx(out ** 2)
    assert len(numbers["losses"]) == 5
    printed = capsys.readouterr().out
    assert "sum of 4 paths" in printed and "training, lr 0.5, 5 steps" in printed
    assert f"{numbers['losses'][4]:.4g}" in printed


def test_one_hidden_neuron_has_one_path_to_x(capsys):
    numbers = hidden_layer.run(None, hidden=[1], epochs=2)
    assert numbers["gradients"]["x"] == pytest.approx(numbers["paths"][0])
    printed = capsys.readouterr().out
    assert "1 hidden neuron; forward:" in printed and "along one path" in printed
    assert "1 hidden neurons" not in printed


def test_several_hidden_sizes_write_one_comparison_page(tmp_path, capsys):
    numbers = hidden_layer.run(tmp_path, hidden=[2, 8], epochs=10)
    page = tmp_path / "training.html"
    assert f"open {page}" in capsys.readouterr().out
    runs = page_data(page)["runs"]
    assert [run["label"] for run in runs] == ["2 hidden neurons", "8 hidden neurons"]
    for run, size in zip(runs, (2, 8)):
        assert run["loss"] == pytest.approx(numbers["histories"][size].loss, rel=1e-5)
        assert run["network"] is not None
    assert page_data(page)["showAccuracy"] is False  # the target 0 is a number, no class
    assert page_data(page)["picture"] == "curve"
    assert numbers["files"] == [tmp_path / name for name in (
        "graph.svg", "explorer.html", "loss.png", "training.html")]


def test_a_graph_over_the_cap_is_drawn_one_box_per_neuron(tmp_path, capsys):
    # A wide hidden layer (--hidden 32) can pass viz's cap on layout nodes; a low cap here
    # makes the graph of 8 hidden neurons too large to draw node by node.
    nodes = hidden_layer.forward(hidden_layer.parameters(hidden_layer.start_values(8)))
    nodes["loss"].backward()
    pictures = Pictures(tmp_path)
    assert pictures.graph(nodes["loss"], "graph.svg", max_nodes=80) == tmp_path / "graph.svg"
    assert "graph.svg: too many nodes to draw one by one; folded by neuron" in (
        capsys.readouterr().out)
    svg = (tmp_path / "graph.svg").read_text()
    assert "neuron7" in svg and "sigmoid" not in svg  # one box per neuron, not its nodes
    with pytest.raises(viz.GraphTooLargeError):  # a fold asked for is never changed
        pictures.graph(nodes["loss"], "other.svg", max_nodes=5, collapse="neuron")


def test_xor_needs_a_hidden_layer(capsys, tmp_path):
    numbers = xor.run(tmp_path)
    assert numbers["single_neuron_accuracy"] <= 0.75
    assert numbers["hidden_layer_accuracy"] == 1.0
    printed = capsys.readouterr().out
    assert "100%" in printed
    # The lone neuron is unsure everywhere, and the lesson says so with its numbers.
    assert "P(XOR = 1) = 0.500, 0.500, 0.500, 0.500." in printed
    assert [path.name for path in numbers["files"]] == [
        "boundary_single_neuron.png", "boundary_hidden_layer.png", "training.html"]
    # The training page shows both models learning, each with its boundary at every frame
    runs = page_data(tmp_path / "training.html")["runs"]
    assert [run["label"] for run in runs] == ["one neuron", "a hidden layer of 4"]
    for run, history in zip(runs, numbers["histories"].values()):
        assert run["frames"] == [step.step for step in history.recorded]
        assert run["frames"][-1] == xor.STEPS - 1 and run["boundary"] is not None
        assert run["loss"] == pytest.approx(history.loss, rel=1e-5)


@pytest.mark.slow
def test_moons_reaches_full_accuracy(capsys):
    numbers = moons.run(None, progress=False)
    assert numbers["accuracy"] == 1.0
    history = numbers["history"]
    assert len(history.loss) == moons.STEPS and history.loss[-1] < history.loss[0] / 10
    assert "accuracy 100%" in capsys.readouterr().out


@pytest.mark.slow
def test_moons_writes_its_training_page_with_the_boundary(tmp_path):
    numbers = moons.run(tmp_path, progress=False, quick=True)
    assert tmp_path / "training.html" in numbers["files"]
    (run,) = page_data(tmp_path / "training.html")["runs"]
    history = numbers["history"]
    assert run["frames"] == list(range(0, moons.QUICK_STEPS, moons.RECORD_EVERY)) + (
        [moons.QUICK_STEPS - 1] if (moons.QUICK_STEPS - 1) % moons.RECORD_EVERY else [])
    assert run["boundary"] is not None and run["network"] is not None
    assert run["accuracy"] == pytest.approx(history.accuracy)
