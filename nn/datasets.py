"""Toy datasets for classification in two dimensions, in pure Python, and one real one:
handwritten digits (digits(), read from a file bundled with nn; see nn/data/README.md).

Each function returns (X, y): X a list of [x0, x1] points (floats), y a list of int labels,
one per point. Everything random comes from random.Random(seed), so the same arguments
give the same data on every machine.

Labels: binary datasets give 0 and 1 by default, what binary_cross_entropy and
bce_with_logits expect; signed=True gives -1 and +1 instead, what hinge expects (class 0
becomes -1). spirals with more than two classes gives 0 .. classes-1, for cross_entropy.

Noise is the standard deviation of Gaussian noise added to each coordinate.
"""

from __future__ import annotations

import gzip
import math
import random
from importlib import resources

from nn.checks import check_int, check_nonnegative, is_number

Dataset = tuple[list[list[float]], list[int]]

DIGITS_FILE = "data/digits.csv.gz"  # inside the nn package
DIGIT_PIXELS = 64                   # 8 x 8, row by row from the top left
DIGIT_INK = 16                      # the largest pixel value in the file: all ink


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


def digits() -> Dataset:
    """1,797 handwritten digits, 8 x 8 pixels each: the UCI "optdigits" test set, as
    scikit-learn's load_digits has it (the file and its licences: nn/data/README.md).

    X: one row of 64 floats per image, row by row from the top left: pixel p of row r is
    X[i][8 r + p]. The file's pixels count ink from 0 to 16; they are divided by 16, so
    0.0 is blank paper and 1.0 full ink, inputs of the size a network starts well with.
    y: the digit each image shows, 0 .. 9, as cross_entropy expects.
    The rows come in the file's order (not shuffled): split them with your own seed.
    """
    X: list[list[float]] = []
    y: list[int] = []
    with resources.files("nn").joinpath(DIGITS_FILE).open("rb") as packed, \
            gzip.open(packed, "rt", encoding="ascii") as lines:
        for number, line in enumerate(lines, start=1):
            *pixels, digit = (int(field) for field in line.split(","))
            if len(pixels) != DIGIT_PIXELS or not 0 <= digit <= 9 or \
                    not all(0 <= p <= DIGIT_INK for p in pixels):
                raise ValueError(f"nn/{DIGITS_FILE} line {number} is not 64 pixels in "
                                 f"0..{DIGIT_INK} and a digit 0..9; reinstall blameflow")
            X.append([p / DIGIT_INK for p in pixels])
            y.append(digit)
    return X, y


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

