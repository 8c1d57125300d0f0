"""grad, value_and_grad, hessian: JAX-style transformations that compose."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, exp, grad, hessian, tanh, value_and_grad


def test_grad_of_a_polynomial_to_third_order():
    f = lambda x: x * x * x  # noqa: E731
    assert grad(f)(2.0) == 12.0
    assert grad(grad(f))(2.0) == 12.0
    assert grad(grad(grad(f)))(2.0) == 6.0
    assert grad(grad(grad(grad(f))))(2.0) == 0.0


def test_value_and_grad_and_argnums():
    f = lambda x, y: x * y + tanh(x)  # noqa: E731
    value, gradient = value_and_grad(f)(0.5, 3.0)
    assert value == pytest.approx(1.5 + math.tanh(0.5))
    assert gradient == pytest.approx(3.0 + 1 - math.tanh(0.5) ** 2)
    assert grad(f, argnums=1)(0.5, 3.0) == 0.5
    both = grad(f, argnums=(0, 1))(0.5, 3.0)
    assert isinstance(both, tuple) and both[1] == 0.5


@given(st.floats(-2, 2), st.floats(-2, 2))
def test_hessian_against_the_analytic_one(x, y):
    f = lambda a, b: a * b ** 2 + exp(a)  # noqa: E731
    H = hessian(f)(x, y)
    expected = [[math.exp(x), 2 * y], [2 * y, 2 * x]]
    for row, expected_row in zip(H, expected):
        assert row == pytest.approx(expected_row, rel=1e-12, abs=1e-12)


def test_nested_grads_do_not_confuse_their_variables():
    # d/dx [ d/dy (x * y) at y = 2 ] = d/dx [x] = 1, not 2
    assert grad(lambda x: grad(lambda y: x * y)(2.0))(3.0) == 1.0
    assert grad(lambda x: grad(lambda y: x * y)(x))(3.0) == 1.0


def test_functional_api_never_touches_grad_of_closed_over_values():
    w = Value(2.0)
    assert grad(lambda x: w * x)(3.0) == 2.0
    assert w.grad == 0.0


def test_constant_function_has_zero_gradient():
    assert grad(lambda x: 3.0)(1.0) == 0.0
    assert value_and_grad(lambda x: 3.0)(1.0) == (3.0, 0.0)


def test_bad_arguments():
    with pytest.raises(TypeError, match="str"):
        grad(lambda x: x)("a")
    with pytest.raises(TypeError, match="argnums asks for argument 2"):
        grad(lambda x: x, argnums=2)(1.0)
    with pytest.raises(TypeError, match="argnums"):
        grad(lambda x: x, argnums=(-1,))


def test_grad_skips_what_gets_a_zero_gradient_as_backward_does():
    def f(x):
        return (x - 1.0).relu() + 0.0 * x.sqrt()

    assert grad(f)(0.0) == 0.0
    # nested: the inner gradient is a Value that is 0 at x = 1 but has a slope there
    assert grad(grad(lambda x: (x - 1.0) ** 3 + x * 0.0))(1.0) == 0.0
    assert grad(grad(lambda x: (x - 1.0) ** 2 * x))(1.0) == 2.0  # 2x + 4(x - 1)


def test_has_aux_carries_a_second_result_along_undifferentiated():
    def loss_and_prediction(w):
        prediction = (w * 2.0).tanh()
        return (prediction - 1.0) ** 2, prediction

    (value, prediction), slope = value_and_grad(loss_and_prediction, has_aux=True)(0.3)
    plain_value, plain_slope = value_and_grad(lambda w: loss_and_prediction(w)[0])(0.3)
    assert (value, slope) == (plain_value, plain_slope)
    assert prediction.data == math.tanh(0.6)
    gradient, aux = grad(loss_and_prediction, has_aux=True)(0.3)
    assert gradient == plain_slope and aux.data == prediction.data
    # composes: the second derivative of the output, the aux still along for the ride
    second, _ = grad(lambda w: (grad(loss_and_prediction, has_aux=True)(w)[0], "aux"),
                     has_aux=True)(0.3)
    assert second == grad(grad(lambda w: loss_and_prediction(w)[0]))(0.3)


def test_has_aux_needs_a_pair():
    with pytest.raises(TypeError, match="pair"):
        grad(lambda x: x * x, has_aux=True)(1.0)


def test_constants_inside_f_get_no_gradient_and_change_none():
    from autograd import constant, gradients

    c = constant(3.0, "c")
    f = lambda x, y: x ** 3.0 * c + y * (c * c)  # noqa: E731 - a formula
    assert grad(f, (0, 1))(2.0, 5.0) == (3 * 4.0 * 3.0, 9.0)
    assert hessian(f)(2.0, 5.0) == [[6 * 2.0 * 3.0, 0.0], [0.0, 0.0]]
    assert value_and_grad(lambda x: c * c)(1.0) == (9.0, 0.0)  # f made from constants alone
    assert gradients(c * c, [c]) == [0.0] and c.grad == 0.0
