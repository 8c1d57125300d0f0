"""Issue 11, "no silent wrong gradient": every way the engine could quietly give a wrong
gradient (or none) either gives the right one or raises an error that says what to do."""

from __future__ import annotations

import math

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, grad
from autograd.batch import Batch, dot_each
from autograd.testing import expressions_with_inputs


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


# ---- 2. nothing hides a NaN ---------------------------------------------------------------
def _inputs_with_nan_at(primitive, position):
    """Inputs inside every domain (0.5 is positive and nonzero), NaN at one position."""
    count = primitive.arity or 4
    return [math.nan if i == position else 0.5 for i in range(count)]


@pytest.mark.parametrize("name", sorted(autograd.TABLE))
def test_a_nan_input_gives_a_nan_output_for_every_primitive(name):
    primitive = autograd.TABLE[name]
    # leaky_relu's second input is its slope: a setting chosen by the caller, not data.
    positions = [0] if name == "leaky_relu" else range(primitive.arity or 4)
    for position in positions:
        inputs = _inputs_with_nan_at(primitive, position)
        assert math.isnan(primitive.evaluate(*inputs)), (name, inputs)
        assert math.isnan(autograd.apply(primitive, *inputs).data), (name, inputs)


def _reads_its_input(primitive):
    """True when a unary derivative is not a constant (neg's -1): it looks at x."""
    points = (0.5, 2.0) if primitive.domain == ("positive",) else (-1.5, 0.5, 2.0)
    return len({primitive.partials([x], primitive.evaluate(x))[0] for x in points}) > 1


@pytest.mark.parametrize("name", sorted(name for name, p in autograd.TABLE.items()
                                        if p.arity == 1 and _reads_its_input(p)))
def test_a_derivative_that_depends_on_its_input_is_nan_at_nan(name):
    primitive = autograd.TABLE[name]
    assert math.isnan(primitive.partials([math.nan], primitive.evaluate(math.nan))[0])


def test_relu_and_leaky_relu_pass_nan_on_forward_and_backward_as_pytorch_does():
    assert math.isnan(autograd.relu(math.nan)) and math.isnan(autograd.leaky_relu(math.nan))
    for f in (lambda x: x.relu(), lambda x: x.leaky_relu(0.1), abs):
        x = Value(math.nan)
        f(x).backward()
        assert math.isnan(x.grad)
    assert math.isnan(grad(lambda x: (x * 2.0).relu() * 3.0)(math.nan))
    assert math.isnan((Value(math.nan) ** 0).data) and math.isnan((1.0 ** Value(math.nan)).data)


def test_kinks_keep_their_convention_away_from_nan():
    assert grad(lambda x: x.relu())(0.0) == 0.0 and grad(lambda x: x.leaky_relu(0.1))(0.0) == 0.1
    assert grad(abs)(0.0) == 0.0 and grad(abs)(-2.0) == -1.0 and grad(abs)(3.0) == 1.0
    assert autograd.relu(-0.0) == 0.0 and autograd.relu(-3.0) == 0.0 and autograd.relu(2.0) == 2.0


# ---- 3. pow at a zero base, and partials that nothing needs ---------------------------------
def _nth_derivative(f, order):
    for _ in range(order):
        f = grad(f)
    return f


