"""fit, History, predict, accuracy: the checks of issue 3 that need training."""

from __future__ import annotations

import importlib.util
import io
import math
import re
import sys
import types

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tripwire import Tripwire, press_ctrl_c, raise_interrupt

import nn.train
from autograd import Value
from nn import (
    MLP,
    SGD,
    Adam,
    Neuron,
    TrainingDiverged,
    accuracy,
    bce_with_logits,
    binary_cross_entropy,
    cross_entropy,
    fit,
    hinge,
    l2,
    moons,
    mse,
    predict,
    spirals,
    xor,
)


def test_xor_defeats_a_single_neuron_but_not_a_hidden_layer() -> None:
    X, y = xor()
    neuron = Neuron(2, activation="linear", seed=0)
    lone = fit(neuron, X, y, bce_with_logits, Adam(neuron.parameters(), lr=0.1), steps=200,
               progress=False)
    # No straight line separates XOR: at best 3 of the 4 corners are right.
    assert max(lone.accuracy) <= 0.75
    assert accuracy(predict(neuron, X), y) <= 0.75
    model = MLP(2, [4, 1], seed=0)
    fit(model, X, y, bce_with_logits, Adam(model.parameters(), lr=0.1), steps=200,
        progress=False)
    assert accuracy(predict(model, X), y) == 1.0


@pytest.mark.slow
def test_the_micrograd_demo_setup_reaches_full_train_accuracy() -> None:
    X, y = moons(100, noise=0.1, signed=True)
    model = MLP(2, [16, 16, 1], activation="relu", seed=7)

    def loss(scores: list[Value], labels: list[int]) -> Value:
        return hinge(scores, labels) + 1e-4 * l2(model.parameters())

    optimizer = SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100)
    history = fit(model, X, y, loss, optimizer, steps=100, progress=False)
    assert len(history) == 100
    assert history.loss[-1] < history.loss[0] / 10
    assert history.lr[0] == 1.0 and history.lr[-1] == pytest.approx(1.0 - 0.9 * 99 / 100)
    assert history.accuracy[-1] == 1.0
    assert accuracy(predict(model, X), y) == 1.0


def small_run(seed: int = 0) -> nn.train.History:
    X, y = moons(40, noise=0.2, seed=1)
    model = MLP(2, [6, 1], activation="tanh", seed=3)
    return fit(model, X, y, bce_with_logits, Adam(model.parameters(), lr=0.05), steps=25,
               batch_size=8, progress=False, seed=seed)


def test_the_same_seed_gives_a_bit_identical_history() -> None:
    first, second = small_run(), small_run()
    assert (first.loss, first.accuracy, first.lr) == (second.loss, second.accuracy, second.lr)
    assert len(first.seconds) == 25 and all(s > 0 for s in first.seconds)
    assert small_run(seed=1).loss != first.loss  # the seed picks the batches


def test_history_records_the_loss_before_each_update() -> None:
    X, y = [[1.0], [2.0]], [1.0, 3.0]
    model = Neuron(1, activation="linear", seed=0)
    expected = mse(predict(model, X), y).data
    history = fit(model, X, y, mse, SGD(model.parameters(), lr=0.01), steps=3, progress=False)
    assert history.loss[0] == expected
    assert history.loss[1] < history.loss[0]


def test_minibatches_cover_every_row_once_per_pass() -> None:
    seen: list[float] = []
    X = [[float(i)] for i in range(10)]

    def recording_loss(outputs: list[Value], targets: list[float]) -> Value:
        seen.extend(targets)
        return mse(outputs, targets)

    model = Neuron(1, activation="linear")
    # compile=False: the loss records what it is given at every step, and a compiled
    # step runs the loss function only while tracing (this test is about the batches).
    fit(model, X, [float(i) for i in range(10)], recording_loss,
        SGD(model.parameters(), lr=0.0), steps=6, batch_size=4, progress=False,
        compile=False)
    # batches of 4, 4, then the 2 left over, then a fresh shuffle
    assert sorted(seen[:10]) == [float(i) for i in range(10)]
    assert sorted(seen[10:20]) == [float(i) for i in range(10)]


