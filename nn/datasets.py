"""Toy datasets for classification in two dimensions, in pure Python.

Each function returns (X, y): X a list of [x0, x1] points (floats), y a list of int labels,
one per point. Everything random comes from random.Random(seed), so the same arguments
give the same data on every machine.

Labels: binary datasets give 0 and 1 by default, what binary_cross_entropy and
bce_with_logits expect; signed=True gives -1 and +1 instead, what hinge expects (class 0
becomes -1). spirals with more than two classes gives 0 .. classes-1, for cross_entropy.

Noise is the standard deviation of Gaussian noise added to each coordinate.
"""

from __future__ import annotations

import math
import random

from nn.checks import check_int, check_nonnegative, is_number

Dataset = tuple[list[list[float]], list[int]]


def xor(signed: bool = False) -> Dataset:
    """The four corners of the unit square; label 1 where exactly one coordinate is 1.

    No straight line separates the two classes, so a single neuron cannot fit it: the
    classic reason networks need a hidden layer.
    """
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    return X, _labels([0, 1, 1, 0], signed)


def moons(n: int = 100, noise: float = 0.1, seed: int = 0, signed: bool = False) -> Dataset:
    """Two interleaving half circles (scikit-learn's make_moons, shuffled).

    Class 0: (cos t, sin t) for n//2 angles t evenly in [0, pi] (the upper moon).
    Class 1: (1 - cos t, 0.5 - sin t) for the other n - n//2 points (the lower moon).
    """
    check_int(n, "moons(n=...)", least=2)
    check_nonnegative(noise, "moons(noise=...), a standard deviation,")
    rng = random.Random(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    points = [([math.cos(t), math.sin(t)], 0) for t in _evenly(0.0, math.pi, n_upper)]
    points += [([1.0 - math.cos(t), 0.5 - math.sin(t)], 1)
               for t in _evenly(0.0, math.pi, n_lower)]
    return _finish(points, noise, rng, signed)


def circles(n: int = 100, noise: float = 0.1, factor: float = 0.5, seed: int = 0,
            signed: bool = False) -> Dataset:
    """A circle of radius `factor` (class 1) inside the unit circle (class 0).

    As scikit-learn's make_circles: n//2 points on the outer circle and the rest on the
    inner, at angles evenly spaced around the full turn; 0 < factor < 1.
    """
    check_int(n, "circles(n=...)", least=2)
    check_nonnegative(noise, "circles(noise=...), a standard deviation,")
    if not is_number(factor) or not 0 < factor < 1:
        raise ValueError(f"circles(factor=...) is the inner radius, a number in (0, 1); "
                         f"got {factor!r}")
    rng = random.Random(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    points = [([math.cos(t), math.sin(t)], 0) for t in _around(n_outer)]
    points += [([factor * math.cos(t), factor * math.sin(t)], 1) for t in _around(n_inner)]
    return _finish(points, noise, rng, signed)


def spirals(n: int = 100, classes: int = 2, noise: float = 0.1, seed: int = 0,
            signed: bool = False) -> Dataset:
    """`classes` spiral arms winding out of the origin, one per class.

    Arm c gets n // classes points (the first n % classes arms one more). Its i-th point
    of m sits at radius r = i / (m - 1) and angle 2 pi c / classes + 4 r (radians): each
    arm turns by 4 radians (about 230 degrees) on its way out.
    """
    check_int(classes, "spirals(classes=...)", least=2)
    check_int(n, f"spirals(n=...) with {classes} classes", least=2 * classes)
    check_nonnegative(noise, "spirals(noise=...), a standard deviation,")
    if signed and classes != 2:
        raise ValueError(f"signed=True gives -1/+1 labels, which only exist for 2 classes, "
                         f"not {classes}; use cross_entropy with labels 0 .. {classes - 1}")
    rng = random.Random(seed)
    points = []
    for c in range(classes):
        m = n // classes + (1 if c < n % classes else 0)
        for i in range(m):
            r = i / (m - 1)
            angle = 2 * math.pi * c / classes + 4 * r
            points.append(([r * math.cos(angle), r * math.sin(angle)], c))
    return _finish(points, noise, rng, signed)


# ---- shared pieces ----------------------------------------------------------------------------
def _evenly(start: float, stop: float, count: int) -> list[float]:
    """count numbers from start to stop inclusive, equally spaced (numpy's linspace)."""
    if count == 1:
        return [start]
    return [start + (stop - start) * i / (count - 1) for i in range(count)]


def _around(count: int) -> list[float]:
    """count angles equally spaced around the circle, starting at 0, not repeating 2 pi."""
    return [2 * math.pi * i / count for i in range(count)]


def _finish(points: list[tuple[list[float], int]], noise: float, rng: random.Random,
            signed: bool) -> Dataset:
    """Add the noise, shuffle (so batches mix the classes) and split into X and y."""
    noisy = [([x0 + rng.gauss(0.0, noise), x1 + rng.gauss(0.0, noise)], label)
             for (x0, x1), label in points]
    rng.shuffle(noisy)
    return [x for x, _ in noisy], _labels([label for _, label in noisy], signed)


def _labels(labels: list[int], signed: bool) -> list[int]:
    """0/1 labels, or -1/+1 with signed=True (0 -> -1, 1 -> +1)."""
    return [2 * label - 1 for label in labels] if signed else labels

