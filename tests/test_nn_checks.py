"""The shared argument checks: what passes, and what each refusal says."""

from __future__ import annotations

import math

import pytest

from nn.checks import check_fraction, check_int, check_nonnegative, is_number


def test_is_number_accepts_ints_and_floats_but_not_bools_or_strings() -> None:
    assert is_number(3) and is_number(-2.5) and is_number(math.inf)
    assert not is_number(True) and not is_number("3") and not is_number(None)


def test_check_int_returns_the_int_and_names_the_argument() -> None:
    assert check_int(3, "n") == 3
    assert check_int(0, "steps", least=0) == 0
    for bad in (0, -1, 2.0, True, "2"):
        with pytest.raises(ValueError, match=r"n must be an int >= 1, got "):
            check_int(bad, "n")


def test_check_nonnegative_refuses_negative_and_non_finite_numbers() -> None:
    assert check_nonnegative(0, "lr") == 0.0 and check_nonnegative(2, "lr") == 2.0
    for bad in (-0.1, math.nan, math.inf, None, False):
        with pytest.raises(ValueError, match="lr must be a finite number >= 0"):
            check_nonnegative(bad, "lr")


def test_check_fraction_wants_zero_up_to_but_not_including_one() -> None:
    assert check_fraction(0, "momentum") == 0.0 and check_fraction(0.99, "momentum") == 0.99
    for bad in (1.0, -0.1, math.nan, "0.5"):
        with pytest.raises(ValueError, match=r"momentum must be a number in \[0, 1\)"):
            check_fraction(bad, "momentum")
