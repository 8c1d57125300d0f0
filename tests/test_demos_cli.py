"""The `blameflow` command: tour, lesson, expr, --help, and one-line usage errors."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("args", [[], ["tour"], ["lesson"], ["expr"]])
def test_help_on_every_command(args):
    result = blameflow(*args, "--help")
    assert result.returncode == 0 and "usage: blameflow" in result.stdout


def test_the_tour_writes_every_file_it_lists(tmp_path):
    result = blameflow("tour", "--out", str(tmp_path))
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