@pytest.mark.parametrize("power", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("x", [0.0, -1.5, 2.0])
def test_derivatives_of_x_to_an_integer_power_are_the_analytic_ones_even_at_zero(power, order, x):
    # d^k/dx^k x^n = n!/(n-k)! x^(n-k) for k <= n, else 0 (as PyTorch and HIPS autograd give)
    expected = math.perm(power, order) * x ** (power - order) if order <= power else 0.0
    assert _nth_derivative(lambda v: v ** power, order)(x) == pytest.approx(expected, rel=1e-12)


def test_x_to_the_zero_is_flat_at_zero_and_zero_to_the_y_is_flat_for_positive_y():
    x = Value(0.0, "x")
    (x ** 0).backward()
    assert x.grad == 0.0 and grad(lambda v: v ** 0)(0.0) == 0.0
    for y_value in (0.5, 1.0, 3.0):
        y = Value(y_value, "y")
        (0.0 ** y).backward()  # the constant base's partial (infinite at y = 0.5) is not needed
        assert y.grad == 0.0 and grad(lambda v: 0.0 ** v)(y_value) == 0.0


def test_a_constant_exponent_never_asks_for_log_of_the_base(monkeypatch):
    x = Value(-3.0, "x")
    (x ** 2).backward()  # d/dy would be 9 log(-3): not real, and not needed
    assert x.grad == -6.0
    assert grad(grad(lambda v: v ** 2))(-1.0) == 2.0
    # gradients() (so grad() and the graph of a gradient) never takes that partial at all
    import autograd.primitives
    logs = []
    monkeypatch.setattr(autograd.primitives, "log", lambda v: logs.append(v) or autograd.log(v))
    x = Value(2.0, "x")
    (slope,) = autograd.gradients(x ** 2.5, [x], create_graph=True)
    assert slope.data == pytest.approx(2.5 * 2.0 ** 1.5)
    assert grad(grad(lambda v: v ** 2.5))(2.0) == pytest.approx(2.5 * 1.5 * 2.0 ** 0.5)
    assert logs == []
    autograd.gradients(2.0 ** x, [x])
    assert len(logs) == 1  # the exponent's partial, when it is needed, does take log


def test_an_exponent_that_needs_a_gradient_at_a_negative_base_is_an_error_not_zero():
    base, exponent = Value(-3.0, "b"), Value(2.0, "e")
    out = base ** exponent
    with pytest.raises(autograd.DomainError, match=r"backward through pow.*input 2 \(node 'e'\)"):
        out.backward()
    with pytest.raises(autograd.DomainError, match=r"pow.*'e'"):
        autograd.gradients(out, [exponent])
    with pytest.raises(autograd.DomainError, match=r"backward through pow.*input 1 \(node 'x'\)"):
        (Value(0.0, "x") ** 0.5).backward()  # a slope that really is infinite, and needed


# ---- 4. one rule for the numbers: those the graph was built from ----------------------------
def _loss_of(w, x, b):
    return (autograd.dot([w], [x]) + b).tanh() * (w * x)  # n-ary, unary and binary nodes


def test_backward_on_a_graph_whose_leaf_changed_refuses_and_names_it():
    w, x, b = Value(0.5, "w"), Value(2.0, "x"), Value(0.1, "b")
    loss = _loss_of(w, x, b)
    loss.backward()
    w.data -= 0.25  # a learner's optimizer step ... then backward() on the old graph
    with pytest.raises(autograd.StaleGraphError) as error:
        loss.backward()
    message = str(error.value)
    assert "'w'" in message and "0.5 -> 0.25" in message and "forward pass again" in message
    with pytest.raises(autograd.StaleGraphError, match="'w'"):
        autograd.gradients(loss, [w])
    with pytest.raises(autograd.StaleGraphError, match="'w'"):
        grad(lambda v: v * loss)(1.0)


def test_after_a_change_a_rebuilt_graph_differentiates_at_the_new_numbers_on_every_path():
    w, x, b = Value(0.5, "w"), Value(2.0, "x"), Value(0.1, "b")
    _loss_of(w, x, b).backward()
    w.data, x.data = -0.3, 1.5
    w.grad = x.grad = b.grad = 0.0
    loss = _loss_of(w, x, b)
    loss.backward()
    fresh = [Value(-0.3), Value(1.5), Value(0.1)]
    _loss_of(*fresh).backward()
    assert [w.grad, x.grad, b.grad] == [v.grad for v in fresh]
    assert autograd.gradients(loss, [w, x, b]) == [v.grad for v in fresh]


def test_a_change_before_the_graph_is_built_is_the_normal_case():
    w = Value(1.0, "w")
    w.data = 2.0
    loss = w * w
    loss.backward()
    assert w.grad == 4.0


def test_a_computed_node_has_no_settable_number_and_a_bad_number_is_refused():
    w = Value(1.0, "w")
    h = (w * 2.0).tanh()
    with pytest.raises(AttributeError, match="computed by tanh"):
        h.data = 0.0
    with pytest.raises(TypeError, match="Value.data takes an int or float, got str"):
        w.data = "0.5"
    assert w.data == 1.0


def test_a_batch_whose_rows_changed_is_refused():
    x = Value(1.0, "x")
    batch = Batch([[x, 2.0]])
    x.data = 3.0
    with pytest.raises(autograd.StaleGraphError, match="'x'.*1.0 -> 3.0.*Batch"):
        dot_each([Value(1.0), Value(1.0)], batch)
    assert dot_each([1.0, 1.0], Batch([[x, 2.0]]))[0].data == 5.0


# ---- 5. grad mode and scope belong to a thread or a task; sweeps take turns -----------------
def _in_threads(*bodies):
    """Run each body in a thread of its own; re-raise the first error any of them hit."""
    import threading

    errors = []

    def run(body):
        try:
            body()
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]


