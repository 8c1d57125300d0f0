"""The training loop, and the helpers to judge a trained model: fit, History, accuracy.

One training step, the same five lines as in every framework:

    outputs = model.forward_batch(batch)     forward: build the graph
    loss = loss_fn(outputs, targets)         one number: how wrong
    optimizer.zero_grad()                    forget the last step's gradients
    loss.backward()                          blame: d loss / d every weight
    optimizer.step()                         move every weight against its blame
"""

from __future__ import annotations

import importlib.util
import math
import random
import sys
import time
import warnings
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd import Value
from autograd.backward import collector_paused
from autograd.jit import TraceError, jit
from autograd.jit import jit as autograd_jit  # noqa: F401 - for tests that spy on jit
from nn.checks import check_int, is_number
from nn.layers import Layer
from nn.losses import ONE_HOT_FORMS, one_hot_rows
from nn.module import Module
from nn.optim import Optimizer, interrupts_held
from nn.outputs import check_rows, number_of

LossFunction = Callable[[list[Any], list[Any]], Value]


@dataclass(frozen=True, slots=True)
class RecordedStep:
    """The network at one recorded step (fit(..., record=k)): what viz.training_view shows.

    step: the step's index in the History (history.loss[step] is its loss).
    parameters: every parameter's number as that step's forward pass used it (before the
        step's update), in the order of history.parameter_names: exact copies.
    gradients: d loss / d parameter from that step's backward pass, in the same order.
    loss, accuracy: the step's, as in history.loss and history.accuracy.
    """

    step: int
    parameters: array  # array('d'): 8 bytes a number, no Value or dict per parameter
    gradients: array
    loss: float
    accuracy: float


@dataclass
class History:
    """What happened at each training step, one list entry per step.

    loss: the batch loss before the step's update; accuracy: the fraction of the batch
    classified right by those same outputs; lr: the learning rate the step used;
    seconds: the wall-clock time of the step (forward, backward and update).

    With fit(..., record=k) it also keeps `recorded`, one RecordedStep every k steps, and
    what viz needs to draw them without importing nn:
    parameter_names: the dotted names of named_parameters(), "layer0.neuron3.w1" (weight 1
        of neuron 3 of layer 0, reading input 1 of the layer) and "layer0.neuron3.b";
    activations: each layer's activation by its name, {"layer0": "relu", "layer1": "linear"};
    threshold: the score above which a single output means the positive class.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    # The step that a Ctrl-C stopped fit at (the first step not taken), or None.
    interrupted_at: int | None = None
    recorded: list[RecordedStep] = field(default_factory=list)
    parameter_names: list[str] = field(default_factory=list)
    activations: dict[str, str] = field(default_factory=dict)
    threshold: float = 0.0

    def __len__(self) -> int:
        return len(self.loss)

    @property
    def interrupted(self) -> bool:
        """True when Ctrl-C (KeyboardInterrupt) stopped fit before all its steps were done."""
        return self.interrupted_at is not None

    def record(self, loss: float, accuracy: float, lr: float, seconds: float) -> None:
        """Add one step's entry to each list."""
        self.loss.append(loss)
        self.accuracy.append(accuracy)
        self.lr.append(lr)
        self.seconds.append(seconds)


class TrainingDiverged(FloatingPointError):
    """The loss, a gradient or a parameter became NaN or infinite at `step`.

    history: every step before it. parameter: the name of the parameter whose gradient or
    new value was not finite (None when it was the loss); value: that number.
    """

    def __init__(self, message: str, step: int, history: History,
                 parameter: str | None = None, value: float | None = None) -> None:
        super().__init__(message)
        self.step = step
        self.history = history
        self.parameter = parameter
        self.value = value


