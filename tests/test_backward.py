"""The reverse sweep: accumulation semantics, sharing, depth, determinism, freeing, and the
fast sweep giving the reference sweep's numbers."""

from __future__ import annotations

import gc
import math
import sys
import weakref

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

import autograd
from autograd import Value, grad, gradients, topological_order
from autograd.backward import constant_nodes, reverse_sweep
from autograd.testing import Expression, expressions_with_inputs


def neuron(x, w, b):
    return (x * w + b).sigmoid()


def test_single_neuron_gradients():
    x, w, b = Value(2.0, "x"), Value(0.4, "w"), Value(0.1, "b")
    y = neuron(x, w, b)
    y.backward()
    s = y.data
    assert s == pytest.approx(0.7109495026250039)
    assert w.grad == pytest.approx(s * (1 - s) * 2.0) and b.grad == pytest.approx(s * (1 - s))


@given(expressions_with_inputs(max_depth=4))
def test_backward_twice_gives_exactly_twice_the_leaf_gradients(case):
    expression, inputs = case
    leaves = [Value(x) for x in inputs]
    out = expression(*leaves)
    out.backward()
    once = [leaf.grad for leaf in leaves]
    inner = [node.grad for node in topological_order(out) if node.children]
    out.backward()
    assert [leaf.grad for leaf in leaves] == [2 * g for g in once]
    # intermediate nodes are recomputed, not accumulated
    assert [node.grad for node in topological_order(out) if node.children] == inner


def test_backward_scales_by_grad_argument_and_rejects_non_numbers():
    x = Value(3.0)
    (x * x).backward(grad=0.5)
    assert x.grad == 3.0
    with pytest.raises(TypeError, match="str"):
        (x * x).backward(grad="1")


def test_a_node_used_many_times():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    x = Value(3.0)
    y = x + x + x
    y.backward()
    assert x.grad == 3.0


def test_shared_intermediate():
    x = Value(0.5)
    h = x.tanh()
    y = h * h + h  # dy/dh = 2h + 1, used three times
    y.backward()
    t = h.data
    assert h.grad == pytest.approx(2 * t + 1)
    assert x.grad == pytest.approx((2 * t + 1) * (1 - t * t))


def test_a_chain_ten_times_deeper_than_the_recursion_limit():
    # A recursive sweep would need one frame per node: 10,000 frames under a limit of 1,000
    # fail. (A million-deep chain: benchmarks/deep_chain.py.)
    depth, limit = 10_000, 1_000
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        x = Value(1.0)
        y = x
        for _ in range(depth):
            y = y * 1.0001
        y.backward()
    finally:
        sys.setrecursionlimit(before)
    assert x.grad == pytest.approx(1.0001 ** depth, rel=1e-9)


def _program():
    leaves = [Value(0.1 * i - 0.7) for i in range(15)]
    h = [(leaves[i] * leaves[i + 1] + leaves[i + 2]).tanh() for i in range(13)]
    out = sum((a * b for a, b in zip(h, h[1:])), Value(0.0)).sigmoid()
    out.backward()
    return [leaf.grad for leaf in leaves]


def test_the_same_program_gives_bit_identical_gradients():
    first, second = _program(), _program()
    assert [g.hex() for g in first] == [g.hex() for g in second]


def test_graph_is_freed_by_reference_counting_without_gc():
    gc.disable()
    try:
        x = Value(0.3)
        loss = x
        for _ in range(1000):
            loss = (loss * 1.01 + 0.1).tanh()
        loss.backward()
        watchers = [weakref.ref(node) for node in topological_order(loss) if node is not x]
        del loss
        assert all(ref() is None for ref in watchers)
    finally:
        gc.enable()


@given(st.floats(-3, 3), st.floats(-3, 3))
def test_topological_order_puts_children_first(a, b):
    x, y = Value(a), Value(b)
    out = ((x * y).tanh() + x) * y
    order = topological_order(out)
    position = {node: i for i, node in enumerate(order)}
    assert order[-1] is out and len(order) == len(set(order))
    for node in order:
        for child in node.children:
            assert position[child] < position[node]