def test_a_nan_loss_stops_training_naming_the_step_and_the_last_finite_loss() -> None:
    X, y = [[1.0]], [0.0]
    model = Neuron(1, activation="linear", seed=0)
    calls = []

    def loss_that_breaks(outputs: list[Value], targets: list[float]) -> Value:
        calls.append(1)
        value = mse(outputs, targets)
        return value * math.nan if len(calls) == 4 else value

    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(TrainingDiverged, match=r"became nan at step 3: the last finite "
                                               r"loss was [0-9.e-]+ at step 2") as caught:
        # compile=False: the loss turns NaN at its 4th call, and a compiled step calls it
        # only while tracing; the compiled path's divergence has its own test below.
        fit(model, X, y, loss_that_breaks, optimizer, steps=10, progress=False,
            compile=False)
    assert caught.value.step == 3
    assert len(caught.value.history.loss) == 3
    assert caught.value.history.loss[-1] > 0


def test_exploding_training_stops_with_the_step_before_the_overflow() -> None:
    X, y = [[100.0]], [0.0]
    model = Neuron(1, activation="linear", seed=0)
    with pytest.raises(TrainingDiverged, match="smaller learning rate") as caught:
        fit(model, X, y, mse, SGD(model.parameters(), lr=1.0), steps=1000, progress=False)
    step, history = caught.value.step, caught.value.history
    assert 0 < step < 1000 and len(history) == step
    assert all(math.isfinite(x) for x in history.loss)
    assert f"the last finite loss was {history.loss[-1]:.6g} at step {step - 1}" in str(
        caught.value)
    # the weights are the ones the last finite loss was computed with, one update on
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_a_loss_that_is_nan_from_the_start_points_at_the_data() -> None:
    model = Neuron(1, activation="linear")
    with pytest.raises(TrainingDiverged, match="no finite loss before it.*check the data"):
        fit(model, [[1.0]], [0.0], lambda out, t: mse(out, t) * math.nan,
            SGD(model.parameters(), lr=0.1), steps=2, progress=False)


