"""The learner's own training loop, compiled and not, beside the hand-written float floor.

The set-up of benchmarks/moons.py: moons(100, noise=0.1), MLP(2, [16, 16, 1]) relu, hinge
loss + 1e-4 * L2, SGD (lr 1.0 - 0.9 k / 100), full batch. The contenders take turns step
by step in one process, so that a slow spell of the shared machine slows them all alike:

  floor        hand-written plain-Python floats, forward and backward for this MLP (its
               gradients are checked against blameflow's to 1e-12 before the race)
  compiled     the learner's loop with the loss function wrapped in autograd.jit
  vectorised   the same with jit(..., vectorize=True): the samples at once, with NumPy
  fit          nn.fit, one step at a time (the batched layer path)
  fit compiled nn.fit(..., compile=True) for all STEPS steps in one call, right after the
               race (not interleaved: fit keeps its compiled step within one call); the
               first step, which traces, is left out of the median
  interpreted  the learner's loop: loss of Values, backward(), update
  micrograd    micrograd's demo loop with its collector off during steps (benchmarks/moons.py);
               its cyclic garbage is collected after each of its steps, untimed, so that
               the next contender does not pay for it
  torch        PyTorch, batched float64 tensors (one thread)

Every contender keeps its parameters in a flat list made once and runs the same loop:
loss = step(); zero the gradients; loss.backward(); p.data -= lr * p.grad.
ms/step is the median of the interleaved steps; the race runs RUNS times from fresh
models. micrograd as shipped (collector on, about a second a step) runs
MICROGRAD_SHIPPED_STEPS steps a run on its own afterwards.

Run: python benchmarks/learner_loop.py   (micrograd: pip install micrograd==0.1.0)

Instructions instead of clocks, on a busy machine: `python benchmarks/learner_loop.py
NAME K` sets up contender NAME (floor, compiled, vectorised, interpreted), takes one step
and then K more; callgrind's count for K = 5 minus that for K = 0, divided by 5, is the
count per step:
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python benchmarks/learner_loop.py floor 5
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))  # benchmarks/moons.py, run as a script or not

import moons as moons_benchmark  # noqa: E402

from autograd import Value  # noqa: E402
from autograd.jit import jit  # noqa: E402
from nn import MLP, SGD, fit, hinge, l2  # noqa: E402

STEPS = 100
# The order of turns: micrograd last, right before the floor's next step.
ORDER = ["floor", "compiled", "vectorised", "torch batched", "fit", "interpreted",
         "micrograd (gc disabled)"]
RUNS = 3
MICROGRAD_SHIPPED_STEPS = 5
X, Y = moons_benchmark.X, moons_benchmark.Y
schedule = moons_benchmark.schedule


def model() -> MLP:
    return moons_benchmark.blameflow_model()


def total_loss(net: MLP) -> Value:
    """The learner's loss: every sample through the model, hinge, plus the L2 penalty."""
    return hinge([net(x) for x in X], Y) + 1e-4 * l2(net.parameters())


