"""Lesson 2: the same neuron, trained with real gradients.

Gradient descent repeats four steps: forward (compute the loss), zero the old gradients,
backward (fill in d loss/d w and d loss/d b), update (w <- w - lr * d loss/d w). Here
each of them is one line you can read, with the gradients computed, not made up.

Run: python -m demos.training_loop   (or: blameflow lesson training_loop)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autograd import Value
from demos.neuron import TARGET, B, W, X
from demos.pictures import Pictures

EPOCHS = 30
LEARNING_RATES = (0.1, 1.0, 10.0)


def descend(loss: Value, parameters: Sequence[Value], lr: float) -> None:
    """One step of gradient descent on the parameters, after the forward pass made loss."""
    for p in parameters:
        p.grad = 0.0                       # zero: leaves accumulate otherwise
    loss.backward()                        # backward: the real d loss/d p for every p
    for p in parameters:
        p.data -= lr * p.grad              # update: plain floats, so no graph is built


def train(lr: float, epochs: int = EPOCHS) -> tuple[list[float], Value, Value]:
    """Train w and b of the lesson-1 neuron; return the loss at every epoch and w, b."""
    w = Value(W, "w", kind="parameter")
    b = Value(B, "b", kind="parameter")
    losses = []
    for _ in range(epochs):
        loss = ((X * w + b).sigmoid() - TARGET) ** 2   # forward
        losses.append(loss.data)
        descend(loss, (w, b), lr)                      # zero, backward, update
    return losses, w, b


def run(out: Path | None = None) -> dict[str, Any]:
    """Print the lesson, save the loss curve under out; return the key numbers and files."""
    pictures = Pictures(out)
    print("Lesson 2 - a training loop with real gradients")
    losses, w, b = train(lr=1.0)
    print(f"  lr = 1.0, {EPOCHS} epochs: loss per epoch")
    for epoch in (0, 1, 2, 5, 10, 20, EPOCHS - 1):
        print(f"    epoch {epoch:>2}: loss {losses[epoch]:.6f}")
    print(f"  w went {W} -> {w.data:.4f}, b went {B} -> {b.data:.4f}")
    print("  What the learning rate does (final loss after the same number of epochs):")
    finals = {}
    for lr in LEARNING_RATES:
        finals[lr] = train(lr)[0][-1]
        print(f"    lr {lr:>5}: final loss {finals[lr]:.6f}")
    print("  Too small creeps; larger moves faster here, because the sigmoid flattens out")
    print("  near the target and the steps shrink with the gradient.")
    pictures.history({"loss": losses}, "loss.png")
    return {"losses": losses, "final_losses": finals, "w": w.data, "b": b.data,
            "files": pictures.written}


if __name__ == "__main__":
    run(Path("out") / "training_loop")
