"""Datasets: shapes, label conventions, the geometry they promise, seeding, bad arguments."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import circles, moons, spirals, xor

MAKERS = {"moons": moons, "circles": circles, "spirals": spirals}


def test_xor_is_the_four_corners_with_exclusive_or_labels() -> None:
    X, y = xor()
    assert X == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert y == [0, 1, 1, 0]
    assert xor(signed=True)[1] == [-1, 1, 1, -1]


@settings(max_examples=20)
@given(name=st.sampled_from(sorted(MAKERS)), n=st.integers(4, 60), seed=st.integers(0, 10**6))
def test_shapes_labels_and_balance(name: str, n: int, seed: int) -> None:
    X, y = MAKERS[name](n, seed=seed)
    assert len(X) == len(y) == n
    assert all(len(x) == 2 and all(isinstance(v, float) for v in x) for x in X)
    assert set(y) == {0, 1}
    assert abs(y.count(0) - y.count(1)) <= 1
    signed = MAKERS[name](n, seed=seed, signed=True)
    assert signed[0] == X and signed[1] == [2 * label - 1 for label in y]


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_same_seed_same_data_and_the_global_random_state_is_untouched(name: str) -> None:
    random.seed(7)
    expected = random.random()
    random.seed(7)
    first = MAKERS[name](50, seed=3)
    assert random.random() == expected
    assert MAKERS[name](50, seed=3) == first
    assert MAKERS[name](50, seed=4) != first


def test_noise_free_moons_lie_on_their_half_circles() -> None:
    X, y = moons(40, noise=0.0)
    for (x0, x1), label in zip(X, y):
        if label == 0:
            assert math.hypot(x0, x1) == pytest.approx(1.0) and x1 >= -1e-12
        else:
            assert math.hypot(x0 - 1.0, x1 - 0.5) == pytest.approx(1.0) and x1 <= 0.5 + 1e-12


def test_noise_free_circles_have_radius_one_and_factor() -> None:
    X, y = circles(40, noise=0.0, factor=0.3)
    radii = {label: {round(math.hypot(*x), 12) for x, lab in zip(X, y) if lab == label}
             for label in (0, 1)}
    assert radii == {0: {1.0}, 1: {0.3}}


def test_the_data_is_shuffled_so_batches_mix_the_classes() -> None:
    _, y = moons(100)
    assert y != sorted(y)
    assert 0 < sum(y[:20]) < 20


def test_spirals_with_three_classes_for_cross_entropy() -> None:
    X, y = spirals(31, classes=3, noise=0.0)
    assert sorted(set(y)) == [0, 1, 2] and [y.count(c) for c in range(3)] == [11, 10, 10]
    # every arm starts at the origin and ends at radius 1
    radii = sorted(math.hypot(*x) for x in X)
    assert radii[:3] == [0.0, 0.0, 0.0] and radii[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("call, message", [
    (lambda: moons(1), r"moons\(n=...\) must be an int >= 2"),
    (lambda: moons(10.0), "int"),
    (lambda: moons(10, noise=-0.1), "standard deviation"),
    (lambda: circles(10, factor=1.0), "inner radius"),
    (lambda: spirals(10, classes=1), "classes"),
    (lambda: spirals(5, classes=3), "n=...\\) with 3 classes must be an int >= 6"),
    (lambda: spirals(30, classes=3, signed=True), "only exist for 2 classes"),
])
def test_bad_arguments_are_named(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