@pytest.mark.parametrize("X, y, message", [
    ([[1.0, 2.0], [3.0, math.nan]], [0.0, 1.0], r"row 1 of X holds nan in column 1"),
    ([[1.0, -math.inf], [3.0, 4.0]], [0.0, 1.0], r"row 0 of X holds -inf in column 1"),
    ([[Value(math.inf), 2.0], [3.0, 4.0]], [0.0, 1.0], r"row 0 of X holds inf in column 0"),
    ([[1.0, 2.0], [3.0, 4.0]], [0.0, math.nan], r"target 1 \(y\[1\]\) is nan"),
    ([[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [math.inf, 0.0]], r"target 1 \(y\[1\]\) is \[inf"),
])
def test_non_finite_data_is_refused_before_training(X: list, y: list, message: str) -> None:
    model = Neuron(2, activation="linear", seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message + ".*Drop that row"):
        fit(model, X, y, mse, SGD(model.parameters(), lr=0.1), steps=1, progress=False)
    assert model.state_dict() == before


def same_numbers(a: object, b: object) -> bool:
    """Equality that counts nan as equal to nan, for comparing saved optimizer states."""
    return repr(a) == repr(b)


def test_a_non_finite_gradient_stops_training_before_the_update() -> None:
    model = Neuron(1, activation="linear", seed=0)
    w, b = model.w[0], model.b
    w.data, b.data = 1e200, 0.0
    optimizer = Adam(model.parameters(), lr=0.1)
    before, state = model.state_dict(), optimizer.snapshot()

    def loss(outputs: list[Value], targets: list[float]) -> Value:
        # finite (it is 0), but d/db = w * w = 1e400 overflows to inf
        return mse(outputs, targets) * 0 + w * (w * b)

    with pytest.raises(TrainingDiverged, match=r"the gradient of 'b' became inf at step 0") \
            as caught:
        fit(model, [[0.0]], [0.0], loss, optimizer, steps=3, progress=False)
    assert (caught.value.step, caught.value.parameter, caught.value.value) == (0, "b", math.inf)
    assert model.state_dict() == before
    assert same_numbers(optimizer.snapshot(), state)


@pytest.mark.parametrize("make_optimizer", [
    lambda params: SGD(params, lr=1e308, momentum=0.5),
    lambda params: Adam(params, lr=1.5e308),
])
def test_an_update_that_makes_a_parameter_non_finite_is_undone(make_optimizer) -> None:
    model = Neuron(1, activation="linear", seed=0)
    model.b.data = 1e8
    optimizer = make_optimizer(model.parameters())

    def loss(outputs: list[Value], targets: list[float]) -> Value:
        # a finite loss and finite gradients; only the step overflows, at the second step
        return outputs[0] * 0 - model.b

    history = fit(model, [[1.0]], [0.0], loss, optimizer, steps=1, progress=False)
    assert len(history) == 1
    before, state = model.state_dict(), optimizer.snapshot()
    with pytest.raises(TrainingDiverged, match=r"the update made 'b' inf \(its gradient was "
                                               r"-1\) at step 0: the model keeps the "
                                               r"weights from before step 0") as caught:
        fit(model, [[1.0]], [0.0], loss, optimizer, steps=5, progress=False)
    assert (caught.value.step, caught.value.parameter, caught.value.value) == (0, "b", math.inf)
    assert model.state_dict() == before  # every parameter, not only b
    assert same_numbers(optimizer.snapshot(), state)  # step count, velocity, Adam's m and v


# ---- Ctrl-C --------------------------------------------------------------------------------------
def wired_neuron() -> tuple[Neuron, Adam]:
    """A one-input neuron whose bias is a Tripwire, and an Adam optimizer for it."""
    model = Neuron(1, activation="linear", seed=0)
    model.b = Tripwire(model.b.data, label="b")
    return model, Adam(model.parameters(), lr=0.1)


def train_and_interrupt(interrupt_at: int, action, steps: int = 6, record: int | None = None):
    """fit for `steps` steps; at step interrupt_at, `action` goes off inside the update
    (between the weight and the bias), or in the loss function if the action is a str."""
    model, optimizer = wired_neuron()
    calls = []

    def loss(outputs: list[Value], targets: list[float]) -> Value:
        calls.append(1)
        if len(calls) == interrupt_at + 1:
            if action == "in the loss":
                raise KeyboardInterrupt
            model.b.action = action
        return mse(outputs, targets)

    # compile=False: the loss function arms the interrupt at a given call, and a compiled
    # step calls it only while tracing. The compiled path's Ctrl-C has its own test below.
    history = fit(model, [[1.0], [2.0]], [1.0, -1.0], loss, optimizer, steps=steps,
                  progress=False, record=record, compile=False)
    return history, model, optimizer


def trained_for(steps: int) -> tuple[dict, dict]:
    """The weights and the optimizer's state after `steps` uninterrupted steps."""
    history, model, optimizer = train_and_interrupt(-1, None, steps)
    assert not history.interrupted and history.interrupted_at is None
    return model.state_dict(), optimizer.snapshot().state


@pytest.mark.parametrize("action, steps_done", [
    ("in the loss", 3),     # in the forward pass: the step is dropped, nothing was changed
    (raise_interrupt, 3),   # raised inside the update: the half-made update is undone
    (press_ctrl_c, 4),      # a real Ctrl-C inside the update: the update is finished first
])
def test_ctrl_c_returns_the_history_so_far_and_never_half_a_step(
        action, steps_done: int, capsys: pytest.CaptureFixture[str]) -> None:
    history, model, optimizer = train_and_interrupt(3, action)
    assert history.interrupted and history.interrupted_at == steps_done == len(history)
    assert len(history.accuracy) == len(history.lr) == len(history.seconds) == steps_done
    weights, state = trained_for(steps_done)
    assert model.state_dict() == weights
    assert optimizer.snapshot().state == state  # steps_taken, Adam's m and v
    assert f"interrupted after {steps_done} of 6 steps" in capsys.readouterr().err


def quick_fit(steps: int, progress: bool = True) -> None:
    model = Neuron(1, activation="linear", seed=0)
    fit(model, [[1.0], [2.0]], [1.0, -1.0], hinge, SGD(model.parameters(), lr=0.01),
        steps=steps, progress=progress)


@pytest.mark.parametrize("steps, lines", [(1000, 10), (25, 9), (5, 5), (1, 1), (0, 0)])
def test_progress_to_a_file_is_about_ten_whole_lines(
        steps: int, lines: int, capsys: pytest.CaptureFixture[str]) -> None:
    quick_fit(steps)  # capsys's stderr is not a terminal, as a log file or CI's is not
    shown = capsys.readouterr().err
    assert "\r" not in shown and "%|" not in shown  # no bar redrawn in place
    assert len(shown.splitlines()) == lines and shown.endswith("\n") == (lines > 0)
    if steps:
        assert re.fullmatch(rf"step {steps}/{steps} loss [0-9.e+-]+ accuracy \d+%",
                            shown.splitlines()[-1])


def test_progress_in_a_terminal_is_a_tqdm_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    quick_fit(5)
    shown = sys.stderr.getvalue()
    assert "\r" in shown and "5/5" in shown and "loss=" in shown and "accuracy=" in shown


@pytest.mark.parametrize("ipywidgets_installed", [False, True])
def test_progress_in_jupyter_is_the_notebook_bar_only_with_ipywidgets(
        ipywidgets_installed: bool, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    made = []

    class NotebookBar:  # stands in for tqdm.notebook's widget
        def __init__(self, **options) -> None:
            made.append(options)

        def set_postfix(self, **values) -> None:
            pass

        def update(self) -> None:
            pass

        def close(self) -> None:
            pass

    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("zmqshell"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", types.SimpleNamespace(tqdm=NotebookBar))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: (
        ipywidgets_installed if name == "ipywidgets" else real_find_spec(name)))
    quick_fit(3)
    shown = capsys.readouterr().err
    assert len(made) == ipywidgets_installed
    # without ipywidgets: plain lines (a notebook's output is not a terminal), never a bar
    assert ("step 3/3" in shown) != ipywidgets_installed and "\r" not in shown


def test_progress_false_shows_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    quick_fit(20, progress=False)
    assert capsys.readouterr().err == ""


def test_fit_trains_a_three_class_model_with_cross_entropy() -> None:
    X, y = spirals(30, classes=3, noise=0.0, seed=0)
    model = MLP(2, [12, 3], activation="tanh", seed=0)
    history = fit(model, X, y, cross_entropy, Adam(model.parameters(), lr=0.05), steps=60,
                  progress=False)
    assert history.loss[-1] < history.loss[0] / 2
    assert history.accuracy[-1] > 0.6
    assert all(len(row) == 3 for row in predict(model, X))


def test_predict_builds_no_graph_and_returns_floats() -> None:
    model = MLP(2, [3, 1])
    (output,) = predict(model, [[0.5, 0.5]])
    assert isinstance(output, float) and output == model([0.5, 0.5]).data
    assert all(isinstance(v, float) for v in predict(MLP(2, [3, 2]), [[0.5, 0.5]])[0])


def test_accuracy_for_scores_probabilities_signed_labels_and_classes() -> None:
    assert accuracy([2.0, -1.0, 0.5], [1, 0, 0]) == pytest.approx(2 / 3)
    assert accuracy([2.0, -1.0, 0.5], [1, -1, -1]) == pytest.approx(2 / 3)
    assert accuracy([0.7, 0.3, 0.4], [1, 0, 1], threshold=0.5) == pytest.approx(2 / 3)
    assert accuracy([[0.1, 0.9], [2.0, 1.0], [Value(0.0), Value(3.0)]], [1, 1, 1]) == (
        pytest.approx(2 / 3))


def test_a_sigmoid_model_is_scored_at_threshold_one_half() -> None:
    X, y = [[1.0], [-1.0]], [1, 0]
    model = Neuron(1, activation="sigmoid", seed=0)
    model.w[0].data, model.b.data = 1.0, 0.0  # outputs 0.73 and 0.27: both right at 0.5
    history = fit(model, X, y, binary_cross_entropy, SGD(model.parameters(), lr=0.0),
                  steps=1, progress=False)
    assert history.accuracy == [1.0]


@pytest.mark.parametrize("arguments, message", [
    ({"X": [], "y": []}, "non-empty list of input rows"),
    ({"y": [1]}, "4 input rows but 1 targets"),
    ({"steps": -1}, "steps"),
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": 5}, "more rows than X has"),
    ({"loss": "hinge"}, "must be a function"),
    ({"loss": lambda out, t: 1.0}, "returned a float"),
])
def test_bad_fit_arguments_are_named(arguments: dict, message: str) -> None:
    X, y = xor(signed=True)
    model = MLP(2, [2, 1])
    call = {"model": model, "X": X, "y": y, "loss": hinge,
            "optimizer": SGD(model.parameters(), lr=0.1), "steps": 1, "progress": False}
    call.update(arguments)
    with pytest.raises((ValueError, TypeError), match=message):
        fit(**call)


# ---- recording: fit(..., record=k) ----------------------------------------------------------
RECORD_X, RECORD_Y = moons(12, noise=0.1, seed=2, signed=True)


def recorded_run(steps: int, record: int | None, **options) -> tuple[MLP, nn.train.History]:
    model = MLP(2, [3, 1], activation="tanh", seed=5)
    history = fit(model, RECORD_X, RECORD_Y, hinge, SGD(model.parameters(), lr=0.3),
                  steps=steps, progress=False, record=record, **options)
    return model, history


def state_after(steps: int) -> tuple[list[float], list[float]]:
    """An independent run of `steps` steps: the parameters then, and the gradients that the
    next step's backward pass gives them (the numbers a RecordedStep at `steps` holds)."""
    model, _ = recorded_run(steps, record=None)
    parameters = model.parameters()
    model.zero_grad()
    hinge(model.forward_batch(RECORD_X), RECORD_Y).backward()
    return [p.data for p in parameters], [p.grad for p in parameters]


@given(steps=st.integers(1, 9), every=st.integers(1, 4))
@settings(max_examples=20)
def test_record_keeps_exact_copies_at_every_kth_step_and_the_last(steps: int,
                                                                    every: int) -> None:
    model, history = recorded_run(steps, record=every)
    assert [r.step for r in history.recorded] == sorted(
        set(range(0, steps, every)) | {steps - 1})
    assert history.parameter_names == [name for name, _ in model.named_parameters()]
    assert history.activations == {"layer0": "tanh", "layer1": "linear"}
    for recorded in history.recorded:
        parameters, gradients = state_after(recorded.step)
        assert recorded.parameters.typecode == "d" and list(recorded.parameters) == parameters
        assert list(recorded.gradients) == gradients
        assert (recorded.loss, recorded.accuracy) == (history.loss[recorded.step],
                                                      history.accuracy[recorded.step])


def test_without_record_nothing_is_kept_and_the_training_is_the_same() -> None:
    plain_model, plain = recorded_run(6, record=None)
    recorded_model, recorded = recorded_run(6, record=1)
    assert plain.recorded == [] and plain.parameter_names == []
    assert recorded.loss == plain.loss and recorded_model.state_dict() == plain_model.state_dict()


def test_the_memory_of_a_recording_is_16_bytes_a_parameter_a_step() -> None:
    _, history = recorded_run(5, record=1)
    count = len(history.parameter_names)
    for recorded in history.recorded:
        numbers = sys.getsizeof(recorded.parameters) + sys.getsizeof(recorded.gradients)
        assert numbers <= 16 * count + 2 * 80  # two arrays: 8 bytes a number, small header


@pytest.mark.parametrize("action, steps_done", [("in the loss", 3), (press_ctrl_c, 4)])
def test_an_interrupted_recording_ends_at_the_last_step_taken(action, steps_done: int,
                                                              capsys) -> None:
    history, model, _ = train_and_interrupt(3, action, steps=8, record=5)
    assert [r.step for r in history.recorded] == [0, steps_done - 1]
    capsys.readouterr()


def test_a_diverged_recording_ends_at_the_last_finite_step() -> None:
    model = MLP(2, [3, 1], seed=5)
    with pytest.raises(TrainingDiverged) as caught:
        fit(model, RECORD_X, RECORD_Y, mse, SGD(model.parameters(), lr=1e150), steps=20,
            progress=False, record=4)
    history = caught.value.history
    assert history.recorded[-1].step == len(history) - 1 == caught.value.step - 1
    assert all(math.isfinite(x) for r in history.recorded for x in r.parameters)


@pytest.mark.parametrize("options, message", [
    ({"record": 0}, r"fit\(record=...\) must be an int >= 1, got 0"),
    ({"record": 2.5}, r"fit\(record=...\) must be an int"),
])
def test_bad_record_values_are_named(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        recorded_run(3, **options)


def test_live_outside_a_notebook_says_so_and_shows_the_progress_lines(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.warns(UserWarning, match="Jupyter notebook only"):
        recorded_run(3, record=None, live=True)
    assert "step 3/3" in capsys.readouterr().err
    with pytest.raises(TypeError, match=r"fit\(live=...\) must be True or False"):
        recorded_run(3, record=None, live="yes")


# ---- the compiled step (fit's default) ---------------------------------------------------------
def spy_on_jit(monkeypatch: pytest.MonkeyPatch) -> list:
    """The compiled steps fit makes, kept to count their traces."""
    made = []

    def keeping(function, *args, **options):
        made.append(nn.train.autograd_jit(function, *args, **options))
        return made[-1]

    monkeypatch.setattr(nn.train, "jit", keeping)
    return made


def test_a_compiled_loss_runs_its_python_only_while_tracing(monkeypatch) -> None:
    compiled = spy_on_jit(monkeypatch)
    calls = []

    def counted(outputs: list[Value], targets: list[float]) -> Value:
        calls.append(1)
        return mse(outputs, targets)

    model = Neuron(1, activation="linear", seed=0)
    history = fit(model, [[1.0], [2.0]], [1.0, -1.0], counted,
                  SGD(model.parameters(), lr=0.1), steps=10, progress=False)
    assert len(history) == 10 and len(calls) == 1 and compiled[0].trace_count == 1
    fit(model, [[1.0], [2.0]], [1.0, -1.0], counted, SGD(model.parameters(), lr=0.1),
        steps=10, progress=False, compile=False)
    assert len(calls) == 11  # the off switch: the loss runs at every step


def cross_entropy_run(compile: bool) -> tuple[MLP, object]:
    X, y = spirals(60, classes=3, seed=1)
    model = MLP(2, [8, 3], seed=2)
    history = fit(model, X, y, cross_entropy, Adam(model.parameters(), lr=0.05), steps=12,
                  batch_size=16, progress=False, compile=compile)
    return model, history


def test_cross_entropy_on_minibatches_traces_once_per_batch_size(monkeypatch) -> None:
    interpreted_model, interpreted = cross_entropy_run(compile=False)
    compiled = spy_on_jit(monkeypatch)
    compiled_model, history = cross_entropy_run(compile=True)
    # batches of 16, 16, 16 and the 12 left over: two shapes, whatever the labels are
    assert compiled[0].trace_count == 2
    assert history.loss == interpreted.loss and history.accuracy == interpreted.accuracy
    assert compiled_model.state_dict() == interpreted_model.state_dict()  # bit for bit


@pytest.mark.parametrize("action, steps_done", [(raise_interrupt, 3), (press_ctrl_c, 4)])
def test_ctrl_c_in_a_compiled_update_is_never_half_a_step(
        action, steps_done: int, monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    compiled = spy_on_jit(monkeypatch)
    model, optimizer = wired_neuron()
    updates = []

    def at_the_fourth_update() -> None:  # b's .data is set once per update
        updates.append(1)
        if len(updates) == 4:
            action()
        else:
            model.b.action = at_the_fourth_update

    model.b.action = at_the_fourth_update
    history = fit(model, [[1.0], [2.0]], [1.0, -1.0], mse, optimizer, steps=6,
                  progress=False)
    assert compiled[0].trace_count == 1  # the steps were replays
    assert history.interrupted_at == steps_done == len(history)
    weights, state = trained_for(steps_done)
    assert model.state_dict() == weights and optimizer.snapshot().state == state
    capsys.readouterr()


def test_a_compiled_step_that_overflows_stops_with_the_weights_from_before(
        monkeypatch) -> None:
    compiled = spy_on_jit(monkeypatch)
    model = Neuron(1, activation="linear", seed=0)
    # step 2's update makes w huge but finite; step 3's forward pass overflows
    optimizer = SGD(model.parameters(), lr=lambda k: 1e200 if k == 2 else 0.01)
    with pytest.raises(TrainingDiverged, match=r"the loss became inf .*at step 3") as caught:
        fit(model, [[3.0]], [1.0], mse, optimizer, steps=6, progress=False)
    assert caught.value.step == 3 and len(caught.value.history) == 3
    assert compiled[0].trace_count == 1
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_a_compiled_update_that_makes_a_parameter_non_finite_is_undone(monkeypatch) -> None:
    compiled = spy_on_jit(monkeypatch)
    model = Neuron(1, activation="linear", seed=0)
    optimizer = SGD(model.parameters(), lr=lambda k: 1e308 if k == 3 else 0.01)
    with pytest.raises(TrainingDiverged, match=r"the update made .* at step 3") as caught:
        fit(model, [[3.0]], [1e10], mse, optimizer, steps=6, progress=False)
    assert compiled[0].trace_count == 1 and len(caught.value.history) == 3
    replay = Neuron(1, activation="linear", seed=0)
    fit(replay, [[3.0]], [1e10], mse, SGD(replay.parameters(), lr=0.01), steps=3,
        progress=False, compile=False)
    assert model.state_dict() == replay.state_dict()  # the step is undone whole


def test_a_bad_class_label_gets_cross_entropys_own_message_on_the_compiled_path() -> None:
    model = MLP(2, [3], seed=0)
    with pytest.raises(ValueError, match=r"cross_entropy: target 3 at position 1 is not a "
                                         r"class index 0 \.\. 2"):
        fit(model, [[0.0, 1.0], [1.0, 0.0]], [0, 3], cross_entropy,
            SGD(model.parameters(), lr=0.1), steps=2, progress=False)