def fit(model: Module, X: Sequence[Sequence[Any]], y: Sequence[Any], loss: LossFunction,
        optimizer: Optimizer, steps: int, batch_size: int | None = None,
        progress: bool = True, seed: int = 0, threshold: float | None = None,
        record: int | None = None, live: bool = False, compile: bool = True) -> History:
    """Train model on (X, y) for `steps` optimizer steps and return the History.

    loss: a function (outputs, targets) -> Value, e.g. nn.losses.hinge, or a lambda
        that adds a penalty: lambda out, t: hinge(out, t) + 1e-4 * l2(model.parameters()).
    batch_size: None uses all of X at every step (full batch). Otherwise each step takes
        the next batch_size rows of a shuffled order, reshuffled (with random.Random(seed))
        each time the data runs out.
    progress: show the step, loss and accuracy as training goes: a tqdm bar in a terminal,
        tqdm's notebook bar in Jupyter when ipywidgets is installed, and otherwise (output
        to a file or a pipe, CI, Jupyter without ipywidgets) about ten plain lines such as
        "step 200/2000 loss 0.1234 accuracy 95%": a bar redrawn in place there would
        leave one long line full of carriage returns.
    threshold: the decision boundary for accuracy on single-output models; by default 0.5
        for a sigmoid output (a probability) and 0 for anything else (a score or logit).
    record: k keeps a RecordedStep in history.recorded at every step whose index is a
        multiple of k (0, k, 2k, ...) and at the last step taken (also when Ctrl-C or a
        divergence stops training): every parameter's number and gradient at that step,
        for viz.training_view to replay. Memory: 16 bytes per parameter per recorded step
        (two array('d')), plus about 340 bytes per step: 100 steps with record=1 keep
        0.57 MB for MLP(2, [16, 16, 1]) (337 parameters) and 3.9 MB for MLP(64, [32, 10])
        (2,410 parameters). None (the default) records nothing and costs nothing.
    live: in a Jupyter notebook, draw the loss curve (and, for a two-input model with one
        output, its decision boundary) in the cell's output and redraw it in place as
        training goes (nn/live.py), instead of the progress bar. Elsewhere it warns that it
        needs a notebook and shows the progress lines.
    compile: True (the default) records the step's graph once with autograd.jit and
        replays it on plain floats at later steps: the same numbers, bit for bit, several
        times faster. As with jax.jit, your Python in the loss function runs only while a
        step is traced: a print or any other side effect in it (counting calls, raising at
        a given step) happens at the traced steps only, usually once. A new batch size is
        a new trace (a minibatch run has two: full batches and the last, smaller one);
        cross_entropy's class labels are passed as one-hot rows (cross_entropy_one_hot),
        so new labels need no new trace. Steps whose graph keeps changing (a loss that
        reads a Value's number) fall back to building the graph each step, as do losses
        jit cannot replay. False builds the graph at every step: the interpreted path a
        learner reads, and the one to use when the loss function must run at every step.

    Nothing non-finite is hidden. Rows of X or targets holding NaN or infinity are refused
    with a ValueError before training starts. During training, each step checks the loss,
    then every gradient (before the update), then every parameter (after it): the first
    that is NaN or infinite stops training with TrainingDiverged, naming the step, the
    parameter and the value. The model and the optimizer's state are then exactly as they
    were before that step: an update that made a parameter non-finite is undone.

    Ctrl-C (KeyboardInterrupt) stops training cleanly, as in Keras and Lightning: fit
    returns the History so far with history.interrupted True and history.interrupted_at
    the first step not taken. A step is never half-applied: an interrupt that comes during
    the forward or backward pass drops that step (nothing was changed yet), and one that
    comes during the update is held until the update and its History entry are complete.
    So the model, the optimizer's state and the History always agree on how many steps
    were taken: len(history) == interrupted_at.
    """
    _check_data(X, y)
    check_int(steps, "fit(steps=...)", least=0)
    if batch_size is not None and check_int(batch_size, "fit(batch_size=...)") > len(X):
        raise ValueError(f"fit(batch_size=...) is {batch_size}, more rows than X has "
                         f"({len(X)}); use batch_size=None for full batches")
    if not callable(loss):
        raise TypeError(f"fit(loss=...) must be a function (outputs, targets) -> Value, "
                        f"e.g. nn.losses.hinge; got {type(loss).__name__}")
    if threshold is None:
        threshold = default_threshold(model)
    names = _parameter_names(model, optimizer)
    batches = _batches(len(X), batch_size, random.Random(seed))
    history = History(threshold=threshold)
    recorder = _Recorder(model, history, record) if record is not None else None
    shown = _display(model, X, y, steps, threshold, progress, live)
    compiled = _CompiledStep(model, loss) if _check_bool(compile, "fit(compile=...)") else None
    try:
        for step in range(steps):
            indices = next(batches)
            start = time.perf_counter()
            # Blameflow's graphs hold no reference cycles and are freed by reference
            # counting, so the cyclic garbage collector, woken again and again by the
            # thousands of new nodes, would only re-scan the live graph and find nothing
            # to free. Pausing it makes a step much faster (measured in benchmarks/moons.py).
            with collector_paused():
                targets = [y[i] for i in indices]
                outputs, loss_value = _forward(model, [X[i] for i in indices], targets, loss,
                                               step, history, compiled)
                current_loss = loss_value.data
                current_accuracy = accuracy(outputs, targets, threshold)
                lr = optimizer.learning_rate()
                optimizer.zero_grad()
                loss_value.backward()
                _check_gradients(optimizer, names, step, history)
                # Free this step's graph now; otherwise it would live on until the next
                # step's forward pass is done, doubling the memory a step needs.
                del outputs, loss_value
                if recorder is not None:  # the parameters before the update, the gradients
                    recorder.copy_parameters()
                with interrupts_held():  # the update and its record: both or neither
                    _step_or_undo(optimizer, names, step, history)
                    history.record(current_loss, current_accuracy, lr,
                                   time.perf_counter() - start)
                    if recorder is not None:
                        recorder.keep(step, current_loss, current_accuracy)
            if shown is not None:
                shown.step_done(current_loss, current_accuracy)
    except KeyboardInterrupt:
        history.interrupted_at = len(history)
    finally:
        if recorder is not None:
            recorder.finish()
        if shown is not None:
            shown.close()
    if history.interrupted:
        print(f"fit: interrupted after {len(history)} of {steps} steps; returning the History "
              f"so far (history.interrupted is True)", file=sys.stderr)
    return history


