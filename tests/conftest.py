"""Shared test setup.

Strict mode: CI sets BLAMEFLOW_STRICT=1, and then any skipped test fails the run. Optional
checks (PyTorch cross-checks, Graphviz's dot, the wasm renderer, the headless browser)
skip cleanly on a learner's machine that lacks them, but in CI a skip would hide a
missing install step.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

STRICT = os.environ.get("BLAMEFLOW_STRICT", "") not in ("", "0")

# Helpers that tests import, not tests themselves. --doctest-modules would otherwise import
# each one to look for examples, and torch_reference.py needs PyTorch, which the Pythons
# without a torch wheel lack: its importers skip on their own with importorskip.
collect_ignore = ["torch_reference.py", "notebook_kernel.py", "tripwire.py"]

# Property tests run the same number of examples on every machine; no deadline, since a
# shared CI machine's timing says nothing about correctness. Health checks stay on: a test
# that truly needs one off says so itself, with the reason.
settings.register_profile("blameflow", deadline=None, max_examples=60)
# CI (CI is set): the same examples on every run, so a red build is reproducible, and a
# failure prints the blob that replays it (@reproduce_failure).
settings.register_profile("ci", parent=settings.get_profile("blameflow"), derandomize=True,
                          print_blob=True)
# CI's runs on the other Pythons (BLAMEFLOW_HYPOTHESIS=compatibility, set by .ci/run) check
# that the code runs there: the full search ran on the first Python, so a fifth of the
# examples keeps CI under its 15 minutes. Tests that set max_examples themselves keep it.
settings.register_profile("compatibility", parent=settings.get_profile("ci"), max_examples=12)
settings.load_profile(os.environ.get("BLAMEFLOW_HYPOTHESIS")
                      or ("ci" if os.environ.get("CI") else "blameflow"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (f"skipped in strict mode (BLAMEFLOW_STRICT=1): {reason}. "
                           f"CI must install what this test needs.")


@pytest.fixture(autouse=True)
def python_handles_ctrl_c():
    """Every test starts with Python's usual Ctrl-C handler (raise KeyboardInterrupt).

    A shell starts a background job (`pytest &`) with SIGINT ignored, and then the tests
    that press Ctrl-C inside an optimizer step would see nothing happen.
    """
    usual = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, usual)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that drives headless Chromium, so `-m "not browser"` leaves them out.

    CI runs the whole suite on one Python and the rest without the browser (tests that use a
    fixture named "browser", directly or through another fixture).
    """
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def run_lesson(tmp_path_factory: pytest.TempPathFactory
               ) -> Callable[[ModuleType], tuple[dict, str, Path]]:
    """run_lesson(module): the lesson run once (quick) in a fresh folder, quietly; its
    numbers, what it printed, and its folder."""
    def run(lesson: ModuleType) -> tuple[dict, str, Path]:
        out = tmp_path_factory.mktemp(lesson.__name__.rsplit(".", 1)[-1])
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            numbers = lesson.run(out, quick=True)
        return numbers, printed.getvalue(), out
    return run
