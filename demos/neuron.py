"""Lesson 1: one neuron, one loss, and the real gradient of the loss for every input.

The neuron computes z = x × w + b and squashes it with a sigmoid: a = sigmoid(z). Against
the target y = 1 the squared error is loss = (a - y)^2. backward() applies the chain rule:

    d loss/d w = d loss/d a × d a/d z × d z/d w = 2(a - y) × a(1 - a) × x

Run: python -m demos.neuron   (or: blameflow lesson neuron)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autograd import Value
from demos.pictures import Pictures

X, W, B, TARGET = 2.0, 0.4, 0.1, 1.0


def build() -> dict[str, Value]:
    """The neuron and its loss, every node labelled so pictures and messages can name it."""
    x = Value(X, "x")
    w = Value(W, "w", kind="parameter")
    b = Value(B, "b", kind="parameter")
    z = x * w + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    loss = (a - TARGET) ** 2
    loss.label = "loss"
    return {"x": x, "w": w, "b": b, "z": z, "a": a, "loss": loss}


def run(out: Path | None = None, quick: bool = False) -> dict[str, Any]:
    """Print the lesson, save its pictures under out; return its key numbers and files.

    quick=True (blameflow tour --quick, for tests) changes nothing here: the lesson is quick.
    """
    pictures = Pictures(out)
    nodes = build()
    x, w, b, z, a, loss = (nodes[k] for k in ("x", "w", "b", "z", "a", "loss"))
    print("Lesson 1 - one neuron")
    print(f"  forward: z = x × w + b = {X} × {W} + {B} = {z.data:.4f}")
    print(f"           a = sigmoid(z) = {a.data:.4f}")
    print(f"           loss = (a - {TARGET})^2 = {loss.data:.4f}")
    loss.backward()
    dloss_da = 2 * (a.data - TARGET)
    da_dz = a.data * (1 - a.data)
    print("  backward (the chain rule, one factor per step back; × means times):")
    print(f"    d loss/d a = 2(a - y) = {dloss_da:.4f}")
    print(f"    d a/d z    = a(1 - a) = {da_dz:.4f}")
    print("    d loss/d w = d loss/d a × d a/d z × d z/d w")
    print(f"               = {dloss_da:.4f} × {da_dz:.4f} × {X}   (d z/d w = x = {X})")
    print(f"               = {w.grad:.4f}")
    print("    d loss/d b = d loss/d a × d a/d z × d z/d b")
    print(f"               = {dloss_da:.4f} × {da_dz:.4f} × 1   (d z/d b = 1)")
    print(f"               = {b.grad:.4f}")
    print(f"  So nudging w up by 0.01 changes the loss by about {0.01 * w.grad:+.5f}:")
    print("  gradient descent moves w the other way, against the gradient.")
    print("  In the graph, each arrow carries its share of the blame: the gradient above it")
    print("  times the local derivative. Follow the arrows from loss back to w.")
    pictures.graph(loss, "graph.svg")
    pictures.explorer(loss, "explorer.html")
    return {"z": z.data, "a": a.data, "loss": loss.data, "grad_w": w.grad, "grad_b": b.grad,
            "grad_x": x.grad, "files": pictures.written}


if __name__ == "__main__":
    run()
