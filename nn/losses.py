"""Loss functions: one number that says how wrong a batch of predictions is.

Each loss takes the model's outputs for a batch (one Value, or number, per sample; for
cross_entropy one list of logits per sample) and the targets, and returns the average of
the per-sample losses as a Value, so `loss.backward()` sends blame to every weight.
Averaging (not summing) keeps the gradient's size independent of the batch size.

    mse                   (p - t)^2                              regression
    binary_cross_entropy  -(t log p + (1 - t) log(1 - p))        p a probability, t in [0, 1]
    bce_with_logits       softplus(z) - t z                      z a raw score (logit)
    hinge                 max(0, 1 - y s)                        y = +1 or -1
    cross_entropy         logsumexp(z) - z_c                     z logits, c the class
    cross_entropy_one_hot logsumexp(z) - t . z                   t a one-hot row (same numbers)

plus `l2(parameters)` = sum of p^2, a penalty to add for small weights.

The delicate ones never overflow: bce_with_logits uses the stable softplus of the engine
and cross_entropy a log-sum-exp with the largest logit taken out first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import autograd
from autograd import Primitive, Value, apply, constant, dot, log, softplus
from nn.checks import is_number

# binary_cross_entropy clamps probabilities into [EPS, 1 - EPS]: log(EPS) = -27.6, so a
# confidently wrong prediction costs a lot but never infinity.
EPS = 1e-12


def mse(predictions: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean squared error: mean over the batch of (p - t)^2.

    d/dp (p - t)^2 = 2 (p - t): the push is proportional to the miss.
    """
    pairs = _pairs(predictions, targets, "mse")
    return _mean([(p - t) ** 2 for p, t in pairs])


def binary_cross_entropy(probabilities: Sequence[Any], targets: Sequence[Any],
                         eps: float = EPS) -> Value:
    """Mean of -(t log p + (1 - t) log(1 - p)) for probabilities p and targets t in [0, 1].

    p is clamped into [eps, 1 - eps] first, so p = 0 or 1 gives a large finite loss rather
    than log(0). A clamped p gets no gradient (as torch.clamp): nudging it would change
    nothing. For raw scores use bce_with_logits, which is exact and stable everywhere.
    """
    pairs = _pairs(probabilities, targets, "binary_cross_entropy")
    for i, (p, t) in enumerate(pairs):
        number = p.data if isinstance(p, Value) else p
        _check_probability(number, i, "binary_cross_entropy", "output",
                           " (did you pass raw scores? use bce_with_logits for those)")
        _check_probability(t, i, "binary_cross_entropy", "target",
                           " (binary targets are 0 or 1, e.g. moons(signed=False))")
    terms = []
    for p, t in pairs:
        p = _clamp(p, eps, 1.0 - eps)
        terms.append(-(t * log(p) + (1 - t) * log(1 - p)))
    return _mean(terms)


