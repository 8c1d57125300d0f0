"""jit: the compiled replay gives the interpreted engine's numbers, re-traces when it must,
and fails as the interpreted engine fails."""

from __future__ import annotations

import math
import random
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import DomainError, StaleGraphError, Value, log, no_grad
from autograd.jit import TraceError, jit
from autograd.testing import domain_floats, expressions
from nn import MLP, cross_entropy, hinge, l2, mse


def same(a: float, b: float) -> bool:
    """Identical floats (NaN the same as NaN)."""
    return a == b or (a != a and b != b)


def interpreted(function, leaves, *args):
    """function's output number and its leaves' gradients, by the interpreted engine."""
    for leaf in leaves:
        leaf.grad = 0.0
    out = function(*args)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def compiled(step, leaves, *args):
    for leaf in leaves:
        leaf.grad = 0.0
    out = step(*args)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def outcome(run, *args):
    """run's result, or the type and message of the error it raised."""
    try:
        return run(*args)
    except (DomainError, OverflowError) as error:
        return type(error), str(error)


def assert_same(a, b):
    if isinstance(a[0], type) or isinstance(b[0], type):
        assert a == b
        return
    assert same(a[0], b[0]), (a[0], b[0])
    assert all(same(x, y) for x, y in zip(a[1], b[1])), (a[1], b[1])


# ---- the same numbers -------------------------------------------------------------------------
@given(expressions(variables=3, max_depth=4),
       st.lists(domain_floats("real", 3.0), min_size=3, max_size=3),
       st.lists(st.booleans(), min_size=3, max_size=3))
def test_constants_get_no_gradient_compiled_as_interpreted(expression, numbers, constant):
    """Leaves of kind "constant" (and nodes made from them alone) get no gradient from a
    replay either, while the other leaves get the interpreted engine's."""
    leaves = [Value(x, kind="constant" if fixed else "parameter")
              for x, fixed in zip(numbers, constant)]

    def f():
        out = expression(*leaves)
        return out if isinstance(out, Value) else Value(out)

    first = outcome(interpreted, f, leaves)
    step = jit(f)
    try:
        step()
    except (DomainError, OverflowError):
        return
    replayed = outcome(compiled, step, leaves)
    assert_same(replayed, first)
    if not isinstance(replayed[0], type):
        assert all(grad == 0.0 for grad, fixed in zip(replayed[1], constant) if fixed)


@given(expressions(variables=3, max_depth=4),
       st.lists(st.lists(domain_floats("real", 3.0), min_size=3, max_size=3), min_size=3,
                max_size=3))
def test_random_expressions_give_the_interpreted_numbers_over_replays(expression, numbers):
    leaves = [Value(x, kind="parameter") for x in numbers[0]]

    def f():
        out = expression(*leaves)
        return out if isinstance(out, Value) else Value(out)  # a constant expression

    first = outcome(interpreted, f, leaves)
    step = jit(f)
    try:
        step()
    except (DomainError, OverflowError) as error:
        assert first == (type(error), str(error))  # the trace itself met the error
        return
    for new_numbers in numbers:  # new numbers in the same leaves: a replay each
        for leaf, x in zip(leaves, new_numbers):
            leaf.data = x
        assert_same(outcome(compiled, step, leaves), outcome(interpreted, f, leaves))


def bits(x: float) -> tuple:
    """What tells two floats apart: NaN or not, and the number with the sign of a zero."""
    return (True,) if x != x else (False, x, math.copysign(1.0, x))


edge_floats = st.sampled_from([0.0, -0.0, 1e308, -1e308, math.inf, -math.inf, math.nan,
                               1e-300, 1.0, -1.0]) | st.floats(-1e3, 1e3)


@given(st.lists(edge_floats, min_size=1, max_size=6),
       st.lists(edge_floats, min_size=6, max_size=6))
