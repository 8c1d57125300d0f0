"""Training speed and memory: the micrograd demo, run by blameflow and by micrograd (PyPI).

The setup of micrograd's demo notebook: moons(100, noise=0.1), an MLP(2, [16, 16, 1]) with
relu hidden layers and a linear output, hinge loss plus 1e-4 * L2, SGD with learning rate
1.0 - 0.9 k / 100, 100 full-batch steps. Both libraries train on the same points
(blameflow's moons, labels -1/+1); each initialises its own weights (blameflow from
seed 7, micrograd from random.seed(1337) as in its notebook).

Rows:
  blameflow                  nn.fit, which pauses the cyclic collector during each step
  blameflow (gc not paused)  the same with fit's pause removed (backward() still pauses)
  micrograd                  the demo's loop as shipped, collector on
  micrograd (gc disabled)    the same loop with the collector off during each step and a
                             gc.collect() between steps, not timed: micrograd's graphs are
                             reference cycles (each node's _backward closure refers to the
                             node), so without a collection memory would grow every step

Columns: ms per step (the median over the timed steps, robust to a busy machine); Values
created per step; peak memory per step (tracemalloc, over one separate untimed step, above
what was allocated before it); the loss and the accuracy of the last step. micrograd as
shipped takes over a second a step, so it runs fewer steps (the "steps" column); the
collector does not change the arithmetic, so its numbers follow the gc-disabled row's
trajectory.

Run: make bench  (or: python benchmarks/moons.py after pip install micrograd==0.1.0)
"""

from __future__ import annotations

import contextlib
import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import nn.train
from autograd import Value
from nn import MLP, SGD, accuracy, fit, hinge, l2, moons

STEPS = 100
MICROGRAD_SHIPPED_STEPS = 10
X, Y = moons(100, noise=0.1, signed=True)


def schedule(k: int) -> float:
    return 1.0 - 0.9 * k / 100


# ---- blameflow -------------------------------------------------------------------------------
def blameflow_model() -> MLP:
    return MLP(2, [16, 16, 1], activation="relu", seed=7)


def blameflow_fit(model: MLP, steps: int) -> nn.train.History:
    def loss(scores: list[Value], labels: list[int]) -> Value:
        return hinge(scores, labels) + 1e-4 * l2(model.parameters())

    return fit(model, X, Y, loss, SGD(model.parameters(), lr=schedule), steps, progress=False)


def values_created(action: Callable[[], Any]) -> int:
    """How many Values action() creates: the engine numbers every Value as it is made
    (the private creation counter that orders the reverse sweep)."""
    before = Value(0.0)._serial
    action()
    return Value(0.0)._serial - before - 1


@contextlib.contextmanager
def fit_without_gc_pause() -> Iterator[None]:
    original = nn.train.collector_paused
    nn.train.collector_paused = contextlib.nullcontext
    try:
        yield
    finally:
        nn.train.collector_paused = original


def run_blameflow(pause_gc: bool) -> dict[str, Any]:
    mode = contextlib.nullcontext() if pause_gc else fit_without_gc_pause()
    with mode:
        created = values_created(lambda: blameflow_fit(blameflow_model(), 1))
        memory = peak_memory(lambda: blameflow_fit(blameflow_model(), 1))
        history = blameflow_fit(blameflow_model(), STEPS)
    return {"steps": STEPS, "ms": 1000 * statistics.median(history.seconds), "values": created,
            "memory": memory, "loss": history.loss[-1], "accuracy": history.accuracy[-1]}


# ---- micrograd -------------------------------------------------------------------------------
def micrograd_model() -> Any:
    from micrograd.nn import MLP as MicrogradMLP

    random.seed(1337)  # micrograd draws its weights from the global random state
    return MicrogradMLP(2, [16, 16, 1])


def micrograd_step(model: Any, k: int) -> tuple[float, float]:
    """One step of the loop in micrograd's demo notebook; (loss, accuracy)."""
    from micrograd.engine import Value as MicrogradValue

    inputs = [list(map(MicrogradValue, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * score).relu() for yi, score in zip(Y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    step_accuracy = accuracy([score.data for score in scores], Y)
    model.zero_grad()
    total_loss.backward()
    for p in model.parameters():
        p.data -= schedule(k) * p.grad
    return total_loss.data, step_accuracy


def micrograd_values_created(model: Any) -> int:
    from micrograd.engine import Value as MicrogradValue

    count = 0
    original = MicrogradValue.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal count
        count += 1
        original(self, *args, **kwargs)

    MicrogradValue.__init__ = counting
    try:
        micrograd_step(model, 0)
    finally:
        MicrogradValue.__init__ = original
    return count


def run_micrograd(collector: bool, steps: int) -> dict[str, Any]:
    created = micrograd_values_created(micrograd_model())
    memory = peak_memory(lambda: micrograd_step(micrograd_model(), 0), collector)
    model = micrograd_model()
    seconds = []
    for k in range(steps):
        if not collector:
            gc.collect()  # last step's cyclic garbage, collected outside the timing
            gc.disable()
        start = time.perf_counter()
        loss, step_accuracy = micrograd_step(model, k)
        seconds.append(time.perf_counter() - start)
        gc.enable()
    gc.collect()
    return {"steps": steps, "ms": 1000 * statistics.median(seconds), "values": created,
            "memory": memory, "loss": loss, "accuracy": step_accuracy}


# ---- measuring -------------------------------------------------------------------------------
def peak_memory(action: Callable[[], Any], collector: bool = True) -> int:
    """Peak bytes allocated while action() runs, above what was allocated before it."""
    gc.collect()
    if not collector:
        gc.disable()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        action()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        gc.enable()
    return peak - baseline


def main() -> None:
    rows = {"blameflow": run_blameflow(pause_gc=True),
            "blameflow (gc not paused)": run_blameflow(pause_gc=False)}
    try:
        import micrograd  # noqa: F401
    except ImportError:
        print("micrograd not installed: pip install micrograd==0.1.0 (make bench does this)")
    else:
        rows["micrograd (gc disabled)"] = run_micrograd(collector=False, steps=STEPS)
        rows["micrograd"] = run_micrograd(collector=True, steps=MICROGRAD_SHIPPED_STEPS)
    print("moons(100, noise=0.1), MLP(2, [16, 16, 1]) relu, hinge + 1e-4 L2, SGD, full batch")
    print(f"{'engine':<27} {'steps':>5} {'ms/step':>9} {'Values/step':>12} {'peak MB/step':>13} "
          f"{'final loss':>11} {'accuracy':>9}")
    for name, row in rows.items():
        print(f"{name:<27} {row['steps']:>5} {row['ms']:>9.1f} {row['values']:>12,} "
              f"{row['memory'] / 1e6:>13.2f} {row['loss']:>11.4f} {row['accuracy']:>9.0%}")
    if "micrograd" in rows:
        ours = rows["blameflow"]
        shipped, no_gc = rows["micrograd"], rows["micrograd (gc disabled)"]
        print(f"blameflow is {shipped['ms'] / ours['ms']:.1f}x faster than micrograd as shipped "
              f"(target >= 20x), {no_gc['ms'] / ours['ms']:.1f}x faster than micrograd with gc "
              f"disabled (target >= 5x), and uses {ours['memory'] / no_gc['memory']:.3f} of its "
              f"memory per step (target <= 0.2)")


if __name__ == "__main__":
    main()
