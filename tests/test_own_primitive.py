"""autograd.primitive (your own operation) and autograd.testing.check_primitive."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import (
    DomainError,
    OwnPrimitive,
    Value,
    grad,
    gradcheck,
    no_grad,
    primitive,
    sigmoid,
)
from autograd.testing import PrimitiveCheckError, check_primitive
from viz.chain_rule import ChainRuleWriter
from viz.describe import describe_sweep

SWISH_MATH = "d/dx swish(x) = swish(x) + sigmoid(x) × (1 - swish(x))"


def swish_forward(x: float) -> float:
    return x * sigmoid(x)


def product_rule(x, out):
    return out + sigmoid(x) * (1 - out)


def forgot_the_product_rule(x, out):
    return sigmoid(x)


swish = primitive("swish", swish_forward, product_rule, math=SWISH_MATH)
wrong_swish = primitive("swish", swish_forward, forgot_the_product_rule)


def swish_slope(x: float) -> float:
    """d/dx x s(x) = s + x s (1 - s), written out independently of the rule."""
    s = 1 / (1 + math.exp(-x))
    return s + x * s * (1 - s)


def swish_curvature(x: float) -> float:
    """d^2/dx^2 x s(x) = s (1 - s) (2 + x (1 - 2 s))."""
    s = 1 / (1 + math.exp(-x))
    return s * (1 - s) * (2 + x * (1 - 2 * s))


# ---- numbers and Values ---------------------------------------------------------------------
@given(st.floats(-30, 30))
def test_on_a_number_it_is_the_forward_function_and_gives_a_float(x):
    result = swish(x)
    assert type(result) is float
    assert result == swish_forward(x)


def test_an_int_works_like_a_float():
    assert swish(2) == swish(2.0)


def test_on_a_value_it_makes_one_node_named_after_it():
    x = Value(1.5, "x")
    y = swish(x)
    assert isinstance(y, Value)
    assert y.op == "swish" and y.children == (x,)
    assert y.data == swish(1.5)
    assert y.primitive is swish.primitive and y.primitive.math == SWISH_MATH


def test_under_no_grad_it_makes_a_constant():
    with no_grad():
        y = swish(Value(1.0))
    assert y.kind == "constant" and y.children == ()


def test_anything_else_is_a_type_error_naming_the_type():
    with pytest.raises(TypeError, match=r"swish\(\) takes a number or a Value, got str"):
        swish("1.0")


def test_it_is_exported_and_says_what_it_is():
    assert autograd.primitive is primitive and isinstance(swish, OwnPrimitive)
    assert repr(swish) == f"<your primitive swish: {SWISH_MATH}>"
    assert swish.__name__ == "swish"


# ---- gradients: backward and second order ----------------------------------------------------
@given(st.floats(-8, 8))
def test_backward_gives_the_slope(x):
    leaf = Value(x, "x")
    swish(leaf).backward()
    assert leaf.grad == pytest.approx(swish_slope(x), rel=1e-12, abs=1e-12)


@settings(max_examples=40)
@given(st.floats(-5, 5), st.floats(-2, 2))
def test_first_and_second_derivatives_match_central_differences_inside_an_expression(x, w):
    assert gradcheck(lambda a, b: swish(a * b + 0.5) * b, x, w, order=2)


@given(st.floats(-6, 6))
def test_grad_of_grad_is_the_second_derivative(x):
    assert grad(swish)(x) == pytest.approx(swish_slope(x), rel=1e-12, abs=1e-12)
    assert grad(grad(swish))(x) == pytest.approx(swish_curvature(x), rel=1e-9, abs=1e-12)


# ---- the domain ---------------------------------------------------------------------------------
my_log = primitive("my_log", math.log, lambda x, out: 1 / x, math="d/dx log(x) = 1 / x",
                   domain="positive")
reciprocal = primitive("reciprocal", lambda x: 1 / x, lambda x, out: -out * out,
                       domain="nonzero")


@pytest.mark.parametrize(("op", "x", "requirement"), [
    (my_log, 0.0, "needs x > 0"), (my_log, -2.0, "needs x > 0"),
    (reciprocal, 0.0, "needs x != 0"),
])
def test_outside_the_domain_is_a_domain_error_naming_op_value_and_node(op, x, requirement):
    with pytest.raises(DomainError, match=f"{op.__name__}: {requirement}; got {x!r} "
                                          f"\\(node 'x'\\)"):
        op(Value(x, "x"))
    with pytest.raises(DomainError, match=f"{op.__name__}: {requirement}; got {x!r}"):
        op(x)


def test_a_domain_error_comes_before_the_forward_function_runs():
    """x ** 0.5 gives a complex number for x < 0: the domain says no before that."""
    root = primitive("root", lambda x: x ** 0.5, lambda x, out: 0.5 / out, domain="positive")
    with pytest.raises(DomainError, match="root: needs x > 0"):
        root(-4.0)


def test_nan_flows_through_as_through_built_ins():
    assert math.isnan(swish(math.nan)) and math.isnan(my_log(math.nan))


# ---- a declaration that cannot work is refused at once ------------------------------------
@pytest.mark.parametrize(("arguments", "error", "message"), [
    (("tanh", math.tanh, lambda x, out: 1 - out * out), ValueError,
     "'tanh' is a built-in primitive already; give yours another name, such as 'my_tanh'"),
    (("my op", math.tanh, lambda x, out: 1.0), ValueError, "a Python name"),
    ((3, math.tanh, lambda x, out: 1.0), ValueError, "a Python name"),
    (("f", 2.0, lambda x, out: 1.0), TypeError, "f: forward must be a function x -> f"),
    (("f", math.tanh, "1 - out^2"), TypeError, r"f: derivative must be a function \(x, out\)"),
    (("f", math.tanh, lambda x: 1 - math.tanh(x) ** 2), TypeError,
     r"f: derivative must take 2 argument\(s\), \(x, out\) -> d out/d x; it takes \(x\)"),
    (("f", lambda x, y: x * y, lambda x, out: 1.0), TypeError,
     r"f: forward must take 1 argument\(s\)"),
])
def test_a_bad_declaration_is_refused_with_what_to_do(arguments, error, message):
    with pytest.raises(error, match=message):
        primitive(*arguments)


def test_an_unknown_domain_is_refused():
    with pytest.raises(ValueError, match="unknown domain 'negative'; use 'real', 'positive'"):
        primitive("f", math.tanh, lambda x, out: 1.0, domain="negative")


def test_a_forward_that_returns_no_number_says_so():
    broken = primitive("broken", lambda x: [x], lambda x, out: 1.0)
    with pytest.raises(TypeError, match="broken: forward must return a number .* list"):
        broken(Value(1.0))


def test_a_rule_that_returns_nothing_says_so_in_backward():
    forgot_return = primitive("forgot_return", math.tanh, lambda x, out: None)
    y = forgot_return(Value(0.5))
    with pytest.raises(TypeError, match="forgot_return: derivative must return d out/d x.*None"):
        y.backward()


# ---- drawn like ours ----------------------------------------------------------------------------
def test_the_chain_rule_words_and_the_node_name_it_and_show_its_math():
    x, w = Value(1.0, "x"), Value(2.0, "w")
    y = swish(x * w)
    y.label = "y"
    description = describe_sweep(y)
    node = description.nodes[-1]
    assert (node.op, node.symbol, node.math) == ("swish", "swish", SWISH_MATH)
    writer = ChainRuleWriter.of(description)
    assert writer.formula(node.id) == f"y = swish(x × w) = {swish(2.0):.4g}"
    slope = f"{swish_slope(2.0):.4g}"
    assert f"dy/d(x × w) = dy/dy × dy/d(x × w) = 1 × {slope} = {slope}" in writer.words(
        description.nodes[2].id)


# ---- check_primitive ----------------------------------------------------------------------------
def test_the_check_passes_the_right_derivative_at_every_input_tried():
    check = check_primitive(swish)
    assert check.ok and check.name == "swish" and check.math == SWISH_MATH
    assert check.first.tried == check.second.tried == 100
    assert check.first.error <= check.first.tolerance


def test_the_check_catches_the_forgotten_product_rule_at_its_smallest_input():
    with pytest.raises(PrimitiveCheckError) as caught:
        check_primitive(wrong_swish)
    first = caught.value.check.first
    assert not first.ok
    x = first.x
    # hypothesis shrinks towards simple inputs: |x| <= 1, yet not 0 where both rules agree
    assert 0 < abs(x) <= 1
    assert first.expected == pytest.approx(swish_slope(x), rel=1e-6)
    assert first.computed == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-12)
    message = str(caught.value)
    assert "swish: the first derivative is wrong." in message
    assert f"hypothesis' smallest failing input: x = {x!r}" in message
    assert f"expected slope: {first.expected:.6g}" in message
    assert f"computed slope: {first.computed:.6g}" in message


def test_the_check_is_the_same_every_run():
    with pytest.raises(PrimitiveCheckError) as once:
        check_primitive(wrong_swish)
    with pytest.raises(PrimitiveCheckError) as again:
        check_primitive(wrong_swish)
    assert once.value.check == again.value.check


def test_a_rule_that_works_on_floats_only_fails_the_second_order_check():
    """math.exp cannot take a Value: backward() is fine, grad(grad(f)) is not."""
    my_exp = primitive("my_exp", math.exp, lambda x, out: math.exp(x))
    with pytest.raises(PrimitiveCheckError) as caught:
        check_primitive(my_exp)
    check = caught.value.check
    assert check.first.ok and not check.second.ok
    assert check.second.computed is None and check.second.problem.startswith("TypeError: float()")
    assert "grad(grad(f)) raised TypeError: float()" in str(caught.value)


def test_a_rule_that_cuts_the_graph_fails_the_second_order_check_with_both_numbers():
    """The slope of x^2 written as 2 * x.data is right, but as a Value it is a constant:
    its own derivative comes out 0 instead of 2."""
    square = primitive("square", lambda x: x * x,
                       lambda x, out: 2 * (x.data if isinstance(x, Value) else x))
    with pytest.raises(PrimitiveCheckError) as caught:
        check_primitive(square)
    second = caught.value.check.second
    assert caught.value.check.first.ok and not second.ok
    assert second.computed == 0.0 and second.expected == pytest.approx(2.0, abs=1e-4)


def test_a_forward_that_fails_inside_the_declared_domain_is_reported_not_raised():
    undeclared_log = primitive("undeclared_log", math.log, lambda x, out: 1 / x)  # real?
    with pytest.raises(PrimitiveCheckError) as caught:
        check_primitive(undeclared_log)
    first = caught.value.check.first
    assert first.x == 0.0 and first.expected is None
    assert first.problem.startswith("DomainError: undeclared_log: input outside the domain")
    assert ("the forward function raised DomainError: undeclared_log: input outside the "
            "domain; got -1e-06") in str(caught.value)
    assert "is the domain declared (domain='positive' or 'nonzero')?" in str(caught.value)


def test_a_rule_that_fails_inside_the_declared_domain_is_reported_not_raised():
    inverse = primitive("inverse", lambda x: 1 / x, lambda x, out: -out * out)  # real?
    with pytest.raises(PrimitiveCheckError) as caught:
        check_primitive(inverse)
    first = caught.value.check.first
    assert first.x == 0.0 and first.computed is None
    assert first.problem.startswith("DomainError: inverse: input outside the domain; got 0.0")


def test_declaring_your_own_leaves_the_table_of_built_ins_alone():
    assert "swish" not in autograd.TABLE and "my_log" not in autograd.TABLE


def test_declared_kinks_are_kept_away_from():
    my_relu = primitive("my_relu", lambda x: max(x, 0.0), lambda x, out: 1.0 if x > 0 else 0.0,
                        kinks=(0.0,))
    assert check_primitive(my_relu).ok


def test_the_domain_is_where_inputs_are_drawn():
    assert check_primitive(my_log).ok and check_primitive(reciprocal).ok


def test_the_check_takes_only_one_input_primitives():
    with pytest.raises(TypeError, match="check_primitive takes what autograd.primitive"):
        check_primitive(math.tanh)
    with pytest.raises(ValueError, match="mul takes 2 inputs"):
        check_primitive(autograd.TABLE["mul"])
