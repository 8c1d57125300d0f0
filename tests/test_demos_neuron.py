"""Lesson 1 prints the neuron's real numbers (0.7109...) and gradients from the chain rule."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest

from demos import neuron


def test_neuron_lesson_numbers(tmp_path, capsys):
    numbers = neuron.run(tmp_path)
    a = 1 / (1 + math.exp(-0.9))
    assert numbers["a"] == pytest.approx(a) and f"{numbers['a']:.4f}" == "0.7109"
    assert numbers["grad_w"] == pytest.approx(2 * (a - 1) * a * (1 - a) * 2.0)
    assert numbers["grad_b"] == pytest.approx(2 * (a - 1) * a * (1 - a))
    printed = capsys.readouterr().out
    assert "0.7109" in printed and f"{numbers['grad_w']:.4f}" in printed
    # Times is ×, never the letter x, which is the neuron's input.
    assert "-0.5781 × 0.2055 × 2.0" in printed
    assert not re.search(r"[\d)] x [\d(x]", printed), printed


def test_python_m_demos_runs_the_neuron_lesson(tmp_path):
    result = subprocess.run([sys.executable, "-m", "demos", "lesson", "neuron", "--out",
                             str(tmp_path)], capture_output=True, text=True, check=True)
    assert "a = sigmoid(z) = 0.7109" in result.stdout
