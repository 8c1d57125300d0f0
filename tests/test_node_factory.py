"""The node factory (autograd/node_factory.py): node_makers(node_class, lift) makes nodes
of the class it is given, as Value's operators do, without importing value.py."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import TABLE, DomainError, Value, no_grad, scope
from autograd.node_factory import node_makers
from autograd.value import as_value


class Tagged(Value):
    """A Value of another class, to show that the makers make what they are given."""

    __slots__ = ()


def lift_tagged(x, where):
    return x if isinstance(x, Tagged) else Tagged(as_value(x, where).data, kind="constant")


make = node_makers(Tagged, lift_tagged)


def test_the_makers_make_nodes_of_the_class_they_are_given():
    x = Tagged(2.0, "x")
    with scope("here"):
        y = make.binary(TABLE["mul"], x, 3)
    assert type(y) is Tagged and y.data == 6.0 and y.op == "mul" and y.kind == "computed"
    assert y.children[0] is x and type(y.children[1]) is Tagged
    assert y.children[1].kind == "constant" and y.scope == "here" and y.grad == 0.0
    y.backward()
    assert x.grad == 3.0
    z = make.unary(TABLE["tanh"], y)
    assert type(z) is Tagged and z.children == (y,) and z.op == "tanh"


def test_under_no_grad_the_makers_make_constant_leaves():
    x = Tagged(2.0)
    with no_grad():
        made = [make.unary(TABLE["exp"], x), make.binary(TABLE["add"], x, x),
                make.nary(TABLE["sum"], (x, 1.0))]
    assert all(node.is_leaf and node.kind == "constant" and node.primitive is None
               for node in made)


@given(st.lists(st.floats(-5, 5), min_size=1, max_size=6))
def test_from_numbers_with_numbers_read_by_lifted_is_nary(numbers):
    items = tuple(Tagged(n) if i % 2 else n for i, n in enumerate(numbers))  # some plain
    nodes, read = make.lifted(items)
    assert read == numbers and all(type(node) is Tagged for node in nodes)
    assert [node for node in nodes if node in items] == [i for i in items
                                                          if isinstance(i, Tagged)]
    total = TABLE["sum"]
    one, other = make.from_numbers(total, nodes, read), make.nary(total, items)
    assert one.data == other.data and len(one.children) == len(other.children) == len(items)


def test_a_failing_forward_names_the_op_and_the_node():
    x = Tagged(0.0, "x")
    with pytest.raises(DomainError, match="div.*'x'"):
        make.binary(TABLE["div"], 1.0, x)
    with pytest.raises(DomainError, match="log.*'x'"):
        make.unary(TABLE["log"], x)
    with pytest.raises(TypeError, match="add takes an int or float, got str"):
        make.binary(TABLE["add"], x, "1")
