"""Optimizers: the update rules, schedules, zero_grad, and agreement with torch.optim."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tripwire import Tripwire, press_ctrl_c, raise_interrupt

from autograd import StaleGraphError, Value, jit
from nn import SGD, Adam

START = [0.5, -1.5, 2.0]


def quadratic(params: list[Value]) -> Value:
    """A bowl with a different curvature per coordinate and a cross term."""
    a, b, c = params
    return a * a + 3 * b * b + 0.5 * c * c + a * b - c


def descend(params: list, optimizer_class, steps: int, **options) -> None:
    """The training loop, the same for blameflow Values and torch tensors."""
    optimizer = optimizer_class(params, **options)
    for _ in range(steps):
        loss = quadratic(params)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def run(optimizer_class, steps: int, **options) -> list[float]:
    params = [Value(x, kind="parameter") for x in START]
    descend(params, optimizer_class, steps, **options)
    return [p.data for p in params]


def test_sgd_step_is_minus_lr_times_the_gradient() -> None:
    params = [Value(1.0), Value(-2.0)]
    params[0].grad, params[1].grad = 0.5, -4.0
    SGD(params, lr=0.1).step()
    assert [p.data for p in params] == [1.0 - 0.1 * 0.5, -2.0 + 0.1 * 4.0]


def test_sgd_momentum_accumulates_velocity() -> None:
    p = Value(0.0)
    optimizer = SGD([p], lr=1.0, momentum=0.9)
    for _ in range(3):
        p.grad = 1.0
        optimizer.step()
    assert p.data == pytest.approx(-(1 + 1.9 + 2.71))


def test_adam_first_step_moves_each_parameter_by_lr() -> None:
    params = [Value(1.0), Value(1.0)]
    params[0].grad, params[1].grad = 1e-3, 1e6  # any scale: the first step is about lr
    Adam(params, lr=0.01).step()
    assert [p.data for p in params] == pytest.approx([0.99, 0.99], rel=1e-6)


def test_a_schedule_is_called_with_the_step_number() -> None:
    p = Value(0.0)
    optimizer = SGD([p], lr=lambda k: 1.0 - 0.9 * k / 100)
    rates = []
    for _ in range(3):
        rates.append(optimizer.learning_rate())
        p.grad = 1.0
        optimizer.step()
    assert rates == [1.0, 1.0 - 0.9 / 100, 1.0 - 1.8 / 100]
    assert p.data == pytest.approx(-sum(rates))


def test_zero_grad_clears_every_parameter() -> None:
    params = [Value(1.0), Value(2.0)]
    (params[0] * params[1]).backward()
    SGD(params, lr=0.1).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_optimizers_find_the_bottom_of_the_bowl() -> None:
    bottom = [0.0, 0.0, 1.0]  # a^2 + 3 b^2 + ab is smallest at a = b = 0; c^2/2 - c at c = 1
    assert run(SGD, 200, lr=0.1) == pytest.approx(bottom, abs=1e-6)
    assert run(SGD, 200, lr=0.05, momentum=0.9) == pytest.approx(bottom, abs=1e-3)
    assert run(Adam, 500, lr=0.05) == pytest.approx(bottom, abs=1e-3)


OPTIMIZERS = [
    lambda params: SGD(params, lr=0.1),
    lambda params: SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01),
    lambda params: Adam(params, lr=0.05),
    lambda params: Adam(params, lr=0.05, vectorize=True),
]


@settings(max_examples=20)
@given(make=st.sampled_from(OPTIMIZERS), steps_before=st.integers(0, 5),
       steps_after=st.integers(1, 5))
def test_restore_undoes_any_number_of_steps(make, steps_before: int, steps_after: int) -> None:
    params = [Value(x, kind="parameter") for x in START]
    optimizer = make(params)
    descend_with(optimizer, params, steps_before)
    saved = optimizer.snapshot()
    values, state = [p.data for p in params], own_state(optimizer)
    for _ in range(2):  # restoring twice gives the same: the snapshot is not used up
        descend_with(optimizer, params, steps_after)
        optimizer.restore(saved)
        assert [p.data for p in params] == values
        assert own_state(optimizer) == state  # step count, velocity, Adam's m and v


def own_state(optimizer) -> dict:
    """The optimizer's attributes other than its parameters, as copies (a NumPy row, as
    Adam(vectorize=True) keeps m and v, as a list)."""
    return {name: value.tolist() if hasattr(value, "tolist") else copy.deepcopy(value)
            for name, value in vars(optimizer).items() if name != "params"}


def descend_with(optimizer, params: list[Value], steps: int) -> None:
    for _ in range(steps):
        loss = quadratic(params)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def two_steps_with_a_tripwire(make, action) -> tuple[tuple, tuple, tuple]:
    """Two steps on the bowl, the second interrupted at its middle parameter by `action`,
    and the same without interruption: (what was left, before the 2nd step, after it),
    each as the parameters' numbers and the optimizer's state."""
    plain = [Value(x, kind="parameter") for x in START]
    wired = [Value(START[0], kind="parameter"), Tripwire(START[1]),
             Value(START[2], kind="parameter")]
    reference, optimizer = make(plain), make(wired)
    descend_with(reference, plain, 1)
    descend_with(optimizer, wired, 1)
    before = ([p.data for p in plain], own_state(reference))
    descend_with(reference, plain, 1)
    after = ([p.data for p in plain], own_state(reference))
    loss = quadratic(wired)
    optimizer.zero_grad()
    loss.backward()
    wired[1].action = action
    with pytest.raises(KeyboardInterrupt):
        optimizer.step()
    left = ([p.data for p in wired], own_state(optimizer))
    return left, before, after


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_an_interrupt_raised_inside_step_undoes_the_step(make) -> None:
    left, before, after = two_steps_with_a_tripwire(make, raise_interrupt)
    assert left[0] == before[0] != after[0]  # all parameters as before, none half-moved
    assert left[1] == before[1]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_ctrl_c_during_step_takes_effect_after_the_whole_step(make) -> None:
    left, before, after = two_steps_with_a_tripwire(make, press_ctrl_c)
    assert left[0] == after[0] != before[0]  # the step was finished, then interrupted
    assert left[1] == after[1]


@pytest.mark.parametrize("build, message", [
    (lambda: SGD([], lr=0.1), "no parameters"),
    (lambda: SGD(Value(1.0), lr=0.1), "not a single Value"),
    (lambda: SGD([1.0], lr=0.1), "not a Value"),
    (lambda: SGD([Value(1.0) + 1], lr=0.1), "computed Value"),
    (lambda: SGD([Value(1.0)] * 2, lr=0.1), "listed twice"),
    (lambda: SGD([Value(1.0)], lr=-1.0), "lr"),
    (lambda: SGD([Value(1.0)], lr="0.1"), "lr"),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=1.0), "momentum"),
    (lambda: SGD([Value(1.0)], lr=0.1, weight_decay=float("nan")), "weight_decay"),
    (lambda: Adam([Value(1.0)], betas=(0.9,)), "pair"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.5)), "beta2"),
    (lambda: Adam([Value(1.0)], eps=0.0), "eps"),
    (lambda: Adam([Value(1.0)], vectorize="yes"), "vectorize"),
    (lambda: SGD([Value(1.0)], lr=lambda k: 1.0 - k).step() or
     SGD([Value(1.0)], lr=lambda k: -1.0).step(), "schedule's value at step 0"),
])
def test_bad_arguments_are_named(build, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        build()


@settings(max_examples=15)
@given(lr=st.floats(0.001, 0.2), momentum=st.sampled_from([0.0, 0.5, 0.9]),
       weight_decay=st.sampled_from([0.0, 0.01]), steps=st.integers(1, 12))
def test_sgd_matches_torch(lr: float, momentum: float, weight_decay: float, steps: int) -> None:
    torch = pytest.importorskip("torch")
    ours = run(SGD, steps, lr=lr, momentum=momentum, weight_decay=weight_decay)
    theirs = run_torch(torch, torch.optim.SGD, steps, lr=lr, momentum=momentum,
                       weight_decay=weight_decay)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-9)


@settings(max_examples=15)
@given(lr=st.floats(0.001, 0.2), beta1=st.sampled_from([0.0, 0.8, 0.9]),
       beta2=st.sampled_from([0.99, 0.999]), steps=st.integers(1, 12))
def test_adam_matches_torch(lr: float, beta1: float, beta2: float, steps: int) -> None:
    torch = pytest.importorskip("torch")
    ours = run(Adam, steps, lr=lr, betas=(beta1, beta2))
    theirs = run_torch(torch, torch.optim.Adam, steps, lr=lr, betas=(beta1, beta2))
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-9)


def run_torch(torch, optimizer_class, steps: int, **options) -> list[float]:
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    descend(params, optimizer_class, steps, **options)
    return [p.item() for p in params]


# ---- the same floats as the textbook loop, one parameter at a time -----------------------------
def textbook_sgd(numbers, gradient_rounds, lr, momentum, weight_decay):
    """SGD one parameter at a time, in torch.optim's order of operations."""
    numbers, velocity = list(numbers), None
    for gradients in gradient_rounds:
        new_velocity = []
        for i, g in enumerate(gradients):
            if weight_decay:
                g = g + weight_decay * numbers[i]
            if momentum:
                g = g if velocity is None else momentum * velocity[i] + g
                new_velocity.append(g)
            numbers[i] = numbers[i] - lr * g
        velocity = new_velocity
    return numbers


