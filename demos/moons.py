"""Lesson 5: the two-moons classifier, micrograd's classic demo, with real gradients.

100 points in two interleaved half-moons, labels -1 and +1. An MLP with two hidden
layers of 16 relu neurons, a max-margin (hinge) loss plus a small L2 penalty, and SGD
whose learning rate falls from 1.0 to 0.1 over 100 full-batch steps.

Run: python -m demos.moons   (or: blameflow lesson moons)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autograd import Value
from demos.pictures import Pictures
from nn import MLP, SGD, accuracy, fit, hinge, l2, moons, predict

STEPS = 100
QUICK_STEPS = 10  # blameflow tour --quick: every picture, from a barely trained model
SEED = 7
RECORD_EVERY = 2  # steps between the training page's frames (51 of 100: a 1 MB page)
L2_WEIGHT = 1e-4


def run(out: Path | None = None, progress: bool = True, quick: bool = False) -> dict[str, Any]:
    """Train, print the result, save loss curve, boundary and the collapsed graph.

    quick=True trains QUICK_STEPS steps instead of STEPS (tests: the same files, sooner)."""
    steps = QUICK_STEPS if quick else STEPS
    pictures = Pictures(out)
    X, y = moons(100, noise=0.1, signed=True)
    model = MLP(2, [16, 16, 1], activation="relu", seed=SEED)
    print("Lesson 5 - two moons")
    print("  " + repr(model).replace("\n", "\n  "))

    def loss(scores: list[Value], labels: list[int]) -> Value:
        return hinge(scores, labels) + L2_WEIGHT * l2(model.parameters())

    optimizer = SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / steps)
    history = fit(model, X, y, loss, optimizer, steps=steps, progress=progress,
                  record=RECORD_EVERY)
    seconds = sum(history.seconds)
    final = accuracy(predict(model, X), y)
    print(f"  {steps} steps in {seconds:.1f} s ({1000 * seconds / steps:.0f} ms per step): "
          f"loss {history.loss[0]:.4f} -> {history.loss[-1]:.4f}, accuracy {final:.0%}")
    pictures.history(history, "history.png")
    page = pictures.training_view({"MLP(2, [16, 16, 1])": history}, "training.html", X=X, y=y)
    if page is not None:
        print(f"  Watch it learn, step by step, boundary and blame: open {page}")
    # Hinge scores are not probabilities: the colours span the scores the model gives.
    pictures.boundary(model, X, y, "boundary.png", threshold=0.0,
                      class_names=("upper moon (label -1)", "lower moon (label +1)"),
                      score_name="score",
                      title=f"MLP(2, [16, 16, 1]) after {steps} steps")
    # The whole batch's graph, one box per layer: a few dozen boxes instead of ~10,000.
    batch_loss = loss([model(x) for x in X], y)
    batch_loss.backward()
    pictures.graph(batch_loss, "graph_layers.svg", collapse="layer")
    return {"history": history, "accuracy": final, "files": pictures.written}


if __name__ == "__main__":
    run(Path("out") / "moons")