def test_sums_and_dots_give_the_engines_bits_signed_zeros_and_infinities_too(xs, ws):
    from autograd import dot
    from autograd import sum as add_up

    leaves = [Value(x, f"x{i}", kind="parameter") for i, x in enumerate(xs)]
    weights = [Value(w, f"w{i}", kind="parameter") for i, w in enumerate(ws[:len(xs)])]

    def f():
        return add_up(leaves) * dot(weights, leaves)

    step = jit(f)
    for _ in range(2):  # the trace's own call, then a replay
        assert bits(step().data) == bits(f().data)


def test_where_sum_compensates_the_code_calls_sum_itself(monkeypatch):
    from autograd import dot

    jit_module = sys.modules["autograd.jit"]
    monkeypatch.setattr(jit_module, "_SUM_ADDS_LEFT_TO_RIGHT", False)  # as on Python 3.12
    leaves = [Value(x, kind="parameter") for x in (1e100, 1.0, -1e100, 2.0, 3.0, -0.0)]
    step = jit(lambda: dot(leaves[:3], leaves[3:]))
    for _ in range(2):  # the trace's own call, then a replay
        assert_same(compiled(step, leaves), interpreted(step.function, leaves))
    assert "_sum((p0 * p3, p1 * p4, p2 * p5, ))" in step.source


