"""Lesson 2: the same neuron, trained with real gradients, and what the learning rate does.

Gradient descent repeats four steps: forward (compute the loss), zero the old gradients,
backward (fill in d loss/d w and d loss/d b), update (w <- w - lr × d loss/d w). Here
each of them is one line you can read, with the gradients computed, not made up.

The target is 0.8, a value the sigmoid can reach: it reaches 1 only at z = infinity, so
with lesson 1's target of 1 there is no best w to overshoot, and a bigger learning rate
would always look better. With a reachable target the four classic behaviours show:
too small creeps, about right converges, too large overshoots and bounces, and far too
large throws the neuron into the flat tail of the sigmoid, where the gradient is almost
0, so it stays stuck at a worse loss than it started from.

Run: python -m demos.training_loop   (or: blameflow lesson training_loop)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autograd import Value
from demos.neuron import B, W, X
from demos.pictures import Pictures

TARGET = 0.8
EPOCHS = 30
LEARNING_RATE = 1.0
# What each learning rate shows with this neuron and target (see the module docstring).
LEARNING_RATES = {0.3: "creeps", 1.0: "converges", 10.0: "overshoots: bounces",
                  50.0: "diverges: stuck"}


def descend(loss: Value, parameters: Sequence[Value], lr: float) -> None:
    """One step of gradient descent on the parameters, after the forward pass made loss."""
    for p in parameters:
        p.grad = 0.0                       # zero: leaves accumulate otherwise
    loss.backward()                        # backward: the real d loss/d p for every p
    for p in parameters:
        p.data -= lr * p.grad              # update: plain floats, so no graph is built


def train(lr: float, epochs: int = EPOCHS) -> tuple[list[float], Value, Value]:
    """Train w and b of the lesson-1 neuron towards TARGET; return the loss at every
    epoch (before that epoch's step) and w, b."""
    w = Value(W, "w", kind="parameter")
    b = Value(B, "b", kind="parameter")
    losses = []
    for _ in range(epochs):
        loss = ((X * w + b).sigmoid() - TARGET) ** 2   # forward
        losses.append(loss.data)
        descend(loss, (w, b), lr)                      # zero, backward, update
    return losses, w, b


def run(out: Path | None = None, quick: bool = False) -> dict[str, Any]:
    """Print the lesson, save the loss curves under out; return the key numbers and files.

    quick=True (blameflow tour --quick, for tests) changes nothing here: the lesson is quick.
    """
    pictures = Pictures(out)
    print("Lesson 2 - a training loop with real gradients")
    print(f"  the neuron of lesson 1, now learning to output {TARGET} (a sigmoid reaches 1")
    print("  only at infinity, so a target it can reach shows more)")
    losses, w, b = train(LEARNING_RATE)
    print(f"  lr = {LEARNING_RATE}, {EPOCHS} epochs: loss per epoch")
    for epoch in (0, 1, 2, 5, 10, 20, EPOCHS - 1):
        print(f"    epoch {epoch:>2}: loss {losses[epoch]:.6g}")
    print(f"  w went {W} -> {w.data:.4f}, b went {B} -> {b.data:.4f}")
    print(f"  What the learning rate does: every run starts at loss {losses[0]:.4f}; then")
    print(f"  the loss after steps 1, 2, 3 ... and {EPOCHS - 1}:")
    runs = {lr: train(lr)[0] for lr in LEARNING_RATES}
    for lr, run_losses in runs.items():
        first = ", ".join(f"{loss:.4f}" for loss in run_losses[1:4])
        print(f"    lr {lr:>4}: {first} ... {run_losses[-1]:.2e}  {LEARNING_RATES[lr]}")
    print(f"  Too small creeps. Too large overshoots: a jumps past {TARGET} and back, so the")
    print("  loss goes up and down and never settles. Far too large, one step throws z so")
    print("  far that the sigmoid is flat there: its slope, and so the gradient, is almost 0,")
    print("  and the neuron is stuck at a worse loss than it started with. (In a network")
    print("  without a sigmoid to hold it in, the loss would grow to infinity instead.)")
    pictures.curves({f"lr {lr:g}: {what}": runs[lr] for lr, what in LEARNING_RATES.items()},
                    "loss.png", title=f"the same neuron, four learning rates (target {TARGET})",
                    notes={f"lr {lr:g}: {what}": "stuck: the sigmoid is flat here"
                           for lr, what in LEARNING_RATES.items() if what.endswith("stuck")})
    return {"losses": losses, "runs": runs, "final_losses": {lr: r[-1] for lr, r in runs.items()},
            "w": w.data, "b": b.data, "files": pictures.written}


if __name__ == "__main__":
    run(Path("out") / "training_loop")
