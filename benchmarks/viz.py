"""How long drawing takes for adversarial graph shapes, with each renderer, side by side.

    python benchmarks/viz.py            # every shape; a table for benchmarks/README.md

For each shape: the boxes and arrows draw_graph would draw, its layout size (the nodes
Graphviz lays out, which the cap counts: viz.graph.layout_size), and the time of
render_source with the system dot and with the wasm renderer, and of viz.explore (which
lays out every fold level it offers, once each) with each. Times are CPU seconds of this
process and its children (dot), the best of two runs: on a shared machine wall-clock
time mostly measures the neighbours, and dot and the wasm renderer each use one core, so
on an idle machine wall-clock time is the same. A shape over the cap shows "refused
(cap)". The wasm renderer's start-up (about 3 s, once per process) is paid before timing.
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import autograd  # noqa: E402
from autograd import Value  # noqa: E402
from nn import MLP, hinge, moons  # noqa: E402
from viz import GraphTooLargeError, describe_graph, draw_graph, explore, fold  # noqa: E402
from viz.backends import render_source  # noqa: E402
from viz.graph import layout_size  # noqa: E402


def shared_weight_sum(terms: int) -> Value:
    """tanh(x_0 w) + tanh(x_1 w) + ... chained with +: w's arrows cross many columns."""
    w = Value(0.3, "w", kind="parameter")
    total = sum((Value(0.01 * i, f"x{i}") * w).tanh() for i in range(terms))
    total.backward()
    return total


def flat_sum(terms: int) -> Value:
    """autograd.sum of many inputs: one op node with hundreds of arrows into it."""
    total = autograd.sum([Value(0.01 * i, f"x{i}") for i in range(terms)])
    total.backward()
    return total


def chained_sum(terms: int) -> Value:
    """x_0 + x_1 + ... with +: a chain as long as the sum."""
    total = sum(Value(0.01 * i, f"x{i}") for i in range(terms))
    total.backward()
    return total


def tanh_chain(depth: int) -> Value:
    """tanh(tanh(...tanh(x))): one Value per column."""
    out = Value(0.5, "x")
    for _ in range(depth):
        out = out.tanh()
    out.backward()
    return out


def plus_one_chain(depth: int) -> Value:
    """x + 1 + 1 + ...: a chain with a constant box beside every step."""
    out = Value(0.5, "x")
    for _ in range(depth):
        out = out + 1.0
    out.backward()
    return out


def moons_loss(samples: int) -> Value:
    """MLP(2, [16, 16, 1]) on moons, hinge loss: the tour's network over a batch."""
    X, y = moons(max(samples, 2), noise=0.1, signed=True)
    model = MLP(2, [16, 16, 1], seed=0)
    loss = hinge([model(x) for x in X[:samples]], y[:samples])
    loss.backward()
    return loss


SHAPES: list[tuple[str, Callable[[], Value], str | None]] = [
    ("shared-weight sum, 25 terms", lambda: shared_weight_sum(25), None),
    ("shared-weight sum, 35 terms", lambda: shared_weight_sum(35), None),
    ("shared-weight sum, 38 terms", lambda: shared_weight_sum(38), None),
    ("shared-weight sum, 70 terms", lambda: shared_weight_sum(70), None),
    ("shared-weight sum, 400 terms", lambda: shared_weight_sum(400), None),
    ("flat sum (autograd.sum), 500 terms", lambda: flat_sum(500), None),
    ("chained +, 500 terms", lambda: chained_sum(500), None),
    ("tanh chain, 1,000 deep", lambda: tanh_chain(1000), None),
    ("x + 1 chain, 1,000 deep", lambda: plus_one_chain(1000), None),
    ("x + 1 chain, 500 deep", lambda: plus_one_chain(500), None),
    ("x + 1 chain, 580 deep", lambda: plus_one_chain(580), None),
    ("MLP(2,[16,16,1]), 1 sample", lambda: moons_loss(1), None),
    ("MLP(2,[16,16,1]), 1 sample, neuron", lambda: moons_loss(1), "neuron"),
    ("MLP(2,[16,16,1]), 1 sample, layer", lambda: moons_loss(1), "layer"),
    ("MLP(2,[16,16,1]), 10 samples", lambda: moons_loss(10), None),
    ("MLP(2,[16,16,1]), 10 samples, neuron", lambda: moons_loss(10), "neuron"),
    ("MLP(2,[16,16,1]), 10 samples, layer", lambda: moons_loss(10), "layer"),
]


@contextlib.contextmanager
def renderer(name: str) -> Iterator[None]:
    """Make render_source use the system dot ("dot") or the wasm renderer ("wasm")."""
    path = os.environ["PATH"]
    if name == "wasm":
        os.environ["PATH"] = tempfile.mkdtemp()  # no dot here: the wasm fallback draws
    try:
        yield
    finally:
        os.environ["PATH"] = path


def cpu_seconds() -> float:
    """CPU time of this process (every thread: the wasm renderer) and its children (dot)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def seconds(action: Callable[[], object], runs: int = 2) -> str:
    """The best CPU time of action over runs, or why it did not run."""
    best = math.inf
    for _ in range(runs):
        start = cpu_seconds()
        try:
            action()
        except GraphTooLargeError:
            return "refused (cap)"
        best = min(best, cpu_seconds() - start)
    return f"{best:.2f}"


def measure(name: str, build: Callable[[], Value], collapse: str | None) -> list[str]:
    root = build()
    folded = fold(describe_graph(root), collapse)
    row = [name, f"{folded.box_count:,}", f"{len(folded.flows):,}",
           f"{layout_size(folded):,}"]
    try:
        source = draw_graph(root, collapse=collapse).source
    except GraphTooLargeError:
        return row + ["refused (cap)"] * 4
    for which in ("dot", "wasm"):
        with renderer(which):
            row.append(seconds(lambda: render_source(source, "svg")))
    for which in ("dot", "wasm"):
        with renderer(which):
            row.append(seconds(lambda: explore(root, collapse=collapse)))
    return row


def main() -> None:
    with renderer("wasm"):
        render_source("digraph { a -> b }", "svg")  # pay the wasm start-up once
    header = ["shape", "boxes", "arrows", "layout size", "dot s", "wasm s",
              "explore, dot s", "explore, wasm s"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for name, build, collapse in SHAPES:
        print("| " + " | ".join(measure(name, build, collapse)) + " |", flush=True)


if __name__ == "__main__":
    main()