def accuracy(outputs: Sequence[Any], targets: Sequence[Any], threshold: float = 0.0) -> float:
    """The fraction of outputs whose predicted class equals the target.

    Single outputs (binary classification): the prediction is the positive class when
    output > threshold. Use 0 for scores and logits (a logit of 0 is a probability of
    1/2; a hinge score's sign is its class) and 0.5 for probabilities. The positive class
    is target 1; class 0 or -1 is the negative one, so 0/1 and -1/+1 labels both work.
    Lists of outputs (one score per class): the prediction is the index of the largest.
    """
    if len(outputs) != len(targets):
        raise ValueError(f"accuracy: {len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError("accuracy of no predictions is undefined; pass at least one")
    correct = 0
    for out, target in zip(outputs, targets):
        if isinstance(out, (list, tuple)):
            scores = [number_of(o) for o in out]
            correct += scores.index(max(scores)) == target
        else:
            correct += (number_of(out) > threshold) == (target > 0)
    return correct / len(outputs)


def default_threshold(model: Module) -> float:
    """0.5 when the model ends in a sigmoid (its output is a probability), else 0."""
    return 0.5 if model.final_activation == "sigmoid" else 0.0


# ---- pieces of fit ----------------------------------------------------------------------------
def _batches(n: int, batch_size: int | None, rng: random.Random) -> Iterator[list[int]]:
    """Row indices for each step, forever: all rows, or shuffled batches (the last may be
    smaller, as in PyTorch's DataLoader), reshuffled each time every row has been used."""
    order = list(range(n))
    if batch_size is None:
        while True:
            yield order
    while True:
        rng.shuffle(order)
        for first in range(0, n, batch_size):
            yield order[first:first + batch_size]


def _forward(model: Module, rows: list[Any], targets: list[Any], loss: LossFunction, step: int,
             history: History, compiled: _CompiledStep | None = None) -> tuple[list[Any], Any]:
    """The model's outputs for rows and their loss; TrainingDiverged if it is not finite.

    With a compiled step that is still in use, its replay gives the loss (a Replayed, with
    .data and backward()) and the outputs' numbers.
    """
    try:
        if compiled is not None and compiled.in_use:
            outputs, loss_value = compiled(rows, targets)
        else:
            outputs = model.forward_batch(rows)
            loss_value = _checked_loss(loss(outputs, targets))
    except OverflowError as error:
        # The engine refuses to make an infinite float (e.g. x ** 2 of a huge x): the
        # same divergence as an inf loss, caught one op earlier.
        raise _diverged(step, f"the loss became inf ({error})", history,
                        value=math.inf) from error
    if not math.isfinite(loss_value.data):
        raise _diverged(step, f"the loss became {loss_value.data}", history,
                        value=loss_value.data)
    return outputs, loss_value


def _checked_loss(loss_value: Any) -> Value:
    if not isinstance(loss_value, Value):
        raise TypeError(f"the loss function returned a {type(loss_value).__name__}; it must "
                        f"return a Value so that backward() can run")
    return loss_value


class _CompiledStep:
    """fit's forward pass and loss through autograd.jit, while it pays.

    The first call traces; later calls replay. A step whose graph differs from every
    trace so far (a new batch size, a guard that flips) traces again; after
    RETRACES_IN_A_ROW of those in a row, or a loss jit cannot replay (TraceError), fit
    goes back to building the graph each step. A loss with a one-hot form
    (ONE_HOT_FORMS: cross_entropy) gets its class labels as one-hot rows, numbers that a
    replay reads, rather than as indices, which would make every batch's labels a trace.
    """

    RETRACES_IN_A_ROW = 3

    def __init__(self, model: Module, loss: LossFunction) -> None:
        self.model = model
        self.loss = loss
        self.one_hot_form = next((form for by_index, form in ONE_HOT_FORMS.items()
                                  if by_index is loss), None)
        self.classes: int | None = None
        self.step = jit(self.forward_and_loss)
        self.in_use = True
        self.retraces = 0

    def forward_and_loss(self, rows: list[Any], targets: list[Any]) -> tuple[Value, list]:
        outputs = self.model.forward_batch(rows)
        loss = self.loss if self.classes is None else self.one_hot_form
        return _checked_loss(loss(outputs, targets)), outputs

    def __call__(self, rows: list[Any], targets: list[Any]) -> tuple[list[Any], Any]:
        traced_before = self.step.trace_count
        try:
            loss_value, outputs = self.step(rows, self.traced_targets(rows, targets))
        except (TraceError, _NotOneHot):
            self.in_use = False
            outputs = self.model.forward_batch(rows)
            return outputs, _checked_loss(self.loss(outputs, targets))
        retraced = traced_before and self.step.trace_count > traced_before
        self.retraces = self.retraces + 1 if retraced else 0
        if self.retraces >= self.RETRACES_IN_A_ROW:
            self.in_use = False
        return outputs, loss_value

    def traced_targets(self, rows: list[Any], targets: list[Any]) -> list[Any]:
        """targets as the traced loss takes them: one-hot rows for a loss with a one-hot
        form (_NotOneHot if they are not class indices of the model's outputs)."""
        if self.one_hot_form is None:
            return targets
        if self.classes is None:
            scores = self.model.forward_batch(rows[:1])[0]  # how many classes: ask the model
            if not isinstance(scores, list):
                raise _NotOneHot  # the loss itself says what is wrong
            self.classes = len(scores)
        try:
            return one_hot_rows(targets, self.classes)
        except ValueError:
            raise _NotOneHot from None


class _NotOneHot(Exception):
    """The targets are not class indices that one-hot rows could stand for."""


def _parameter_names(model: Module, optimizer: Optimizer) -> list[str]:
    """A name for each of the optimizer's parameters, for messages: its dotted name in the
    model ("layer0.neuron3.w1"), else its label, else its place in the optimizer's list."""
    dotted = {id(p): name for name, p in model.named_parameters()}
    return [dotted.get(id(p)) or p.label or f"optimizer parameter {i}"
            for i, p in enumerate(optimizer.params)]


def _first_non_finite(numbers: Iterable[float]) -> int | None:
    """The index of the first NaN or infinity in numbers, or None if all are finite."""
    for i, x in enumerate(numbers):
        if not math.isfinite(x):
            return i
    return None


def _check_gradients(optimizer: Optimizer, names: list[str], step: int,
                     history: History) -> None:
    """TrainingDiverged if a gradient is not finite: the update would spread it."""
    bad = _first_non_finite(p.grad for p in optimizer.params)
    if bad is not None:
        value = optimizer.params[bad].grad
        raise _diverged(step, f"the gradient of {names[bad]!r} became {value}", history,
                        names[bad], value)


def _step_or_undo(optimizer: Optimizer, names: list[str], step: int,
                  history: History) -> None:
    """optimizer.step(); if it made a parameter non-finite (finite gradients can still
    overflow, e.g. a huge learning rate), undo it whole and raise TrainingDiverged."""
    before = optimizer.snapshot()
    optimizer.step()
    bad = _first_non_finite(p.data for p in optimizer.params)
    if bad is not None:
        value = optimizer.params[bad].data
        optimizer.restore(before)
        raise _diverged(step, f"the update made {names[bad]!r} {value} (its gradient was "
                              f"{optimizer.params[bad].grad:.6g})", history, names[bad], value)


def _diverged(step: int, what: str, history: History, parameter: str | None = None,
              value: float | None = None) -> TrainingDiverged:
    """The error for step `step`, where `what` ("the loss became nan") went wrong."""
    kept = (f"the model keeps the weights from before step {step}. A smaller learning rate "
            f"usually helps")
    if history.loss:
        before = f"the last finite loss was {history.loss[-1]:.6g} at step {step - 1}; {kept}"
    elif parameter is None:
        before = ("there was no finite loss before it, so the cause is not training: check "
                  "the data and the loss function")
    else:
        before = kept
    return TrainingDiverged(f"{what} at step {step}: {before}.", step, history, parameter,
                            value)


class _Recorder:
    """Keeps history.recorded for fit(..., record=every).

    Each step's numbers are copied before its update (copy_parameters) but kept only once
    the step is complete (keep): a step undone by a divergence or dropped by Ctrl-C leaves
    no record. The last complete step is kept by finish() even when it is not a multiple
    of `every`, so the recording always ends where training ended.
    """

    def __init__(self, model: Module, history: History, every: int) -> None:
        check_int(every, "fit(record=...)")
        named = list(model.named_parameters())
        self.parameters = [parameter for _, parameter in named]
        self.every = every
        self.history = history
        self.copied: tuple[array, array] | None = None
        self.held: RecordedStep | None = None  # the last complete step, not yet kept
        history.parameter_names = [name for name, _ in named]
        history.activations = {name: child.activation for name, child in model.named_children()
                                if isinstance(child, Layer)}

    def copy_parameters(self) -> None:
        self.copied = (array("d", [p.data for p in self.parameters]),
                       array("d", [p.grad for p in self.parameters]))

    def keep(self, step: int, loss: float, accuracy: float) -> None:
        recorded = RecordedStep(step, *self.copied, loss, accuracy)
        if step % self.every == 0:
            self.history.recorded.append(recorded)
            self.held = None
        else:
            self.held = recorded

    def finish(self) -> None:
        if self.held is not None:
            self.history.recorded.append(self.held)
            self.held = None


def _display(model: Module, X: Sequence[Sequence[Any]], y: Sequence[Any], steps: int,
             threshold: float, progress: bool, live: bool) -> Any:
    """What shows fit's progress: the live picture (live=True in a notebook), the progress
    bar or lines (progress=True), or nothing."""
    _check_bool(live, "fit(live=...)")
    if live:
        from nn import live as live_display  # IPython is needed only here

        if live_display.in_notebook():
            return live_display.LiveTraining(model, X, y, steps, threshold)
        warnings.warn("fit(live=True) redraws its picture in a Jupyter notebook only; here "
                      "it shows the progress lines instead (or use viz.training_view on a "
                      "fit(..., record=1) History to watch it afterwards)", stacklevel=3)
        return _progress_display(steps)
    return _progress_display(steps) if progress else None


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def _progress_display(steps: int) -> _ProgressBar | _ProgressLines:
    """The way fit shows its progress here: see fit's `progress` argument."""
    if "ipykernel.zmqshell" in sys.modules and importlib.util.find_spec("ipywidgets"):
        from tqdm.auto import tqdm  # in Jupyter: the notebook widget

        return _ProgressBar(tqdm, steps)
    if _is_terminal(sys.stderr):
        from tqdm import tqdm  # imported here: only a progress bar needs it

        return _ProgressBar(tqdm, steps)
    return _ProgressLines(steps)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class _ProgressBar:
    """A tqdm bar: one redrawn line in a terminal, a widget in a notebook."""

    def __init__(self, tqdm: Any, steps: int) -> None:
        self.bar = tqdm(total=steps, desc="training", unit="step")

    def step_done(self, loss: float, accuracy: float) -> None:
        self.bar.set_postfix(loss=f"{loss:.4f}", accuracy=f"{accuracy:.0%}", refresh=False)
        self.bar.update()

    def close(self) -> None:
        self.bar.close()


class _ProgressLines:
    """About ten whole lines per run, on stderr, for output that is kept (a log file, CI)
    rather than watched: every ceil(steps / 10)-th step and the last one."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.every = max(1, math.ceil(steps / 10))
        self.done = 0

    def step_done(self, loss: float, accuracy: float) -> None:
        self.done += 1
        if self.done % self.every == 0 or self.done == self.steps:
            print(f"step {self.done}/{self.steps} loss {loss:.4g} accuracy {accuracy:.0%}",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        """Nothing to clean up: each line was complete when printed."""


def _check_data(X: Any, y: Any) -> None:
    check_rows(X, "fit")
    if isinstance(y, (str, bytes)) or not isinstance(y, Sequence):
        raise TypeError(f"fit: y must be a list of targets, one per row, got "
                        f"{type(y).__name__}")
    if len(X) != len(y):
        raise ValueError(f"fit: {len(X)} input rows but {len(y)} targets; they must pair up")
    for i, row in enumerate(X):
        column = _non_finite_column(row)
        if column is not None:
            raise ValueError(f"fit: row {i} of X holds {number_of(row[column])} in column "
                             f"{column}; {_NAN_ADVICE.format('row')}")
    for i, target in enumerate(y):
        if _non_finite_column(target if isinstance(target, Sequence) else [target]) is not None:
            raise ValueError(f"fit: target {i} (y[{i}]) is {target!r:.60}; "
                             f"{_NAN_ADVICE.format('row and its target')}")


# One NaN input makes the loss and every gradient of its batch NaN: training learns nothing.
_NAN_ADVICE = ("NaN or infinity would make the loss NaN. Drop that {}, or fill in the gap "
               "(e.g. with the column's mean) before calling fit")


def _non_finite_column(row: Any) -> int | None:
    """The first column of row holding NaN or infinity (as a number or a Value's number)."""
    if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
        return None  # not a row of numbers: the model's own check says what it accepts
    for column, x in enumerate(row):
        if (is_number(x) or isinstance(x, Value)) and not math.isfinite(number_of(x)):
            return column
    return None
