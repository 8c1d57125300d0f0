"""Losses: values, gradients against central differences and PyTorch, stability, bad input."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck, jit
from nn import bce_with_logits, binary_cross_entropy, cross_entropy, hinge, l2, logsumexp, mse
from nn.losses import cross_entropy_one_hot, one_hot_rows

EXAMPLES = 30


def reals(low: float = -5.0, high: float = 5.0) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def batch(elements: st.SearchStrategy, labels: st.SearchStrategy, max_size: int = 4):
    """(outputs, targets) lists of equal length, 1 .. max_size samples."""
    return st.integers(1, max_size).flatmap(lambda n: st.tuples(
        st.lists(elements, min_size=n, max_size=n), st.lists(labels, min_size=n, max_size=n)))


probabilities = st.floats(0.02, 0.98)
signs = st.sampled_from([1, -1])


# ---- the math, at points worked out by hand ----------------------------------------------------
def test_values_at_hand_worked_points() -> None:
    assert mse([1.0, 3.0], [0.0, 1.0]).data == pytest.approx((1 + 4) / 2)
    assert hinge([0.5, 2.0, -3.0], [1, 1, 1]).data == pytest.approx((0.5 + 0 + 4) / 3)
    assert binary_cross_entropy([0.8], [1]).data == pytest.approx(-math.log(0.8))
    assert bce_with_logits([0.0], [1]).data == pytest.approx(math.log(2))
    assert cross_entropy([[0.0, 0.0, 0.0]], [2]).data == pytest.approx(math.log(3))
    assert l2([Value(3.0), Value(-4.0)]).data == 25.0
    assert logsumexp([Value(1.0), Value(2.0)]).data == pytest.approx(
        math.log(math.e + math.e ** 2))


def test_bce_with_logits_equals_bce_of_the_sigmoid() -> None:
    for z, t in [(-2.0, 0), (0.3, 1), (1.7, 0.25)]:
        p = 1 / (1 + math.exp(-z))
        assert bce_with_logits([z], [t]).data == pytest.approx(
            binary_cross_entropy([p], [t]).data, rel=1e-12)


def test_l2_is_one_dot_node_with_gradient_two_p() -> None:
    params = [Value(0.5), Value(-2.0), Value(3.0)]
    penalty = l2(params)
    assert penalty.op == "dot"
    penalty.backward()
    assert [p.grad for p in params] == [1.0, -4.0, 6.0]


# ---- every loss against central differences --------------------------------------------------
@settings(max_examples=EXAMPLES)
@given(batch(reals(), reals()))
def test_mse_gradients(data: tuple[list[float], list[float]]) -> None:
    outputs, targets = data
    assert gradcheck(lambda *p: mse(list(p), targets), *outputs)


@settings(max_examples=EXAMPLES)
@given(batch(probabilities, st.floats(0, 1)))
def test_binary_cross_entropy_gradients(data: tuple[list[float], list[float]]) -> None:
    outputs, targets = data
    assert gradcheck(lambda *p: binary_cross_entropy(list(p), targets), *outputs)


@settings(max_examples=EXAMPLES)
@given(batch(reals(-20, 20), st.floats(0, 1)))
def test_bce_with_logits_gradients(data: tuple[list[float], list[float]]) -> None:
    outputs, targets = data
    assert gradcheck(lambda *z: bce_with_logits(list(z), targets), *outputs)


@settings(max_examples=EXAMPLES)
@given(batch(reals(), signs))
def test_hinge_gradients(data: tuple[list[float], list[int]]) -> None:
    outputs, labels = data
    # at y s = 1 the hinge has a kink, where central differences cannot check a slope
    assume(all(abs(1 - y * s) > 1e-3 for s, y in zip(outputs, labels)))
    assert gradcheck(lambda *s: hinge(list(s), labels), *outputs)


@st.composite
def classification_batch(draw: st.DrawFn) -> tuple[list[list[float]], list[int]]:
    classes = draw(st.integers(2, 4))
    n = draw(st.integers(1, 3))
    logits = [draw(st.lists(reals(-10, 10), min_size=classes, max_size=classes))
              for _ in range(n)]
    targets = [draw(st.integers(0, classes - 1)) for _ in range(n)]
    return logits, targets


@settings(max_examples=EXAMPLES)
@given(classification_batch())
def test_cross_entropy_gradients(data: tuple[list[list[float]], list[int]]) -> None:
    logits, targets = data
    classes = len(logits[0])

    def loss(*flat: Value) -> Value:
        rows = [list(flat[i:i + classes]) for i in range(0, len(flat), classes)]
        return cross_entropy(rows, targets)

    assert gradcheck(loss, *[z for row in logits for z in row])


@settings(max_examples=EXAMPLES)
@given(st.lists(reals(), min_size=1, max_size=5))
def test_l2_and_logsumexp_gradients(values: list[float]) -> None:
    assert gradcheck(lambda *p: l2(list(p)), *values)
    assert gradcheck(lambda *v: logsumexp(list(v)), *values)


# ---- stability -------------------------------------------------------------------------------
@pytest.mark.parametrize("z", [1000.0, -1000.0])
@pytest.mark.parametrize("t", [0, 1])
def test_bce_with_logits_is_finite_at_huge_logits(z: float, t: int) -> None:
    logit = Value(z)
    loss = bce_with_logits([logit], [t])
    loss.backward()
    assert math.isfinite(loss.data) and math.isfinite(logit.grad)
    wrong = (z > 0) != (t == 1)
    assert loss.data == (abs(z) if wrong else 0.0)
    assert logit.grad == ((1.0 if z > 0 else -1.0) if wrong else 0.0)


def test_cross_entropy_is_finite_at_huge_logits() -> None:
    logits = [Value(1000.0), Value(-1000.0), Value(0.0)]
    loss = cross_entropy([logits], [1])
    loss.backward()
    assert loss.data == pytest.approx(2000.0)
    assert [z.grad for z in logits] == pytest.approx([1.0, -1.0, 0.0])
    right = cross_entropy([[Value(1000.0), Value(-1000.0)]], [0])
    assert right.data == 0.0


def test_binary_cross_entropy_clamps_certain_probabilities() -> None:
    certain = [Value(0.0), Value(1.0)]
    loss = binary_cross_entropy(certain, [1, 0])  # both confidently wrong
    loss.backward()
    assert loss.data == pytest.approx(-math.log(1e-12))
    assert [p.grad for p in certain] == [0.0, 0.0]  # clamped: no gradient, as torch.clamp
    assert binary_cross_entropy([1.0, 0.0], [1, 0]).data == pytest.approx(0.0, abs=1e-11)


# ---- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, message", [
    (lambda: mse([1.0, 2.0], [1.0]), ValueError, "2 outputs but 1 targets"),
    (lambda: mse([], []), ValueError, "empty"),
    (lambda: mse(Value(1.0), [1.0]), TypeError, "list of outputs"),
    (lambda: mse([[1.0, 2.0]], [1.0]), TypeError, "cross_entropy"),
    (lambda: mse([1.0], ["1"]), TypeError, "target 0 must be a number"),
    (lambda: hinge([0.5, 0.5], [1, 0]), ValueError, "signed=True"),
    (lambda: binary_cross_entropy([2.5], [1]), ValueError, "bce_with_logits"),
    (lambda: binary_cross_entropy([0.5], [-1]), ValueError, "target -1 at position 0"),
    (lambda: bce_with_logits([0.5], [2]), ValueError, "not a probability"),
    (lambda: cross_entropy([[1.0, 2.0]], [2]), ValueError, r"class index 0 \.\. 1"),
    (lambda: cross_entropy([[1.0, 2.0]], [0.5]), ValueError, "class index"),
    (lambda: cross_entropy([1.0, 2.0], [0, 1]), TypeError, "list of at least 2 logits"),
    (lambda: logsumexp([]), ValueError, "at least one"),
])
def test_bad_input_says_what_is_wrong(call, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


# ---- against PyTorch -------------------------------------------------------------------------
def torch_grads(torch, loss_fn, outputs: list[float], *extra):
    x = torch.tensor(outputs, dtype=torch.float64, requires_grad=True)
    loss = loss_fn(x, *extra)
    loss.backward()
    return loss.item(), x.grad.tolist()


def ours(loss_fn, outputs: list[float], targets: list) -> tuple[float, list[float]]:
    leaves = [Value(z) for z in outputs]
    loss = loss_fn(leaves, targets)
    loss.backward()
    return loss.data, [leaf.grad for leaf in leaves]


def assert_close(a: tuple[float, list[float]], b: tuple[float, list[float]]) -> None:
    assert a[0] == pytest.approx(b[0], rel=1e-12, abs=1e-9)
    assert a[1] == pytest.approx(b[1], rel=1e-12, abs=1e-9)


@settings(max_examples=EXAMPLES)
@given(batch(reals(), reals()))
def test_mse_matches_torch(data) -> None:
    torch = pytest.importorskip("torch")
    outputs, targets = data
    t = torch.tensor(targets, dtype=torch.float64)
    assert_close(ours(mse, outputs, targets),
                 torch_grads(torch, torch.nn.functional.mse_loss, outputs, t))


@settings(max_examples=EXAMPLES)
@given(batch(st.floats(1e-6, 1 - 1e-6), st.floats(0, 1)))
def test_binary_cross_entropy_matches_torch(data) -> None:
    torch = pytest.importorskip("torch")
    outputs, targets = data
    t = torch.tensor(targets, dtype=torch.float64)
    assert_close(ours(binary_cross_entropy, outputs, targets),
                 torch_grads(torch, torch.nn.functional.binary_cross_entropy, outputs, t))


@settings(max_examples=EXAMPLES)
@given(batch(st.one_of(reals(-30, 30), st.sampled_from([1000.0, -1000.0])), st.floats(0, 1)))
def test_bce_with_logits_matches_torch(data) -> None:
    torch = pytest.importorskip("torch")
    outputs, targets = data
    t = torch.tensor(targets, dtype=torch.float64)
    assert_close(ours(bce_with_logits, outputs, targets),
                 torch_grads(torch, torch.nn.functional.binary_cross_entropy_with_logits,
                             outputs, t))


@settings(max_examples=EXAMPLES)
@given(batch(reals(), signs))
def test_hinge_matches_torch_multi_margin_loss(data) -> None:
    torch = pytest.importorskip("torch")
    outputs, labels = data
    assume(all(abs(1 - y * s) > 1e-9 for s, y in zip(outputs, labels)))

    # With two classes scored (0, s), multi_margin_loss is max(0, 1 - y s) / 2.
    def two_class_margin(s, classes):
        scores = torch.stack([torch.zeros_like(s), s], dim=1)
        return 2 * torch.nn.functional.multi_margin_loss(scores, classes)

    classes = torch.tensor([1 if y > 0 else 0 for y in labels])
    assert_close(ours(hinge, outputs, labels),
                 torch_grads(torch, two_class_margin, outputs, classes))


@settings(max_examples=EXAMPLES)
@given(classification_batch())
def test_cross_entropy_matches_torch(data) -> None:
    torch = pytest.importorskip("torch")
    logits, targets = data
    rows = [[Value(z) for z in row] for row in logits]
    loss = cross_entropy(rows, targets)
    loss.backward()
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(x, torch.tensor(targets))
    expected.backward()
    assert_close((loss.data, [z.grad for row in rows for z in row]),
                 (expected.item(), x.grad.flatten().tolist()))


def test_cross_entropy_matches_torch_at_huge_logits() -> None:
    torch = pytest.importorskip("torch")
    logits = [[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]]
    rows = [[Value(z) for z in row] for row in logits]
    loss = cross_entropy(rows, [1, 2])
    loss.backward()
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(x, torch.tensor([1, 2]))
    expected.backward()
    assert_close((loss.data, [z.grad for row in rows for z in row]),
                 (expected.item(), x.grad.flatten().tolist()))


# ---- cross-entropy for a compiled step (autograd.jit) ----------------------------------------
def logits_and_classes(max_size: int = 4) -> st.SearchStrategy:
    """(rows of 2 - 5 logits, a class per row) for 1 .. max_size samples."""
    return st.integers(2, 5).flatmap(lambda k: batch(
        st.lists(reals(-30.0, 30.0), min_size=k, max_size=k), st.integers(0, k - 1),
        max_size))


@given(logits_and_classes())
@settings(max_examples=EXAMPLES, deadline=None)
def test_the_one_hot_form_gives_cross_entropys_numbers_bit_for_bit(data) -> None:
    rows, classes = data
    by_index = [[Value(z) for z in row] for row in rows]
    by_row = [[Value(z) for z in row] for row in rows]
    loss = cross_entropy(by_index, classes)
    loss.backward()
    one_hot = cross_entropy_one_hot(by_row, one_hot_rows(classes, len(rows[0])))
    one_hot.backward()
    assert one_hot.data == loss.data
    assert [[z.grad for z in row] for row in by_row] == [[z.grad for z in row]
                                                         for row in by_index]


def batches_of_one_shape() -> st.SearchStrategy:
    """2 - 4 batches of n samples of k logits each, with their classes."""
    def batches(n: int, k: int) -> st.SearchStrategy:
        one = st.tuples(st.lists(st.lists(reals(-30.0, 30.0), min_size=k, max_size=k),
                                 min_size=n, max_size=n),
                        st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
        return st.lists(one, min_size=2, max_size=4)
    return st.tuples(st.integers(1, 3), st.integers(2, 5)).flatmap(lambda nk: batches(*nk))


@given(batches_of_one_shape())
@settings(max_examples=EXAMPLES, deadline=None)
def test_a_compiled_cross_entropy_traces_once_for_any_logits_and_labels(batches) -> None:
    # Same batch size and classes, new logits and labels: the stability shift is a node
    # (no guard on the logits' numbers) and the labels are one-hot numbers (no new shape).
    first_rows, _ = batches[0]
    logits = [[Value(0.0) for _ in row] for row in first_rows]
    every_logit = [z for row in logits for z in row]
    step = jit(lambda targets: cross_entropy_one_hot(logits, targets))
    for rows, classes in batches:
        for z, number in zip(every_logit, [x for row in rows for x in row]):
            z.data, z.grad = number, 0.0
        replayed = step(one_hot_rows(classes, len(rows[0])))
        replayed.backward()
        compiled = ([z.grad for z in every_logit], replayed.data)
        for z in every_logit:
            z.grad = 0.0
        interpreted = cross_entropy(logits, classes)
        interpreted.backward()
        assert compiled == ([z.grad for z in every_logit], interpreted.data)
    assert step.trace_count == 1


@pytest.mark.parametrize("call, message", [
    (lambda: one_hot_rows([0, 3], 3), "target 3 at position 1 is not a class index 0 .. 2"),
    (lambda: cross_entropy_one_hot([[0.0, 1.0]], [[1.0]]), "a row of 2 numbers"),
    (lambda: cross_entropy_one_hot([[0.0, 1.0]], [1]), "a row of 2 numbers"),
])
def test_bad_one_hot_targets_are_named(call, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        call()
