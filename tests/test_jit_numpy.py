"""jit(f, vectorize=True): one sample's graph run across all samples with NumPy gives the
interpreted engine's numbers (to rounding) for every operation, and its errors."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import DomainError, Value, primitive
from autograd.jit import jit
from autograd.testing import domain_floats, expressions
from nn import MLP
from nn.losses import cross_entropy_one_hot, one_hot_rows

np = pytest.importorskip("numpy")


def close(a: float, b: float, relative: float = 1e-12) -> bool:
    """a and b agree to rounding (NaN agrees with NaN)."""
    if a != a or b != b:
        return a != a and b != b
    return abs(a - b) <= relative * max(1.0, abs(a), abs(b))


def run(function, leaves, *args):
    """(output number, leaves' gradients) of function(*args).backward(), or the error."""
    for leaf in leaves:
        leaf.grad = 0.0
    try:
        out = function(*args)
        out.backward()
    except (DomainError, OverflowError) as error:
        return type(error), str(error)
    return out.data, [leaf.grad for leaf in leaves]


def assert_agree(replayed, expected):
    if isinstance(expected[0], type) or isinstance(replayed[0], type):
        assert replayed == expected
        return
    assert close(replayed[0], expected[0]), (replayed[0], expected[0])
    assert all(close(a, b) for a, b in zip(replayed[1], expected[1])), (replayed, expected)


def blocks_per_sample(source: str) -> int:
    """How many NumPy blocks the vectorised loop's comment says a sample's graph became."""
    found = re.search(r"nodes per sample as (\d+) NumPy blocks", source)
    assert found, "the loop was not vectorised:\n" + source[:2000]
    return int(found.group(1))


# ---- every operation, through random expressions -------------------------------------------
@given(expressions(variables=4, max_depth=3),
       st.lists(domain_floats("real", 2.0), min_size=2, max_size=2),
       st.lists(st.lists(domain_floats("real", 2.0), min_size=2, max_size=2), min_size=2,
                max_size=5),
       st.floats(-1.5, 1.5))
def test_random_expressions_summed_over_samples_agree_with_the_interpreted_engine(
        expression, weights, rows, shift):
    """f = sum over samples of expression(w0, w1, x0, x1): two shared parameters, two
    numbers per sample. Every op of the table appears (those without a NumPy form run
    sample by sample), and replays with new numbers agree to 1e-12, errors included."""
    parameters = [Value(w, kind="parameter") for w in weights]

    def f(rows):
        outs = [expression(*parameters, *[Value(x) for x in row]) for row in rows]
        return autograd.sum([out if isinstance(out, Value) else Value(out) for out in outs])

    step = jit(f, vectorize=True)
    first = run(f, parameters, rows)
    if isinstance(first[0], type):
        return  # the trace itself meets the error: jit's other tests cover that
    assert_agree(run(step, parameters, rows), first)
    moved = [[x + shift, x - shift] for x, _ in rows]  # new numbers, the same shapes
    for parameter in parameters:
        parameter.data = parameter.data * 0.5 - shift
    assert_agree(run(step, parameters, moved), run(f, parameters, moved))


# ---- the learner's cross-entropy step -------------------------------------------------------
def cross_entropy_step(model):
    return lambda rows, targets: cross_entropy_one_hot([model(x) for x in rows], targets)


def test_a_cross_entropy_step_runs_without_a_python_loop_and_agrees():
    """logsumexp's shift, the sum of exponentials and the one-hot dot are NumPy
    reductions: the whole batch is a few matrix lines, and the numbers agree."""
    model = MLP(4, [6, 3], seed=2)
    parameters = model.parameters()
    f = cross_entropy_step(model)
    step = jit(f, vectorize=True)
    rows = [[0.1 * i - 0.3 * j for j in range(4)] for i in range(7)]
    targets = one_hot_rows([i % 3 for i in range(7)], 3)
    for _ in range(3):
        assert_agree(run(step, parameters, rows, targets), run(f, parameters, rows, targets))
        for p in parameters:
            p.data -= 0.3 * p.grad
        rows = [[x * 1.5 + 0.2 for x in row] for row in rows]
    assert step.trace_count == 1
    assert "for (s0" not in step.source  # no sample-by-sample Python loop
    # The 3 logits minus the shift are one block, not three: the shift is one row read by all.
    assert re.search(r"= B\d+ - B\d+\[0\]  # 3 x sub", step.source)
    assert blocks_per_sample(step.source) <= 14


@given(st.lists(st.floats(-2.0, 2.0), min_size=4, max_size=4), st.booleans())
def test_penalties_over_the_weights_are_numpy_rows_too_and_agree(row, in_order):
    """hinge + 1e-4 * l2(weights) + 0.01 * sum(weights), the moons loss with a penalty:
    l2's dot(p, p) and the sum over all the weights are NumPy on slices of PN, with their
    gradients added into GP (each weight twice for dot(p, p): 2 p). Weights listed out of
    P's order are plain Python lines, and both agree with the interpreted engine."""
    from nn.losses import hinge, l2

    model = MLP(2, [3, 1], seed=4)
    parameters = model.parameters()
    penalised = parameters if in_order else parameters[::-1]

    def f(rows, targets):
        return (hinge([model(x) for x in rows], targets) + 1e-4 * l2(penalised)
                + 0.01 * autograd.sum(penalised))

    step = jit(f, vectorize=True)
    rows, targets = [row[:2], row[2:], [0.5, -0.5]], [1, -1, 1]
    for _ in range(2):
        assert_agree(run(step, parameters, rows, targets), run(f, parameters, rows, targets))
        for p in parameters:
            p.data -= 0.1 * p.grad
    assert step.trace_count == 1
    assert ("(PN[0:13] @ PN[0:13]).item()  # dot, with NumPy" in step.source) == in_order
    assert ("PN[0:13].sum().item()  # sum, with NumPy" in step.source) == in_order
    if in_order:
        assert step.source.count("GP[0:13] += ") == 3  # twice for dot(p, p), once for the sum
        assert "return GP.tolist()" in step.source  # no weight read by a Python line


def test_nodes_of_the_shared_weights_alone_become_a_matrix_with_a_column_per_sample():
    """tanh(w) and tanh(v) in every sample read only shared weights: their block is made
    a row per node and a column per sample, like every other, before rows of it meet
    per-sample rows (a block of 2 x 1 beside rows of 3 samples once broke)."""
    w, v = Value(0.3, "w", kind="parameter"), Value(-1.2, "v", kind="parameter")

    def f(rows):
        return autograd.sum([autograd.dot([w.tanh(), Value(r[0]).exp()],
                                          [Value(r[1]).exp(), v.tanh()]) for r in rows])

    step = jit(f, vectorize=True)
    rows = [[1.0, 2.0], [-0.5, 0.25], [3.0, -1.0]]
    assert_agree(run(step, [w, v], rows), run(f, [w, v], rows))
    assert blocks_per_sample(step.source) >= 1


def test_a_blocks_gradient_made_from_anothers_is_a_copy_of_it():
    """c = a + b hands its gradient on to a and b unchanged: each gets its own copy, so
    tanh(a)'s share added into a's later does not also land in b's (or c's)."""
    w, v = Value(0.7, "w", kind="parameter"), Value(-0.4, "v", kind="parameter")

    def f(xs):
        outs = []
        for x in xs:
            a, b = Value(x) * w, Value(x) + v
            d = a.tanh()
            outs.append((a + b) * d)
        return autograd.sum(outs)

    step = jit(f, vectorize=True)
    xs = [0.5, -1.5, 2.0]
    assert_agree(run(step, [w, v], xs), run(f, [w, v], xs))
    assert ".copy()" in step.source


def test_a_nan_weight_gives_nan_where_the_interpreted_engine_does():
    """relu's slope at NaN is NaN (not 0 or 1), so NaN reaches the same gradients."""
    model = MLP(2, [3, 1], seed=1)
    parameters = model.parameters()
    parameters[0].data = float("nan")  # neuron 0 of layer 0: its relu sees NaN

    def f(rows):
        return autograd.sum([model(x) for x in rows])

    rows = [[0.5, -1.0], [1.5, 2.0]]
    replayed, expected = run(jit(f, vectorize=True), parameters, rows), run(f, parameters, rows)
    assert_agree(replayed, expected)
    assert any(g != g for g in expected[1]) and any(g == g for g in expected[1])


def test_cross_entropy_agrees_when_a_logit_is_huge():
    """The shift keeps exp from overflowing in NumPy as in the engine."""
    model = MLP(2, [3], seed=1)
    for neuron in model.layer0.neurons:
        neuron.b.data = 400.0
    f = cross_entropy_step(model)
    step = jit(f, vectorize=True)
    rows, targets = [[1.0, 2.0], [3.0, -1.0]], one_hot_rows([0, 2], 3)
    assert_agree(run(step, model.parameters(), rows, targets),
                 run(f, model.parameters(), rows, targets))


# ---- ops with no NumPy form, and errors ------------------------------------------------------
def test_a_learners_own_primitive_runs_sample_by_sample_inside_the_vectorised_step():
    cube = primitive("cube", lambda x: x * x * x, lambda x, out: 3 * x * x,
                     math="d/dx x^3 = 3 x^2")
    w = Value(0.7, "w", kind="parameter")

    def f(xs):
        return autograd.sum([cube(w * x) + w for x in xs])

    step = jit(f, vectorize=True)
    for xs in ([1.0, -2.0, 0.5], [0.3, 0.1, -1.2]):
        assert_agree(run(step, [w], xs), run(f, [w], xs))
    assert "_each(_op0_cube" in step.source and "_each_partial(" in step.source
    assert blocks_per_sample(step.source) == 3


def test_a_domain_error_of_an_op_run_sample_by_sample_is_the_interpreted_one():
    w = Value(1.0, "w", kind="parameter")
    xs = [1.0, 2.0, 3.0]

    def f():
        return autograd.sum([(w * x) ** 0.5 for x in xs])  # pow: sample by sample

    step = jit(f, vectorize=True)
    step()
    assert "_each(_op0_pow" in step.source
    w.data = -1.0
    assert run(step, [w]) == run(f, [w])
    assert run(step, [w])[0] is DomainError


def test_an_infinite_derivative_in_the_vectorised_backward_is_the_interpreted_error():
    w = Value(1.0, "w", kind="parameter")
    xs = [1.0, 2.0]

    def f():
        return autograd.sum([(w * x).sqrt() for x in xs])

    step = jit(f, vectorize=True)
    step()
    assert "_np.sqrt" in step.source
    w.data = 0.0  # sqrt(0) = 0 is fine; its slope 1 / (2 sqrt(0)) is not
    replayed, expected = run(step, [w]), run(f, [w])
    assert replayed[0] is DomainError and replayed == expected


def test_a_shared_parameter_read_by_a_reduction_gets_every_samples_share():
    w = Value(0.5, "w", kind="parameter")
    b = Value(-0.25, "b", kind="parameter")

    def f(rows):
        return autograd.sum([autograd.dot([w, b, w], [Value(x) for x in row])
                             + autograd.sum([Value(x) * b for x in row]) for row in rows])

    step = jit(f, vectorize=True)
    rows = [[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0], [2.0, 2.0, -3.0]]
    assert_agree(run(step, [w, b], rows), run(f, [w, b], rows))


def test_an_n_ary_op_without_a_numpy_form_gets_each_inputs_own_partial():
    """x * y^2 as one n-ary node: d/dx = y^2 and d/dy = 2 x y differ, so mixing up the
    inputs' partials (or the samples) would show."""
    from autograd.primitives import Primitive

    x_times_y_squared = Primitive("x_times_y_squared", "xy2", None,
                                  lambda xs: xs[0] * xs[1] * xs[1],
                                  lambda xs, out: [xs[1] * xs[1], 2 * xs[0] * xs[1]],
                                  "d/dx x y^2 = y^2, d/dy x y^2 = 2 x y")
    w = Value(0.5, "w", kind="parameter")
    v = Value(-1.5, "v", kind="parameter")

    def f(xs):
        return autograd.sum([autograd.apply(x_times_y_squared, w * x, v + x) for x in xs])

    step = jit(f, vectorize=True)
    for xs in ([1.0, -2.0, 0.5], [0.3, 2.0, -1.2]):
        assert_agree(run(step, [w, v], xs), run(f, [w, v], xs))
    assert "_each_partials(_op0_x_times_y_squared" in step.source


def test_a_layers_weights_are_read_from_p_in_one_slice_when_they_lie_in_a_grid():
    """MLP weights lie in P neuron after neuron (weights, then the bias): W is one slice
    of PN reshaped, and their gradients are added into the same slice of GP. Weights read
    in another order (or shared) are listed one by one, and both give the engine's numbers."""
    model = MLP(3, [4, 2], seed=3)
    f = cross_entropy_step(model)
    step = jit(f, vectorize=True)
    rows, targets = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], one_hot_rows([1, 0], 2)
    assert_agree(run(step, model.parameters(), rows, targets),
                 run(f, model.parameters(), rows, targets))
    assert "W0 = PN[0:16].reshape(4, 4)[:, :3]" in step.source  # a view, not a copy
    assert "GP[0:16].reshape(4, 4)[:, :3] += G0 @ S0[0:3].T" in step.source
    assert "GP[3:16:4] += " in step.source  # the biases' gradients: one slice too

    a, b, c = (Value(v, name, kind="parameter") for v, name in ((0.5, "a"), (-2.0, "b"),
                                                                  (1.5, "c")))

    def tangled(rows):
        outs = []
        for row in rows:
            x = [Value(number) for number in row]
            outs.append(autograd.dot([b, a], x) * autograd.dot([a, c], x)
                        + autograd.dot([c, c], x))
        return autograd.sum(outs)

    step = jit(tangled, vectorize=True)
    rows = [[1.0, 2.0], [-0.5, 3.0], [2.5, -1.0]]
    assert_agree(run(step, [a, b, c], rows), run(tangled, [a, b, c], rows))
    assert "W0 = _np.array([[" in step.source and "@" in step.source
    # c twice in one dot: its two gradient shares are added one after the other
    assert step.source.count("GP[2] += _t[") >= 2