# ---- the floor: the same network, forward and backward written out on floats ----------------
class Floor:
    """MLP(2, [16, 16, 1]) relu with hinge + 1e-4 L2 in plain floats: the fastest plain
    Python we know how to write for it, gradients by hand (one pass per sample)."""

    def __init__(self, net: MLP) -> None:
        self.layers = [([list(map(_number, n.w)) for n in layer.neurons],
                        [n.b.data for n in layer.neurons]) for layer in net.layers]
        self.steps = 0

    def parameters(self) -> list[float]:
        """In the order of MLP.parameters(): per neuron its weights, then its bias."""
        return [x for weights, biases in self.layers for w, b in zip(weights, biases)
                for x in (*w, b)]

    def loss_and_gradients(self) -> tuple[float, list]:
        (W1, B1), (W2, B2), (W3, B3) = self.layers
        G = [([[0.0] * len(w) for w in W], [0.0] * len(B)) for W, B in self.layers]
        (G1, H1), (G2, H2), (G3, H3) = G
        w3, n = W3[0], len(X)
        data_loss = 0.0
        for x, y in zip(X, Y):
            a1 = [max(0.0, w[0] * x[0] + w[1] * x[1] + b) for w, b in zip(W1, B1)]
            a2 = [max(0.0, sum(wi * ai for wi, ai in zip(w, a1)) + b) for w, b in zip(W2, B2)]
            score = sum(wi * ai for wi, ai in zip(w3, a2)) + B3[0]
            margin = 1.0 - y * score
            if margin <= 0.0:
                continue  # hinge is flat here: no loss, no gradient
            data_loss += margin
            d_score = -y / n
            H3[0] += d_score
            g3 = G3[0]
            d_a1 = [0.0] * len(a1)
            for j, a in enumerate(a2):
                g3[j] += d_score * a
                if a > 0.0:
                    d_z = d_score * w3[j]
                    H2[j] += d_z
                    g2, w2 = G2[j], W2[j]
                    for i, ai in enumerate(a1):
                        g2[i] += d_z * ai
                        d_a1[i] += d_z * w2[i]
            for i, a in enumerate(a1):
                if a > 0.0:
                    H1[i] += d_a1[i]
                    G1[i][0] += d_a1[i] * x[0]
                    G1[i][1] += d_a1[i] * x[1]
        squares = 0.0
        for (W, B), (GW, GB) in zip(self.layers, G):
            for j, (w, g) in enumerate(zip(W, GW)):
                for i, wi in enumerate(w):
                    squares += wi * wi
                    g[i] += 2e-4 * wi
                squares += B[j] * B[j]
                GB[j] += 2e-4 * B[j]
        return data_loss / n + 1e-4 * squares, G

    def step(self) -> float:
        start = time.perf_counter()
        _, G = self.loss_and_gradients()
        lr = schedule(self.steps)
        for (W, B), (GW, GB) in zip(self.layers, G):
            for w, g in zip(W, GW):
                for i, gi in enumerate(g):
                    w[i] -= lr * gi
            for j, gb in enumerate(GB):
                B[j] -= lr * gb
        self.steps += 1
        return time.perf_counter() - start


def _number(v: Value) -> float:
    return v.data


def check_floor() -> float:
    """The largest difference between the floor's gradients and blameflow's (and the loss)."""
    net = model()
    floor = Floor(net)
    loss, G = floor.loss_and_gradients()
    ours = total_loss(net)
    ours.backward()
    theirs = [g for GW, GB in G for gw, gb in zip(GW, GB) for g in (*gw, gb)]
    worst = max(abs(a - p.grad) for a, p in zip(theirs, net.parameters()))
    return max(worst, abs(loss - ours.data))


# ---- blameflow: the learner's loop, compiled or interpreted ----------------------------------
class LearnerLoop:
    def __init__(self, compiled: bool, vectorize: bool = False) -> None:
        self.net = model()
        self.parameters = self.net.parameters()
        self.steps = 0
        self.loss_step = jit(lambda: total_loss(self.net), vectorize) if compiled else (
            lambda: total_loss(self.net))
        if compiled:
            start = time.perf_counter()
            self.loss_step()
            self.first_call = time.perf_counter() - start

    def step(self) -> float:
        start = time.perf_counter()
        loss = self.loss_step()
        for p in self.parameters:
            p.grad = 0.0
        loss.backward()
        lr = schedule(self.steps)
        for p in self.parameters:
            p.data -= lr * p.grad
        self.steps += 1
        return time.perf_counter() - start


class Fit:
    """nn.fit one step at a time on one model and optimizer (benchmarks/moons.py's set-up),
    interpreted: compile=False, since a one-step fit would trace at every call."""

    def __init__(self) -> None:
        self.run = moons_benchmark.BlameflowRun(pause_gc=True)

    def step(self) -> float:
        run = self.run
        history = fit(run.model, X, Y, run.loss_function, run.optimizer, 1, progress=False,
                      compile=False)
        return history.seconds[-1]


class Micrograd:
    def __init__(self, collector: bool) -> None:
        self.run = moons_benchmark.MicrogradRun(collector=collector)

    def step(self) -> float:
        seconds = self.run.step()
        gc.collect()  # its reference cycles, outside the timing
        return seconds


