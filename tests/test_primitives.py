"""Every table entry against central differences, PyTorch, and analytic higher derivatives."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import TABLE, DomainError, Value, apply, grad, gradcheck
from autograd.primitives import Primitive
from autograd.testing import primitive_inputs

NAMES = sorted(TABLE)


def test_the_table_holds_every_documented_operation():
    assert set(NAMES) == {"add", "sub", "mul", "div", "pow", "neg", "abs", "identity", "exp",
                          "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu", "softplus",
                          "sum", "dot"}
    for primitive in TABLE.values():
        assert primitive.math.startswith("d/d"), primitive.name


CONSTANT = [name for name in NAMES if TABLE[name].constant_partials is not None]


def test_constant_partials_may_be_declared_only_by_binary_ops():
    assert CONSTANT, "no entry declares constant partials, so the next test checks nothing"
    with pytest.raises(ValueError, match="binary"):
        Primitive("twice", "2x", 1, lambda x: 2 * x, lambda x, out: 2.0, "d/dx 2x = 2",
                  constant=True)


@pytest.mark.parametrize("name", CONSTANT)
@given(data=st.data())
def test_constant_partials_are_what_the_rule_gives_everywhere(name, data):
    x, y = data.draw(primitive_inputs(name))
    primitive = TABLE[name]
    assert primitive.constant_partials == primitive.derivative(x, y, primitive.evaluate(x, y))


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_gradient_matches_central_differences(name, data):
    inputs = data.draw(primitive_inputs(name))
    gradcheck(lambda *xs: apply(TABLE[name], *xs), *inputs)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40)
@given(data=st.data())
def test_value_and_gradient_match_pytorch_in_float64(name, data):
    pytest.importorskip("torch")
    from torch_reference import FUNCTIONS, value_and_gradients

    inputs = data.draw(primitive_inputs(name))
    leaves = [Value(x) for x in inputs]
    out = apply(TABLE[name], *leaves)
    out.backward()
    expected_value, expected_grads = value_and_gradients(FUNCTIONS[name], inputs)
    assert out.data == pytest.approx(expected_value, rel=1e-9, abs=1e-9)
    assert [leaf.grad for leaf in leaves] == pytest.approx(expected_grads, rel=1e-9, abs=1e-9)


# Derivatives 1 to 3 of each smooth unary function, written out by hand.
def _sig(x: float) -> float:
    return 1 / (1 + math.exp(-x))


ANALYTIC = {
    "exp": (math.exp, math.exp, math.exp),
    "log": (lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3),
    "sqrt": (lambda x: 0.5 * x**-0.5, lambda x: -0.25 * x**-1.5, lambda x: 0.375 * x**-2.5),
    "tanh": (lambda x: 1 - math.tanh(x) ** 2,
             lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
             lambda x: -2 * (1 - math.tanh(x) ** 2) * (1 - 3 * math.tanh(x) ** 2)),
    "sigmoid": (lambda x: _sig(x) * (1 - _sig(x)),
                lambda x: _sig(x) * (1 - _sig(x)) * (1 - 2 * _sig(x)),
                lambda x: _sig(x) * (1 - _sig(x)) * (1 - 6 * _sig(x) + 6 * _sig(x) ** 2)),
    "softplus": (_sig, lambda x: _sig(x) * (1 - _sig(x)),
                 lambda x: _sig(x) * (1 - _sig(x)) * (1 - 2 * _sig(x))),
    "neg": (lambda x: -1.0, lambda x: 0.0, lambda x: 0.0),
    "identity": (lambda x: 1.0, lambda x: 0.0, lambda x: 0.0),
}
C = 1.7  # the other operand of the binary entries
ANALYTIC_BINARY = {
    "x + c": (lambda x: x + C, (lambda x: 1.0, lambda x: 0.0, lambda x: 0.0)),
    "c - x": (lambda x: C - x, (lambda x: -1.0, lambda x: 0.0, lambda x: 0.0)),
    "x * x * c": (lambda x: x * x * C, (lambda x: 2 * C * x, lambda x: 2 * C, lambda x: 0.0)),
    "c / x": (lambda x: C / x, (lambda x: -C / x**2, lambda x: 2 * C / x**3,
                                lambda x: -6 * C / x**4)),
    "x ** c": (lambda x: x**C, (lambda x: C * x ** (C - 1), lambda x: C * (C - 1) * x ** (C - 2),
                                lambda x: C * (C - 1) * (C - 2) * x ** (C - 3))),
    "c ** x": (lambda x: C**x, (lambda x: C**x * math.log(C), lambda x: C**x * math.log(C) ** 2,
                                lambda x: C**x * math.log(C) ** 3)),
    "sum(x, x, c)": (lambda x: _sum([x, x, C]), (lambda x: 2.0, lambda x: 0.0, lambda x: 0.0)),
    "dot([x, c], [x, x])": (lambda x: _dot([x, C], [x, x]),
                            (lambda x: 2 * x + C, lambda x: 2.0, lambda x: 0.0)),
}


def _sum(values):
    from autograd import sum as fused_sum

    return fused_sum(values)


def _dot(weights, inputs):
    from autograd import dot

    return dot(weights, inputs)


def _nested_grads(f):
    first = grad(f)
    second = grad(first)
    return first, second, grad(second)


@pytest.mark.parametrize("name", sorted(ANALYTIC))
@given(x=st.floats(0.2, 3.0))
def test_first_second_third_derivatives_of_unary_entries(name, x):
    f = lambda v: apply(TABLE[name], v)  # noqa: E731
    for order, (computed, expected) in enumerate(zip(_nested_grads(f), ANALYTIC[name]), 1):
        assert computed(x) == pytest.approx(expected(x), rel=1e-9, abs=1e-12), order


@pytest.mark.parametrize("case", sorted(ANALYTIC_BINARY))
@given(x=st.floats(0.2, 3.0))
def test_first_second_third_derivatives_of_binary_and_fused_entries(case, x):
    f, expected = ANALYTIC_BINARY[case]
    for order, (computed, exact) in enumerate(zip(_nested_grads(f), expected), 1):
        assert computed(x) == pytest.approx(exact(x), rel=1e-9, abs=1e-12), order


@pytest.mark.parametrize("name", ["relu", "abs", "leaky_relu"])
@given(x=st.floats(-3.0, 3.0).filter(lambda x: abs(x) > 1e-3))
def test_piecewise_linear_entries_have_zero_second_derivative(name, x):
    f = lambda v: apply(TABLE[name], v, 0.1) if name == "leaky_relu" else apply(TABLE[name], v)  # noqa: E731
    slope = grad(f)(x)
    assert slope == (1.0 if x > 0 else {"relu": 0.0, "abs": -1.0, "leaky_relu": 0.1}[name])
    assert grad(grad(f))(x) == 0.0


def test_kinks_follow_pytorch_conventions():
    assert grad(lambda v: v.relu())(0.0) == 0.0
    assert grad(lambda v: abs(v))(0.0) == 0.0
    assert grad(lambda v: v.leaky_relu(0.2))(0.0) == 0.2


@pytest.mark.parametrize("x", [-1000.0, -50.0, 0.0, 50.0, 1000.0, -1e300, 1e300])
def test_sigmoid_tanh_softplus_never_overflow(x):
    for name in ("sigmoid", "tanh", "softplus"):
        v = Value(x)
        out = apply(TABLE[name], v)
        out.backward()
        assert math.isfinite(out.data) and math.isfinite(v.grad), name
    assert Value(-1000.0).sigmoid().data == pytest.approx(0.0, abs=1e-300)
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(1000.0).softplus().data == 1000.0


@pytest.mark.parametrize("expression, message_parts", [
    (lambda: Value(0.0, "z").log(), ["log", "x > 0", "0.0", "'z'"]),
    (lambda: Value(-2.0, "neg").log(), ["log", "-2.0", "'neg'"]),
    (lambda: Value(-1.0, "s").sqrt(), ["sqrt", "x >= 0", "-1.0", "'s'"]),
    (lambda: Value(1.0, "n") / Value(0.0, "d"), ["div", "division by zero", "0.0", "'d'"]),
    (lambda: 3 / Value(0.0, "d"), ["div", "'d'"]),
    (lambda: Value(0.0, "b") ** -1, ["pow", "0.0", "-1.0", "'b'"]),
    (lambda: Value(-8.0, "b") ** 0.5, ["pow", "-8.0", "0.5", "'b'"]),
    (lambda: Value(-8.0, "b") ** Value(1 / 3, "e"), ["pow", "'b'", "'e'"]),
])
def test_values_outside_the_domain_raise_a_domain_error_naming_op_value_and_label(
        expression, message_parts):
    with pytest.raises(DomainError) as caught:
        expression()
    for part in message_parts:
        assert part in str(caught.value)


def test_exp_past_the_float_range_raises_overflow_error_naming_op_and_value():
    with pytest.raises(OverflowError, match=r"exp.*1000\.0.*'big'"):
        Value(1000.0, "big").exp()
    assert Value(709.0).exp().data > 1e307


def test_negative_base_with_integer_power_is_fine():
    x = Value(-2.0)
    y = x ** 3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


def test_infinite_derivative_is_reported_by_backward():
    x = Value(0.0, "root")
    y = x.sqrt()
    assert y.data == 0.0
    with pytest.raises(DomainError, match=r"backward through sqrt.*infinite.*'root'"):
        y.backward()
