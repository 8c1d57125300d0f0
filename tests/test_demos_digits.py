"""Lesson 6: an MLP reads handwritten digits (95% on images it never trained on) and
shows the blame on each pixel, d loss/d pixel, checked against finite differences."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from autograd import no_grad
from demos import digits as lesson
from nn import MLP, cross_entropy, digits
from nn.datasets import DIGITS_FILE


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """The whole lesson, run once: about 10 s on one free core (4 epochs, 180 steps)."""
    out = tmp_path_factory.mktemp("digits")
    return lesson.run(out, progress=False), out


def test_the_bundled_digits_are_the_published_file() -> None:
    packed = (Path(__file__).parents[1] / "nn" / DIGITS_FILE).read_bytes()
    assert hashlib.sha256(packed).hexdigest() == (
        "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22")
    X, y = digits()
    assert len(X) == len(y) == 1797
    assert all(len(row) == 64 and all(0.0 <= p <= 1.0 and (16 * p).is_integer() for p in row)
               for row in X)
    counts = Counter(y)
    assert sorted(counts) == list(range(10)) and min(counts.values()) >= 170
    # The first image is a 0: ink round the edge of the middle, none in its centre.
    assert y[0] == 0 and X[0][3 * 8 + 3] == 0.0 and X[0][3 * 8 + 2] == 12 / 16


@pytest.mark.slow
def test_the_network_reads_95_percent_of_the_test_images(trained) -> None:
    numbers, _ = trained
    assert numbers["test_accuracy"] >= 0.95
    assert len(numbers["history"]) == 4 * 45  # 4 passes of 45 minibatches of 32 (or fewer)
    assert numbers["history"].loss[-1] < numbers["history"].loss[0] / 10


@pytest.mark.slow
def test_the_lesson_draws_right_and_wrong_answers_with_their_blame(trained, capsys) -> None:
    numbers, out = trained
    examples = numbers["examples"]
    right = [e for e in examples if e["said"] == e["digit"]]
    wrong = [e for e in examples if e["said"] != e["digit"]]
    assert len(right) == len(wrong) == lesson.EXAMPLES
    # A wrong answer carries far more blame than a right one.
    largest = [max(abs(g) for g in e["blame"]) for e in examples]
    assert min(largest[lesson.EXAMPLES:]) > max(largest[:lesson.EXAMPLES])
    assert (out / "pixel_blame.png").stat().st_size > 0
    assert (out / "pixel_blame.png") in numbers["files"]


def test_pixel_blame_is_the_derivative_of_the_loss() -> None:
    # Central differences on a few pixels of one image, through an untrained network.
    model = MLP(64, [8, 10], seed=3)
    X, y = digits()
    image, digit = X[5], y[5]
    blame, probabilities = lesson.pixel_blame(model, image, digit)
    assert sum(probabilities) == pytest.approx(1.0)

    def loss_at(pixels: list[float]) -> float:
        with no_grad():
            return cross_entropy([model(pixels)], [digit]).data

    h = 1e-6
    for pixel in (0, 19, 36, 63):
        up, down = list(image), list(image)
        up[pixel] += h
        down[pixel] -= h
        slope = (loss_at(up) - loss_at(down)) / (2 * h)
        assert blame[pixel] == pytest.approx(slope, rel=1e-5, abs=1e-8), pixel
