"""nn bookkeeping (issue 16): what a training step costs outside the graph.

Once the graph's forward and backward are compiled (autograd.jit), a digits step still
asks the model for its parameters and runs the optimizer over all 2,410 of them. This
measures those pieces on their own:

  parameters()        MLP(64, [32, 10]) (digits, 2,410 parameters) and MLP(2, [16, 16, 1])
                      (moons, 337 parameters: its L2 penalty calls it every step)
  Adam.step()         2,410 parameters with made-up gradients
  SGD.step()          the same, plain and with momentum 0.9 and weight decay 1e-4
  zero_grad()         the optimizer's, over the same parameters
  snapshot()          what step() copies first so that it can undo itself

Each figure is the best of ROUNDS rounds of CALLS calls, in CPU milliseconds per call
(time.process_time: the machine is shared, and CPU time leaves out the time other work
held the core). The best, not the median: anything slower than the best is other work.

Run: python benchmarks/nn_bookkeeping.py
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nn import MLP, SGD, Adam  # noqa: E402

ROUNDS = 7
CALLS = 50


def best_ms(action: Callable[[], object], calls: int = CALLS, rounds: int = ROUNDS) -> float:
    """The best over `rounds` of the CPU time per call of `calls` calls, in ms."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(calls):
            action()
        best = min(best, (time.process_time() - start) / calls)
    return best * 1000


def with_gradients(model: MLP) -> MLP:
    """The model with a made-up gradient on every parameter (small, so Adam stays tame)."""
    rng = random.Random(0)
    for p in model.parameters():
        p.grad = rng.uniform(-1e-3, 1e-3)
    return model


def main() -> None:
    digits, moons = MLP(64, [32, 10], seed=0), MLP(2, [16, 16, 1], seed=7)
    params = with_gradients(digits).parameters()
    adam, sgd = Adam(params, lr=1e-3), SGD(params, lr=1e-3)
    momentum = SGD(params, lr=1e-3, momentum=0.9, weight_decay=1e-4)
    rows = [
        (f"MLP(64, [32, 10]).parameters() ({len(params):,})", digits.parameters),
        (f"MLP(2, [16, 16, 1]).parameters() ({len(moons.parameters())})", moons.parameters),
        ("Adam.step()", adam.step),
        ("SGD.step()", sgd.step),
        ("SGD.step(), momentum and weight decay", momentum.step),
        ("Optimizer.zero_grad()", adam.zero_grad),
        ("Adam.snapshot()", adam.snapshot),
    ]
    print(f"Python {sys.version.split()[0]}; CPU ms per call, best of {ROUNDS} x {CALLS}")
    for name, action in rows:
        print(f"  {name:<44} {best_ms(action):8.3f}")


if __name__ == "__main__":
    main()