def bce_with_logits(logits: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Binary cross-entropy of sigmoid(z), computed from the logit z directly.

    With p = sigmoid(z): -log p = softplus(-z) and -log(1 - p) = softplus(z), so
    -(t log p + (1 - t) log(1 - p)) = t softplus(-z) + (1 - t) softplus(z)
                                    = softplus(z) - t z.
    softplus is computed stably by the engine, so z = +-1000 gives a finite loss.
    d/dz = sigmoid(z) - t.
    """
    pairs = _pairs(logits, targets, "bce_with_logits")
    for i, (_, t) in enumerate(pairs):
        _check_probability(t, i, "bce_with_logits", "target",
                           " (binary targets are 0 or 1, e.g. moons(signed=False))")
    return _mean([softplus(z) - t * z for z, t in pairs])


def hinge(scores: Sequence[Any], labels: Sequence[Any]) -> Value:
    """Max-margin loss: mean of max(0, 1 - y s) for labels y = +1 or -1.

    Zero once a sample is on the right side with margin (y s >= 1); otherwise it grows
    linearly. d/ds = -y while y s < 1, else 0: only the samples still inside the margin
    move the boundary (the idea of support vector machines).
    """
    pairs = _pairs(scores, labels, "hinge")
    for i, (_, y) in enumerate(pairs):
        if y not in (1, -1):
            raise ValueError(f"hinge: labels must be +1 or -1, got {y!r} at position {i}; "
                             f"datasets give these with signed=True")
    return _mean([autograd.relu(1 - y * s) for s, y in pairs])


def cross_entropy(logits: Sequence[Sequence[Any]], targets: Sequence[int]) -> Value:
    """Softmax cross-entropy: mean over the batch of logsumexp(z) - z_c.

    logits: for each sample, a list of K scores z; targets: the right class c (0 .. K-1).
    -log softmax(z)_c = -log(e^z_c / sum_k e^z_k) = logsumexp(z) - z_c.
    d/dz_k = softmax(z)_k - (1 if k == c else 0).
    """
    if isinstance(logits, Value) or not isinstance(logits, Sequence):
        raise TypeError("cross_entropy takes a list with one list of logits per sample")
    pairs = _pairs(logits, targets, "cross_entropy", scalar_outputs=False)
    for i, (z, c) in enumerate(pairs):
        if isinstance(z, (str, bytes)) or not isinstance(z, Sequence) or len(z) < 2:
            raise TypeError(f"cross_entropy: sample {i} needs a list of at least 2 logits "
                            f"(one per class), got {z!r:.60}")
        if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < len(z):
            raise ValueError(f"cross_entropy: target {c!r} at position {i} is not a class "
                             f"index 0 .. {len(z) - 1}")
    return _mean([logsumexp(z) - z[c] for z, c in pairs])


def cross_entropy_one_hot(logits: Sequence[Sequence[Any]], one_hot: Sequence[Sequence[Any]]
                          ) -> Value:
    """cross_entropy with each target written as a one-hot row: 1.0 at the class, 0.0 elsewhere.

    Mean over the batch of logsumexp(z) - t . z; for a one-hot t, t . z = z_c, so the loss
    and the gradients are cross_entropy's exactly (the other terms add exact zeros).
    Why another form: a class index picks a logit with Python (z[c]), so a compiled step
    (autograd.jit) would need a trace for every batch of labels; a one-hot row is numbers,
    which a replay reads afresh, so one trace serves every batch. fit(..., compile=True)
    uses this form for cross_entropy (ONE_HOT_FORMS). The rows' numbers are not checked
    here (checking would make them part of the trace): make them with one_hot_rows.
    """
    if isinstance(logits, Value) or not isinstance(logits, Sequence):
        raise TypeError("cross_entropy_one_hot takes a list with one list of logits per sample")
    pairs = _pairs(logits, one_hot, "cross_entropy_one_hot", scalar_outputs=False,
                   scalar_targets=False)
    for i, (z, t) in enumerate(pairs):
        if isinstance(z, (str, bytes)) or not isinstance(z, Sequence) or len(z) < 2:
            raise TypeError(f"cross_entropy_one_hot: sample {i} needs a list of at least 2 "
                            f"logits (one per class), got {z!r:.60}")
        if (isinstance(t, (str, bytes)) or not isinstance(t, Sequence) or len(t) != len(z)
                or not all(is_number(x) for x in t)):
            raise TypeError(f"cross_entropy_one_hot: target {i} must be a row of {len(z)} "
                            f"numbers (1.0 at the class, 0.0 elsewhere), got {t!r:.60}")
    return _mean([logsumexp(z) - dot(list(t), list(z)) for z, t in pairs])


def one_hot_rows(classes: Sequence[int], count: int) -> list[list[float]]:
    """Each class index c as a row of `count` numbers: 1.0 at position c, 0.0 elsewhere."""
    rows = []
    for i, c in enumerate(classes):
        if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < count:
            raise ValueError(f"one_hot_rows: target {c!r} at position {i} is not a class "
                             f"index 0 .. {count - 1}")
        row = [0.0] * count
        row[c] = 1.0
        rows.append(row)
    return rows


# Losses that take class indices, and their form taking one-hot rows (same numbers), for
# fit(..., compile=True): see cross_entropy_one_hot.
ONE_HOT_FORMS: dict[Callable, Callable] = {cross_entropy: cross_entropy_one_hot}


def logsumexp(values: Sequence[Any]) -> Value:
    """log(e^v_1 + ... + e^v_n) without overflow.

    With m = max(v): log sum e^v_i = m + log sum e^(v_i - m). Every exponent is now <= 0,
    so no e^... overflows, and the largest term is e^0 = 1, so the log never sees 0.
    The result does not depend on m (it cancels), so m's gradient is zero: m is a node of
    its own (STABILITY_SHIFT, local derivatives 0) rather than a number read out of the
    Values, so that a compiled step (autograd.jit) computes it afresh at every replay.
    """
    if not values:
        raise ValueError("logsumexp of no values is -infinity; pass at least one value")
    m = apply(STABILITY_SHIFT, *values)
    return m + log(autograd.sum([autograd.exp(v - m) for v in values]))


# max(v_1, ..., v_n) as a node whose local derivatives are all 0: the shift that keeps
# logsumexp's exponents <= 0. Its value cancels out of the result, so no gradient is lost.
STABILITY_SHIFT = Primitive("stability_shift", "max", None, max,
                            lambda values, out: [0.0] * len(values),
                            "d/dv_i shift = 0 (the shift m cancels out of logsumexp)")


def l2(parameters: Sequence[Value]) -> Value:
    """Sum of squares of the parameters, p_1^2 + ... + p_n^2 (d/dp_i = 2 p_i).

    Built as one dot node, dot(p, p): the reverse sweep adds the partial of both
    occurrences of p_i, p_i + p_i = 2 p_i, exactly the derivative of p_i^2.
    Use it as a penalty: loss = data_loss + 1e-4 * l2(model.parameters()).
    """
    parameters = list(parameters)
    return dot(parameters, parameters)


# ---- shared checks and the batch average -----------------------------------------------------
def _pairs(outputs: Sequence[Any], targets: Sequence[Any], who: str,
           scalar_outputs: bool = True, scalar_targets: bool = True
           ) -> list[tuple[Any, Any]]:
    """(output, target) per sample, after checking the batch lines up."""
    for name, batch in (("outputs", outputs), ("targets", targets)):
        if isinstance(batch, (Value, str, bytes)) or not isinstance(batch, Sequence):
            raise TypeError(f"{who} takes a list of {name}, one per sample, "
                            f"got {type(batch).__name__}")
    if len(outputs) != len(targets):
        raise ValueError(f"{who}: {len(outputs)} outputs but {len(targets)} targets; "
                         f"there must be one target per output")
    if not outputs:
        raise ValueError(f"{who}: the batch is empty; the mean of no losses is undefined")
    for i, t in enumerate(targets if scalar_targets else ()):
        if not is_number(t):
            raise TypeError(f"{who}: target {i} must be a number, got {type(t).__name__}")
    if scalar_outputs:
        for i, out in enumerate(outputs):
            if not (isinstance(out, Value) or is_number(out)):
                raise TypeError(f"{who}: output {i} must be one Value per sample, got "
                                f"{type(out).__name__} (a model with several outputs "
                                f"needs cross_entropy, or index the output you mean)")
    return list(zip(outputs, targets))


def _mean(terms: list[Any]) -> Value:
    """(1/n) * (term_1 + ... + term_n): one sum node and one division."""
    return autograd.sum(terms) / len(terms)


def _clamp(p: Any, low: float, high: float) -> Any:
    """p inside [low, high]; outside, the bound as a constant (no gradient flows there)."""
    value = p.data if isinstance(p, Value) else float(p)
    if value < low:
        return constant(low)
    if value > high:
        return constant(high)
    return p


def _check_probability(x: float, i: int, who: str, what: str, hint: str) -> None:
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{who}: {what} {x!r} at position {i} is not a probability in "
                         f"[0, 1]{hint}")
