"""The `blameflow` command: tour, lesson, expr, --help, and one-line errors for anything."""

from __future__ import annotations

import contextlib
import io
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

from demos import xor
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


@pytest.mark.parametrize("args", [[], ["tour"], ["lesson"], ["expr"]])
def test_help_on_every_command(args):
    result = blameflow(*args, "--help")
    assert result.returncode == 0 and "usage: blameflow" in result.stdout


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
    assert err.startswith(f"blameflow {command[0]}: error: cannot write the pictures in ")
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
