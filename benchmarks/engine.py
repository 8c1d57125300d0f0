"""Engine speed and memory: blameflow beside micrograd (PyPI), same program, same run.

The program: 25,000 neuron-like terms relu(x_i * w_i + b_i), added up pairwise (a tree,
so micrograd's recursive backward does not hit the recursion limit): 100,000 op nodes.
Leaves are made before timing; only op nodes are counted.

Figures per op node: microseconds to build, microseconds to backward, bytes held.
Times are this process's CPU time (time.process_time), best of REPEATS runs, so another
busy process on the machine does not inflate them.

Then the batching path (autograd.batch, what nn's layers use): a layer of NEURONS neurons
over ROWS rows of WIDTH Values, its dot nodes made one at a time with autograd.dot and
with dot_each over one shared Batch; the same nodes, microseconds per dot node.
Run: make bench  (or: python benchmarks/engine.py after pip install micrograd==0.1.0)
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc

TERMS = 25_000
OP_NODES = 3 * TERMS + (TERMS - 1)
REPEATS = 9
ROWS, WIDTH, NEURONS = 100, 16, 16  # the moons network's second layer over its batch


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


def time_once(value_class: type, leaves: list[tuple]) -> tuple[float, float]:
    """CPU seconds to build the program's graph, and to run backward() on it."""
    start = time.process_time()
    root = build(leaves)
    built = time.process_time()
    root.backward()
    done = time.process_time()
    return built - start, done - built


def bytes_per_node(value_class: type, leaves: list[tuple]) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = build(leaves)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del root
    return held / OP_NODES


def measure(configurations: dict[str, tuple[type, bool]]) -> dict[str, dict[str, float]]:
    """Best-of-REPEATS figures per configuration (engine, collector on or off).

    The configurations take turns, one repetition each per round, so that a slow spell
    of a shared machine hits all of them alike instead of one engine's whole series.
    Each repetition starts alike: fresh leaves, then a full collection (micrograd's
    graphs are reference cycles, and what one configuration leaves behind would
    otherwise slow the collector down for the next).
    """
    best = {name: [float("inf"), float("inf")] for name in configurations}
    for _ in range(REPEATS):
        for name, (value_class, collector) in configurations.items():
            leaves = make_leaves(value_class)
            gc.collect()
            if not collector:
                gc.disable()
            try:
                times = time_once(value_class, leaves)
            finally:
                gc.enable()
            best[name] = [min(pair) for pair in zip(best[name], times)]
    gc.collect()
    return {name: {"build_us": best[name][0] / OP_NODES * 1e6,
                   "backward_us": best[name][1] / OP_NODES * 1e6,
                   "bytes": bytes_per_node(value_class, make_leaves(value_class))}
            for name, (value_class, _) in configurations.items()}


def layer_dots(batched: bool) -> float:
    """CPU seconds to make a layer's dot nodes: NEURONS weight vectors times ROWS rows."""
    from autograd import Value, dot
    from autograd.batch import Batch, dot_each

    rng = random.Random(1)
    weights = [[Value(rng.uniform(-1, 1)) for _ in range(WIDTH)] for _ in range(NEURONS)]
    rows = [[Value(rng.uniform(-1, 1)) for _ in range(WIDTH)] for _ in range(ROWS)]
    start = time.process_time()
    if batched:
        batch = Batch(rows)  # read each row's numbers once for all the neurons
        outputs = [dot_each(w, batch) for w in weights]
    else:
        outputs = [[dot(w, row) for row in rows] for w in weights]
    seconds = time.process_time() - start
    del outputs
    return seconds


def measure_batching() -> dict[str, float]:
    """Best-of-REPEATS microseconds per dot node, the two ways taking turns."""
    best = {"autograd.dot per row": float("inf"), "dot_each over a Batch": float("inf")}
    for _ in range(REPEATS):
        for name, batched in zip(best, (False, True)):
            gc.collect()
            best[name] = min(best[name], layer_dots(batched))
    return {name: seconds / (ROWS * NEURONS) * 1e6 for name, seconds in best.items()}


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
    print(f"{OP_NODES:,} op nodes; best of {REPEATS}, engines taking turns; per op node")
    print(f"{'engine':<28} {'build us':>9} {'backward us':>12} {'bytes':>7}")
    configurations = {}
    for name, value_class in engines().items():
        configurations[name] = (value_class, True)
        configurations[f"{name} (gc disabled)"] = (value_class, False)
    results = measure(configurations)
    for key, row in results.items():
        print(f"{key:<28} {row['build_us']:>9.3f} {row['backward_us']:>12.3f} "
              f"{row['bytes']:>7.0f}")
    if "micrograd" in results:
        ours, theirs = results["blameflow"], results["micrograd"]
        print("blameflow / micrograd: build {:.2f}, backward {:.2f}, bytes {:.2f}".format(
            ours["build_us"] / theirs["build_us"], ours["backward_us"] / theirs["backward_us"],
            ours["bytes"] / theirs["bytes"]))
    print(f"\na layer of {NEURONS} neurons over {ROWS} rows of {WIDTH}: us per dot node")
    for name, us in measure_batching().items():
        print(f"{name:<28} {us:>9.3f}")


if __name__ == "__main__":
    main()
