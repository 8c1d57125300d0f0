"""CI's script, .ci/run: its scheduling of the suites, with a stand-in for `make test-run`.

The script is sourced (its main runs only when it is run), and its functions run suites whose
"pytest" is a few lines of shell: no venvs, no installs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "run"

# `make test-run VENV=... ...` as .ci/run calls it: runs VENV/fake-pytest (shell that sets
# `code` and prints what pytest would), then leaves the exit status where the Makefile does.
FAKE_MAKE = """#!/bin/sh
for argument; do
    case "$argument" in VENV=*) venv="${argument#VENV=}" ;; esac
done
code=0
. "$venv/fake-pytest"
echo "$code" > "$venv/pytest-exit-code"
exit "$code"
"""


@pytest.fixture(autouse=True)
def needs_bash() -> None:
    if shutil.which("bash") is None:
        pytest.skip("CI's script needs bash")


def run_ci_functions(tmp_path: Path, suites: dict[str, str], commands: str
                     ) -> subprocess.CompletedProcess[str]:
    """Source .ci/run and run `commands` in bash, in tmp_path, where `make` is FAKE_MAKE and
    each suite (a venv folder in tmp_path, by name) runs its shell snippet as its pytest."""
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    (bin_folder / "make").write_text(FAKE_MAKE)
    (bin_folder / "make").chmod(0o755)
    for name, snippet in suites.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "fake-pytest").write_text(snippet)
    env = {**os.environ, "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", f"source {SCRIPT}\n{commands}"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)


def start_all(names: list[str]) -> str:
    """The bash that runs these suites as main does: two at a time, then the report."""
    starts = "".join(f'wait_for_a_free_core\nstart_suite "$PWD/{name}" "suite {name}"\n'
                     for name in names)
    return starts + "finish_all_suites\nreport\n"


def test_the_script_is_valid_bash() -> None:
    result = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_pytest_collecting_no_tests_counts_as_a_pass(tmp_path: Path) -> None:
    result = run_ci_functions(tmp_path, {"empty": "echo 'no tests ran'; code=5"},
                              start_all(["empty"]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "collected no tests (exit 5): counted as a pass" in result.stdout
    assert "passed in" in result.stdout and "CI passed" in result.stdout


def test_a_failing_suite_fails_the_run_after_every_suite_ran(tmp_path: Path) -> None:
    suites = {"first": "echo 'first: 3 passed'",
              "second": "echo 'second: 1 failed, 2 passed'; code=1",
              "third": "echo 'third: 3 passed'"}
    result = run_ci_functions(tmp_path, suites, start_all(list(suites)))
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    # Every suite's output is printed, the failing one's too, and the failure is named.
    assert all(f"{name}: " in out for name in suites), out
    assert "FAILED (exit 1)" in out and "CI failed" in out
    assert out.rstrip().endswith("suite second"), out
    assert out.count("=== passed in") == 2


def test_a_failing_suite_in_the_background_fails_the_run(tmp_path: Path) -> None:
    """The first suite fails while the second is still running: still a failed run."""
    suites = {"strict": "echo 'strict: 1 failed'; code=1",
              "other": "until [ -f strict/pytest-exit-code ]; do sleep 0.05; done"}
    result = run_ci_functions(tmp_path, suites, start_all(list(suites)))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "strict: 1 failed" in result.stdout and "FAILED (exit 1)" in result.stdout


def wait_for(file: str) -> str:
    """Shell that waits (a minute at most) for `file` to exist, else fails the suite."""
    return (f"waited=0\n"
            f"until [ -f {file} ] || [ $waited -ge 600 ]; do\n"
            f"    sleep 0.1; waited=$((waited + 1))\n"
            f"done\n"
            f"[ -f {file} ] || {{ echo 'waited in vain for {file}'; code=1; }}\n")


def test_two_suites_run_at_once_and_a_third_waits(tmp_path: Path) -> None:
    # The first and second end only when the other has started, so they fail if the suites
    # ran one after another; the third notes how many had ended when it started.
    suites = {"first": "touch first.started\n" + wait_for("second.started") + "touch first.ended",
              "second": "touch second.started\n" + wait_for("first.ended") + "touch second.ended",
              "third": "ls *.ended | wc -l > third.saw"}
    result = run_ci_functions(tmp_path, suites, start_all(list(suites)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert int((tmp_path / "third.saw").read_text()) >= 1
