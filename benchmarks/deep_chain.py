"""backward() through a chain a million nodes deep, at Python's default recursion limit.

The reverse sweep is iterative, so depth is limited by memory only. The test suite checks a
10,000-deep chain under a recursion limit of 1,000 (tests/test_backward.py); this is the
same point at full size, with its time and the gradient against the closed form.

Run: python benchmarks/deep_chain.py
"""

from __future__ import annotations

import sys
import time

from autograd import Value

DEPTH = 1_000_000
FACTOR = 1.0000001


def main() -> None:
    start = time.perf_counter()
    x = Value(1.0)
    y = x
    for _ in range(DEPTH):
        y = y * FACTOR
    built = time.perf_counter()
    y.backward()
    swept = time.perf_counter()
    expected = FACTOR ** DEPTH
    print(f"chain of {DEPTH:,} multiplications, recursion limit {sys.getrecursionlimit()}")
    print(f"  build {built - start:.2f} s, backward {swept - built:.2f} s")
    print(f"  dy/dx = {x.grad!r}, closed form {expected!r}, "
          f"relative difference {abs(x.grad - expected) / expected:.1e}")


if __name__ == "__main__":
    main()
