"""Optimizers: how the gradients become a change of the weights.

After `loss.backward()`, each parameter's .grad says how fast the loss grows as that
parameter grows. An optimizer's `step()` moves every parameter against its gradient;
`zero_grad()` clears the gradients before the next backward() (leaves accumulate them).

    SGD   p <- p - lr * g                       (plain gradient descent)
          with momentum m: v <- m v + g, p <- p - lr * v
    Adam  a running mean of g and of g^2 scale each parameter's step by its own history

The learning rate `lr` is a number or a schedule: a function of the step number k
(0 for the first step), e.g. `lambda k: 1.0 - 0.9 * k / 100`.

The updates work on the plain floats .data and .grad, so they build no graph. The
formulas and their order of operations follow torch.optim. Each formula runs as one list
comprehension over all the parameters, and autograd.set_data gives them their new numbers
in one go: the same floats as a loop that updates one parameter's .data at a time, in
about half the time for thousands of parameters (benchmarks/nn_bookkeeping.py).

`snapshot()` copies everything a step changes (the parameters' numbers and the optimizer's
own state: the step count, SGD's velocity, Adam's running means); `restore(snapshot)` puts
it all back. fit uses them to undo a step that made a parameter NaN or infinite.

A step is all or nothing. A Ctrl-C that arrives while step() runs is held until the step is
done, then raised as usual; any exception raised inside the step (a KeyboardInterrupt from
a custom handler, a MemoryError) undoes it first. Either way the parameters and the
optimizer's state are all from before the step or all from after it, never half of each.
"""

from __future__ import annotations

import contextlib
import copy
import math
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from autograd import Value, set_data
from autograd.jit_numpy import numpy
from nn.checks import check_fraction, check_nonnegative, is_number

Schedule = Callable[[int], float]


@dataclass(frozen=True)
class Snapshot:
    """Everything an optimizer's step() changes, copied: see Optimizer.snapshot()."""

    values: tuple[float, ...]  # each parameter's .data, in the optimizer's order
    state: dict[str, Any]  # the optimizer's own attributes, by name (copies of the lists)


