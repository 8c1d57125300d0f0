"""Engine speed and memory: blameflow beside micrograd (PyPI), same program, same run.

The program: 25,000 neuron-like terms relu(x_i * w_i + b_i), added up pairwise (a tree,
so micrograd's recursive backward does not hit the recursion limit): 100,000 op nodes.
Leaves are made before timing; only op nodes are counted.

Figures per op node: microseconds to build, microseconds to backward, bytes held.
Times are this process's CPU time (time.process_time), best of REPEATS runs, so another
busy process on the machine does not inflate them.
Run: make bench  (or: python benchmarks/engine.py after pip install micrograd==0.1.0)
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from collections.abc import Callable

TERMS = 25_000
OP_NODES = 3 * TERMS + (TERMS - 1)
REPEATS = 9


def make_leaves(value_class: type) -> list[tuple]:
    rng = random.Random(0)
    return [tuple(value_class(rng.uniform(-1, 1)) for _ in range(3)) for _ in range(TERMS)]


def build(leaves: list[tuple]):
    """The benchmark program, written once for any Value class with + * relu."""
    layer = [(x * w + b).relu() for x, w, b in leaves]
    while len(layer) > 1:
        paired = [layer[i] + layer[i + 1] for i in range(0, len(layer) - 1, 2)]
        layer = paired + ([layer[-1]] if len(layer) % 2 else [])
    return layer[0]


def best_time(action: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return min(times)


def measure(value_class: type, collector: bool) -> dict[str, float]:
    leaves = make_leaves(value_class)
    if not collector:
        gc.disable()
    try:
        build_seconds = best_time(lambda: build(leaves))
        roots = []

        def backward() -> None:
            roots[-1].backward()

        backward_times = []
        for _ in range(REPEATS):
            roots.append(build(leaves))
            start = time.process_time()
            backward()
            backward_times.append(time.process_time() - start)
            roots.clear()
    finally:
        gc.enable()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = build(leaves)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del root
    return {
        "build_us": build_seconds / OP_NODES * 1e6,
        "backward_us": min(backward_times) / OP_NODES * 1e6,
        "bytes": held / OP_NODES,
    }


def engines() -> dict[str, type]:
    from autograd import Value

    found = {"blameflow": Value}
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:
        print("micrograd not installed: pip install micrograd==0.1.0 (make bench does this)")
    else:
        found["micrograd"] = MicrogradValue
    return found


def main() -> None:
    print(f"{OP_NODES:,} op nodes; best of {REPEATS}; per op node")
    print(f"{'engine':<28} {'build us':>9} {'backward us':>12} {'bytes':>7}")
    results = {}
    for name, value_class in engines().items():
        for collector in (True, False):
            row = measure(value_class, collector)
            key = name if collector else f"{name} (gc disabled)"
            results[key] = row
            print(f"{key:<28} {row['build_us']:>9.3f} {row['backward_us']:>12.3f} "
                  f"{row['bytes']:>7.0f}")
    if "micrograd" in results:
        ours, theirs = results["blameflow"], results["micrograd"]
        print("blameflow / micrograd: build {:.2f}, backward {:.2f}, bytes {:.2f}".format(
            ours["build_us"] / theirs["build_us"], ours["backward_us"] / theirs["backward_us"],
            ours["bytes"] / theirs["bytes"]))


if __name__ == "__main__":
    main()
