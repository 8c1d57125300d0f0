"""Lesson 2: the same neuron, trained with real gradients, and what the learning rate does.

Gradient descent repeats four steps: forward (compute the loss), zero the old gradients,
backward (fill in d loss/d w and d loss/d b), update (w <- w - lr × d loss/d w). Here
each of them is one line you can read, with the gradients computed, not made up.

The target is 0.8, a value the sigmoid can reach: it reaches 1 only at z = infinity, so
with lesson 1's target of 1 there is no best w to overshoot, and a bigger learning rate
would always look better. With a reachable target the four classic behaviours show:
too small creeps, about right converges, too large overshoots and bounces, and far too
large throws the neuron into the flat tail of the sigmoid, where the gradient is almost
0, so it stays stuck at a worse loss than it started from: it diverges.

The course's task, change the learning rate and the weights and observe the loss:

    blameflow lesson training_loop --lr 0.05 --epochs 50 --w 0.4 --b 0.1
    blameflow lesson training_loop --lr 0.1 1 10     one run each, compared on one page

Run: python -m demos.training_loop   (or: blameflow lesson training_loop)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autograd import Value
from demos.neuron import B, W, X
from demos.options import number, positive_number, whole_number_up_to
from demos.pictures import Pictures
from nn import MLP, SGD, History, fit, mse

TARGET = 0.8
EPOCHS = 30
# Compared when no --lr is given: too small, about right, too large, far too large.
LEARNING_RATES = (0.3, 1.0, 10.0, 50.0)
MOST_EPOCHS = 100_000
SHOWN_EPOCHS = (0, 1, 2, 3, 5, 10, 20)  # and the last: the rows of the printed table
SETTLED = 1e-4  # a run has settled when its loss fell below this fraction of the start
PAGE_FRAMES = 200  # steps recorded for the training page, at most (evenly spread)


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options of `blameflow lesson training_loop`: the course's task."""
    parser.add_argument(
        "--lr", type=positive_number, nargs="+", default=list(LEARNING_RATES),
        metavar="RATE", help="the learning rate: how far each step moves w and b against "
        "their gradient. Too small creeps, about right converges, too large overshoots and "
        "the loss bounces, far too large diverges. Several values train one run each and "
        "write one page comparing them (default: 0.3 1 10 50)")
    parser.add_argument(
        "--epochs", type=whole_number_up_to(MOST_EPOCHS), default=EPOCHS,
        help=f"how many steps of gradient descent (one example, so one step per epoch): a "
             f"small learning rate needs more of them (default {EPOCHS})")
    parser.add_argument(
        "--w", type=number, default=W, help=f"the weight to start from: the same learning "
        f"rate can converge from one start and stall from another, where the sigmoid is "
        f"flat (default {W})")
    parser.add_argument("--b", type=number, default=B, help=f"the bias to start from: it "
                        f"shifts z = x × w + b, and so where on the sigmoid the neuron starts "
                        f"(default {B})")


def descend(loss: Value, parameters: Sequence[Value], lr: float) -> None:
    """One step of gradient descent on the parameters, after the forward pass made loss."""
    for p in parameters:
        p.grad = 0.0                       # zero: leaves accumulate otherwise
    loss.backward()                        # backward: the real d loss/d p for every p
    for p in parameters:
        p.data -= lr * p.grad              # update: plain floats, so no graph is built


def train(lr: float, epochs: int = EPOCHS, w: float = W,
          b: float = B) -> tuple[list[float], float, float]:
    """Train w and b of the lesson-1 neuron towards TARGET; return the loss at every
    epoch (before that epoch's step) and the final w and b."""
    w_value = Value(w, "w", kind="parameter")
    b_value = Value(b, "b", kind="parameter")
    losses = []
    for _ in range(epochs):
        loss = ((X * w_value + b_value).sigmoid() - TARGET) ** 2   # forward
        losses.append(loss.data)
        descend(loss, (w_value, b_value), lr)                      # zero, backward, update
    return losses, w_value.data, b_value.data


