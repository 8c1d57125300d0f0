"""Lesson 3: a hidden layer. Two sigmoid neurons feed a sigmoid output neuron.

    h1 = sigmoid(w1 × x + b1)      h2 = sigmoid(w2 × x + b2)
    out = sigmoid(w3 × h1 + w4 × h2 + b3)      loss = (out - y)^2

with x = 1, y = 0 and the weights below. The gradient of w1 has to travel back through
out and h1: d loss/d w1 = d loss/d out × d out/d h1 × d h1/d w1. backward() does exactly
that for every weight at once; the graph and the explorer page show each share of blame.
The input x is one Value read by both hidden neurons, so its gradient is the sum of the
blame coming back along both paths.

With n hidden neurons the names go on in the same order: w1 .. wn and b1 .. bn for the
hidden neurons, w(n+1) .. w(2n) and b(n+1) for the output neuron. The course's task,
change the number of hidden neurons, the learning rate and the weights, and observe the
loss:

    blameflow lesson hidden_layer --hidden 4 --lr 0.5 --weights w1=0.9 b5=-0.2
    blameflow lesson hidden_layer --hidden 2 8     one run each, compared on one page

Run: python -m demos.hidden_layer   (or: blameflow lesson hidden_layer)
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from autograd import Value, scope
from demos.options import (
    OptionError,
    assignment,
    positive_number,
    whole_number_up_to,
)
from demos.pictures import Pictures
from demos.training_loop import PAGE_FRAMES, print_loss_table
from nn import MLP, SGD, History, fit, mse

X, TARGET = 1.0, 0.0
HIDDEN = 2
START = {"w1": 0.4, "w2": -0.6, "b1": 0.1, "b2": 0.2, "w3": 0.3, "w4": 0.8, "b3": 0.1}
SEED = 0  # the starting weights of any other number of hidden neurons come from it
MOST_HIDDEN = 32  # the walk-through draws every neuron's nodes: more would not be read
TRAINING_STEPS = 200
QUICK_STEPS = 20  # blameflow tour --quick (tests)
MOST_STEPS = 100_000
LEARNING_RATE = 1.0
LISTED_GRADIENTS = 13  # gradients printed one per line; the rest are counted


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options of `blameflow lesson hidden_layer`: the course's task."""
    parser.add_argument(
        "--hidden", type=whole_number_up_to(MOST_HIDDEN), nargs="+", default=[HIDDEN],
        metavar="N", help=f"how many hidden neurons: more of them can bend the output more "
        f"ways, and there are more weights to blame. Several values train one network each "
        f"and write one page comparing them (default {HIDDEN}, at most {MOST_HIDDEN})")
    parser.add_argument(
        "--lr", type=positive_number, default=LEARNING_RATE, metavar="RATE",
        help=f"the learning rate of gradient descent, as in lesson 2 (default "
             f"{LEARNING_RATE:g})")
    parser.add_argument(
        "--epochs", type=whole_number_up_to(MOST_STEPS), metavar="N",
        help=f"how many steps of gradient descent (one example, so one step per epoch; "
             f"default {TRAINING_STEPS}, or {QUICK_STEPS} with --quick)")
    parser.add_argument(
        "--weights", type=assignment, nargs="+", default=[], metavar="NAME=VALUE",
        help="where training starts, e.g. w1=0.9 b3=-0.2: the blame a weight receives "
             "depends on all the others. Names: w1 .. wn and b1 .. bn for the n hidden "
             "neurons, w(n+1) .. w(2n) and b(n+1) for the output (the others keep their "
             "starting values; with 2 hidden neurons those of the lesson)")


def parameter_names(hidden: int = HIDDEN) -> list[str]:
    """The names of the weights in the module docstring's order (START's for 2)."""
    return ([f"w{j}" for j in range(1, hidden + 1)] + [f"b{j}" for j in range(1, hidden + 1)]
            + [f"w{hidden + j}" for j in range(1, hidden + 1)] + [f"b{hidden + 1}"])


def start_values(hidden: int = HIDDEN, weights: Mapping[str, float] | None = None
                 ) -> dict[str, float]:
    """Where training starts: START for 2 hidden neurons, otherwise numbers drawn from
    random.Random(SEED) in [-1, 1] (two decimals, to be read); `weights` replace some."""
    if hidden == HIDDEN:
        values = dict(START)
    else:
        rng = random.Random(SEED)
        values = {name: round(rng.uniform(-1, 1), 2) for name in parameter_names(hidden)}
    for name, value in (weights or {}).items():
        if name not in values:
            names = parameter_names(hidden)
            raise OptionError(f"--weights {name}={value:g}: a network with {hidden} hidden "
                              f"neurons has no {name!r}; its weights are {names[0]} .. "
                              f"{names[hidden - 1]}, b1 .. b{hidden}, {names[2 * hidden]} .. "
                              f"{names[-2]} and {names[-1]}")
        values[name] = value
    return values


