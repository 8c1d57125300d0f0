"""Digits: seconds per epoch and time to 95% test accuracy, compiled and not.

The set-up of the digits lesson (demos/digits.py): scikit-learn's 8x8 digits, 1,437
training and 360 test images, MLP(64, [32, 10]) relu, softmax cross-entropy, Adam on
minibatches of 32 (45 steps an epoch), learning rate 0.02 falling linearly to a tenth
over EPOCHS epochs. The contenders:

  fit interpreted  nn.fit(..., compile=False): the graph built at every step
  fit compiled     nn.fit(...) as it ships (compile=True): traced once per batch size
  learner's loop   the learner's own loop, interpreted: [model(x) for x in rows] and
                   cross_entropy_one_hot, Adam
  jit              the same loop with the loss wrapped in autograd.jit
  jit vectorised   the same with jit(..., vectorize=True) (NumPy)
  all vectorised   the same with Adam(..., vectorize=True) too: NumPy for the update
  torch batched    PyTorch, float64 tensors, one thread: a batch is one tensor
  floor            hand-written plain-Python floats: forward, backward and Adam for this
                   network (gradients checked against blameflow's to 1e-12 first)

Times are CPU seconds of this process (time.process_time), not wall clock: the machine
is shared, and CPU time does not count the time other work held the core.

Each contender but fit trains EPOCHS epochs in one run and is timed epoch by epoch, with
the clock stopped while the test accuracy is measured after each epoch: "first epoch"
holds a compiled contender's tracing, s/epoch is the median of the later epochs (and
their range), time to 95% the time up to the end of the first epoch after which test
accuracy is at least 95%. fit trains in one call, so it is timed as whole runs: s/epoch
is (EPOCHS epochs - one epoch) / (EPOCHS - 1), each run's tracing cancelling out, and
its accuracy after e epochs comes from a run of e epochs.

Run: python benchmarks/digits.py
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograd.jit import jit  # noqa: E402
from demos.digits import split  # noqa: E402
from nn import MLP, Adam, accuracy, cross_entropy, fit, predict  # noqa: E402
from nn.losses import cross_entropy_one_hot, one_hot_rows  # noqa: E402

EPOCHS = 5
BATCH = 32
LEARNING_RATE = 0.02
TARGET = 0.95
X_TRAIN, Y_TRAIN, X_TEST, Y_TEST = split()
STEPS_PER_EPOCH = math.ceil(len(X_TRAIN) / BATCH)
TOTAL_STEPS = STEPS_PER_EPOCH * EPOCHS


def schedule(k: int) -> float:
    return LEARNING_RATE * (1 - 0.9 * k / TOTAL_STEPS)


def batches(epochs: int) -> list[list[int]]:
    """The same shuffled minibatches for every contender (fit's own order is its seed's)."""
    rng, order, found = random.Random(0), list(range(len(X_TRAIN))), []
    for _ in range(epochs):
        rng.shuffle(order)
        found += [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
    return found


# ---- the contenders: each trains a fresh model for some epochs -----------------------------
# fit_run(...)(epochs) returns the trained model; the others are generators that yield the
# model after each epoch.
def fit_run(compile: bool) -> Any:
    def train(epochs: int) -> MLP:
        model = MLP(64, [32, 10], seed=0)
        fit(model, X_TRAIN, Y_TRAIN, cross_entropy, Adam(model.parameters(), lr=schedule),
            steps=STEPS_PER_EPOCH * epochs, batch_size=BATCH, progress=False,
            compile=compile)
        return model
    return train


def loop_run(compiled: bool, vectorize: bool = False, adam_vectorize: bool = False) -> Any:
    """The learner's own loop: [model(x) for x in rows] and cross_entropy_one_hot, Adam;
    wrapped in autograd.jit when compiled."""
    def train(epochs: int) -> Iterator[MLP]:
        model = MLP(64, [32, 10], seed=0)
        parameters = model.parameters()
        optimizer = Adam(parameters, lr=schedule, vectorize=adam_vectorize)

        def loss(rows: list, targets: list) -> Any:
            return cross_entropy_one_hot([model(x) for x in rows], targets)

        step = jit(loss, vectorize=vectorize) if compiled else loss
        for k, indices in enumerate(batches(epochs), start=1):
            loss_value = step([X_TRAIN[i] for i in indices],
                              one_hot_rows([Y_TRAIN[i] for i in indices], 10))
            optimizer.zero_grad()
            loss_value.backward()
            optimizer.step()
            if k % STEPS_PER_EPOCH == 0:
                yield model
    return train


def torch_run(epochs: int) -> Iterator[Any]:
    """PyTorch, batched float64 tensors on one thread: the same network (model.to_torch()),
    torch.optim.Adam, the same batches and learning rates."""
    import torch

    torch.set_num_threads(1)
    net = MLP(64, [32, 10], seed=0).to_torch()
    optimizer = torch.optim.Adam(net.parameters(), lr=schedule(0))
    X = torch.tensor(X_TRAIN, dtype=torch.float64)
    Y = torch.tensor(Y_TRAIN)
    for k, indices in enumerate(batches(epochs)):
        for group in optimizer.param_groups:
            group["lr"] = schedule(k)
        rows = torch.tensor(indices)
        loss = torch.nn.functional.cross_entropy(net(X[rows]), Y[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (k + 1) % STEPS_PER_EPOCH == 0:
            yield net


class Floor:
    """MLP(64, [32, 10]) in plain floats: W1[j][i], b1[j], W2[k][j], b2[k]; Adam."""

    def __init__(self, model: MLP) -> None:
        layers = model.layers
        self.W1 = [[w.data for w in n.w] for n in layers[0].neurons]
        self.b1 = [n.b.data for n in layers[0].neurons]
        self.W2 = [[w.data for w in n.w] for n in layers[1].neurons]
        self.b2 = [n.b.data for n in layers[1].neurons]
        size = sum(len(r) + 1 for r in self.W1 + self.W2)
        self.m, self.v, self.t = [0.0] * size, [0.0] * size, 0

    def gradients(self, rows: list[list[float]], classes: list[int]) -> tuple[float, list]:
        """Mean cross-entropy and its gradients, in named_parameters() order."""
        W1, b1, W2, b2 = self.W1, self.b1, self.W2, self.b2
        gW1 = [[0.0] * len(r) for r in W1]
        gb1 = [0.0] * len(b1)
        gW2 = [[0.0] * len(r) for r in W2]
        gb2 = [0.0] * len(b2)
        total, n = 0.0, len(rows)
        for x, c in zip(rows, classes):
            h = [max(0.0, sum(w * xi for w, xi in zip(r, x)) + b) for r, b in zip(W1, b1)]
            z = [sum(w * hj for w, hj in zip(r, h)) + b for r, b in zip(W2, b2)]
            m = max(z)
            e = [math.exp(zk - m) for zk in z]
            s = sum(e)
            total += math.log(s) + m - z[c]
            dz = [(ek / s - (k == c)) / n for k, ek in enumerate(e)]
            for k, d in enumerate(dz):
                row = gW2[k]
                for j, hj in enumerate(h):
                    row[j] += d * hj
                gb2[k] += d
            for j, hj in enumerate(h):
                if hj > 0.0:
                    d = sum(W2[k][j] * dz[k] for k in range(len(dz)))
                    row = gW1[j]
                    for i, xi in enumerate(x):
                        row[i] += d * xi
                    gb1[j] += d
        flat = [g for r, b in zip(gW1, gb1) for g in (*r, b)]
        flat += [g for r, b in zip(gW2, gb2) for g in (*r, b)]
        return total / n, flat

    def step(self, rows: list[list[float]], classes: list[int], lr: float) -> None:
        _, grads = self.gradients(rows, classes)
        self.t += 1
        b1, b2 = 0.9, 0.999
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        k = 0
        for weights, biases in ((self.W1, self.b1), (self.W2, self.b2)):
            for j, row in enumerate(weights):
                for i in range(len(row) + 1):
                    g = grads[k]
                    self.m[k] = b1 * self.m[k] + (1 - b1) * g
                    self.v[k] = b2 * self.v[k] + (1 - b2) * g * g
                    change = lr * (self.m[k] / c1) / (math.sqrt(self.v[k] / c2) + 1e-8)
                    if i < len(row):
                        row[i] -= change
                    else:
                        biases[j] -= change
                    k += 1

    def predict(self, rows: list[list[float]]) -> list[list[float]]:
        found = []
        for x in rows:
            h = [max(0.0, sum(w * xi for w, xi in zip(r, x)) + b)
                 for r, b in zip(self.W1, self.b1)]
            found.append([sum(w * hj for w, hj in zip(r, h)) + b
                          for r, b in zip(self.W2, self.b2)])
        return found


def floor_run(epochs: int) -> Iterator[Floor]:
    floor = Floor(MLP(64, [32, 10], seed=0))
    for k, indices in enumerate(batches(epochs)):
        floor.step([X_TRAIN[i] for i in indices], [Y_TRAIN[i] for i in indices], schedule(k))
        if (k + 1) % STEPS_PER_EPOCH == 0:
            yield floor


def check_floor() -> float:
    """The largest difference between the floor's and blameflow's loss and gradients."""
    model = MLP(64, [32, 10], seed=0)
    rows, classes = X_TRAIN[:BATCH], Y_TRAIN[:BATCH]
    loss = cross_entropy(model.forward_batch(rows), classes)
    loss.backward()
    floor_loss, grads = Floor(model).gradients(rows, classes)
    worst = max(abs(g - p.grad) for g, p in zip(grads, model.parameters()))
    return max(worst, abs(floor_loss - loss.data))


def cpu(train: Any, epochs: int) -> tuple[float, Any]:
    start = time.process_time()
    trained = train(epochs)
    return time.process_time() - start, trained


def epoch_by_epoch(train: Any) -> tuple[list[float], list[float]]:
    """CPU seconds of each of EPOCHS epochs of one run, and the test accuracy after each
    (measured with the clock stopped)."""
    seconds, accuracies = [], []
    start = time.process_time()
    for trained in train(EPOCHS):
        seconds.append(time.process_time() - start)
        accuracies.append(test_accuracy(trained))
        start = time.process_time()
    return seconds, accuracies


def whole_runs(train: Any) -> tuple[list[float], list[float]]:
    """fit's epochs, from whole runs: the first epoch's time, then (EPOCHS epochs - one
    epoch) / (EPOCHS - 1) for each later one; the accuracy after e epochs from a run of e."""
    first, _ = cpu(train, 1)
    whole, _ = cpu(train, EPOCHS)
    later = (whole - first) / (EPOCHS - 1)
    accuracies = [test_accuracy(train(e)) for e in range(1, EPOCHS + 1)]
    return [first] + [later] * (EPOCHS - 1), accuracies


def row(name: str, seconds: list[float], accuracies: list[float]) -> str:
    later = seconds[1:]
    spread = f" ({min(later):.3f}-{max(later):.3f})" if max(later) > min(later) else ""
    reached = next((e for e, a in enumerate(accuracies, start=1) if a >= TARGET), None)
    to_target = "-" if reached is None else f"{sum(seconds[:reached]):.2f}"
    return (f"| {name} | {seconds[0]:.2f} | {statistics.median(later):.3f}{spread} | "
            f"{reached or '-'} | {to_target} | {accuracies[-1]:.1%} |")


def test_accuracy(trained: Any) -> float:
    if isinstance(trained, Floor):
        outputs = trained.predict(X_TEST)
    elif isinstance(trained, MLP):
        outputs = predict(trained, X_TEST)
    else:  # a torch network
        import torch

        with torch.no_grad():
            outputs = trained(torch.tensor(X_TEST, dtype=torch.float64)).tolist()
    return accuracy(outputs, Y_TEST)


def main() -> None:
    print(f"floor checked against blameflow: largest difference {check_floor():.2g}")
    contenders = {"fit interpreted": fit_run(False), "fit compiled": fit_run(True),
                  "learner's loop": loop_run(False), "jit": loop_run(True),
                  "floor": floor_run}
    try:
        import numpy  # noqa: F401
        contenders["jit vectorised"] = loop_run(True, vectorize=True)
        contenders["all vectorised"] = loop_run(True, vectorize=True, adam_vectorize=True)
    except ImportError:
        print("jit vectorised: skipped (pip install numpy)")
    try:
        import torch  # noqa: F401
        list(torch_run(1))  # torch sets itself up at its first step: not part of an epoch
        contenders["torch batched"] = torch_run
    except ImportError:
        print("torch batched: skipped (pip install torch)")
    print(f"| contender | first epoch (s) | s/epoch (range) | epochs to {TARGET:.0%} | "
          f"s to {TARGET:.0%} | test accuracy after {EPOCHS} |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, train in contenders.items():
        timed = whole_runs(train) if name.startswith("fit") else epoch_by_epoch(train)
        print(row(name, *timed), flush=True)


if __name__ == "__main__":
    main()
