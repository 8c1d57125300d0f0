"""autograd.testing: the strategies keep their promises, and random trees agree with
central differences and with PyTorch."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from autograd import TABLE, Value, gradcheck
from autograd.testing import (
    check_primitive,
    domain_floats,
    expressions,
    expressions_with_inputs,
    primitive_inputs,
)


@given(domain_floats("positive"), domain_floats("nonzero"), domain_floats("real", avoid=(0.0,)))
def test_domain_floats_stay_in_their_domain(positive, nonzero, off_kink):
    assert positive > 0 and nonzero != 0 and abs(off_kink) > 1e-3


def test_unknown_domain_is_an_error():
    with pytest.raises(ValueError, match="unknown domain"):
        domain_floats("imaginary")


@given(expressions(variables=3, max_depth=4))
def test_expressions_never_leave_a_domain(expression):
    # guards put every log/sqrt/div/pow argument in its domain, so evaluation succeeds
    # wherever the intermediate values stay finite
    try:
        out = expression(Value(0.3), Value(-1.2), Value(2.0))
    except OverflowError:
        return
    assert isinstance(out, (Value, float))


@settings(max_examples=150)
@given(expressions_with_inputs(variables=2, max_depth=4))
def test_random_expression_trees_match_central_differences(case):
    expression, inputs = case
    gradcheck(expression, *inputs)


@settings(max_examples=100)
@given(expressions_with_inputs(variables=2, max_depth=4))
def test_random_expression_trees_match_pytorch(case):
    pytest.importorskip("torch")
    from torch_reference import FUNCTIONS, value_and_gradients

    expression, inputs = case
    leaves = [Value(x) for x in inputs]
    out = expression(*leaves)
    out.backward()
    value, grads = value_and_gradients(lambda *xs: expression(*xs, functions=FUNCTIONS), inputs)
    assert out.data == pytest.approx(value, rel=1e-9, abs=1e-9)
    assert [leaf.grad for leaf in leaves] == pytest.approx(grads, rel=1e-9, abs=1e-9)


@given(primitive_inputs("dot"))
def test_dot_inputs_come_in_pairs(inputs):
    assert len(inputs) % 2 == 0 and inputs


def test_every_table_entry_can_appear_in_a_tree():
    seen = set()

    @settings(max_examples=300)
    @given(expressions(max_depth=2))
    def collect(expression):
        stack = [expression]
        while stack:
            node = stack.pop()
            seen.add(node.op)
            stack.extend(node.args)

    collect()
    assert set(TABLE) <= seen


UNARY = sorted(name for name, entry in TABLE.items() if entry.arity == 1)


@pytest.mark.parametrize("name", UNARY)
def test_check_primitive_passes_every_one_input_entry_of_our_table(name):
    """No false alarms: the checker a learner runs on their own op accepts all of ours,
    first and second derivatives, across each entry's domain (relu and abs off their kinks)."""
    check = check_primitive(TABLE[name], max_examples=40)
    assert check.ok and check.first.tried == check.second.tried == 40
