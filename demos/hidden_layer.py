"""Lesson 3: a hidden layer. Two sigmoid neurons feed a sigmoid output neuron.

    h1 = sigmoid(w1 × x + b1)      h2 = sigmoid(w2 × x + b2)
    out = sigmoid(w3 × h1 + w4 × h2 + b3)      loss = (out - y)^2

with x = 1, y = 0 and the weights below. The gradient of w1 has to travel back through
out and h1: d loss/d w1 = d loss/d out × d out/d h1 × d h1/d w1. backward() does exactly
that for every weight at once; the graph and the explorer page show each share of blame.
The input x is one Value read by both hidden neurons, so its gradient is the sum of the
blame coming back along both paths.

Run: python -m demos.hidden_layer   (or: blameflow lesson hidden_layer)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autograd import Value, scope
from demos.pictures import Pictures
from demos.training_loop import descend

X, TARGET = 1.0, 0.0
START = {"w1": 0.4, "w2": -0.6, "b1": 0.1, "b2": 0.2, "w3": 0.3, "w4": 0.8, "b3": 0.1}
TRAINING_STEPS = 200
QUICK_STEPS = 20  # blameflow tour --quick (tests)
LEARNING_RATE = 1.0


def parameters(values: dict[str, float] = START) -> dict[str, Value]:
    return {name: Value(value, name, kind="parameter") for name, value in values.items()}


def forward(p: dict[str, Value], x: float = X) -> dict[str, Value]:
    """The network's forward pass; each neuron's nodes are grouped under a scope, as nn does.

    x becomes one input Value that both hidden neurons read: one node in the graph, whose
    gradient adds up the blame from both of them (as a float, x would be copied into each
    neuron as a separate, nameless constant).
    """
    x = Value(x, "x")
    with scope("layer0"):
        with scope("neuron0"):
            h1 = (p["w1"] * x + p["b1"]).sigmoid()
        with scope("neuron1"):
            h2 = (p["w2"] * x + p["b2"]).sigmoid()
    with scope("layer1"), scope("neuron0"):
        out = (p["w3"] * h1 + p["w4"] * h2 + p["b3"]).sigmoid()
    loss = (out - Value(TARGET, "y")) ** 2  # y labelled too: the picture names the target
    h1.label, h2.label, out.label, loss.label = "h1", "h2", "out", "loss"
    return {"x": x, "h1": h1, "h2": h2, "out": out, "loss": loss}


def train(p: dict[str, Value], steps: int = TRAINING_STEPS,
          lr: float = LEARNING_RATE) -> list[float]:
    """Lesson 2's gradient descent on all seven parameters; the loss before each step."""
    losses = []
    for _ in range(steps):
        loss = forward(p)["loss"]
        losses.append(loss.data)
        descend(loss, list(p.values()), lr)
    return losses


def run(out: Path | None = None, quick: bool = False) -> dict[str, Any]:
    """Print the lesson, save graph, explorer and loss curve; return numbers and files.

    quick=True trains QUICK_STEPS steps instead of TRAINING_STEPS (tests)."""
    steps = QUICK_STEPS if quick else TRAINING_STEPS
    pictures = Pictures(out)
    p = parameters()
    nodes = forward(p)
    print("Lesson 3 - a hidden layer")
    print(f"  forward: h1 = {nodes['h1'].data:.4f}, h2 = {nodes['h2'].data:.4f}, "
          f"out = {nodes['out'].data:.4f}, loss = {nodes['loss'].data:.4f}")
    nodes["loss"].backward()
    print("  backward: the real gradient of every parameter")
    for name, parameter in p.items():
        print(f"    d loss/d {name:<2} = {parameter.grad:+.6f}")
    o, h1, h2 = nodes["out"].data, nodes["h1"].data, nodes["h2"].data
    factors = [f"{2 * (o - TARGET):.4f}", f"{o * (1 - o) * START['w3']:.4f}",
               f"{h1 * (1 - h1) * X:.4f}"]
    print("  by hand, for w1 (× means times), one factor per step back:")
    print("    d loss/d w1 = d loss/d out × d out/d h1          × d h1/d w1")
    print("                = 2(out - y)   × (out(1 - out) × w3) × (h1(1 - h1) × x)")
    print(f"                = {factors[0]:<12} × {factors[1]:<19} × {factors[2]:<16}"
          f" = {p['w1'].grad:+.6f}")
    dloss_dout = 2 * (o - TARGET)
    through_h1 = dloss_dout * o * (1 - o) * START["w3"] * h1 * (1 - h1) * START["w1"]
    through_h2 = dloss_dout * o * (1 - o) * START["w4"] * h2 * (1 - h2) * START["w2"]
    print("  the input x feeds both hidden neurons, so its blame is the sum of two paths:")
    print(f"    d loss/d x = (through h1) + (through h2) = {through_h1:+.6f} + "
          f"({through_h2:+.6f}) = {nodes['x'].grad:+.6f}")
    pictures.graph(nodes["loss"], "graph.svg")
    pictures.explorer(nodes["loss"], "explorer.html")
    gradients = {name: parameter.grad for name, parameter in p.items()}
    gradients["x"] = nodes["x"].grad
    forward_values = {name: node.data for name, node in nodes.items()}
    losses = train(parameters(), steps)
    print(f"  training, lr {LEARNING_RATE}: loss {losses[0]:.4f} -> {losses[-1]:.4f} "
          f"after {steps} steps")
    pictures.history({"loss": losses}, "loss.png")
    return {"forward": forward_values, "gradients": gradients, "losses": losses,
            "files": pictures.written}


if __name__ == "__main__":
    run(Path("out") / "hidden_layer")
