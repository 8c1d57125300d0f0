"""The your_own_op lesson (swish, wrong then right) and `blameflow check FILE`."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

import viz
from demos import check, your_own_op


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def swish_slope(x: float) -> float:
    """d/dx x s(x) = s + x s (1 - s), written out independently of the lesson."""
    return sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x))


# ---- the lesson -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lesson(run_lesson) -> tuple[dict, str, Path]:
    """The lesson run once (quick): its numbers, what it printed, and its folder."""
    return run_lesson(your_own_op)


def test_the_check_catches_the_wrong_derivative_with_the_true_and_the_wrong_slope(lesson):
    numbers, printed, _ = lesson
    wrong = numbers["wrong"]
    x = wrong["x"]
    assert x != 0  # at 0 both rules give 0.5: hypothesis' smallest failure lies beyond
    assert wrong["expected"] == pytest.approx(swish_slope(x), rel=1e-6)
    assert wrong["computed"] == pytest.approx(sigmoid(x), rel=1e-12)
    assert f"hypothesis' smallest failing input: x = {x!r}" in printed
    assert f"expected slope: {wrong['expected']:.6g}" in printed
    assert f"computed slope: {wrong['computed']:.6g}" in printed
    # The gap is the missing half of the product rule, x s (1 - s), shown with its numbers.
    gap = x * sigmoid(x) * (1 - sigmoid(x))
    assert f"= {gap:.6f}: exactly the gap" in printed
    assert gap == pytest.approx(wrong["expected"] - wrong["computed"], rel=1e-6)


def test_the_fix_passes_first_and_second_order(lesson):
    numbers, printed, _ = lesson
    assert numbers["fixed_first_ok"] and numbers["fixed_second_ok"]
    assert numbers["fixed_tried"] == 30  # quick
    assert "swish: the first derivative is right at all 30 inputs tried" in printed
    assert "swish: the second derivative is right at all 30 inputs tried" in printed


def test_swish_in_a_neuron_gives_the_chain_rule_numbers(lesson):
    numbers, printed, _ = lesson
    z = 2.0 * 0.4 + 0.1
    assert numbers["z"] == pytest.approx(z)
    assert numbers["y"] == pytest.approx(z * sigmoid(z))
    assert numbers["slope"] == pytest.approx(swish_slope(z))
    assert numbers["grad_w"] == pytest.approx(swish_slope(z) * 2.0)
    assert numbers["grad_b"] == pytest.approx(swish_slope(z))
    assert numbers["grad_x"] == pytest.approx(swish_slope(z) * 0.4)
    assert f"y = swish(z) = {z * sigmoid(z):.4f}" in printed
    assert f"= {swish_slope(z):.4f} × 2.0 = {numbers['grad_w']:.4f}" in printed


def test_times_is_a_cross_or_a_dot_never_the_letter_x(lesson):
    _, printed, _ = lesson
    assert "x · sigmoid(x)" in printed and "× x" in printed
    assert not re.search(r"[\d)] x [\d(x]", printed), printed


def test_the_graph_draws_swish_by_name_with_its_math(lesson):
    numbers, _, out = lesson
    if viz.available_renderer() is None:
        pytest.skip("no Graphviz renderer: install graphviz (dot) or blameflow[wasm]")
    svg = (out / "graph.svg").read_text()
    assert out / "graph.svg" in numbers["files"]
    assert ">swish</text>" in svg
    assert "swish: d/dx swish(x) = swish(x) + sigmoid(x) · (1 - swish(x))" in svg


def test_the_lessons_my_ops_file_passes_the_check(lesson, capsys):
    numbers, _, out = lesson
    my_ops = out / "my_ops.py"
    assert my_ops in numbers["files"]
    assert check.main([str(my_ops), "--examples", "20"]) == 0
    assert re.search(r"^swish +ok +ok +x = ", capsys.readouterr().out, re.MULTILINE)


def test_the_exercise_in_my_ops_fails_until_the_learner_fixes_it(lesson, tmp_path, capsys):
    """Uncommented, the tanh exercise's derivative (1 - out) is wrong; 1 - out * out is right."""
    _, _, out = lesson
    lines = (out / "my_ops.py").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# Your turn"))
    exercise = tmp_path / "exercise.py"
    exercise.write_text("\n".join(lines[:start + 1] + [line.removeprefix("# ")
                                                       for line in lines[start + 1:]]))
    assert check.main([str(exercise), "--examples", "20"]) == 1
    row = re.search(r"^my_tanh +FAIL +FAIL +x = (\S+): expected (\S+), got (\S+)$",
                    capsys.readouterr().out, re.MULTILINE)
    x, expected, got = (float(number) for number in row.groups())
    assert expected == pytest.approx(1 - math.tanh(x) ** 2, rel=1e-5)
    assert got == pytest.approx(1 - math.tanh(x), rel=1e-5)
    exercise.write_text(exercise.read_text().replace("lambda x, out: 1 - out)",
                                                     "lambda x, out: 1 - out * out)"))
    assert check.main([str(exercise), "--examples", "20"]) == 0