def test_no_grad_and_scope_in_one_thread_leave_another_threads_graph_alone():
    import threading

    inside, built = threading.Barrier(2), threading.Barrier(2)
    seen = {}

    def quiet():
        with autograd.no_grad(), autograd.scope("quiet"):
            inside.wait()  # the other thread builds while this one is inside
            built.wait()
            seen["quiet"] = Value(1.0) * 2.0

    def busy():
        inside.wait()
        x = Value(1.0, "x")
        seen["busy"] = x * 2.0
        seen["busy mode"] = autograd.is_grad_enabled()
        built.wait()

    _in_threads(quiet, busy)
    assert seen["busy"].children and seen["busy"].scope == "" and seen["busy mode"]
    assert seen["quiet"].children == () and seen["quiet"].scope == "quiet"
    assert autograd.is_grad_enabled() and Value(0.0).scope == ""


def test_a_decorated_no_grad_function_called_from_threads_at_once():
    import threading

    both = threading.Barrier(2)

    @autograd.no_grad()
    def evaluate():
        both.wait()  # both calls are inside at the same time
        return Value(1.0) * 2.0

    results = []
    _in_threads(lambda: results.append(evaluate()), lambda: results.append(evaluate()))
    assert [r.children for r in results] == [(), ()] and autograd.is_grad_enabled()


def test_two_threads_calling_backward_on_one_graph_take_turns():
    import sys

    leaves = [Value(0.1 * i, f"x{i}") for i in range(200)]
    loss = autograd.sum([(leaf * leaf).tanh() for leaf in leaves for _ in range(40)])
    loss.backward()
    once = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, mid-sweep
    try:
        _in_threads(*[lambda: [loss.backward() for _ in range(3)]] * 2)
    finally:
        sys.setswitchinterval(interval)
    assert [leaf.grad for leaf in leaves] == pytest.approx([6 * g for g in once], rel=1e-12)


def test_asyncio_tasks_keep_their_own_grad_mode_and_scope():
    import asyncio

    async def main():
        inside, built = asyncio.Event(), asyncio.Event()

        async def quiet():
            with autograd.no_grad(), autograd.scope("quiet"):
                inside.set()
                await built.wait()
                return Value(1.0) * 2.0

        async def busy():
            await inside.wait()  # the other task is inside no_grad and scope now
            node = Value(1.0) * 2.0
            built.set()
            return node

        return await asyncio.gather(quiet(), busy())

    quiet_node, busy_node = asyncio.run(main())
    assert quiet_node.children == () and quiet_node.scope == "quiet"
    assert busy_node.children and busy_node.scope == ""


# A task's program: "node" (make a node and check it), or (block, [program...]) where block
# is "no_grad", "enable_grad" or "scope". Several programs run at once, interleaved.
_programs = st.recursive(
    st.just("node"),
    lambda inner: st.tuples(st.sampled_from(["no_grad", "enable_grad", "scope"]),
                            st.lists(inner, max_size=3)),
    max_leaves=8)


def _block(kind, who, path):
    """The context manager of a block, and the (grad mode, scope) expected inside it."""
    if kind == "scope":
        return autograd.scope(who), None, f"{path}/{who}" if path else who
    return (autograd.no_grad() if kind == "no_grad" else autograd.enable_grad()), \
        kind == "enable_grad", path


def _check_node(enabled, path):
    node = Value(1.0) * 2.0
    assert autograd.is_grad_enabled() == enabled
    assert bool(node.children) == enabled and node.scope == path


