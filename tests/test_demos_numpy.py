"""Lesson 7: the hidden-layer network as NumPy matrices, its backward pass by hand, equal
number for number (to 1e-12) to the gradients blameflow computes Value by Value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos import with_numpy
from nn import MLP

np = pytest.importorskip("numpy", reason="lesson 7 needs pip install blameflow[numpy]")


def test_matrix_gradients_equal_blameflows(capsys, tmp_path) -> None:
    numbers = with_numpy.run(tmp_path)
    assert numbers["largest_difference"] <= 1e-12
    numpy_loss, value_loss = numbers["loss"]
    assert numpy_loss == pytest.approx(value_loss, abs=1e-12)
    shapes = {name: matrix.shape for name, matrix in numbers["numpy"].items()}
    assert shapes == {"W1": (3, 2), "b1": (3, 1), "W2": (1, 3), "b2": (1, 1)}
    printed = capsys.readouterr().out
    assert "dW1 = dZ1 X^T" in printed and "W1 is 3 x 2" in printed
    # Every one of the 13 gradients is printed, NumPy's beside blameflow's.
    assert printed.count("blameflow ") == 3 * 2 + 3 + 3 + 1
    assert numbers["files"] == [tmp_path / "dW1.png"] and (tmp_path / "dW1.png").exists()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), width=st.integers(1, 6),
       targets=st.lists(st.sampled_from([-1.0, 0.0, 0.5, 2.0]), min_size=3, max_size=3))
def test_the_formulas_hold_for_any_weights_width_and_targets(seed, width, targets) -> None:
    X_rows = [[0.3, -1.2], [2.0, 0.5], [-0.7, -0.1]]
    model = MLP(2, [width, 1], activation="tanh", seed=seed)
    by_matrix = with_numpy.numpy_gradients(with_numpy.matrices(model), np.array(X_rows).T,
                                           np.array([targets]))[1]
    by_value = with_numpy.value_gradients(model, X_rows, targets)[1]
    for name in with_numpy.PARAMETERS:
        matrix = by_matrix[name]
        assert matrix.shape == np.array(by_value[name]).shape, name
        assert np.max(np.abs(matrix - np.array(by_value[name]))) <= 1e-12, name


def test_without_numpy_the_lesson_says_how_to_install_it() -> None:
    script = ("import sys; sys.modules['numpy'] = None\n"
              "from demos import with_numpy\n"
              "print(with_numpy.run(None))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).parent.parent)
    assert "(skipped: this lesson needs NumPy: pip install blameflow[numpy])" in result.stdout
    assert "{'files': []}" in result.stdout


def test_python_m_demos_lesson_numpy(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "demos", "lesson", "numpy", "--out",
                             str(tmp_path)], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).parent.parent)
    assert "Lesson 7 - on to NumPy" in result.stdout and "largest difference" in result.stdout
