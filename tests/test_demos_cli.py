"""The `blameflow` command: tour, lesson (and its options), expr, --help, --version, and
one-line errors for anything."""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import inspect
import io
import math
import os
import re
import stat
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import TABLE
from demos import cli, expression, hidden_layer, options, training_loop, xor
from demos.cli import LESSONS, main


def blameflow(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "demos", *args], capture_output=True,
                          text=True, timeout=300)


def test_expr_prints_value_and_every_gradient(capsys):
    assert main(["expr", "tanh(x*w + b)", "x=2", "w=0.4", "b=0.1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "value = 0.716298"
    assert lines[1:] == ["d/dx = 0.194767", "d/dw = 0.973835", "d/db = 0.486917"]


def test_expr_draws_the_graph(tmp_path):
    svg = tmp_path / "g.svg"
    assert main(["expr", "x*w", "x=2", "w=3", "--svg", str(svg)]) == 0
    texts = [element.text or "" for element in ElementTree.parse(svg).iter()
             if element.tag.endswith("text")]
    shown = " ".join(texts)
    # the product's box shows data 6; x's box shows grad 3 (= w), w's box grad 2 (= x)
    assert "data 6" in shown and "grad 3" in shown and "grad 2" in shown, shown


@pytest.mark.parametrize("expression", [
    "__import__('os')", "().__class__", "10**10**10", "x" * 10_000,
    "open('/etc/passwd').read()", "[c for c in ()]",
])
def test_hostile_expressions_exit_2_with_one_line(expression):
    result = blameflow("expr", expression)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("blameflow expr: error:")


@pytest.mark.parametrize("args", [["bogus"], ["lesson", "nope"], ["expr"], ["tour", "--x"]])
def test_usage_errors_exit_2_with_one_line(args):
    result = blameflow(*args)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_quick_trains_a_few_steps_and_a_lesson_says_how_many(tmp_path, capsys):
    assert main(["lesson", "xor", "--quick", "--out", str(tmp_path)]) == 0
    said = capsys.readouterr().out
    assert f"{xor.QUICK_STEPS} Adam steps" in said and f"{xor.STEPS} Adam steps" not in said
    assert (tmp_path / "xor" / "boundary_hidden_layer.png").stat().st_size > 0


@pytest.mark.parametrize("args", [[], ["tour"], ["lesson"], ["expr"],
                                  *(["lesson", name] for name in LESSONS)])
def test_help_on_every_command(args):
    result = blameflow(*args, "--help")
    assert result.returncode == 0 and "usage: blameflow" in result.stdout


def test_blameflow_alone_lists_the_commands_and_runs_nothing(tmp_path):
    result = subprocess.run([sys.executable, "-m", "demos"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0 and result.stderr == ""
    for command in ("tour", "lesson", "expr", "check"):
        assert re.search(rf"^\s+{command}\s+\w", result.stdout, re.MULTILINE), command
    assert "Lesson 1" not in result.stdout and list(tmp_path.iterdir()) == []  # no tour
    assert "(the default)" not in blameflow("--help").stdout


@pytest.mark.parametrize("derivative, status, verdict", [
    ("out + sigmoid(x) * (1 - out)", 0, "ok"),
    ("sigmoid(x)", 1, "FAIL"),  # the product rule forgotten
])
def test_check_is_a_command_of_blameflow(tmp_path, capsys, derivative, status, verdict):
    ops = tmp_path / "my_ops.py"
    ops.write_text("from autograd import primitive, sigmoid\n"
                   "swish = primitive('swish', lambda x: x * sigmoid(x),\n"
                   f"                  lambda x, out: {derivative})\n")
    assert main(["check", str(ops), "--examples", "20"]) == status
    row = next(line for line in capsys.readouterr().out.splitlines()
               if line.startswith("swish"))
    assert row.split()[1] == verdict


def test_check_usage_errors_are_one_line(capsys, tmp_path):
    assert main(["check"]) == 2
    assert main(["check", str(tmp_path / "missing.py")]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith("blameflow check: error: ") for line in lines)


def test_version_is_the_installed_distributions(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"blameflow {importlib.metadata.version('blameflow')}\n"


def test_version_from_a_source_tree_that_was_never_installed(monkeypatch):
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    declared = re.search(r'^version = "(.+)"', Path("pyproject.toml").read_text(), re.M)[1]
    assert cli.version() == f"{declared} (not installed)"


def test_expr_help_lists_every_operator_and_function_a_formula_may_use(capsys):
    assert main(["expr", "--help"]) == 0
    shown = capsys.readouterr().out
    for name in expression.FUNCTIONS:
        assert re.search(rf"^  {name}\(x[^)]*\)\s+d/dx", shown, re.MULTILINE), name
    for kind in (*expression.BINARY, *expression.UNARY):
        written, primitive = expression.OPERATORS[kind]
        assert f"  {written} " in shown
        if primitive:
            assert TABLE[primitive].math in shown
    assert "leaky_relu(x, slope=0.01)" in shown


def test_every_lesson_option_reaches_its_run():
    # A lesson declares options with add_options; run must accept each by its name.
    declaring = {name: lesson for name, lesson in LESSONS.items()
                 if hasattr(lesson, "add_options")}
    assert {"training_loop", "hidden_layer"} <= set(declaring)
    for name, lesson in declaring.items():
        parser = argparse.ArgumentParser()
        lesson.add_options(parser)
        options = vars(parser.parse_args([]))
        inspect.signature(lesson.run).bind(None, quick=True, **options)
        for action in parser._actions[1:]:
            assert action.help and len(action.help) > 40, (name, action.dest)


@pytest.mark.parametrize("lesson, words", [
    ("training_loop", ["--lr", "creeps", "overshoots", "diverges", "comparing", "--epochs",
                       "--w", "--b"]),
    ("hidden_layer", ["--hidden", "--lr", "--weights", "NAME=VALUE", "comparing"]),
])
def test_lesson_help_says_what_each_option_teaches(capsys, lesson, words):
    assert main(["lesson", lesson, "--help"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    for word in words:
        assert word in shown, word


def test_the_course_task_of_lesson_2_from_the_command_line(tmp_path, capsys):
    assert main(["lesson", "training_loop", "--lr", "0.05", "--epochs", "50", "--w", "0.4",
                 "--b", "0.1", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    losses = training_loop.train(0.05, 50, 0.4, 0.1)[0]
    assert "Start: w = 0.4, b = 0.1; 50 epochs" in printed
    assert f"{losses[49]:.4g}" in printed and "lr 0.05: creeps" in printed
    for name in ("loss.png", "training.html"):
        assert (tmp_path / "training_loop" / name).stat().st_size > 0


@pytest.mark.parametrize("args, runs", [
    (["training_loop", "--lr", "0.1", "1", "10", "--epochs", "5"], ["lr 0.1", "lr 1", "lr 10"]),
    (["hidden_layer", "--hidden", "2", "8", "--epochs", "5"],
     ["2 hidden neurons", "8 hidden neurons"]),
])
def test_several_values_write_one_comparison_page_and_say_where(tmp_path, capsys, args, runs):
    assert main(["lesson", *args, "--out", str(tmp_path)]) == 0
    page = tmp_path / args[0] / "training.html"
    assert f"open {page}" in capsys.readouterr().out
    data = page.read_text()
    assert all(f'"label":"{label}"' in data for label in runs)


def test_the_course_task_of_lesson_3_from_the_command_line(tmp_path, capsys):
    assert main(["lesson", "hidden_layer", "--hidden", "4", "--lr", "0.5", "--weights",
                 "w1=0.9", "b5=-0.2", "--epochs", "5", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    history = hidden_layer.record(hidden_layer.start_values(4, {"w1": 0.9, "b5": -0.2}), 5, 0.5)
    assert "4 hidden neurons; forward:" in printed and "training, lr 0.5, 5 steps" in printed
    assert f"{history.loss[0]:.4g}" in printed and f"{history.loss[4]:.4g}" in printed


@given(st.floats() | st.text(max_size=12))
def test_a_number_option_takes_finite_numbers_only_and_says_so_otherwise(typed):
    text = repr(typed) if isinstance(typed, float) else typed
    try:
        value = options.number(text)
    except argparse.ArgumentTypeError as error:
        assert str(error).startswith(("expected a number, got", "expected a finite number"))
        assert not (isinstance(typed, float) and math.isfinite(typed))
    else:
        assert math.isfinite(value) and value == float(text)


@given(st.text(max_size=8) | st.integers(-5, 10**6).map(str))
def test_a_count_option_takes_whole_numbers_from_1_up_to_its_limit(text):
    check = options.whole_number_up_to(1000)
    try:
        value = check(text)
    except argparse.ArgumentTypeError as error:
        assert "expected a whole number" in str(error)
        assert not (text.isascii() and text.isdigit() and 1 <= int(text) <= 1000)
    else:
        assert 1 <= value <= 1000 and value == int(text)


@pytest.mark.parametrize("args, message", [
    (["training_loop", "--lr", "0"], "argument --lr: expected a number above 0, got '0'"),
    (["training_loop", "--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
    (["training_loop", "--lr", "inf"], "argument --lr: expected a finite number"),
    (["training_loop", "--epochs", "0"], "--epochs: expected a whole number of at least 1"),
    (["training_loop", "--epochs", "10000000"], "--epochs: expected a whole number up to"),
    (["training_loop", "--w", "nan"], "argument --w: expected a finite number"),
    (["training_loop", "--hidden", "3"], "unrecognized arguments: --hidden 3"),
    (["hidden_layer", "--hidden", "0"], "--hidden: expected a whole number of at least 1"),
    (["hidden_layer", "--hidden", "99"], "--hidden: expected a whole number up to 32"),
    (["hidden_layer", "--weights", "w1"], "--weights: expected NAME=VALUE such as w1=0.4"),
    (["hidden_layer", "--weights", "w9=1"], "a network with 2 hidden neurons has no 'w9'"),
    (["hidden_layer", "--weights", "w1=1", "w1=2"], "gives w1 twice"),
    (["hidden_layer", "--lr", "1", "2"], "unrecognized arguments: 2"),
])
def test_bad_lesson_options_are_one_line_and_exit_2(capsys, tmp_path, args, message):
    assert main(["lesson", *args, "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert len(captured.err.splitlines()) == 1, captured.err
    assert captured.err.startswith(f"blameflow lesson {args[0]}: error: ")
    assert message in captured.err
    assert not (tmp_path / args[0]).exists()  # nothing ran


@pytest.mark.slow
def test_the_tour_writes_every_file_it_lists(tmp_path):
    # --quick trains a few steps only; the files are the same (the next test: it is quick).
    result = blameflow("tour", "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("files:\n", 1)[1].split()
    for name in LESSONS:
        assert any(Path(path).parent.name == name for path in listed), name
    assert listed and all(Path(path).is_file() and Path(path).stat().st_size > 0
                          for path in listed)
    # lessons 1 and 3 each show a graph and an explorer page
    for lesson in ("neuron", "hidden_layer"):
        for name in ("graph.svg", "explorer.html"):
            assert str(tmp_path / lesson / name) in listed
    # the lessons that train write a training page, and the summary lists it
    for lesson in ("training_loop", "hidden_layer", "xor", "moons"):
        assert str(tmp_path / lesson / "training.html") in listed, lesson


# ---- every failure of expr: one line on stderr, exit status 2, no traceback -------------
def expr_fails(capsys, *args: str) -> str:
    """Run `blameflow expr args` in-process; check the one-line failure, return the line."""
    assert main(["expr", *args]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("blameflow"), err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("args, message", [
    (["sqrt(x)", "x=0"], "gradients cannot be computed: backward through sqrt"),
    (["x**0.5", "x=0"], "gradients cannot be computed: backward through pow"),
    (["1e309"], "too large for a float"),
    (["x * 2e308", "x=1"], "too large for a float"),
])
def test_math_that_cannot_be_done_is_one_line(capsys, args, message):
    assert message in expr_fails(capsys, *args)


def test_unwritable_or_wrong_output_paths_are_one_line(capsys, tmp_path):
    (tmp_path / "folder.svg").mkdir()
    (tmp_path / "file").write_text("")
    cases = [("--svg", tmp_path / "folder.svg", "is a folder"),
             ("--html", tmp_path / "folder.svg", "is a folder"),
             ("--svg", tmp_path / "file" / "g.svg", "Not a directory"),
             ("--html", tmp_path / "file" / "g.html", "Not a directory"),
             ("--svg", tmp_path / "g.txt", "end the file name with .svg")]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.svg")
        cases += [("--svg", tmp_path / "pipe.svg", "named pipe (FIFO)"),
                  ("--html", tmp_path / "pipe.svg", "named pipe (FIFO)")]
    for flag, path, message in cases:
        line = expr_fails(capsys, "x*w", "x=1", "w=2", flag, str(path))
        assert f"{flag} {path}: " in line and message in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["folder.svg", "file"] + (["pipe.svg"] if hasattr(os, "mkfifo") else []))


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_is_never_replaced(capsys):
    assert "character device" in expr_fails(capsys, "x", "x=1", "--html", "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_missing_folders_of_an_output_path_are_made(capsys, tmp_path):
    svg = tmp_path / "new" / "folder" / "g.svg"
    assert main(["expr", "x*w", "x=1", "w=2", "--svg", str(svg)]) == 0
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {svg}"


def test_a_graph_over_the_cap_names_the_flag_that_draws_it(capsys, tmp_path):
    svg = tmp_path / "g.svg"
    line = expr_fails(capsys, "tanh(x*w + b)", "x=2", "w=0.4", "b=0.1", "--svg", str(svg),
                      "--max-nodes", "5")
    assert "over --max-nodes 5" in line and not svg.exists()
    assert "draw it anyway with a larger --max-nodes, e.g. --max-nodes 20" in line
    assert main(["expr", "tanh(x*w + b)", "x=2", "w=0.4", "b=0.1", "--svg", str(svg),
                 "--max-nodes", "100"]) == 0
    assert svg.is_file()


@pytest.mark.parametrize("args", [
    ["-x*w", "x=1", "w=-2"],
    ["--svg", "{svg}", "-x*w", "x=1", "w=-2"],
    ["-x*w", "--max-nodes", "50", "x=1", "w=-2"],
    ["--", "-x*w", "x=1", "w=-2"],
])
def test_a_formula_may_start_with_minus(capsys, tmp_path, args):
    svg = tmp_path / "g.svg"
    assert main(["expr", *[arg.format(svg=svg) for arg in args]]) == 0
    assert capsys.readouterr().out.splitlines()[:3] == ["value = 2", "d/dx = 2", "d/dw = -1"]


def test_a_mistyped_option_is_still_named(capsys):
    assert main(["expr", "--sgv", "g.svg", "x", "x=1"]) == 2
    assert "unrecognized arguments: --sgv" in capsys.readouterr().err


def test_names_are_compared_as_python_normalises_them(capsys):
    assert main(["expr", "fi * 2", "\ufb01=1"]) == 0
    assert capsys.readouterr().out.splitlines() == ["value = 2", "d/dfi = 2"]


@pytest.mark.parametrize("args", [
    ["expr", "x", "x=\x1b[31mred"],
    ["expr", "x", "x=1", "--svg", "\x1b]0;title\x07.txt"],
    ["expr", "x", "x=1", "--bogus\x1b[2J"],
    ["tour", "--x\x1b[31m\u2028second line"],
    ["expr", "x", "x=\udcff\u202e"],  # a byte that is not UTF-8, a right-to-left override
])
def test_control_characters_in_echoed_text_are_escaped(capsys, args):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in err[:-1])
    assert "\\x1b" in err or "\\udcff" in err


def test_a_flat_sum_of_200_terms_works(capsys):
    assert main(["expr", "+".join(["x"] * 200), "x=0.5"]) == 0
    assert capsys.readouterr().out.splitlines() == ["value = 100", "d/dx = 200"]


def test_unused_assignments_are_named_a_few_at_a_time(capsys):
    line = expr_fails(capsys, "x", "x=1", *[f"v{i}=1" for i in range(30)])
    assert "v0, v1, v2 and 27 more assigned but not in the expression" in line


@pytest.mark.parametrize("command", [["lesson", "neuron"], ["tour"]])
def test_an_out_folder_that_cannot_be_made_is_one_line(capsys, tmp_path, command):
    (tmp_path / "file").write_text("")
    assert main([*command, "--out", str(tmp_path / "file")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert err.startswith(f"blameflow {' '.join(command)}: error: cannot write the pictures in ")
    assert "Not a directory" in err or "exists" in err


@pytest.mark.parametrize("count", ["0", "-3", "\u00b2", "1.5", "many"])
def test_max_nodes_must_be_a_whole_number_of_at_least_1(capsys, count):
    assert "--max-nodes: expected a whole number of at least 1" in expr_fails(
        capsys, "x", "x=1", "--max-nodes", count)


def test_main_returns_the_status_instead_of_exiting(capsys):
    assert main(["expr", "--help"]) == 0
    assert "usage: blameflow expr" in capsys.readouterr().out
    assert main(["lesson", "nope"]) == 2


# ---- fuzz: nothing typed on the command line makes expr crash ----------------------------
NAMES = ["x", "y", "w", "fi", "\ufb01", "exp", "_", "\u00e9"]
NUMBERS = ["0", "1", "2.5", "-1", "1e309", "1e-320", "9" * 40, "nan", "inf", "0x10", "1_0"]
FUNCTIONS = ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "softplus", "abs", "open",
             "__import__"]


def formulas() -> st.SearchStrategy[str]:
    """Formula-like text from a small grammar: mostly valid, often at a domain's edge."""
    leaves = st.sampled_from(NAMES) | st.sampled_from(NUMBERS) | st.floats().map(repr)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", " ** -"]), inner)
            .map("".join),
            inner.map(lambda e: f"({e})"), inner.map(lambda e: f"-{e}"),
            st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"leaky_relu({t[0]}, {t[1]})"),
            st.integers(2, 210).map(lambda n: "+".join(["x"] * n)))

    return st.recursive(leaves, extend, max_leaves=25)


FORMULAS = formulas()


VALUES = st.sampled_from(["0", "1", "-1", "0.5", "-2.5", "1e-320", "1e308", "nan", "x"]) \
    | st.floats().map(repr)
ASSIGNMENTS = st.lists(
    st.tuples(st.sampled_from(NAMES), VALUES).map("=".join)
    | st.sampled_from(["x=1.5", "y=-2", "w=0", "=", "x", "x==1", "x=\x1b[31m", "\udcff=1"])
    | st.text(max_size=12), max_size=5)
OPTIONS = st.lists(st.sampled_from(["--", "-h", "--max-nodes", "1", "-x", "--x", "-1", "-"])
                   | st.text(max_size=6), max_size=2)


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """expr's arguments: a formula (mostly from the grammar), then either a value for each
    name it seems to use (so that many runs get as far as the gradients) or arbitrary
    assignments, and now and then stray options."""
    text = draw(FORMULAS if draw(st.integers(0, 3)) else st.text(max_size=80))
    if draw(st.integers(0, 3)):
        # Words not inside a number (the e of 1e309), other than the function names.
        names = dict.fromkeys(re.findall(r"(?<![\w.])[^\W\d]\w*", text))
        assignments = [f"{name}={draw(VALUES)}" for name in names
                       if name not in [*FUNCTIONS, "leaky_relu"]]
    else:
        assignments = draw(ASSIGNMENTS)
    options = draw(OPTIONS) if draw(st.integers(0, 3)) == 0 else []
    return ["expr", text, *assignments, *options]


@settings(max_examples=300, derandomize=True)
@given(command_lines())
def test_fuzz_expr_exits_0_or_2_with_one_line_and_never_a_traceback(command_line):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(command_line)  # no exception may escape
    if status == 0:
        assert err.getvalue() == ""
        assert out.getvalue().startswith(("value = ", "usage: blameflow expr"))
    else:
        assert status == 2
        assert len(err.getvalue().splitlines()) == 1
        assert err.getvalue().startswith("blameflow")
        assert "Traceback" not in err.getvalue()