class Optimizer:
    """What every optimizer shares: the parameters, the learning rate, the step count.

    A subclass lists in `state_names` the attributes its step() changes besides the
    parameters, so that snapshot() and restore() cover them.
    """

    state_names: tuple[str, ...] = ("steps_taken",)

    def __init__(self, params: Iterable[Value], lr: float | Schedule) -> None:
        self.params = _check_params(params, type(self).__name__)
        if not callable(lr):
            check_nonnegative(lr, f"{type(self).__name__}(lr=...)")
        self.lr = lr
        self.steps_taken = 0  # k, the argument of an lr schedule

    def learning_rate(self) -> float:
        """The learning rate the next step() will use: lr, or lr(k) for a schedule."""
        if not callable(self.lr):
            return float(self.lr)
        rate = self.lr(self.steps_taken)
        return check_nonnegative(rate, f"the lr schedule's value at step {self.steps_taken}")

    def zero_grad(self) -> None:
        """Set every parameter's .grad to 0 (do this before each backward())."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter once, using its current .grad: all of them, or none.

        Ctrl-C during the step is held until it is done (see interrupts_held); an exception
        raised inside it restores the snapshot taken before it, then goes on up.
        """
        lr = self.learning_rate()
        before = self.snapshot()
        with interrupts_held():
            try:
                self._update(lr, before.values)
                self.steps_taken += 1
            except BaseException:  # KeyboardInterrupt too: never leave half a step
                self.restore(before)
                raise

    def snapshot(self) -> Snapshot:
        """A copy of everything step() changes: every parameter's .data and the optimizer's
        own state (the step count, and SGD's velocity or Adam's running means)."""
        numbers = tuple([p.data for p in self.params])  # a list first: quicker than a generator
        return Snapshot(numbers,
                        {name: copy.copy(getattr(self, name)) for name in self.state_names})

    def restore(self, snapshot: Snapshot) -> None:
        """Put the parameters and the optimizer's state back as they were at snapshot()."""
        with interrupts_held():  # a Ctrl-C must not stop a restore half-way either
            set_data(self.params, snapshot.values)
            for name, value in snapshot.state.items():
                # A copy again: a subclass's step may change its lists in place, and the
                # snapshot must stay as it was in case it is restored twice.
                setattr(self, name, copy.copy(value))

    def _update(self, lr: float, numbers: Sequence[float]) -> None:
        """Give every parameter its new number. numbers: their .data now, in order (step()
        read them once already, for its snapshot)."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

    g = grad + weight_decay * p        (weight decay: d/dp of (weight_decay/2) p^2)
    v = momentum * v + g               (v = g on the first step; v is the velocity)
    p = p - lr * v                     (without momentum, v is just g)

    Momentum keeps moving in the direction of past gradients, which smooths zig-zags and
    speeds up travel along shallow valleys.
    """

    state_names = ("steps_taken", "velocity")

    def __init__(self, params: Iterable[Value], lr: float | Schedule, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = check_fraction(momentum, "SGD(momentum=...)")
        self.weight_decay = check_nonnegative(weight_decay, "SGD(weight_decay=...)")
        self.velocity: list[float] | None = None  # made on the first step, as in PyTorch

    def _update(self, lr: float, numbers: Sequence[float]) -> None:
        decay, momentum = self.weight_decay, self.momentum
        gradients = [p.grad for p in self.params]
        if decay:
            gradients = [g + decay * x for g, x in zip(gradients, numbers)]
        if momentum:
            if self.velocity is not None:  # the first step's velocity is the gradient
                gradients = [momentum * v + g for v, g in zip(self.velocity, gradients)]
            self.velocity = gradients
        set_data(self.params, [x - lr * g for x, g in zip(numbers, gradients)])


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015): per-parameter steps from running gradient statistics.

    m = beta1 m + (1 - beta1) g           running mean of the gradient
    v = beta2 v + (1 - beta2) g^2         running mean of its square
    m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t)
                                          (m and v start at 0; this undoes that bias)
    p = p - lr * m_hat / (sqrt(v_hat) + eps)

    Dividing by sqrt(v_hat) makes the step about lr in size whatever the gradient's scale,
    so one learning rate suits parameters with large and with tiny gradients alike.

    vectorize=True runs each formula as one NumPy operation over all the parameters (the
    optional 'numpy' extra), as PyTorch's foreach Adam does over tensors: the same floats
    bit for bit, in about half the time for thousands of parameters. It pairs with
    jit(f, vectorize=True), after which the plain-Python update is most of a step.
    """

    state_names = ("steps_taken", "m", "v")

    def __init__(self, params: Iterable[Value], lr: float | Schedule = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 vectorize: bool = False) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam(betas=...) takes a pair (beta1, beta2), got {betas!r}")
        self.betas = (check_fraction(betas[0], "Adam's beta1"),
                      check_fraction(betas[1], "Adam's beta2"))
        if not is_number(eps) or not eps > 0:
            raise ValueError(f"Adam(eps=...) must be a positive number, got {eps!r}")
        self.eps = float(eps)
        if not isinstance(vectorize, bool):
            raise TypeError(f"Adam(vectorize=...) takes True or False, got {vectorize!r}")
        self.vectorize = vectorize
        # m and v: a list of floats, or with vectorize a NumPy row. NumPy is imported now,
        # so that a missing install says so at once rather than at the first step.
        self.m = (_numpy_for_adam().zeros(len(self.params)) if vectorize
                  else [0.0] * len(self.params))
        self.v = copy.copy(self.m)

    def _update(self, lr: float, numbers: Sequence[float]) -> None:
        beta1, beta2 = self.betas
        eps, sqrt = self.eps, math.sqrt  # locals: read once, not once per parameter
        t = self.steps_taken + 1
        correction1 = 1.0 - beta1 ** t
        correction2 = 1.0 - beta2 ** t
        gradients = [p.grad for p in self.params]
        share1, share2 = 1.0 - beta1, 1.0 - beta2  # the new gradient's share of m and v
        if self.vectorize:
            # The same formulas, each one NumPy operation over all the parameters, in the
            # same order of operations: the same floats. As in plain Python, an inf or NaN
            # goes on silently (fit checks for them after the step).
            np = _numpy_for_adam()
            g = np.array(gradients, dtype=float)
            with np.errstate(all="ignore"):
                means = beta1 * self.m + share1 * g
                squares = beta2 * self.v + share2 * g * g
                moved = (np.array(numbers, dtype=float) - lr * (means / correction1)
                         / (np.sqrt(squares / correction2) + eps)).tolist()
        else:
            means = [beta1 * m + share1 * g for m, g in zip(self.m, gradients)]
            squares = [beta2 * v + share2 * g * g for v, g in zip(self.v, gradients)]
            # p - lr * m_hat / (sqrt(v_hat) + eps), with m_hat and v_hat written out in place
            moved = [x - lr * (m / correction1) / (sqrt(v / correction2) + eps)
                     for x, m, v in zip(numbers, means, squares)]
        set_data(self.params, moved)
        self.m, self.v = means, squares


def _numpy_for_adam() -> Any:
    return numpy("Adam(vectorize=True)", "Adam() updates in plain Python")


# ---- steps that are not cut in half ---------------------------------------------------------
@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Run the block whole: a Ctrl-C that arrives inside it takes effect when it ends.

    Ctrl-C sends the signal SIGINT, whose Python handler raises KeyboardInterrupt at
    whatever line is running, possibly between two parameter updates. Inside this block
    a stand-in handler only notes the signal; at the end the usual handler is put back and
    the signal sent again, so the KeyboardInterrupt comes right after the block instead of
    inside it. Blocks nest: an inner block passes the signal on to the outer one. Only the
    main thread receives signals (and may set handlers), so elsewhere the block just runs.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is None):  # None: not set from Python
        yield
        return
    held = []
    usual = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, usual)
        if held:
            signal.raise_signal(signal.SIGINT)  # now the usual handler gets it


# ---- checks ----------------------------------------------------------------------------------
def _check_params(params: Iterable[Value], who: str) -> list[Value]:
    if isinstance(params, Value):
        raise TypeError(f"{who} takes a list of parameters, e.g. model.parameters(), "
                        f"not a single Value")
    params = list(params)
    if not params:
        raise ValueError(f"{who} got no parameters; pass model.parameters()")
    seen = set()
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{who}: parameter {i} is a {type(p).__name__}, not a Value; "
                            f"pass model.parameters()")
        if not p.is_leaf:
            raise ValueError(f"{who}: parameter {i} is a computed Value (op {p.op!r}); only "
                             f"leaves can be trained, pass model.parameters()")
        if p in seen:
            raise ValueError(f"{who}: parameter {i} ({p.label or 'unlabelled'}) is listed "
                             f"twice; it would be updated twice per step")
        seen.add(p)
    return params