class TorchBatched:
    """The same MLP as torch.nn.Sequential (float64), all samples in one tensor."""

    def __init__(self) -> None:
        import torch

        torch.set_num_threads(1)
        self.torch = torch
        self.net = model().to_torch()
        self.X = torch.tensor(X, dtype=torch.float64)
        self.Y = torch.tensor(Y, dtype=torch.float64).reshape(-1, 1)
        self.parameters = list(self.net.parameters())
        self.steps = 0

    def step(self) -> float:
        torch = self.torch
        start = time.perf_counter()
        scores = self.net(self.X)
        loss = torch.relu(1 - self.Y * scores).mean() + 1e-4 * sum(
            (p * p).sum() for p in self.parameters)
        for p in self.parameters:
            p.grad = None
        loss.backward()
        lr = schedule(self.steps)
        with torch.no_grad():
            for p in self.parameters:
                p -= lr * p.grad
        self.steps += 1
        return time.perf_counter() - start


def contenders() -> dict[str, Any]:
    found: dict[str, Any] = {"floor": Floor(model()), "compiled": LearnerLoop(compiled=True),
                             "fit": Fit(), "interpreted": LearnerLoop(compiled=False)}
    if _importable("numpy"):
        found["vectorised"] = LearnerLoop(compiled=True, vectorize=True)
    if _importable("micrograd"):
        found["micrograd (gc disabled)"] = Micrograd(collector=False)
    if _importable("torch"):
        found["torch batched"] = TorchBatched()
    return found


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        print(f"{name} not installed: its row is left out")
        return False
    return True


def fit_compiled_ms() -> float:
    net = model()
    history = fit(net, X, Y, moons_benchmark.blameflow_loss(net),
                  SGD(net.parameters(), lr=schedule), STEPS, progress=False, compile=True)
    return 1000 * statistics.median(history.seconds[1:])


def race(runners: dict[str, Any], steps: int) -> dict[str, float]:
    """ms per step for each runner, the median of `steps` steps taken in turns."""
    seconds: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(steps):
        for name, runner in runners.items():
            seconds[name].append(runner.step())
    return {name: 1000 * statistics.median(times) for name, times in seconds.items()}


def main() -> None:
    print(f"floor against blameflow: largest difference in loss and gradients "
          f"{check_floor():.1e} (must be <= 1e-12)")
    results: dict[str, list[float]] = {}
    first_calls = []
    for _ in range(RUNS):
        runners = contenders()
        first_calls.append(runners["compiled"].first_call)
        runners = {name: runners[name] for name in sorted(runners, key=ORDER.index)}
        for name, ms in race(runners, STEPS).items():
            results.setdefault(name, []).append(ms)
        results.setdefault("fit compiled", []).append(fit_compiled_ms())
        if _importable("micrograd"):
            shipped = race({"micrograd": Micrograd(collector=True)}, MICROGRAD_SHIPPED_STEPS)
            results.setdefault("micrograd", []).append(shipped["micrograd"])
    print(f"moons(100), MLP(2, [16, 16, 1]) relu, hinge + 1e-4 L2, SGD; median ms/step of "
          f"{STEPS} interleaved steps, {RUNS} runs")
    floor = results["floor"]
    print(f"{'contender':<26} {'ms/step':>17} {'x floor':>15}")
    for name, times in results.items():
        ratios = [t / f for t, f in zip(times, floor)]
        print(f"{name:<26} {min(times):>8.2f}-{max(times):<8.2f} "
              f"{min(ratios):>7.2f}-{max(ratios):<7.2f}")
    print(f"compiled: first call (trace and compile) {min(first_calls):.2f}-"
          f"{max(first_calls):.2f} s")
    if "micrograd (gc disabled)" in results:
        faster = [m / c for m, c in zip(results["micrograd (gc disabled)"], results["compiled"])]
        print(f"compiled is {min(faster):.0f}-{max(faster):.0f}x faster than micrograd with its "
              f"collector disabled (same runs)")


def steps_only(name: str, count: int) -> None:
    runner = {"floor": lambda: Floor(model()), "compiled": lambda: LearnerLoop(True),
              "vectorised": lambda: LearnerLoop(True, vectorize=True),
              "interpreted": lambda: LearnerLoop(False)}[name]()
    gc.disable()  # the same for every contender: no collection in the counted steps
    for _ in range(1 + count):
        runner.step()


if __name__ == "__main__":
    if len(sys.argv) == 3:
        steps_only(sys.argv[1], int(sys.argv[2]))
    else:
        main()
