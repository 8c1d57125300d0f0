"""Shared test setup.

Strict mode: CI sets BLAMEFLOW_STRICT=1, and then any skipped test fails the run. Optional
checks (PyTorch cross-checks, Graphviz's dot, the wasm renderer, the headless browser)
skip cleanly on a learner's machine that lacks them, but in CI a skip would hide a
missing install step.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

STRICT = os.environ.get("BLAMEFLOW_STRICT", "") not in ("", "0")

# Property tests run the same number of examples on every machine; no deadline, since a
# shared CI machine's timing says nothing about correctness.
settings.register_profile("blameflow", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("blameflow")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (f"skipped in strict mode (BLAMEFLOW_STRICT=1): {reason}. "
                           f"CI must install what this test needs.")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that drives headless Chromium, so `-m "not browser"` leaves them out.

    CI runs the whole suite on one Python and the rest without the browser (tests that use a
    fixture named "browser", directly or through another fixture).
    """
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
