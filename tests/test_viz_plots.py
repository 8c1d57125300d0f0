"""Training plots: valid PNGs of the requested size that show what they should."""

from __future__ import annotations

import struct
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograd import Value
from viz import plot_decision_boundary, plot_history
from viz.style import NEGATIVE, POSITIVE

matplotlib = pytest.importorskip("matplotlib", reason="plots need pip install blameflow[plot]")


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the PNG signature and IHDR chunk, the first 24 bytes."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR"
    return struct.unpack(">II", header[16:24])


def pixel(path: Path, x_fraction: float, y_fraction: float) -> tuple[float, float, float]:
    image = matplotlib.image.imread(path)
    height, width = image.shape[:2]
    red, green, blue = image[int(y_fraction * height), int(x_fraction * width)][:3]
    return float(red), float(green), float(blue)


def test_history_is_a_png_of_the_requested_size(tmp_path: Path) -> None:
    history = SimpleNamespace(loss=[1.0 / (step + 1) for step in range(50)],
                              accuracy=[min(1.0, step / 40) for step in range(50)],
                              lr=[0.1] * 50, seconds=[0.01] * 50)
    path = plot_history(history, tmp_path / "history.png", figsize=(7, 3), dpi=80)
    assert png_size(path) == (560, 240)


def test_history_without_accuracy_and_as_a_dict(tmp_path: Path) -> None:
    path = plot_history({"loss": [3.0, 2.0, 1.5]}, tmp_path / "loss.png", figsize=(4, 3),
                        dpi=50)
    assert png_size(path) == (200, 150)


def test_history_without_loss_says_what_it_needs(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="needs an object with a `loss` list"):
        plot_history(SimpleNamespace(accuracy=[0.5]), tmp_path / "x.png")


def test_decision_boundary_separates_the_two_sides(tmp_path: Path) -> None:
    # Score x1: positive on the right, negative on the left; the points sit in the corners.
    X = [[-2.0, -2.0], [-2.0, 2.0], [2.0, -2.0], [2.0, 2.0]]
    y = [-1, -1, 1, 1]
    path = plot_decision_boundary(lambda point: Value(point[0]) * 1.0, X, y,
                                  tmp_path / "boundary.png", figsize=(4, 4), dpi=60)
    assert png_size(path) == (240, 240)
    left, right = pixel(path, 0.3, 0.5), pixel(path, 0.75, 0.5)
    assert left[2] > left[0], f"left half should be blue-ish ({NEGATIVE}), got {left}"
    assert right[0] > right[2], f"right half should be red-ish ({POSITIVE}), got {right}"


def test_threshold_moves_the_boundary(tmp_path: Path) -> None:
    # A sigmoid-like score in (0, 1) with 0/1 labels: threshold 0.5 puts the boundary at
    # x1 = 0; with threshold 0.9 most of the picture is on the negative side.
    X, y = [[-2.0, 0.0], [2.0, 0.0]], [0, 1]

    def model(point: list[float]) -> list[Value]:
        return [Value(point[0]).sigmoid()]  # a one-output network may return a list

    at_half = plot_decision_boundary(model, X, y, tmp_path / "half.png", threshold=0.5)
    at_high = plot_decision_boundary(model, X, y, tmp_path / "high.png", threshold=0.9)
    spot = (0.65, 0.3)  # x1 a little above 0
    assert pixel(at_half, *spot)[0] > pixel(at_half, *spot)[2]
    assert pixel(at_high, *spot)[2] > pixel(at_high, *spot)[0]


def test_decision_boundary_rejects_bad_input(tmp_path: Path) -> None:
    def model(point: list[float]) -> float:
        return point[0]

    with pytest.raises(ValueError, match="2 points in X but 3 labels"):
        plot_decision_boundary(model, [[0, 0], [1, 1]], [0, 1, 1], tmp_path / "a.png")
    with pytest.raises(ValueError, match="point 1 has 3 coordinates"):
        plot_decision_boundary(model, [[0, 0], [1, 1, 1]], [0, 1], tmp_path / "a.png")
    with pytest.raises(ValueError, match="end the file name with .png"):
        plot_decision_boundary(model, [[0, 0], [1, 1]], [0, 1], tmp_path / "a.svg")
    with pytest.raises(TypeError, match="must return a Value or a number.*str"):
        plot_decision_boundary(lambda p: "yes", [[0, 0], [1, 1]], [0, 1], tmp_path / "a.png")