def parameters(values: Mapping[str, float] = START) -> dict[str, Value]:
    return {name: Value(value, name, kind="parameter") for name, value in values.items()}


def forward(p: Mapping[str, Value], x: float = X) -> dict[str, Value]:
    """The network's forward pass; each neuron's nodes are grouped under a scope, as nn does.

    x becomes one input Value that every hidden neuron reads: one node in the graph, whose
    gradient adds up the blame from all of them (as a float, x would be copied into each
    neuron as a separate, nameless constant).
    """
    hidden = (len(p) - 1) // 3
    nodes = {"x": Value(x, "x")}
    with scope("layer0"):
        for j in range(1, hidden + 1):
            with scope(f"neuron{j - 1}"):
                nodes[f"h{j}"] = (p[f"w{j}"] * nodes["x"] + p[f"b{j}"]).sigmoid()
    with scope("layer1"), scope("neuron0"):
        total = p[f"w{hidden + 1}"] * nodes["h1"]
        for j in range(2, hidden + 1):
            total = total + p[f"w{hidden + j}"] * nodes[f"h{j}"]
        nodes["out"] = (total + p[f"b{hidden + 1}"]).sigmoid()
    nodes["loss"] = (nodes["out"] - Value(TARGET, "y")) ** 2  # y labelled: pictures name it
    for name, node in nodes.items():
        node.label = name
    return nodes


def as_mlp(values: Mapping[str, float]) -> MLP:
    """The same network as nn's MLP(1, [n, 1]) of sigmoids, for nn.fit and its recording:
    hidden neuron j is layer0.neuron(j-1), the output neuron is layer1.neuron0."""
    hidden = (len(values) - 1) // 3
    model = MLP(1, [hidden, 1], activation="sigmoid", output_activation="sigmoid")
    state = {"layer1.neuron0.b": values[f"b{hidden + 1}"]}
    for j in range(1, hidden + 1):
        state[f"layer0.neuron{j - 1}.w0"] = values[f"w{j}"]
        state[f"layer0.neuron{j - 1}.b"] = values[f"b{j}"]
        state[f"layer1.neuron0.w{j - 1}"] = values[f"w{hidden + j}"]
    model.load_state_dict(state)
    return model