def record(lr: float, epochs: int = EPOCHS, w: float = W, b: float = B) -> History:
    """The same training run by nn.fit, recorded for the training page.

    The neuron is an MLP(1, [1]) with a sigmoid output (so the page can draw it) and the
    loss is mse, which for one example is (a - TARGET)^2: the numbers are train()'s.
    """
    model = MLP(1, [1], output_activation="sigmoid")
    weight, bias = model.parameters()
    weight.data, bias.data = w, b
    return fit(model, [[X]], [TARGET], mse, SGD(model.parameters(), lr=lr), steps=epochs,
               progress=False, record=max(1, epochs // PAGE_FRAMES))


def verdict(losses: Sequence[float]) -> str:
    """What a loss curve shows, in words: the behaviours of the module docstring."""
    rises = sum(later > earlier for earlier, later in zip(losses, losses[1:]))
    settled = losses[-1] < SETTLED * losses[0]
    if losses[-1] > losses[0]:
        stuck = max(losses[-5:]) - min(losses[-5:]) < 1e-6
        return "diverges: ends worse than it started" + (", stuck" if stuck else "")
    if rises:
        return "overshoots, then settles" if settled else "overshoots: the loss bounces"
    return "converges" if settled else "creeps: still going down"


def run(out: Path | None = None, quick: bool = False, lr: Sequence[float] = LEARNING_RATES,
        epochs: int = EPOCHS, w: float = W, b: float = B) -> dict[str, Any]:
    """Print the lesson, save the loss curves and the training page under out; return the
    key numbers and files.

    lr: one run per learning rate; epochs, w, b: the steps and where they start.
    quick=True (blameflow tour --quick, for tests) changes nothing here: the lesson is quick.
    """
    pictures = Pictures(out)
    rates = list(dict.fromkeys(lr))  # a rate given twice is one run
    print("Lesson 2 - a training loop with real gradients")
    print(f"  the neuron of lesson 1, a = sigmoid(x × w + b) with x = {X}, now learning to")
    print(f"  output {TARGET} (a sigmoid reaches 1 only at infinity, so a target it can reach")
    print(f"  shows more). Start: w = {w:g}, b = {b:g}; {epochs} epochs of forward, zero,")
    print("  backward, update. The loss at the start of each epoch:")
    runs = {rate: train(rate, epochs, w, b) for rate in rates}
    print_loss_table({f"lr {rate:g}": losses for rate, (losses, _, _) in runs.items()})
    verdicts = {rate: verdict(losses) for rate, (losses, _, _) in runs.items()}
    for rate, (_, w_end, b_end) in runs.items():
        print(f"  lr {rate:g}: {verdicts[rate]}; w went {w:g} -> {w_end:.4f}, "
              f"b went {b:g} -> {b_end:.4f}")
    print(f"  Too small creeps. Too large overshoots: a jumps past {TARGET} and back, so the")
    print("  loss goes up and down. Far too large, one step throws z so far that the sigmoid")
    print("  is flat there: its slope, and so the gradient, is almost 0, and the neuron is")
    print("  stuck at a worse loss than it started with. (In a network without a sigmoid to")
    print("  hold it in, the loss would grow to infinity instead.)")
    # The legend names each curve by its verdict's first words: "lr 10: overshoots".
    names = {rate: f"lr {rate:g}: {verdicts[rate].split(':')[0]}" for rate in rates}
    pictures.curves({names[rate]: runs[rate][0] for rate in rates}, "loss.png",
                    title=f"the same neuron, {_count(rates)} (target {TARGET})",
                    notes={names[rate]: "stuck: the sigmoid is flat here" for rate in rates
                           if verdicts[rate].endswith("stuck")})
    histories = {f"lr {rate:g}": record(rate, epochs, w, b) for rate in rates}
    # The one sample, so the page draws the neuron's output as a curve over x with the
    # target; a target of 0.8 tells the page this is a regression (no accuracy curve).
    page = pictures.training_view(histories, "training.html", X=[[X]], y=[TARGET])
    if page is not None:
        print(f"  Step through {'the runs side by side' if len(rates) > 1 else 'the run'}, "
              f"weights and gradients: open {page}")
    return {"runs": {rate: losses for rate, (losses, _, _) in runs.items()},
            "final_losses": {rate: losses[-1] for rate, (losses, _, _) in runs.items()},
            "weights": {rate: (w_end, b_end) for rate, (_, w_end, b_end) in runs.items()},
            "verdicts": verdicts, "histories": histories, "files": pictures.written}


def _count(rates: list[float]) -> str:
    return "one learning rate" if len(rates) == 1 else f"{len(rates)} learning rates"


def print_loss_table(runs: dict[str, Sequence[float]]) -> None:
    """The loss of each run ({name: loss per epoch}) as it changes: one row per epoch of
    SHOWN_EPOCHS and the last, one column per run."""
    epochs = len(next(iter(runs.values())))
    shown = [epoch for epoch in SHOWN_EPOCHS if epoch < epochs - 1] + [epochs - 1]
    width = max(12, *(len(name) + 2 for name in runs))
    print("    epoch" + "".join(f"{name:>{width}}" for name in runs))
    for epoch in shown:
        print(f"    {epoch:>5}" + "".join(f"{losses[epoch]:>{width}.4g}"
                                          for losses in runs.values()))


if __name__ == "__main__":
    run(Path("out") / "training_loop")
