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

The first three rows train side by side, taking turns step by step, so that a slow spell of
a shared machine slows them all alike rather than one row's whole series.

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
import math
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


def blameflow_loss(model: MLP) -> Callable[[list[Value], list[int]], Value]:
    def loss(scores: list[Value], labels: list[int]) -> Value:
        return hinge(scores, labels) + 1e-4 * l2(model.parameters())

    return loss


def blameflow_fit(model: MLP, steps: int) -> nn.train.History:
    return fit(model, X, Y, blameflow_loss(model), SGD(model.parameters(), lr=schedule), steps,
               progress=False, compile=False)


def values_created(action: Callable[[], Any], leaves: list[Value]) -> int:
    """How many Values action() creates. The engine numbers every Value as it is made (the
    private creation counter that orders the reverse sweep), but a leaf given a new number
    takes the next number too: each of `leaves` whose number action() changed (an
    optimizer step changes each parameter once) is taken off."""
    before = Value(0.0)._serial
    action()
    numbered = Value(0.0)._serial - before - 1
    return numbered - sum(leaf._serial > before for leaf in leaves)


@contextlib.contextmanager
def fit_without_gc_pause() -> Iterator[None]:
    original = nn.train.collector_paused
    nn.train.collector_paused = contextlib.nullcontext
    try:
        yield
    finally:
        nn.train.collector_paused = original


class BlameflowRun:
    """blameflow training one step at a time: nn.fit for one step, on one model and
    optimizer, so the learning-rate schedule runs on as in one long fit(). The interpreted
    engine (compile=False): one-step fits would trace anew each call, and the compiled step
    races in benchmarks/learner_loop.py."""

    def __init__(self, pause_gc: bool) -> None:
        self.pause_gc = pause_gc
        self.model = blameflow_model()
        self.loss_function = blameflow_loss(self.model)
        self.optimizer = SGD(self.model.parameters(), lr=schedule)
        self.steps, self.loss, self.accuracy = 0, math.nan, math.nan

    def collector_mode(self) -> contextlib.AbstractContextManager:
        """fit() as it ships (pausing the collector each step), or without that pause."""
        return contextlib.nullcontext() if self.pause_gc else fit_without_gc_pause()

    def step(self) -> float:
        """One training step; its seconds as fit() measures them."""
        with self.collector_mode():
            history = fit(self.model, X, Y, self.loss_function, self.optimizer, 1,
                          progress=False, compile=False)
        self.steps += 1
        self.loss, self.accuracy = history.loss[-1], history.accuracy[-1]
        return history.seconds[-1]

    def summary(self) -> dict[str, Any]:
        with self.collector_mode():
            model = blameflow_model()  # made before counting, as micrograd's is
            created = values_created(lambda: blameflow_fit(model, 1), model.parameters())
            memory = peak_memory(lambda: blameflow_fit(blameflow_model(), 1))
        return {"values": created, "memory": memory}


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


class MicrogradRun:
    """micrograd's demo loop one step at a time, with its collector on (as shipped) or
    off during each step and run between steps, outside the timing."""

    def __init__(self, collector: bool) -> None:
        self.collector = collector
        self.model = micrograd_model()
        self.steps, self.loss, self.accuracy = 0, math.nan, math.nan

    def step(self) -> float:
        if not self.collector:
            gc.collect()  # the last step's cyclic garbage, collected outside the timing
            gc.disable()
        try:
            start = time.perf_counter()
            self.loss, self.accuracy = micrograd_step(self.model, self.steps)
            seconds = time.perf_counter() - start
        finally:
            gc.enable()
        self.steps += 1
        return seconds

    def summary(self) -> dict[str, Any]:
        created = micrograd_values_created(micrograd_model())
        memory = peak_memory(lambda: micrograd_step(micrograd_model(), 0), self.collector)
        gc.collect()
        return {"values": created, "memory": memory}


def race(runs: dict[str, Any], steps: int) -> dict[str, dict[str, Any]]:
    """Train every run for `steps` steps, the runs taking turns step by step, so that a
    slow spell of a shared machine slows them all alike; ms/step is each run's median."""
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(steps):
        for name, run in runs.items():
            seconds[name].append(run.step())
    gc.collect()
    return {name: {"steps": run.steps, "ms": 1000 * statistics.median(seconds[name]),
                   "loss": run.loss, "accuracy": run.accuracy, **run.summary()}
            for name, run in runs.items()}


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
    runs: dict[str, Any] = {"blameflow": BlameflowRun(pause_gc=True),
                            "blameflow (gc not paused)": BlameflowRun(pause_gc=False)}
    try:
        import micrograd  # noqa: F401
    except ImportError:
        print("micrograd not installed: pip install micrograd==0.1.0 (make bench does this)")
        rows = race(runs, STEPS)
    else:
        runs["micrograd (gc disabled)"] = MicrogradRun(collector=False)
        rows = race(runs, STEPS)
        # Over a second a step: fewer steps, on their own.
        rows.update(race({"micrograd": MicrogradRun(collector=True)}, MICROGRAD_SHIPPED_STEPS))
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
