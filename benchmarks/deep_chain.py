"""backward() through a chain a million nodes deep, at Python's default recursion limit.

The reverse sweep is iterative, so depth is limited by memory only. The test suite checks a
10,000-deep chain under a recursion limit of 1,000 (tests/test_backward.py); this is the
same point at full size, with its time and the gradient against the closed form.

The chain is built twice: as a script would (the cyclic collector running), and inside
autograd.backward.collector_paused() (as nn.fit builds a training step's graph). A million
live nodes wake the collector again and again, and each full collection scans them all;
since blameflow's graphs hold no cycles, those scans find nothing to free.

Run: python benchmarks/deep_chain.py  (times are CPU seconds of this process)
"""

from __future__ import annotations

import contextlib
import gc
import sys
import time

from autograd import Value
from autograd.backward import collector_paused

DEPTH = 1_000_000
FACTOR = 1.0000001


def build_chain() -> tuple[Value, Value, float]:
    """x, y = x * FACTOR ** DEPTH as DEPTH multiplication nodes, and the CPU seconds taken."""
    start = time.process_time()
    x = Value(1.0)
    y = x
    for _ in range(DEPTH):
        y = y * FACTOR
    return x, y, time.process_time() - start


def main() -> None:
    print(f"chain of {DEPTH:,} multiplications, recursion limit {sys.getrecursionlimit()}")
    for paused in (False, True):
        gc.collect()
        with collector_paused() if paused else contextlib.nullcontext():
            x, y, seconds = build_chain()
        print(f"  build, collector {'paused ' if paused else 'running'} {seconds:6.2f} s")
        if not paused:
            del x, y  # one chain in memory at a time
    start = time.process_time()
    y.backward()
    print(f"  backward                  {time.process_time() - start:6.2f} s")
    expected = FACTOR ** DEPTH
    print(f"  dy/dx = {x.grad!r}, closed form {expected!r}, "
          f"relative difference {abs(x.grad - expected) / expected:.1e}")


if __name__ == "__main__":
    main()