def record(values: Mapping[str, float], steps: int = TRAINING_STEPS,
           lr: float = LEARNING_RATE) -> History:
    """Lesson 2's gradient descent on every parameter, run by nn.fit (the same four steps)
    and recorded for the training page; history.loss is the loss before each step."""
    model = as_mlp(values)
    return fit(model, [[X]], [TARGET], mse, SGD(model.parameters(), lr=lr), steps=steps,
               progress=False, record=max(1, steps // PAGE_FRAMES))


def train(p: Mapping[str, Value], steps: int = TRAINING_STEPS,
          lr: float = LEARNING_RATE) -> list[float]:
    """The loss before each step of training from the numbers of p, as parameters() makes
    them (p itself is left as it is): record(...).loss, for a notebook."""
    return record({name: value.data for name, value in p.items()}, steps, lr).loss


def run(out: Path | None = None, quick: bool = False, hidden: Sequence[int] = (HIDDEN,),
        lr: float = LEARNING_RATE, epochs: int | None = None,
        weights: Sequence[tuple[str, float]] = ()) -> dict[str, Any]:
    """Print the lesson, save graph, explorer, loss curves and training page; return the
    numbers and files.

    hidden: one network per size (the walk-through uses the first); lr, epochs, weights:
    how they train and where they start. quick=True trains QUICK_STEPS steps instead of
    TRAINING_STEPS (tests) unless epochs says otherwise."""
    steps = epochs or (QUICK_STEPS if quick else TRAINING_STEPS)
    sizes = list(dict.fromkeys(hidden))  # a size given twice is one run
    chosen = _one_each(weights)
    starts = {size: start_values(size, chosen) for size in sizes}
    pictures = Pictures(out)
    print("Lesson 3 - a hidden layer")
    numbers = _walk_through(starts[sizes[0]], pictures)
    histories = {size: record(starts[size], steps, lr) for size in sizes}
    print(f"  training, lr {lr:g}, {steps} steps: the loss before each step")
    labels = {size: _neurons(size) for size in sizes}
    runs = {labels[size]: history.loss for size, history in histories.items()}
    print_loss_table(runs)
    for size, history in histories.items():
        print(f"  {labels[size]} ({3 * size + 1} parameters): loss "
              f"{history.loss[0]:.4f} -> {history.loss[-1]:.4g}")
    pictures.curves(runs, "loss.png", title=f"a hidden layer, lr {lr:g}")
    # A target of 0 would pass for a class label, so say outright there is no accuracy.
    page = pictures.training_view({labels[size]: history
                                   for size, history in histories.items()}, "training.html",
                                  X=[[X]], y=[TARGET], accuracy=False)
    if page is not None:
        print(f"  Step through the training, weights and their blame: open {page}")
    return {**numbers, "losses": histories[sizes[0]].loss, "histories": histories,
            "files": pictures.written}


def _one_each(weights: Sequence[tuple[str, float]]) -> dict[str, float]:
    chosen: dict[str, float] = {}
    for name, value in weights:
        if name in chosen:
            raise OptionError(f"--weights gives {name} twice; give each weight once")
        chosen[name] = value
    return chosen


def _walk_through(values: dict[str, float], pictures: Pictures) -> dict[str, Any]:
    """Forward, backward and the chain rule by hand for one network; its pictures."""
    hidden = (len(values) - 1) // 3
    p = parameters(values)
    nodes = forward(p)
    print(f"  {_neurons(hidden)}; forward:")
    if hidden <= 4:
        print("    " + ", ".join(f"h{j} = {nodes[f'h{j}'].data:.4f}" for j in range(1, hidden + 1)))
    else:
        print(f"    h1 .. h{hidden} = " + ", ".join(f"{nodes[f'h{j}'].data:.4f}"
                                               for j in range(1, hidden + 1)))
    print(f"    out = {nodes['out'].data:.4f}, loss = {nodes['loss'].data:.4f}")
    nodes["loss"].backward()
    print("  backward: the real gradient of every parameter")
    for name, parameter in list(p.items())[:LISTED_GRADIENTS]:
        print(f"    d loss/d {name:<3} = {parameter.grad:+.6f}")
    if len(p) > LISTED_GRADIENTS:
        print(f"    ... and {len(p) - LISTED_GRADIENTS} more")
    o, h1, w_out = nodes["out"].data, nodes["h1"].data, f"w{hidden + 1}"
    factors = [f"{2 * (o - TARGET):.4f}", f"{o * (1 - o) * values[w_out]:.4f}",
               f"{h1 * (1 - h1) * X:.4f}"]
    print("  by hand, for w1 (× means times), one factor per step back:")
    print("    d loss/d w1 = d loss/d out × d out/d h1          × d h1/d w1")
    print(f"                = 2(out - y)   × (out(1 - out) × {w_out}) × (h1(1 - h1) × x)")
    print(f"                = {factors[0]:<12} × {factors[1]:<19} × {factors[2]:<16}"
          f" = {p['w1'].grad:+.6f}")
    paths = _paths_to_x(values, nodes)
    if hidden == 1:
        print("  the input x feeds one hidden neuron, so its blame comes back along one path:")
        print(f"    d loss/d x = (through h1) = {nodes['x'].grad:+.6f}")
    elif hidden == 2:
        print("  the input x feeds both hidden neurons, so its blame is the sum of both paths:")
        print(f"    d loss/d x = (through h1) + (through h2) = {paths[0]:+.6f} + "
              f"({paths[1]:+.6f}) = {nodes['x'].grad:+.6f}")
    else:
        print(f"  the input x feeds every hidden neuron, so its blame is the sum of "
              f"{hidden} paths:")
        for j, path in enumerate(paths, start=1):
            print(f"    through h{j:<2} {path:+.6f}")
        print(f"    d loss/d x = their sum = {nodes['x'].grad:+.6f}")
    pictures.graph(nodes["loss"], "graph.svg")
    pictures.explorer(nodes["loss"], "explorer.html")
    gradients = {name: parameter.grad for name, parameter in p.items()}
    gradients["x"] = nodes["x"].grad
    return {"forward": {name: node.data for name, node in nodes.items()},
            "gradients": gradients, "paths": paths}


def _paths_to_x(values: Mapping[str, float], nodes: Mapping[str, Value]) -> list[float]:
    """The blame reaching x through each hidden neuron j, by the chain rule:
    d loss/d out × d out/d hj × d hj/d x = 2(out - y) × out(1 - out) w(n+j) × hj(1 - hj) wj."""
    hidden = (len(values) - 1) // 3
    o = nodes["out"].data
    to_sum = 2 * (o - TARGET) * o * (1 - o)
    return [to_sum * values[f"w{hidden + j}"] * nodes[f"h{j}"].data
            * (1 - nodes[f"h{j}"].data) * values[f"w{j}"] for j in range(1, hidden + 1)]


def _neurons(hidden: int) -> str:
    return "1 hidden neuron" if hidden == 1 else f"{hidden} hidden neurons"


if __name__ == "__main__":
    run(Path("out") / "hidden_layer")