def test_backward_on_a_leaf():
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_a_leaf_adds_what_it_held_once_to_the_fresh_sum():
    # x held 0.1 from an earlier call; this call's parts are 0.3 and 0.2 (reverse creation
    # order). Adding each part to 0.1 in turn would round differently from 0.1 + 0.5.
    x = Value(1.0)
    x.grad = 0.1
    (x * 0.2 + x * 0.3).backward()
    assert x.grad == 0.1 + (0.3 + 0.2)
    assert (0.1 + 0.3) + 0.2 != 0.1 + (0.3 + 0.2)  # so the line above can tell them apart
    untouched = Value(1.0)
    untouched.grad = 0.25
    (untouched * 0.0 + x).backward()
    assert untouched.grad == 0.25 + 0.0


def test_a_node_whose_gradient_is_zero_passes_nothing_on():
    # relu is off at -0.5, so nothing flows to w or b; the sqrt at 0 gets a zero gradient
    # (0 * sqrt(x)), so its infinite local derivative is never needed, as the limit says.
    w, b, x = Value(1.0, "w"), Value(-1.5, "b"), Value(0.0, "x")
    pre = w * 1.0 + b
    y = pre.relu() + 0.0 * x.sqrt()
    y.backward()
    assert (w.grad, b.grad, x.grad, pre.grad) == (0.0, 0.0, 0.0, 0.0)


def test_intermediates_are_zeroed_even_where_nothing_flows():
    x = Value(2.0)
    middle = x * x
    y = middle.tanh()
    y.backward()
    assert middle.grad != 0.0 and x.grad != 0.0
    before = x.grad
    y.backward(grad=0.0)  # nothing flows anywhere this time
    assert (y.grad, middle.grad, x.grad) == (0.0, 0.0, before)


def assert_sweeps_agree(root, leaves):
    """root.backward() (the fast sweep) leaves in every node's .grad the number
    reverse_sweep() (the reference) finds for it, bit for bit. The fast sweep's sums start
    from 0.0 (a node's .grad), the reference's from the first share, which differ only in
    the sign of a zero (0.0 + -0.0 is 0.0): hence 0.0 + the reference's number."""
    reference = reverse_sweep(root)
    for leaf in leaves:
        leaf.grad = 0.0
    root.backward()
    # Every node, those the reference gives no gradient (constants) included.
    for node in topological_order(root):
        expected = 0.0 + reference.get(node, 0.0)
        assert node.grad.hex() == expected.hex(), (node, expected)


def _var(index):
    return Expression("var", index=index)


@given(expressions_with_inputs(max_depth=4))
# Always among the cases: x0 used twice by one node and again above it, and a shared
# intermediate (tanh(x0 * x1)) read by three nodes.
@example((Expression("add", [Expression("mul", [_var(0), _var(0)]), _var(0)]), [1.5, -2.0]))
@example((Expression("mul", [Expression("tanh", [Expression("mul", [_var(0), _var(1)])]),
                             Expression("sum", [_var(0), _var(1), _var(0)])]), [0.3, -1.2]))
def test_the_fast_sweep_gives_the_reference_sweeps_numbers_bit_for_bit(case):
    # Same nodes, same order (reverse creation), same additions in the same order: so not
    # merely close but equal, to first and to second order.
    expression, inputs = case
    leaves = [Value(x, f"x{i}") for i, x in enumerate(inputs)]
    out = expression(*leaves)
    assume(isinstance(out, Value))
    out = out * out + out  # the output node used three times: its gradient is a sum
    assert_sweeps_agree(out, leaves)
    for slope in gradients(out, leaves, create_graph=True):  # a gradient's own graph
        if isinstance(slope, Value):
            assert_sweeps_agree(slope, leaves)


def test_gradients_are_the_reference_sweeps_numbers():
    x, y = Value(1.5, "x"), Value(-0.5, "y")
    out = (x * y + x).tanh() * x
    found = reverse_sweep(out)
    assert gradients(out, [x, y]) == [found[x], found[y]]


# ---- constants get no gradient (PyTorch: requires_grad=False gets none) ---------------------
def made_from_constants_alone(node):
    """A constant leaf, or a node every leaf below which is a constant (found without the
    engine's constant_nodes)."""
    return all(leaf.kind == "constant" for leaf in topological_order(node) if leaf.is_leaf)


