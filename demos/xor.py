"""Lesson 4: XOR. One neuron cannot learn it; one hidden layer can.

XOR's positive corners, (0, 1) and (1, 0), sit diagonally opposite each other, so no
straight line separates them from (0, 0) and (1, 1). A single neuron draws exactly one
straight line (w . x + b = 0), so at best it gets 3 of 4 corners right. A hidden layer
bends the boundary: each hidden neuron draws a line, and the output combines them.

Run: python -m demos.xor   (or: blameflow lesson xor)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograd import Value
from demos.pictures import Pictures
from nn import MLP, Adam, History, Module, accuracy, bce_with_logits, fit, predict, xor

STEPS = 200
QUICK_STEPS = 20  # blameflow tour --quick: every picture, from barely trained models
LEARNING_RATE = 0.1
SEED = 0
RECORD_EVERY = 5  # steps between the training page's frames (41 of 200 for each model)


def record(model: Module, steps: int = STEPS) -> History:
    """Train with Adam on the binary cross-entropy of logits, recording every RECORD_EVERY
    steps for the training page; return the History."""
    X, y = xor()
    return fit(model, X, y, bce_with_logits, Adam(model.parameters(), lr=LEARNING_RATE),
               steps=steps, progress=False, record=RECORD_EVERY)


def train(model: Module, steps: int = STEPS) -> float:
    """Train as record() does; return the final accuracy on the four corners."""
    record(model, steps)
    return _accuracy(model)


def _accuracy(model: Module) -> float:
    X, y = xor()
    return accuracy(predict(model, X), y)


def _probability(model: Module) -> Callable[[list[float]], Value]:
    """The model's probability for class 1: sigmoid of its output, a logit."""
    return lambda point: model(point).sigmoid()


def run(out: Path | None = None, quick: bool = False) -> dict[str, Any]:
    """Print the lesson, save both decision boundaries; return accuracies and files.

    quick=True trains QUICK_STEPS steps instead of STEPS (tests: the same files, sooner)."""
    steps = QUICK_STEPS if quick else STEPS
    pictures = Pictures(out)
    X, y = xor()
    print("Lesson 4 - XOR")
    print(f"  data: {list(zip(X, y))}")
    # One neuron as a one-layer MLP: the same w0 x0 + w1 x1 + b, with the layer names the
    # training page reads to draw the network.
    neuron = MLP(2, [1], seed=SEED)
    lone_history = record(neuron, steps)
    lone = _accuracy(neuron)
    print(f"  one neuron ({len(neuron.parameters())} parameters), {steps} Adam steps: "
          f"accuracy {lone:.0%}; one straight line cannot split XOR")
    network = MLP(2, [4, 1], seed=SEED)
    hidden_history = record(network, steps)
    hidden = _accuracy(network)
    print(f"  a hidden layer of 4 relu neurons ({len(network.parameters())} parameters), "
          f"{steps} Adam steps: accuracy {hidden:.0%}")
    print("  In the pictures the colour is the probability the model gives to XOR = 1:")
    print("  white means 50/50. The lone neuron is pale everywhere: it cannot do better")
    print("  than an unsure 50% anywhere, so it learned to say so: at the four corners it says")
    corners = ", ".join(f"{_probability(neuron)(x).data:.3f}" for x in X)
    print(f"  P(XOR = 1) = {corners}.")
    for model, name, title in ((neuron, "boundary_single_neuron.png", "one neuron"),
                               (network, "boundary_hidden_layer.png", "a hidden layer of 4")):
        pictures.boundary(_probability(model), X, y, name, threshold=0.5, colour_span=0.5,
                          score_name="P(XOR = 1)", title=title,
                          class_names=("XOR = 0", "XOR = 1"), axis_names=("x0", "x1"))
    page = pictures.training_view({"one neuron": lone_history,
                                   "a hidden layer of 4": hidden_history}, "training.html",
                                  X=X, y=y)
    if page is not None:
        print(f"  Watch both learn, step by step, boundary and blame: open {page}")
    return {"single_neuron_accuracy": lone, "hidden_layer_accuracy": hidden,
            "histories": {"one neuron": lone_history, "hidden layer": hidden_history},
            "files": pictures.written}


if __name__ == "__main__":
    run(Path("out") / "xor")
