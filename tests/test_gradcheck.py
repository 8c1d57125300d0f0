"""gradcheck: True when backward matches central differences, a table when it does not."""

from __future__ import annotations

import pytest

from autograd import GradcheckError, Value, gradcheck


def test_gradcheck_passes_for_correct_gradients():
    assert gradcheck(lambda a, b: (a * b).tanh() / b + a.exp(), 0.3, 1.2) is True
    assert gradcheck(lambda a: a * a, Value(0.5)) is True


def test_gradcheck_reports_a_table_for_wrong_gradients():
    # detach() hides one factor from backward, so the analytic gradient is half the truth
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda a, b: a * a.detach() + b, 3.0, 1.0)
    message = str(caught.value)
    assert "analytic" in message and "numeric" in message and "mismatch" in message
    lines = message.splitlines()
    row_x0 = next(line for line in lines if line.strip().startswith("x0"))
    assert "3" in row_x0 and "6" in row_x0 and "mismatch" in row_x0
    row_x1 = next(line for line in lines if line.strip().startswith("x1"))
    assert "mismatch" not in row_x1
    assert isinstance(caught.value, AssertionError)


def test_gradcheck_rejects_non_numbers():
    with pytest.raises(TypeError, match="str"):
        gradcheck(lambda a: a, "x")
