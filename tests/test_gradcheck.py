"""gradcheck: True when backward matches central differences, a table when it does not."""

from __future__ import annotations

import pytest
from hypothesis import given

from autograd import GradcheckError, Value, gradcheck
from autograd.testing import expressions_with_inputs


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


def test_gradcheck_takes_pytorchs_tuple_of_inputs():
    f = lambda a, b: (a * b).tanh() + b.exp()  # noqa: E731
    assert gradcheck(f, (0.3, 1.2)) is True
    assert gradcheck(f, [Value(0.3), 1.2]) is True
    with pytest.raises(GradcheckError):
        gradcheck(lambda a, b: a * a.detach() + b, (3.0, 1.0))


def test_order_2_checks_second_derivatives():
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp() / b, 0.3, 1.2, order=2) is True
    assert gradcheck(lambda a: a ** 3, (-0.7,), order=2) is True


def test_order_2_catches_a_wrong_second_derivative_that_order_1_misses():
    # (a - a.detach())^2 is 0 everywhere and its first derivative 2 (a - a.detach()) is 0
    # at the point, so first derivatives are right; but the graph of that derivative says
    # d^2/da^2 = 2 where the true function a^3 has no such term.
    f = lambda a: a ** 3 + (a - a.detach()) ** 2  # noqa: E731
    assert gradcheck(f, 0.5) is True
    with pytest.raises(GradcheckError) as caught:
        gradcheck(f, 0.5, order=2)
    message = str(caught.value)
    assert "order=2" in message
    row = next(line for line in message.splitlines() if "d/dx0 d/dx0" in line)
    assert "mismatch" in row and "5" in row  # analytic 6a + 2 = 5 at a = 0.5; numeric 3


def test_order_must_be_1_or_2():
    with pytest.raises(ValueError, match="order"):
        gradcheck(lambda a: a, 1.0, order=3)


@given(expressions_with_inputs())
def test_random_expressions_pass_the_second_order_check(case):
    expression, inputs = case
    assert gradcheck(expression, tuple(inputs), order=2, atol=1e-4, rtol=1e-3)
