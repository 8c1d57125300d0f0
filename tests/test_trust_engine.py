"""Issue 11, "no silent wrong gradient": every way the engine could quietly give a wrong
gradient (or none) either gives the right one or raises an error that says what to do."""

from __future__ import annotations

import math

import numpy
import pytest

import autograd
from autograd import Value, grad


# ---- 1. a Value is not a float ----------------------------------------------------------
@pytest.mark.parametrize(("conversion", "call"), [
    ("float()", float), ("int()", int), ("round()", round), ("complex()", complex),
    ("math.trunc()", math.trunc), ("math.floor()", math.floor), ("math.ceil()", math.ceil),
    ("float()", math.exp), ("float()", math.sin), ("float()", math.isfinite),
    ("index", lambda v: [1, 2, 3][v]), ("index", range),
])
def test_a_value_used_as_a_plain_number_raises_and_says_what_to_write(conversion, call):
    w = Value(2.0, "w")
    with pytest.raises(TypeError) as error:
        call(w)
    message = str(error.value)
    assert conversion in message and "'w'" in message and "gradient" in message
    assert "w.exp()" in message and "autograd.exp(w)" in message and "w.data" in message


def test_math_functions_no_longer_train_nothing_silently():
    w = Value(0.5, "w")
    with pytest.raises(TypeError, match="w.exp()"):
        Value(2.0) * math.exp(w)
    with pytest.raises(TypeError, match="float()"):
        grad(lambda x: math.sin(x))(1.0)
    # what the message says to write instead gives the gradient
    assert grad(lambda x: autograd.exp(x))(1.0) == pytest.approx(math.e)


def test_format_with_a_spec_shows_the_number_and_without_one_the_repr():
    v = Value(2.0 / 3.0, "v")
    assert f"{v:.3f}" == "0.667" and f"{v:>8.2e}" == "6.67e-01"
    assert f"{v}" == str(v) == repr(v) == "Value('v', data=0.666667, grad=0)"


def test_truth_is_the_number_not_zero_as_for_floats_and_comparisons_stay_bools():
    assert not Value(0.0) and not Value(-0.0) and Value(0.5) and Value(math.nan)
    loss = Value(0.7)
    assert (loss > 0.5) is True and (loss < 0.5) is False
    taken = "big" if loss > 0.5 else "small"
    assert taken == "big"


def test_numbers_of_other_kinds_become_values_and_a_value_is_not_wrapped_again():
    assert Value(numpy.float64(2.5)).data == 2.5 and type(Value(numpy.float64(2.5)).data) is float
    assert Value(numpy.float32(0.5)).data == 0.5 and Value(numpy.int64(3)).data == 3.0
    assert (Value(2.0) * numpy.float64(3.0)).data == 6.0
    with pytest.raises(TypeError, match="a Value already.*detach"):
        Value(Value(2.0))

