"""Value: construction, attributes, comparisons, operators with numbers on either side."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import StaleGraphError, Value, dot, no_grad, set_data
from autograd import sum as fused_sum
from autograd.batch import Batch, dot_each


@pytest.mark.parametrize("bad, type_name", [
    ("1.0", "str"), (None, "NoneType"), (True, "bool"), ([1.0], "list"), (1 + 2j, "complex"),
])
def test_value_rejects_non_numbers_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_value_attributes():
    x = Value(3, label="x")
    assert isinstance(x.data, float) and x.data == 3.0
    assert x.grad == 0.0 and x.label == "x" and x.op == "" and x.children == ()
    assert x.kind == "input" and x.is_leaf
    y = x * 2
    assert y.op == "mul" and y.children[0] is x and y.children[1].kind == "constant"
    assert y.kind == "computed" and not y.is_leaf and y.primitive.symbol == "*"
    assert Value(1.0, kind="parameter").kind == "parameter"
    with pytest.raises(ValueError, match="kind"):
        Value(1.0, kind="weight")


def test_op_and_children_are_read_only():
    y = Value(1.0) + 2
    with pytest.raises(AttributeError):
        y.op = "mul"
    with pytest.raises(AttributeError):
        y.children = ()


def test_repr_shows_label_data_and_grad():
    x = Value(0.5, "w")
    x.grad = 0.25
    assert repr(x) == "Value('w', data=0.5, grad=0.25)"
    assert repr(Value(2.0)) == "Value(data=2, grad=0)"


def test_comparisons_use_data_and_return_bool():
    a, b = Value(1.0), Value(2.0)
    assert (a < b) is True and (a <= 1.0) is True and (b > 1) is True and (b >= 3) is False
    assert 0.5 < a


def test_equality_and_hash_are_identity():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b
    assert len({a, b, a}) == 2


@pytest.mark.parametrize("expression, expected", [
    (lambda x: x + 2, 5.0), (lambda x: 2 + x, 5.0), (lambda x: x - 2, 1.0),
    (lambda x: 2 - x, -1.0), (lambda x: x * 2, 6.0), (lambda x: 2 * x, 6.0),
    (lambda x: x / 2, 1.5), (lambda x: 3 / x, 1.0), (lambda x: x ** 2, 9.0),
    (lambda x: 2 ** x, 8.0), (lambda x: -x, -3.0), (lambda x: abs(-x), 3.0),
    (lambda x: x ** x, 27.0), (lambda x: +x, 3.0),
])
def test_operators_accept_numbers_on_either_side(expression, expected):
    assert expression(Value(3.0)).data == expected


def test_power_with_values_on_both_sides_gives_both_gradients():
    x, y = Value(2.0), Value(3.0)
    z = x ** y
    z.backward()
    assert x.grad == pytest.approx(3 * 2.0**2) and y.grad == pytest.approx(8 * math.log(2))


def test_two_to_the_x_gradient():
    x = Value(3.0)
    (2 ** x).backward()
    assert x.grad == pytest.approx(8 * math.log(2))


def test_methods():
    x = Value(0.5)
    assert x.exp().data == math.exp(0.5) and x.log().data == math.log(0.5)
    assert x.sqrt().data == math.sqrt(0.5) and x.tanh().data == math.tanh(0.5)
    assert x.sigmoid().data == pytest.approx(1 / (1 + math.exp(-0.5)))
    assert Value(-2.0).relu().data == 0.0 and Value(-2.0).leaky_relu().data == -0.02
    assert Value(-2.0).leaky_relu(slope=0.5).data == -1.0
    assert x.softplus().data == pytest.approx(math.log1p(math.exp(0.5)))


def test_operators_reject_bools_and_other_types():
    with pytest.raises(TypeError, match="bool"):
        Value(1.0) + True
    with pytest.raises(TypeError, match="str"):
        Value(1.0) * "2"
    with pytest.raises(TypeError, match="str"):
        assert Value(1.0) < "2"


def test_sum_and_dot_are_one_node_each():
    xs = [Value(float(i)) for i in range(5)]
    total = fused_sum(xs)
    assert total.op == "sum" and total.children == tuple(xs) and total.data == 10.0
    weighted = dot(xs, [1, 2, 3, 4, 5])
    assert weighted.op == "dot" and len(weighted.children) == 10 and weighted.data == 40.0
    weighted.backward()
    assert [x.grad for x in xs] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert fused_sum([]).data == 0.0


def test_dot_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="3 weights but 2 inputs"):
        dot([1, 2, 3], [1, 2])


def test_detach_stops_gradients():
    x = Value(2.0)
    y = x * x.detach()
    y.backward()
    assert x.grad == 2.0 and x.detach().kind == "constant"


def test_no_grad_builds_no_graph():
    x = Value(2.0)
    with no_grad():
        y = x * 3
    assert y.data == 6.0 and y.children == () and y.kind == "constant"


finite = st.floats(-10.0, 10.0)


@given(st.lists(finite, min_size=1, max_size=5), st.data())
def test_dot_each_is_dot_per_row_in_value_and_gradient(weight_numbers, data):
    rows_numbers = data.draw(st.lists(st.lists(finite, min_size=len(weight_numbers),
                                               max_size=len(weight_numbers)),
                                      min_size=1, max_size=4))

    def run(make_dots):
        weights = [Value(w) for w in weight_numbers]
        rows = [[Value(x) for x in row] for row in rows_numbers]
        outputs = make_dots(weights, rows)
        fused_sum(outputs).backward()
        return ([out.data for out in outputs], [w.grad for w in weights],
                [x.grad for row in rows for x in row], [len(out.children) for out in outputs])

    one_at_a_time = run(lambda weights, rows: [dot(weights, row) for row in rows])
    assert run(dot_each) == one_at_a_time
    assert run(lambda weights, rows: dot_each(weights, Batch(rows))) == one_at_a_time


def test_one_batch_serves_many_weight_vectors_with_the_same_lifted_rows():
    rows = [[Value(1.0), 2.0], [Value(3.0), 4.0]]  # numbers are lifted to constants
    batch = Batch(rows)
    first, second = dot_each([1.0, 0.5], batch), dot_each([Value(2.0), -1.0], batch)
    assert [z.data for z in first] == [2.0, 5.0] and [z.data for z in second] == [0.0, 2.0]
    assert first[0].children[2] is rows[0][0] and first[0].children[3] is second[0].children[3]


def test_dot_each_names_the_mismatch_and_handles_empty_weights():
    with pytest.raises(ValueError, match="2 weights but 3 inputs"):
        dot_each([1.0, 2.0], [[1.0, 2.0], [1.0, 2.0, 3.0]])
    zeros = dot_each([], [[], []])
    assert [z.data for z in zeros] == [0.0, 0.0] and all(z.is_leaf for z in zeros)


def test_a_star_import_leaves_the_builtin_sum_alone():
    import builtins

    namespace: dict = {}
    exec("from autograd import *", namespace)
    assert "sum" not in namespace and "Batch" not in namespace and "dot_each" not in namespace
    exec("total = sum([[1], [2]], [0])", namespace)  # the builtin, with its start argument
    assert namespace["total"] == [0, 1, 2] and builtins.sum is sum
    import autograd

    assert autograd.sum([1.0, Value(2.0)]).data == 3.0  # still there by its full name


def test_constant_always_makes_a_constant_leaf_and_as_value_lifts_numbers_only():
    from autograd import constant
    from autograd.value import as_value

    x = Value(2.0, "x")
    c = constant(x)
    assert c is not x and c.kind == "constant" and c.data == 2.0 and c.is_leaf
    assert constant(3).kind == "constant" and constant(3).data == 3.0
    assert as_value(x) is x
    lifted = as_value(1.5)
    assert lifted.kind == "constant" and lifted.data == 1.5
    (c * x).backward()
    # c is a leaf of its own, not x (x.grad would be 4); a constant gets no gradient
    assert x.grad == 2.0 and c.grad == 0.0


def test_a_leaf_has_a_kind_and_no_primitive_and_a_computed_node_both():
    from autograd import TABLE

    x = Value(1.0, "x", kind="parameter")
    y = x * 2.0
    assert (x.kind, x.primitive, x.op) == ("parameter", None, "")
    assert (y.kind, y.primitive, y.op) == ("computed", TABLE["mul"], "mul")
    with no_grad():
        z = x * 2.0
    assert (z.kind, z.primitive, z.op) == ("constant", None, "")


# ---- set_data: many leaves' numbers at once ----------------------------------------------------
def small_graph(numbers: list[float]) -> tuple[list[Value], Value]:
    """Leaves a, b, c with these numbers and a graph built from them: a * b + c.tanh()."""
    a, b, c = (Value(x, label, kind="parameter") for x, label in zip(numbers, "abc"))
    return [a, b, c], a * b + c.tanh()


@given(st.lists(st.sets(st.integers(0, 2), min_size=1), min_size=1, max_size=3))
def test_set_data_makes_a_graph_stale_exactly_as_setting_each_leaf_does(changes):
    """changes: which leaves get a new number, in one or more rounds of changes."""
    by_setter, old_by_setter = small_graph([1.0, 2.0, 3.0])
    in_bulk, old_in_bulk = small_graph([1.0, 2.0, 3.0])
    for round_number, chosen in enumerate(changes):
        for i in sorted(chosen):
            by_setter[i].data = 10.0 * i + round_number
        set_data([in_bulk[i] for i in sorted(chosen)],
                 [10.0 * i + round_number for i in sorted(chosen)])
    with pytest.raises(StaleGraphError) as per_leaf:
        old_by_setter.backward()
    with pytest.raises(StaleGraphError) as bulk:
        old_in_bulk.backward()
    assert str(bulk.value) == str(per_leaf.value)
    # a graph built after the change reads the new numbers and gives the same gradients
    for leaves in (by_setter, in_bulk):
        a, b, c = leaves
        (a * b + c.tanh()).backward()
    assert [(v.data, v.grad) for v in in_bulk] == [(v.data, v.grad) for v in by_setter]


def test_set_data_turns_ints_into_floats_as_the_setter_does():
    leaves, _ = small_graph([1.0, 2.0, 3.0])
    set_data(leaves, [4, 5.5, -1])
    assert [(v.data, type(v.data)) for v in leaves] == [(4.0, float), (5.5, float), (-1.0, float)]


def unchanged_after(action, leaves: list[Value], graph: Value) -> None:
    """Run action (which must raise); then the leaves hold their numbers and the graph
    built before still runs backward(): nothing was changed, not even the clock."""
    numbers = [v.data for v in leaves]
    action()
    assert [v.data for v in leaves] == numbers
    for v in leaves:
        v.grad = 0.0
    graph.backward()  # d(a * b + tanh c)/da = b
    assert leaves[0].grad == leaves[1].data


@pytest.mark.parametrize("numbers, error, message", [
    ([1.0, "2.0", 3.0], TypeError,
     r"set_data: numbers\[1\] \(for node 'b'\) takes an int or float, got str: '2.0'"),
    ([1.0, 2.0, True], TypeError, r"numbers\[2\] \(for node 'c'\).*a bool is not a number"),
    ([1.0, 2.0, Value(3.0)], TypeError, r"got Value.*it is a Value already"),
    ([1.0, 2.0], ValueError, "3 leaves but 2 numbers"),
])
def test_set_data_refuses_a_non_number_and_changes_nothing(numbers, error, message):
    leaves, graph = small_graph([1.0, 2.0, 3.0])

    def bad_set() -> None:
        with pytest.raises(error, match=message):
            set_data(leaves, numbers)

    unchanged_after(bad_set, leaves, graph)


def test_set_data_refuses_a_computed_value_or_a_non_value_and_changes_nothing():
    leaves, graph = small_graph([1.0, 2.0, 3.0])

    def computed() -> None:
        with pytest.raises(AttributeError, match="data of an unlabelled add node cannot be "
                                                 "set: it was computed by add"):
            set_data([*leaves, graph], [4.0, 5.0, 6.0, 7.0])

    def not_a_value() -> None:
        with pytest.raises(TypeError, match=r"set_data: leaves\[3\] is a float, not a Value"):
            set_data([*leaves, 1.0], [4.0, 5.0, 6.0, 7.0])

    unchanged_after(computed, leaves, graph)
    unchanged_after(not_a_value, leaves, graph)


def test_set_data_calls_the_setter_of_a_class_that_has_its_own():
    class Counted(Value):
        __slots__ = ()
        sets: list = []

        @property
        def data(self) -> float:
            return Value.data.__get__(self)

        @data.setter
        def data(self, number: float) -> None:
            Counted.sets.append(number)
            Value.data.__set__(self, number)

    plain, counted = Value(1.0), Counted(2.0)
    set_data([plain, counted], [3, 4])
    assert (plain.data, counted.data, Counted.sets) == (3.0, 4.0, [4.0])


def test_a_compiled_step_notices_set_data():
    from autograd import jit

    leaves, _ = small_graph([1.0, 2.0, 3.0])
    a, b, c = leaves
    loss = jit(lambda: a * b + c.tanh())()
    set_data(leaves, [4.0, 5.0, 6.0])
    with pytest.raises(StaleGraphError, match="'a'"):
        loss.backward()