def test_a_constant_gets_no_gradient_from_add_mul_or_pow():
    x, c = Value(2.0, "x", kind="parameter"), autograd.constant(3.0)
    (x + c).backward()
    assert (x.grad, c.grad) == (1.0, 0.0)
    (x * c).backward()
    assert (x.grad, c.grad) == (1.0 + 3.0, 0.0)
    cube = x ** 3.0  # 3.0 is lifted to a constant leaf
    cube.backward()
    exponent = cube.children[1]
    assert exponent.kind == "constant" and exponent.grad == 0.0 and x.grad == 4.0 + 12.0
    (x ** c).backward()  # a constant Value as exponent: the same
    assert c.grad == 0.0
    for out in (x + c, x * c, x ** 3.0, x ** c):  # the reference sweep agrees
        assert [n for n in reverse_sweep(out) if n.kind == "constant"] == []
        assert gradients(out, [c]) == [0.0]


def test_a_node_made_from_constants_alone_gets_none_nor_do_its_constants():
    x, c, k = Value(2.0, "x"), autograd.constant(3.0, "c"), autograd.constant(-2.0)
    both = c * k
    off = both.relu()  # relu is off at -6: nothing would flow below it anyway
    out = x * both + off * x + (c - k).exp()
    out.backward()
    assert x.grad == -6.0 + 0.0
    assert (both.grad, off.grad, c.grad, k.grad, out.children[1].grad) == (0.0,) * 5
    alone = c * k + 1.0  # a root made from constants alone is not even seeded
    alone.backward()
    c.backward()
    assert (alone.grad, c.grad, k.grad) == (0.0, 0.0, 0.0)
    assert reverse_sweep(alone) == {} and gradients(c, [c]) == [0.0]


def test_a_constant_made_with_a_kind_read_from_a_file_is_a_constant_too():
    kind = "".join(["con", "stant"])  # an equal string, but another object (as from JSON)
    c, x = Value(3.0, kind=kind), Value(2.0)
    both = c * c
    (x * both).backward()
    assert (both.grad, c.grad, x.grad) == (0.0, 0.0, 9.0)


def test_a_constant_keeps_a_gradient_set_by_hand():
    x, c = Value(2.0), autograd.constant(3.0)
    c.grad = 0.5
    (x * c).backward()
    assert c.grad == 0.5 and x.grad == 3.0


@given(expressions_with_inputs(variables=3, max_depth=4),
       st.lists(st.booleans(), min_size=3, max_size=3))
def test_after_backward_constants_hold_zero_and_the_other_leaves_their_gradients(case, fixed):
    # The same expression twice: every leaf an input, then some leaves constants. A
    # constant, and every node made from constants alone (the expression's own numbers are
    # constants too: tanh(0.5)), holds 0.0; every other leaf holds, bit for bit, the
    # gradient it has when nothing is constant (checked against central differences
    # elsewhere), so making a leaf constant changes nothing else.
    expression, inputs = case
    free = [Value(x, f"x{i}") for i, x in enumerate(inputs)]
    mixed = [Value(x, f"x{i}", kind="constant" if constant else "parameter")
             for i, (x, constant) in enumerate(zip(inputs, fixed))]
    out_free, out_mixed = expression(*free), expression(*mixed)
    assume(isinstance(out_mixed, Value))
    out_free.backward()
    out_mixed.backward()
    for node in topological_order(out_mixed):
        if made_from_constants_alone(node):
            assert node.grad == 0.0 and not math.copysign(1.0, node.grad) < 0, node
    for free_leaf, leaf, constant in zip(free, mixed, fixed):
        assert leaf.grad.hex() == (0.0 if constant else free_leaf.grad).hex()
    assert constant_nodes(topological_order(out_mixed)) == {
        node for node in topological_order(out_mixed) if made_from_constants_alone(node)}
    for leaf, slope in zip(mixed, gradients(out_mixed, mixed)):  # 0.0 +: see assert_sweeps_agree
        assert (0.0 + slope).hex() == leaf.grad.hex()


def test_second_derivatives_through_constants_are_unchanged():
    c = autograd.constant(3.0)
    assert grad(grad(lambda v: v ** 3.0))(2.0) == 12.0  # d2/dx2 x^3 = 6x
    assert grad(grad(lambda v: v ** c * c))(2.0) == 36.0
    x = Value(2.0, "x")
    (slope,) = gradients(x ** 3.0, [x], create_graph=True)  # 3 x^2, a graph of its own
    slope.backward()
    assert slope.data == 12.0 and x.grad == 12.0
    for node in topological_order(slope):
        if made_from_constants_alone(node):  # the 3.0 and the 3.0 - 1 inside the rule
            assert node.grad == 0.0