async def _run_task(program, who, pauses, enabled=True, path=""):
    import asyncio

    for item in program:
        for _ in range(pauses.randint(0, 2)):
            await asyncio.sleep(0)  # let the other tasks run here
        if item == "node":
            _check_node(enabled, path)
            continue
        manager, inner_enabled, inner_path = _block(item[0], who, path)
        with manager:
            await _run_task(item[1], who, pauses,
                            enabled if inner_enabled is None else inner_enabled, inner_path)
        _check_node(enabled, path)


def _run_thread(program, who, pauses, enabled=True, path=""):
    import time

    for item in program:
        time.sleep(0.0001 * pauses.randint(0, 1))  # let the other threads run here
        if item == "node":
            _check_node(enabled, path)
            continue
        manager, inner_enabled, inner_path = _block(item[0], who, path)
        with manager:
            _run_thread(item[1], who, pauses,
                        enabled if inner_enabled is None else inner_enabled, inner_path)
        _check_node(enabled, path)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_programs, max_size=4), min_size=2, max_size=3), st.randoms())
def test_grad_mode_and_scope_never_leak_between_asyncio_tasks(programs, pauses):
    import asyncio

    async def main():
        await asyncio.gather(*[_run_task(program, f"task{i}", pauses)
                               for i, program in enumerate(programs)])

    asyncio.run(main())
    assert autograd.is_grad_enabled() and autograd.mode.current_scope() == ""


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(_programs, max_size=4), min_size=2, max_size=3), st.randoms())
def test_grad_mode_and_scope_never_leak_between_threads(programs, pauses):
    _in_threads(*[lambda i=i, program=program: _run_thread(program, f"thread{i}", pauses)
                  for i, program in enumerate(programs)])
    assert autograd.is_grad_enabled() and autograd.mode.current_scope() == ""


# ---- 6. a backward() that fails changes no gradient -----------------------------------------
def _interrupting(exception):
    """A primitive (not in the table) whose derivative raises `exception`: identity forward."""
    def derivative(x, out):
        raise exception

    return autograd.Primitive("interrupt", "!", 1, lambda x: x, derivative, "raises")


def _every_grad(root):
    return {node: node.grad for node in autograd.topological_order(root)}


@pytest.mark.parametrize("failure", ["sqrt at 0", "pow at 0", KeyboardInterrupt,
                                     autograd.DomainError])
def test_a_failed_backward_leaves_every_gradient_as_it_was(failure):
    x, w, z = Value(0.7, "x"), Value(-1.3, "w"), Value(0.0, "z")
    if failure == "sqrt at 0":
        bomb = z.sqrt()  # made first, so the sweep reaches it last: after everything else
    elif failure == "pow at 0":
        bomb = z ** 0.5
    else:
        bomb = autograd.apply(_interrupting(failure), z)
    out = (x * w).tanh() * (bomb + 1.0) + x * x
    for i, node in enumerate(autograd.topological_order(out)):
        node.grad = 0.25 * (i % 3)  # leaves and intermediates hold something, or 0.0
    before = _every_grad(out)
    with pytest.raises((autograd.DomainError, KeyboardInterrupt)):
        out.backward()
    assert _every_grad(out) == before
    # a backward refused before the sweep (a changed leaf) changes nothing either
    z.data = 1.0
    with pytest.raises(autograd.StaleGraphError):
        out.backward()
    assert _every_grad(out) == before


@settings(max_examples=80, deadline=None)
@given(expressions_with_inputs(max_depth=3), st.lists(st.floats(-2, 2), min_size=40, max_size=40),
       st.sampled_from(["sqrt", "interrupt"]))
def test_for_random_expressions_a_failing_backward_changes_no_gradient(case, held, failure):
    expression, inputs = case
    zero = Value(0.0, "zero")
    bomb = zero.sqrt() if failure == "sqrt" else autograd.apply(
        _interrupting(KeyboardInterrupt), zero)
    leaves = [Value(x, f"x{i}") for i, x in enumerate(inputs)]
    out = expression(*leaves) * 1.0 + bomb * 2.0  # the bomb is made first, reached last
    for node, grad_held in zip(autograd.topological_order(out), held * 10):
        node.grad = grad_held
    before = _every_grad(out)
    with pytest.raises((autograd.DomainError, KeyboardInterrupt)):
        out.backward()
    assert _every_grad(out) == before