def textbook_adam(numbers, gradient_rounds, lr, beta1, beta2, eps=1e-8):
    """Adam one parameter at a time, in torch.optim's order of operations."""
    numbers = list(numbers)
    m, v = [0.0] * len(numbers), [0.0] * len(numbers)
    for t, gradients in enumerate(gradient_rounds, start=1):
        for i, g in enumerate(gradients):
            m[i] = beta1 * m[i] + (1.0 - beta1) * g
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            m_hat = m[i] / (1.0 - beta1 ** t)
            v_hat = v[i] / (1.0 - beta2 ** t)
            numbers[i] = numbers[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
    return numbers


@st.composite
def parameters_and_gradients(draw) -> tuple[list[float], list[list[float]]]:
    """Some parameters' starting numbers, and their gradients for each of a few steps."""
    finite, size = st.floats(-10.0, 10.0), draw(st.integers(1, 6))
    numbers = st.lists(finite, min_size=size, max_size=size)
    return draw(numbers), draw(st.lists(numbers, min_size=1, max_size=5))


def stepped(optimizer_class, numbers, gradient_rounds, **options) -> list[float]:
    params = [Value(x, kind="parameter") for x in numbers]
    optimizer = optimizer_class(params, **options)
    for gradients in gradient_rounds:
        for p, g in zip(params, gradients):
            p.grad = g
        optimizer.step()
    return [p.data for p in params]


@settings(max_examples=50)
@given(start=parameters_and_gradients(), lr=st.floats(1e-4, 1.0),
       momentum=st.sampled_from([0.0, 0.9]), weight_decay=st.sampled_from([0.0, 0.01]))
def test_sgd_gives_the_textbook_loops_floats_bit_for_bit(start, lr, momentum,
                                                         weight_decay) -> None:
    numbers, gradient_rounds = start
    ours = stepped(SGD, numbers, gradient_rounds, lr=lr, momentum=momentum,
                   weight_decay=weight_decay)
    assert ours == textbook_sgd(numbers, gradient_rounds, lr, momentum, weight_decay)


@settings(max_examples=50)
@given(start=parameters_and_gradients(), lr=st.floats(1e-4, 1.0),
       beta1=st.sampled_from([0.0, 0.9]), beta2=st.sampled_from([0.99, 0.999]),
       eps=st.sampled_from([1e-8, 1e-3]), vectorize=st.booleans())
def test_adam_gives_the_textbook_loops_floats_bit_for_bit(start, lr, beta1, beta2, eps,
                                                          vectorize) -> None:
    """Plain Python, and each formula as one NumPy operation (vectorize=True): both give
    the textbook loop's floats, bit for bit."""
    if vectorize:
        pytest.importorskip("numpy")
    numbers, gradient_rounds = start
    ours = stepped(Adam, numbers, gradient_rounds, lr=lr, betas=(beta1, beta2), eps=eps,
                   vectorize=vectorize)
    assert ours == textbook_adam(numbers, gradient_rounds, lr, beta1, beta2, eps)


def test_vectorised_adam_goes_on_silently_through_inf_and_nan_as_plain_python_does() -> None:
    pytest.importorskip("numpy")
    numbers, rounds = [1.0, 2.0, 3.0], [[math.inf, math.nan, 1e300], [1.0, 1.0, 1e300]]
    plain = stepped(Adam, numbers, rounds, lr=0.1)
    vectorised = stepped(Adam, numbers, rounds, lr=0.1, vectorize=True)
    assert [repr(x) for x in vectorised] == [repr(x) for x in plain]  # nan == nan is False


def test_vectorised_adam_without_numpy_says_how_to_install_it(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy now fails
    with pytest.raises(ImportError, match=r"Adam\(vectorize=True\) needs NumPy.*"
                                          r"pip install 'blameflow\[numpy\]'"):
        Adam([Value(1.0)], vectorize=True)
    Adam([Value(1.0)])  # the plain one needs nothing


# ---- a step changes the parameters at one moment: graphs from before are stale -------------------
class Interrupting:
    """A gradient that raises KeyboardInterrupt when the update computes with it."""

    def _interrupt(self, other=None):
        raise KeyboardInterrupt

    __add__ = __radd__ = __mul__ = __rmul__ = __float__ = _interrupt  # float(): NumPy's read


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_an_interrupt_while_the_new_numbers_are_computed_changes_nothing(make) -> None:
    params = [Value(x, kind="parameter") for x in START]
    optimizer = make(params)
    descend_with(optimizer, params, 1)
    values, state = [p.data for p in params], own_state(optimizer)
    loss = quadratic(params)
    optimizer.zero_grad()
    loss.backward()
    params[1].grad = Interrupting()
    with pytest.raises(KeyboardInterrupt):
        optimizer.step()
    assert [p.data for p in params] == values
    assert own_state(optimizer) == state


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_after_a_step_a_graph_from_before_refuses_backward(make) -> None:
    params = [Value(x, label, kind="parameter") for x, label in zip(START, "abc")]
    optimizer = make(params)
    loss, compiled = quadratic(params), jit(quadratic)(params)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with pytest.raises(StaleGraphError, match="was given a new number"):
        loss.backward()
    with pytest.raises(StaleGraphError, match="was given a new number"):
        compiled.backward()
    quadratic(params).backward()  # a graph built after the step is fine
