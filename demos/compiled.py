"""Lesson: your training step, traced once and replayed as plain Python (autograd.jit).

A training step builds the same graph every time; only the numbers change. jit(f) runs f
once on Values, records the graph, and writes it down as Python: one line per node going
forward, and going backward one line per node's local derivative times the gradient from
above: the chain rule, written out. Later calls run that code on plain floats, with the
same numbers as the engine, many times faster.

Run: python -m demos.compiled   (or: blameflow lesson compiled)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograd import Value
from autograd.files import write_atomically
from autograd.jit import jit
from nn import MLP, hinge, l2, moons

STEPS = 20
QUICK_STEPS = 3  # blameflow tour --quick (tests): the same lesson, fewer timed steps
L2_WEIGHT = 1e-4


def run(out: Path | None = None, quick: bool = False) -> dict[str, Any]:
    """Print the lesson and write the generated code under out; return the key numbers
    and files. quick=True times QUICK_STEPS steps of each kind instead of STEPS."""
    print("Lesson - compiled: your training step, traced once and replayed")
    neuron = _one_neuron()
    race = _two_moons(QUICK_STEPS if quick else STEPS)
    guard = _a_guard()
    files = []
    if out is not None:
        files = [_write(out / "neuron_step.py", neuron["neuron_source"]),
                 _write(out / "moons_step.py", race["moons_source"])]
        print(f"\n  Read the generated code: {files[0]} (one neuron) and {files[1]}")
        print("  (two moons: one sample's graph is the body of a loop over the samples).")
    return {**neuron, **race, "retrace_reason": guard, "files": files}


def _one_neuron() -> dict[str, Any]:
    """One relu neuron and a squared error, traced: print the code, compare the numbers."""
    w0 = Value(0.5, "w0", kind="parameter")
    w1 = Value(-1.0, "w1", kind="parameter")
    b = Value(0.2, "b", kind="parameter")
    leaves = [w0, w1, b]

    def loss(x0: float, x1: float, y: float) -> Value:
        z = (w0 * x0 + w1 * x1 + b).relu()
        return (z - y) ** 2

    print("\n1. One neuron: loss = (relu(w0·x0 + w1·x1 + b) - y)^2, and step = jit(loss).")
    print("   The first call runs loss on Values and records its graph; jit writes the graph")
    print("   down as Python (print(step.source)):\n")
    step = jit(loss)
    compiled = _gradients(lambda: step(1.0, -2.0, 1.5), leaves)
    print("     " + step.source.rstrip().replace("\n", "\n     "))
    print("\n   forward: one line per node, in the order the graph was built. backward: the")
    print("   nodes in reverse, each adding (gradient from above) x (its local derivative)")
    print("   to its inputs' gradients: the chain rule, one line at a time. Each `if gv...:`")
    print("   skips a node that got no blame, as backward() does.")
    interpreted = _gradients(lambda: loss(1.0, -2.0, 1.5), leaves)
    same = compiled == interpreted
    print("\n2. The same numbers, bit for bit:")
    print("     " + "   ".join(f"d/d{leaf.label} {g:.6g}" for leaf, g in zip(leaves, compiled[1])))
    print(f"   compiled and interpreted agree exactly: {same}")
    return {"neuron_source": step.source, "same_numbers": same}


def _gradients(run_step: Callable[[], Any], leaves: list[Value]) -> tuple[float, list[float]]:
    """The loss and the leaves' gradients from one step (the gradients zeroed first)."""
    for leaf in leaves:
        leaf.grad = 0.0
    loss = run_step()
    loss.backward()
    return loss.data, [leaf.grad for leaf in leaves]


def _two_moons(steps: int) -> dict[str, Any]:
    """The learner's loop on two moons, interpreted and compiled, timed step by step."""
    X, y = moons(100, noise=0.1, signed=True)
    model = MLP(2, [16, 16, 1], seed=7)
    parameters = model.parameters()

    def total_loss() -> Value:
        return hinge([model(x) for x in X], y) + L2_WEIGHT * l2(parameters)

    print(f"\n3. Faster: two moons, MLP(2, [16, 16, 1]), the loop a learner writes, {steps} "
          f"steps each way.")
    interpreted = _seconds_per_step(total_loss, parameters, steps)
    step = jit(total_loss)
    start = time.process_time()
    _train(step, parameters, 1)
    first = time.process_time() - start
    compiled = _seconds_per_step(step, parameters, steps)
    faster = interpreted / compiled
    print(f"   interpreted (a graph of Values built every step): {1000 * interpreted:.1f} ms "
          f"per step")
    print(f"   compiled: {1000 * first:.0f} ms for the first call (trace and compile), then "
          f"{1000 * compiled:.1f} ms")
    print(f"   per step: {faster:.0f} times faster")
    print("   (the same step with jit(total_loss, vectorize=True) runs the samples at once "
          "with NumPy)")
    return {"moons_source": step.source, "interpreted_ms": 1000 * interpreted,
            "compiled_ms": 1000 * compiled, "times_faster": faster}


def _seconds_per_step(step: Callable[[], Any], parameters: list[Value], steps: int) -> float:
    start = time.process_time()  # CPU time: other programs on the machine do not count
    _train(step, parameters, steps)
    return (time.process_time() - start) / steps


def _train(step: Callable[[], Any], parameters: list[Value], steps: int, lr: float = 0.05
           ) -> None:
    for _ in range(steps):
        loss = step()
        for p in parameters:
            p.grad = 0.0
        loss.backward()
        for p in parameters:
            p.data -= lr * p.grad


def _a_guard() -> str:
    """Python that looks at a Value's number is recorded as a guard; when it flips, jit
    traces again."""
    w = Value(2.0, "w", kind="parameter")

    def loss() -> Value:
        error = (w - 1.0) ** 2
        error.label = "error"
        if error > 0.5:  # Python looks at the number: a guard
            return error * 2.0
        return error

    step = jit(loss)
    step()
    w.data = 1.2  # the error is now 0.04: the `if` goes the other way
    step()
    print("\n4. Guards: `if error > 0.5:` in the loss looks at a number while tracing. jit")
    print("   records the comparison and its outcome; a replay where it comes out the other")
    print(f"   way traces again. Traced {step.trace_count} times, the last because")
    print(f"   {step.reason}.")
    return step.reason


def _write(path: Path, source: str) -> Path:
    write_atomically(path, source, make_parents=True)
    return path


if __name__ == "__main__":
    run(Path("out") / "compiled")