@st.composite
def small_networks(draw):
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    activation = draw(st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu"]))
    net = MLP(2, sizes, activation=activation, seed=draw(st.integers(0, 1000)))
    rows = draw(st.integers(1, 6))
    X = [[draw(domain_floats("real", 2.0)) for _ in range(2)] for _ in range(rows)]
    y = [draw(domain_floats("real", 2.0)) for _ in range(rows)]
    return net, X, y


@given(small_networks(), st.integers(0, 2**32 - 1))
def test_small_mlp_losses_give_the_interpreted_numbers_while_training(case, seed):
    net, X, y = case

    def loss():
        outputs = [net(x) for x in X]
        if net.sizes[-1] > 1:  # several outputs: one loss per output, summed
            outputs = [sum(out) for out in outputs]
        return mse(outputs, y) + 1e-3 * l2(net.parameters())

    parameters = net.parameters()
    step = jit(loss)
    rng = random.Random(seed)
    for _ in range(4):
        assert_same(compiled(step, parameters), interpreted(loss, parameters))
        for p in parameters:  # an optimizer's step: new numbers, same graph
            p.data -= 0.1 * p.grad + rng.uniform(-0.01, 0.01)
    assert step.trace_count == 1


def test_the_learners_loop_on_moons_is_exact_and_written_as_one_loop():
    from nn import moons

    X, y = moons(40, noise=0.1, signed=True)
    net = MLP(2, [8, 8, 1], seed=3)

    def total_loss():
        return hinge([net(x) for x in X], y) + 1e-4 * l2(net.parameters())

    step = jit(total_loss)
    parameters = net.parameters()
    for _ in range(5):
        assert_same(compiled(step, parameters), interpreted(total_loss, parameters))
        for p in parameters:
            p.data -= 0.5 * p.grad
    assert step.trace_count == 1
    assert "40 samples, each the same graph" in step.source
    assert step.source.count("for (s0") == 2  # the forward loop and the backward loop


def test_backward_twice_adds_twice_and_grad_scales():
    w = Value(1.5, kind="parameter")
    step = jit(lambda: w * w * 3.0)
    loss = step()
    loss.backward()
    loss.backward(grad=0.5)
    assert w.grad == 9.0 + 4.5
    assert loss.data == 6.75 and "6.75" in repr(loss)


def test_leaves_accumulate_onto_what_they_held():
    w = Value(2.0, kind="parameter")
    w.grad = 0.25
    jit(lambda: w * 3.0)().backward()
    assert w.grad == 3.0 + 0.25


# ---- guards: Python looked at a number ---------------------------------------------------------
def test_a_comparison_is_a_guard_and_a_flip_retraces_correctly():
    x = Value(2.0, kind="parameter")

    def f():
        return x * x if x > 1.0 else x * 10.0

    step = jit(f)
    assert step().data == 4.0
    x.data = 3.0
    assert step().data == 9.0 and step.trace_count == 1
    x.data = 0.5
    out = step()
    assert out.data == 5.0 and step.trace_count == 2
    assert "guard" in step.reason and "> 1.0 was True" in step.reason
    out.backward()
    assert x.grad == 10.0
    x.data = 3.0  # back to the first branch: its trace is kept
    assert step().data == 9.0 and step.trace_count == 2


@given(st.lists(domain_floats("real", 3.0), min_size=2, max_size=5))
def test_max_of_scores_and_bool_are_guarded(numbers):
    scores = [Value(x, kind="parameter") for x in numbers]

    def f():
        best = max(scores)  # compares Values
        return best * 2.0 if best else best + 1.0

    step = jit(f)
    step()
    rng = random.Random(len(numbers))
    for _ in range(4):
        for s in scores:
            s.data = rng.choice([0.0, rng.uniform(-3, 3)])
        assert_same(compiled(step, scores), interpreted(f, scores))


def test_reading_data_is_a_guard_on_the_number():
    logits = [Value(x, kind="parameter") for x in (0.5, -1.0, 2.0)]

    def f():
        m = max(v.data for v in logits)  # a shift read as plain numbers: guards
        return sum((v - m).exp() for v in logits).log() + m

    step = jit(f)
    assert_same(compiled(step, logits), interpreted(f, logits))
    logits[0].data = 3.0
    assert_same(compiled(step, logits), interpreted(f, logits))
    assert step.trace_count == 2 and ".data read" in step.source


def test_cross_entropy_reads_no_number_so_new_logits_need_no_new_trace():
    logits = [Value(x, kind="parameter") for x in (0.5, -1.0, 2.0)]

    def f():
        return cross_entropy([logits], [2])  # its stability shift is a node, not a guard

    step = jit(f)
    for first in (0.5, 3.0, -7.0):
        logits[0].data = first
        assert_same(compiled(step, logits), interpreted(f, logits))
    assert step.trace_count == 1 and ".data read" not in step.source


def test_printing_a_value_while_tracing_is_no_guard(capsys):
    w = Value(1.0, kind="parameter")

    def f():
        out = w * 2.0
        print(out, f"{out:.2f}")
        return out

    step = jit(f)
    step()
    w.data = 5.0
    assert step().data == 10.0 and step.trace_count == 1
    assert "2.00" in capsys.readouterr().out


# ---- shapes and arguments ---------------------------------------------------------------------
def small_net_loss(seed: int):
    """f(X, y), the mse of MLP(2, [3, 1]) over a batch; its jit step; the net's parameters."""
    net = MLP(2, [3, 1], seed=seed)

    def f(X, y):
        return mse([net(x) for x in X], y)

    return f, jit(f), net.parameters()


def test_a_new_batch_size_retraces():
    f, step, parameters = small_net_loss(seed=1)
    X = [[0.1, 0.2], [0.3, -0.5], [1.0, 2.0]]
    y = [0.5, -0.5, 1.0]
    assert_same(compiled(step, parameters, X, y), interpreted(f, parameters, X, y))
    assert_same(compiled(step, parameters, X[:2], y[:2]), interpreted(f, parameters, X[:2],
                                                                      y[:2]))
    assert step.trace_count == 2 and step.reason == "new argument shape"


def test_argument_numbers_are_read_at_each_call():
    f, step, parameters = small_net_loss(seed=2)
    rng = random.Random(0)
    for _ in range(4):
        X = [[rng.uniform(-2, 2) for _ in range(2)] for _ in range(5)]
        y = [rng.uniform(-1, 1) for _ in range(5)]
        assert_same(compiled(step, parameters, X, y), interpreted(f, parameters, X, y))
    assert step.trace_count == 1


def test_an_argument_used_as_a_plain_number_is_part_of_the_shape():
    w = Value(2.0, kind="parameter")
    step = jit(lambda x: w * math.exp(x) + w * x)  # math.exp(x) is computed outside the graph
    assert step(0.0).data == 2.0
    assert step(1.0).data == pytest.approx(2 * math.e + 2)
    assert step.trace_count == 2
    step(1.0)
    assert step.trace_count == 2


def test_a_rebuilt_model_under_the_same_name_retraces():
    global net_for_test
    net_for_test = MLP(2, [2, 1], seed=1)
    step = jit(lambda: net_for_test([1.0, 2.0]))
    first = step().data
    net_for_test = MLP(2, [2, 1], seed=2)
    assert step().data == net_for_test([1.0, 2.0]).data != first
    assert step.trace_count == 2


def test_a_model_passed_in_is_read_from_the_object():
    step = jit(lambda net, x: net(x))
    a, b = MLP(2, [2, 1], seed=1), MLP(2, [2, 1], seed=2)
    assert step(a, [1.0, 2.0]).data == a([1.0, 2.0]).data
    assert step(b, [1.0, 2.0]).data == b([1.0, 2.0]).data
    assert step.trace_count == 2


def test_rows_and_one_hot_targets_passed_in_are_read_afresh_as_slices_exactly():
    from nn.losses import cross_entropy_one_hot, one_hot_rows

    net = MLP(4, [3, 3], seed=5)

    def f(rows, targets):
        return cross_entropy_one_hot([net(x) for x in rows], targets)

    step, parameters = jit(f), net.parameters()
    rng = random.Random(1)
    for _ in range(4):  # new rows and labels each call: one trace, the interpreted numbers
        rows = [[rng.uniform(-2, 2) for _ in range(4)] for _ in range(5)]
        targets = one_hot_rows([rng.randrange(3) for _ in range(5)], 3)
        assert_same(compiled(step, parameters, rows, targets),
                    interpreted(f, parameters, rows, targets))
    assert step.trace_count == 1
    # each sample's row of the loop reads its pixels and its one-hot row as two slices of A
    assert "(*A[0:4], *A[20:23],)" in step.source


def test_values_passed_in_are_new_leaves_at_each_call_beside_the_ones_f_reads():
    w = Value(0.5, "w", kind="parameter")

    def f(xs):
        return (w * xs[0] + xs[1] * xs[2]).tanh() * w

    step, rng = jit(f), random.Random(3)
    for _ in range(4):  # other Value objects, same shape: the same trace, their gradients
        xs = [Value(rng.uniform(-2, 2), f"x{i}") for i in range(3)]
        assert_same(compiled(step, [w, *xs], xs), interpreted(f, [w, *xs], xs))
    assert step.trace_count == 1


def nested_arguments():
    """Random arguments of every form jit takes: numbers, Values, lists, tuples, dicts."""
    leaves = (st.floats(allow_nan=True) | st.integers(-3, 3) | st.booleans() | st.none()
              | st.builds(Value, st.floats(-5, 5)))
    rows = st.lists(st.floats(allow_nan=True), max_size=5)  # the fast path's own form
    return st.recursive(leaves | rows, lambda inner: (
        st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(st.sampled_from("abc"), inner, max_size=3)), max_leaves=20)


def walked_item_by_item(args: tuple) -> tuple:
    """_flatten(args) with every list and tuple walked item by item (no fast path)."""
    jit_module = sys.modules["autograd.jit"]  # (autograd.jit is also the name of jit())
    original = jit_module._floats_only
    jit_module._floats_only = lambda items: False
    try:
        return jit_module._flatten(args)
    finally:
        jit_module._floats_only = original


def other_floats(x):
    """x with every float replaced by another one: the same form, other numbers."""
    if x.__class__ is float:
        return x + 1.0
    if isinstance(x, (list, tuple)):
        return type(x)(other_floats(item) for item in x)
    if isinstance(x, dict):
        return {key: other_floats(item) for key, item in x.items()}
    return x


@given(st.lists(nested_arguments(), max_size=3), st.lists(nested_arguments(), max_size=3))
def test_flattening_rows_of_floats_fast_finds_what_the_item_by_item_walk_finds(args, others):
    """The fast path takes a row of floats in one step: the very same numbers and Values
    as the walk, and shapes that are equal exactly when the walk's are (so the same trace
    is found for the same form, and never for another)."""
    flatten = sys.modules["autograd.jit"]._flatten
    fast, walked = flatten(tuple(args)), walked_item_by_item(tuple(args))
    assert [id(x) for x in fast[1]] == [id(x) for x in walked[1]]  # the very same numbers
    assert [id(v) for v in fast[2]] == [id(v) for v in walked[2]]
    renumbered = tuple(other_floats(x) for x in args)
    assert flatten(renumbered)[0] == fast[0]
    assert (flatten(tuple(others))[0] == fast[0]) == (
        walked_item_by_item(tuple(others))[0] == walked[0])


def test_only_rows_of_plain_floats_take_the_fast_path():
    jit_module = sys.modules["autograd.jit"]
    assert jit_module._floats_only([1.0, -0.0, math.nan])
    assert jit_module._floats_only((2.5,))
    for items in ([], [1.0, 2], [1.0, True], [1.0, Value(1.0)], [1.0, [2.0]]):
        assert not jit_module._floats_only(items)

    class Half(float):
        pass

    assert not jit_module._floats_only([1.0, Half(0.5)])


# ---- errors: the interpreted engine's own ------------------------------------------------------
def test_a_domain_error_in_the_replayed_forward_is_the_interpreted_one():
    x = Value(2.0, "x", kind="parameter")
    step = jit(lambda: log(x) * 3.0)
    step()
    x.data = -1.0
    with pytest.raises(DomainError) as replayed:
        step()
    with pytest.raises(DomainError) as direct:
        log(x)
    assert str(replayed.value) == str(direct.value) and "'x'" in str(replayed.value)


def test_a_domain_error_in_the_replayed_backward_is_the_interpreted_one_and_writes_nothing():
    x = Value(4.0, "x", kind="parameter")
    step = jit(lambda: x.sqrt() * 2.0)
    step().backward()
    x.data = 0.0
    x.grad = 0.125
    loss = step()
    assert loss.data == 0.0
    with pytest.raises(DomainError) as replayed:
        loss.backward()
    with pytest.raises(DomainError) as direct:
        (x.sqrt() * 2.0).backward()
    assert str(replayed.value) == str(direct.value)
    assert x.grad == 0.125


def test_a_parameter_changed_before_backward_is_refused():
    w = Value(1.0, "w", kind="parameter")
    loss = jit(lambda: w * 2.0)()
    w.data = 3.0
    with pytest.raises(StaleGraphError, match="'w'"):
        loss.backward()


def test_what_jit_cannot_replay_is_refused_loudly():
    w = Value(1.0, kind="parameter")

    def uses_no_grad():
        with no_grad():
            scale = w * 2.0
        return w * scale

    with pytest.raises(RuntimeError, match="no_grad"):
        jit(uses_no_grad)()

    def changes_a_number():
        w.data = 2.0
        return w * 1.0

    with pytest.raises(RuntimeError, match="new number"):
        jit(changes_a_number)()
    with pytest.raises(TypeError, match="must return"):
        jit(lambda: 3.0)()
    outside = w * 2.0
    with pytest.raises(TraceError, match="computed before"):
        jit(lambda: outside * 3.0)()
    with pytest.raises(TypeError, match="function"):
        jit(3)
    assert (w < 2.0) is True and w.data == 1.0  # Value's own methods are back


# ---- vectorised replay (NumPy) -----------------------------------------------------------------
def close(a, b, tolerance=1e-12):
    assert abs(a[0] - b[0]) <= tolerance, (a[0], b[0])
    assert all(abs(x - y) <= tolerance for x, y in zip(a[1], b[1])), (a[1], b[1])


def test_vectorised_moons_step_matches_the_interpreted_engine_to_1e_12():
    pytest.importorskip("numpy")
    from nn import moons

    X, y = moons(60, noise=0.1, signed=True)
    net = MLP(2, [16, 16, 1], seed=5)

    def total_loss():
        return hinge([net(x) for x in X], y) + 1e-4 * l2(net.parameters())

    step = jit(total_loss, vectorize=True)
    parameters = net.parameters()
    for _ in range(5):
        result = compiled(step, parameters)
        assert all(type(g) is float for g in result[1])
        close(result, interpreted(total_loss, parameters))
        for p in parameters:
            p.data -= 0.5 * p.grad
    assert step.trace_count == 1 and "W0 @" in step.source and "for (s0" not in step.source


@given(small_networks(), st.sampled_from(["mse", "hinge"]))
def test_vectorised_small_mlp_losses_match_to_1e_12(case, which):
    pytest.importorskip("numpy")
    net, X, y = case
    labels = [1 if t > 0 else -1 for t in y]

    def loss(X):
        outputs = [net(x) for x in X]
        if net.sizes[-1] > 1:
            outputs = [sum(out) for out in outputs]
        if which == "hinge":
            return hinge(outputs, labels)
        return mse(outputs, y) + 1e-3 * l2(net.parameters())

    parameters = net.parameters()
    step = jit(loss, vectorize=True)
    for shift in (0.0, 0.5, -1.0):
        moved = [[a + shift, b - shift] for a, b in X]  # new argument numbers, same shape
        close(compiled(step, parameters, moved), interpreted(loss, parameters, moved))
    assert step.trace_count == 1


def test_a_domain_error_in_the_vectorised_replay_is_the_interpreted_one():
    pytest.importorskip("numpy")
    w = Value(1.0, "w", kind="parameter")
    X = [1.0, 2.0, 3.0]

    def f():
        return sum_of([log(w * x) for x in X])

    from autograd import sum as sum_of

    step = jit(f, vectorize=True)
    step()
    assert "_np.log" in step.source
    w.data = -1.0
    with pytest.raises(DomainError) as replayed:
        step()
    with pytest.raises(DomainError) as direct:
        f()
    assert str(replayed.value) == str(direct.value)


def test_vectorize_without_numpy_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy now fails, as if missing
    with pytest.raises(ImportError, match=r"blameflow\[numpy\]"):
        jit(lambda: Value(1.0), vectorize=True)


@pytest.mark.parametrize("vectorize", [False, True])
def test_outputs_returned_beside_the_loss_give_their_numbers(vectorize):
    if vectorize:
        pytest.importorskip("numpy")
    net = MLP(2, [4, 2], seed=4)
    X = [[0.5, -1.0], [1.5, 2.0], [-0.3, 0.2]]

    def f(X):
        outputs = net.forward_batch(X)
        return mse([a + b for a, b in outputs], [0.0, 1.0, 2.0]), outputs

    step = jit(f, vectorize=vectorize)
    for shift in (0.0, 1.0):
        moved = [[a + shift, b] for a, b in X]
        loss, numbers = step(moved)
        loss_value, outputs = f(moved)
        assert loss.data == pytest.approx(loss_value.data, abs=1e-12)
        for got, row in zip(numbers, outputs):
            assert got == pytest.approx([o.data for o in row], abs=1e-12)
    assert step.trace_count == 1
    with pytest.raises(TypeError, match="pair"):
        jit(lambda: (Value(1.0), 2.0))()


# ---- fit(compile=True) ---------------------------------------------------------------------
def train(compile, batch_size=None, loss=None, steps=6):
    from nn import SGD, fit, moons

    X, y = moons(30, noise=0.1, signed=True)
    net = MLP(2, [6, 6, 1], seed=2)
    loss = loss or (lambda out, t: hinge(out, t) + 1e-4 * l2(net.parameters()))
    history = fit(net, X, y, loss, SGD(net.parameters(), lr=0.3), steps,
                  batch_size=batch_size, progress=False, compile=compile)
    return history, [p.data for p in net.parameters()]


def test_fit_compiled_trains_exactly_as_fit_interpreted():
    compiled_history, compiled_parameters = train(compile=True)
    history, parameters = train(compile=False)
    assert compiled_history.loss == history.loss
    assert compiled_history.accuracy == history.accuracy
    assert compiled_parameters == parameters


def test_fit_compiled_with_changing_minibatch_labels_falls_back_and_stays_exact():
    compiled_history, compiled_parameters = train(compile=True, batch_size=7, steps=8)
    history, parameters = train(compile=False, batch_size=7, steps=8)
    assert compiled_history.loss == history.loss and compiled_parameters == parameters


def test_fit_compiled_with_a_loss_jit_cannot_replay_falls_back():
    def uses_no_grad(out, t):
        with no_grad():
            scale = 1.0 + 0.0 * out[0]
        return mse(out, t) * scale.data

    compiled_history, compiled_parameters = train(compile=True, loss=uses_no_grad)
    history, parameters = train(compile=False, loss=uses_no_grad)
    assert compiled_history.loss == history.loss and compiled_parameters == parameters


# ---- pictures of a compiled step ------------------------------------------------------------
def test_a_compiled_result_gives_its_graph_for_pictures_with_numbers_and_gradients():
    from autograd import topological_order

    net = MLP(2, [3, 1], seed=6)
    X, y = [[0.5, 1.0], [-1.0, 2.0]], [1, -1]
    step = jit(lambda: hinge([net(x) for x in X], y))
    step()
    for p in net.parameters():
        p.data += 0.1
    loss = step()
    net.zero_grad()
    loss.backward()
    grads = [p.grad for p in net.parameters()]
    root = loss.graph()
    reference = hinge([net(x) for x in X], y)
    reference.backward()
    assert root.data == loss.data == reference.data
    pairs = zip(topological_order(root), topological_order(reference))
    assert all(a.data == b.data and a.op == b.op for a, b in pairs)
    assert [n.grad for n in topological_order(root) if n.children] == [
        n.grad for n in topological_order(reference) if n.children]
    assert [p.grad for p in net.parameters()] == [2 * g for g in grads]  # only reference added
    for p in net.parameters():
        p.data -= 0.1
    with pytest.raises(StaleGraphError):
        loss.graph()


def test_the_explorer_draws_a_compiled_step(tmp_path):
    import viz

    w = Value(0.5, "w", kind="parameter")
    loss = jit(lambda: (w * 3.0).tanh())()
    loss.backward()
    page = viz.explore(loss.graph(), tmp_path / "graph.html")
    text = (tmp_path / "graph.html").read_text()
    assert "tanh" in text and str(page).endswith("graph.html")


def a_replayed_tanh_step() -> tuple[Value, object, float]:
    """A step compiled and replayed with a new number: (its weight, its result, the
    number it had when traced)."""
    w = Value(0.5, "w", kind="parameter")
    step = jit(lambda: (w * 3.0).tanh())
    traced = step().data
    w.data = 0.2
    loss = step()
    loss.backward()
    return w, loss, traced


def test_explore_takes_a_compiled_result_itself_and_shows_its_latest_numbers(tmp_path):
    import viz
    from viz.style import format_number

    w, loss, traced = a_replayed_tanh_step()
    gradient = w.grad
    viz.explore(loss, tmp_path / "step.html")
    text = (tmp_path / "step.html").read_text()
    assert format_number(math.tanh(0.6)) in text and format_number(traced) not in text
    assert w.grad == gradient  # drawing added nothing


def test_render_takes_a_compiled_result_itself_with_numbers_and_gradients(tmp_path):
    import viz
    from viz.style import format_number

    w, loss, traced = a_replayed_tanh_step()
    viz.render(loss, tmp_path / "step.svg")
    svg = (tmp_path / "step.svg").read_text()
    assert format_number(math.tanh(0.6)) in svg and format_number(traced) not in svg
    assert format_number(w.grad) in svg  # d loss / d w, as after backward()
    with pytest.raises(TypeError, match="render takes a Value"):
        viz.render(object(), tmp_path / "nothing.svg")


def test_your_own_primitive_is_replayed_through_its_own_functions():
    from autograd import primitive, sigmoid

    swish = primitive("swish_for_jit", lambda x: x * (1.0 / (1.0 + math.exp(-x))),
                      lambda x, out: out + sigmoid(x) * (1 - out),
                      math="d/dx swish(x) = swish(x) + sigmoid(x) * (1 - swish(x))")
    w = Value(0.7, kind="parameter")

    def f():
        return swish(w * 2.0) * 3.0

    step = jit(f)
    for number in (0.7, -1.5, 2.0):
        w.data = number
        assert_same(compiled(step, [w]), interpreted(f, [w]))
    assert "_forward_swish_for_jit" in step.source and step.trace_count == 1
