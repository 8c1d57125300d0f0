"""Every lesson runs to the end and prints its key numbers, checked here."""

from __future__ import annotations

import html
import math
import re

import pytest

from demos import hidden_layer, moons, training_loop, xor


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_training_loop_lowers_the_loss_and_compares_learning_rates(capsys):
    numbers = training_loop.run(None)
    losses = numbers["losses"]
    assert len(losses) == training_loop.EPOCHS
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    assert set(numbers["final_losses"]) == set(training_loop.LEARNING_RATES)
    assert numbers["final_losses"][training_loop.LEARNING_RATE] == losses[-1]
    printed = capsys.readouterr().out
    assert f"{losses[0]:.6g}" in printed and f"{losses[-1]:.6g}" in printed


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
    assert numbers["files"] == [tmp_path / "loss.png"] and (tmp_path / "loss.png").exists()


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


def test_xor_needs_a_hidden_layer(capsys, tmp_path):
    numbers = xor.run(tmp_path)
    assert numbers["single_neuron_accuracy"] <= 0.75
    assert numbers["hidden_layer_accuracy"] == 1.0
    printed = capsys.readouterr().out
    assert "100%" in printed
    # The lone neuron is unsure everywhere, and the lesson says so with its numbers.
    assert "P(XOR = 1) = 0.500, 0.500, 0.500, 0.500." in printed
    assert [path.name for path in numbers["files"]] == [
        "boundary_single_neuron.png", "boundary_hidden_layer.png"]


@pytest.mark.slow
def test_moons_reaches_full_accuracy(capsys):
    numbers = moons.run(None, progress=False)
    assert numbers["accuracy"] == 1.0
    history = numbers["history"]
    assert len(history.loss) == moons.STEPS and history.loss[-1] < history.loss[0] / 10
    assert "accuracy 100%" in capsys.readouterr().out