def test_python_m_runs_the_lesson_and_the_check(tmp_path):
    lesson = subprocess.run([sys.executable, "-m", "demos.your_own_op"], cwd=tmp_path,
                            capture_output=True, text=True, check=True)
    assert "swish: the first derivative is wrong." in lesson.stdout
    # without a folder it writes nothing (hypothesis may cache what it read in .hypothesis/)
    assert [path for path in tmp_path.iterdir() if path.name != ".hypothesis"] == []
    ops = write(tmp_path, OPS)
    checked = subprocess.run([sys.executable, "-m", "demos.check", ops, "--examples", "10"],
                             capture_output=True, text=True)
    assert checked.returncode == 1
    assert re.search(r"^bad_swish +FAIL +FAIL ", checked.stdout, re.MULTILINE)


# ---- blameflow check FILE ---------------------------------------------------------------------
OPS = '''
import math
from autograd import primitive, sigmoid

swish = primitive("swish", lambda x: x * sigmoid(x),
                  lambda x, out: out + sigmoid(x) * (1 - out))
bad_swish = primitive("bad_swish", lambda x: x * sigmoid(x), lambda x, out: sigmoid(x))
float_only_exp = primitive("float_only_exp", math.exp, lambda x, out: math.exp(x))
same_swish = swish  # one primitive under two names is checked once
undeclared_log = primitive("undeclared_log", math.log, lambda x, out: 1 / x)  # no domain
'''


def write(folder: Path, text: str, name: str = "my_ops.py") -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


def test_the_table_has_a_row_per_primitive_and_exit_1_when_one_fails(tmp_path, capsys):
    assert check.main([write(tmp_path, OPS), "--examples", "30"]) == 1
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert re.match(r"primitive +first derivative +second derivative +worst input$", lines[0])
    assert re.match(r"swish +ok +ok +x = \S+ \(off by \S+\)$", lines[1])
    row = re.match(r"bad_swish +FAIL +FAIL +x = (\S+): expected (\S+), got (\S+)$", lines[2])
    x, expected, got = (float(number) for number in row.groups())
    assert expected == pytest.approx(swish_slope(x), rel=1e-5)
    assert got == pytest.approx(sigmoid(x), rel=1e-5)
    # math.exp in the rule works on floats (first order) but not on Values (second order)
    assert re.match(r"float_only_exp +ok +FAIL +x = \S+: expected \S+, raised TypeError$",
                    lines[3])
    assert re.match(r"undeclared_log +FAIL +FAIL +x = 0.0: the forward function raised "
                    r"DomainError$",
                    lines[4])
    assert not lines[5].strip()  # four primitives: same_swish is swish
    # the failures' reports follow the table, in words
    assert "bad_swish: the first derivative is wrong." in printed
    assert f"hypothesis' smallest failing input: x = {x!r}" in printed
    assert "float_only_exp: the second derivative is wrong." in printed
    assert "grad(grad(f)) raised TypeError" in printed


def test_exit_0_when_every_primitive_passes(tmp_path, capsys):
    good = OPS.split("bad_swish")[0]
    assert check.main([write(tmp_path, good), "--examples", "30"]) == 0
    assert "FAIL" not in capsys.readouterr().out


@pytest.mark.parametrize(("text", "name", "message"), [
    (None, "missing.py", "no such file: {path}"),
    ("x = = 1\n", "broken.py", "{path} line 1: "),
    ("import autograd\nt = autograd.primitive('tanh', abs, lambda x, out: 1)\n", "clash.py",
     "{path} raised ValueError while loading: 'tanh' is a built-in primitive already"),
    ("x = 1\n", "none.py", "{path} declares no primitive"),
    ("raise ValueError('a\\x1b[31m\\nb')\n", "escape.py",
     "{path} raised ValueError while loading: a\\x1b[31m"),
])
def test_a_file_that_cannot_be_checked_is_one_line_and_exit_2(tmp_path, capsys, text, name,
                                                              message):
    path = write(tmp_path, text, name) if text is not None else str(tmp_path / name)
    assert check.main([path]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("blameflow check: error: " + message.format(path=path))
    assert captured.err.count("\n") == 1 and "\x1b" not in captured.err


def test_a_folder_is_not_a_file(tmp_path, capsys):
    assert check.main([str(tmp_path)]) == 2
    assert f"{tmp_path} is not a file" in capsys.readouterr().err


def test_examples_must_be_a_whole_number_of_at_least_one(tmp_path, capsys):
    assert check.main([write(tmp_path, OPS), "--examples", "0"]) == 2
    assert "expected a whole number of at least 1, got '0'" in capsys.readouterr().err


def test_without_hypothesis_the_check_says_how_to_install_it_and_the_lesson_goes_on(tmp_path):
    """hypothesis is an extra (blameflow[testing]): the command line must work without it."""
    script = ("import sys; sys.modules['hypothesis'] = None\n"  # as if it were not installed
              "from demos import check, your_own_op\n"
              "print(your_own_op.run(None))\n"
              "sys.exit(check.main(['my_ops.py']))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                            text=True)
    assert result.returncode == 2
    assert "(skipped: autograd.testing needs hypothesis" in result.stdout
    assert "{'files': []}" in result.stdout
    assert result.stderr == ("blameflow check: error: autograd.testing needs hypothesis, which "
                             "blameflow's 'testing' extra installs: pip install "
                             "'blameflow[testing]' (or pip install hypothesis)\n")
