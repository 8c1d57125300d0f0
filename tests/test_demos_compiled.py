"""The compiled lesson: the generated code it prints and writes is the code that runs, its
numbers are the engine's, and a flipped guard traces again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from demos import compiled


@pytest.fixture(scope="module")
def lesson(run_lesson) -> tuple[dict, str, Path]:
    """The lesson run once (quick): its numbers, what it printed, and its folder."""
    return run_lesson(compiled)


def test_the_printed_code_is_the_written_code_and_it_computes_the_neurons_gradients(lesson):
    """Run the written file's forward and backward by hand on the lesson's neuron: they
    give the loss and the chain-rule gradients worked out on paper."""
    numbers, printed, out = lesson
    written = (out / "neuron_step.py").read_text()
    assert written == numbers["neuron_source"]
    assert all(line.strip() in printed for line in written.splitlines() if line.strip())
    from autograd.primitives import POW

    namespace = {"_forward_pow": POW.forward, "_partial0_pow": POW.partial_rules[0],
                 "_nan": float("nan")}
    exec(compile(written, str(out / "neuron_step.py"), "exec"), namespace)
    w0, w1, b, x0, x1, y = 0.5, -1.0, 0.2, 1.0, -2.0, 1.5
    loss, saved, _ = namespace["forward"]([w0, w1, b], [x0, x1, y])
    z = w0 * x0 + w1 * x1 + b  # 2.7 > 0: relu passes it on
    assert loss == pytest.approx((z - y) ** 2)
    blame = 2 * (z - y)  # d loss / d z
    assert namespace["backward"](1.0, saved) == pytest.approx((blame * x0, blame * x1, blame))


def test_the_compiled_numbers_are_the_interpreted_ones_bit_for_bit(lesson):
    numbers, printed, _ = lesson
    assert numbers["same_numbers"] is True
    assert "agree exactly: True" in printed


def test_the_race_reports_both_times_and_the_moons_code_is_a_loop(lesson):
    numbers, printed, out = lesson
    assert numbers["interpreted_ms"] > 0 and numbers["compiled_ms"] > 0
    assert f"{numbers['interpreted_ms']:.1f} ms per step" in printed
    moons_code = (out / "moons_step.py").read_text()
    assert moons_code == numbers["moons_source"]
    assert "100 samples, each the same graph" in moons_code and "for (s0" in moons_code


def test_a_flipped_guard_traces_again_and_says_why(lesson):
    numbers, printed, _ = lesson
    assert "guard came out differently" in numbers["retrace_reason"]
    assert "node 'error' > 0.5 was True" in printed and "Traced 2 times" in printed


def test_blameflow_lesson_compiled_writes_both_files(tmp_path):
    result = subprocess.run([sys.executable, "-m", "demos", "lesson", "compiled", "--quick",
                             "--out", str(tmp_path)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "compiled").iterdir()) == [
        "moons_step.py", "neuron_step.py"]
    assert "Lesson - compiled" in result.stdout


def test_python_m_demos_compiled_writes_under_out(tmp_path):
    result = subprocess.run([sys.executable, "-m", "demos.compiled"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "compiled" / "neuron_step.py").exists()
