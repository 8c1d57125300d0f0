"""training_view: one offline page to watch a network learn, step by step.

    >>> from nn import MLP, SGD, fit, hinge, moons  # viz never imports nn; you may
    >>> X, y = moons(40, noise=0.1, seed=0, signed=True)
    >>> def run(lr):
    ...     model = MLP(2, [4, 1], seed=0)
    ...     return fit(model, X, y, hinge, SGD(model.parameters(), lr=lr), steps=10,
    ...                record=1, progress=False)
    >>> history = run(0.1)
    >>> training_view(history, "out/train.html", X=X, y=y)
    SavedFile('out/train.html')
    >>> slow, fast = history, run(1.0)
    >>> training_view([slow, fast], "out/compare.html", labels=["lr 0.1", "lr 1"], X=X, y=y)
    SavedFile('out/compare.html')

A slider (and play/pause) picks a recorded step; side by side the page shows, at that step:
- the loss and accuracy curves of every run, with a cursor at the step (the loss alone
  when the targets are numbers to fit rather than classes: see training_view's accuracy=);
- for two inputs and one output, the decision boundary: the model's score on a grid
  (GRID x GRID points), coloured by sign and strength, with the 0-contour (the threshold)
  and the data points; for one input and one output, the model's output as a curve over
  the input (GRID points), with the data points (input, target);
- the network, neurons and weights: a weight's line width is its size, its colour its
  sign (red positive, blue negative), and a gold halo as wide as its |gradient| (scaled to
  the largest |gradient| at that step) shows the blame it receives;
- beneath it, the mean |gradient| of each layer over time on a log scale: vanishing
  gradients fall away to the left-hand layers, exploding ones shoot up;
- hovering or focusing a weight shows its value and gradient, and their histories.

What the page needs from a run (nn.fit(..., record=k) writes all of it, though viz never
imports nn): `loss` and `accuracy` (one number per step), `recorded` (steps with `.step`,
`.parameters` and `.gradients`, the numbers in the order of `parameter_names`),
`parameter_names`, `activations` and `threshold`. The network is read from the names,
which must be "layer<i>.neuron<j>.w<k>" (weight k of neuron j of layer i, reading output
k of layer i-1, or input k for layer 0) and "layer<i>.neuron<j>.b" (its bias);
`activations` gives each layer's activation by name ("relu", "tanh", "sigmoid",
"leaky_relu", "linear"). Runs whose names do not follow that shape still get their
curves and per-layer gradients (grouped by the first part of each name).

The boundary at each recorded step is computed here, in Python, with plain floats: each
layer's neurons applied to the grid's rows with the recorded parameters and the float
forward functions of autograd's table of primitives (as matrix products when NumPy is
installed). For a model whose names do not tell its layers, pass model=: the recorded
parameters are then put in the model itself for a moment (slower: a forward pass of
Values per grid point). The page stays small and quick by
keeping at most MAX_FRAMES recorded steps per run and at most MAX_LINES weights per pair
of layers (the largest ever, by |value|); it says when it leaves any out. The page follows
the explorer's rules: nothing fetched, only its own hashed script and style, every number
and text in a JSON data block the browser never runs, written atomically.
"""

from __future__ import annotations

import inspect
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import mul
from typing import Any

from autograd import TABLE, Value, no_grad
from viz.files import write_atomically
from viz.notebook import SavedFile, TrainingPage
from viz.pages import page

GRID = 40  # the boundary's grid: GRID x GRID scores per recorded step
MAX_FRAMES = 200  # recorded steps kept per run: evenly spread, always the first and last
MAX_LINES = 256  # weights drawn per pair of layers: the largest by |value|
TITLE = "blameflow: watch it learn"
NAME = re.compile(r"layer(\d+)\.neuron(\d+)\.(?:w(\d+)|b)")
NAME_FORMAT = "layer<i>.neuron<j>.w<k> and layer<i>.neuron<j>.b"
# The float forward function of each activation nn can name.
_LEAKY_SLOPE = inspect.signature(Value.leaky_relu).parameters["slope"].default
ACTIVATIONS: dict[str, Callable[[float], float]] = {
    "relu": TABLE["relu"].forward, "tanh": TABLE["tanh"].forward,
    "sigmoid": TABLE["sigmoid"].forward, "linear": TABLE["identity"].forward,
    "leaky_relu": lambda x: TABLE["leaky_relu"].forward(x, _LEAKY_SLOPE),
}


def training_view(runs: Any, path: str | os.PathLike | None = None, model: Any = None,
                  X: Sequence[Sequence[float]] | None = None, y: Sequence[float] | None = None,
                  labels: Sequence[str] | None = None, grid: int = GRID,
                  accuracy: bool | None = None) -> SavedFile | TrainingPage:
    """The page for one History from fit(..., record=k), or a list of them to compare.

    path: where to write it (an .html file); returns it as a SavedFile. With no path
        nothing is written and a TrainingPage is returned; in Jupyter either shows the
        page working inline.
    model: only needed for the boundary of a model whose parameter names do not describe
        its layers (NAME_FORMAT): the model that was trained (anything with
        named_parameters() that maps a row to its score). Each recorded step's parameters
        are put in it for a moment, under no_grad, and its own are put back after. It is
        used for the runs whose parameter names are the model's.
    X, y: the training data; with two input columns and a one-output network the page
        draws the decision boundary at each recorded step, with these points on it; with
        one input column, the network's output as a curve over the input.
    labels: one name per run for the legend and the run picker ("lr 0.1"); by default
        "run 1", "run 2", ...
    grid: the boundary's points per side (grid * grid scores per recorded step), or the
        output curve's points.
    accuracy: whether to draw the accuracy curves. Accuracy means something only when
        the model sorts rows into classes; for a regression (the targets are numbers to
        fit, like 0.8) it is noise. None (the default) decides from y: drawn unless a
        target is not a whole number (a class) or no run recorded any accuracy. Pass
        False for a regression whose targets happen to be whole numbers (a target of 0).
    """
    histories = list(runs) if isinstance(runs, (list, tuple)) else [runs]
    if not histories:
        raise ValueError("training_view needs at least one History (from fit(...))")
    for history in histories:
        _check_history(history)
    labels = _labels(labels, len(histories))
    points = _points(X, y) if X is not None else None
    if isinstance(grid, bool) or not isinstance(grid, int) or grid < 2:
        raise ValueError(f"training_view(grid=...) is the boundary's points per side, an "
                         f"int >= 2; got {grid!r}")
    axes = _grid_axes(points, grid) if points else None
    data = {"title": TITLE, "points": points, "grid": axes,
            "picture": None if axes is None else "curve" if len(axes) == 1 else "boundary",
            "showAccuracy": _shows_accuracy(accuracy, histories, y),
            "boundaryNote": _boundary_note(X, points, histories),
            "runs": [_run_data(history, label, axes, model)
                     for history, label in zip(histories, labels)]}
    html = _page(data)
    if path is None:
        return TrainingPage(html)
    path = SavedFile(path)
    write_atomically(path, html.encode("utf-8"))
    return path


# ---- checking what we were given ----------------------------------------------------------
def _check_history(history: Any) -> None:
    if not all(hasattr(history, name) for name in ("loss", "accuracy", "recorded")):
        raise TypeError(f"training_view takes the History that nn.fit returns (or a list of "
                        f"them), got {type(history).__name__}")
    if not history.loss:
        raise ValueError("training_view: a History with no steps; train for at least one")


def _labels(labels: Sequence[str] | None, count: int) -> list[str]:
    if labels is None:
        return [f"run {number}" for number in range(1, count + 1)]
    if isinstance(labels, str) or len(labels) != count:
        raise ValueError(f"training_view(labels=...) needs one label per run: {count} runs, "
                         f"got {labels!r:.80}")
    return [str(label) for label in labels]


def _points(X: Sequence[Sequence[float]], y: Sequence[float] | None) -> list[list[Any]] | None:
    """[x0, x1, positive] per row for two-input data, [x, target] per row for one input;
    None for wider inputs (no picture of the model's output)."""
    if y is None or len(X) != len(y):
        raise ValueError("training_view: give X and y together, one label per row of X")
    if not X or len({len(row) for row in X}) != 1 or len(X[0]) not in (1, 2):
        return None
    if len(X[0]) == 1:
        return [[_number(row[0]), _number(target)] for row, target in zip(X, y)]
    return [[_number(row[0]), _number(row[1]), _number(label) > 0] for row, label in zip(X, y)]


def _shows_accuracy(accuracy: bool | None, histories: list[Any],
                    y: Sequence[Any] | None) -> bool:
    """accuracy= if given; else whether the runs are classifications: every target a
    whole number (a class label: -1/+1, 0/1, a digit) and some accuracy recorded."""
    if accuracy is not None:
        if not isinstance(accuracy, bool):
            raise ValueError(f"training_view(accuracy=...) is True, False or None (decide "
                             f"from y); got {accuracy!r}")
        return accuracy
    if y is not None and not all(_is_class(target) for target in y):
        return False
    return any(_known(x) for history in histories for x in history.accuracy)


def _is_class(target: Any) -> bool:
    """A class label is a whole number; a list (one-hot, several outputs) counts as one."""
    if isinstance(target, (list, tuple)):
        return True
    number = _number(target)
    return math.isfinite(number) and number == int(number)


def _known(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def _boundary_note(X: Sequence[Sequence[float]] | None, points: list | None,
                   histories: list[Any]) -> str | None:
    """Why no run can show the model's output, or None when the data allows it."""
    if X is not None and points is None:
        return (f"No picture of the model's output: it is drawn for one input column (a "
                f"curve) or two (the decision boundary), and X has {len(X[0]) if X else 0}.")
    if X is not None:
        return None
    networks = [_network(list(getattr(h, "parameter_names", []))) for h in histories]
    if any(network is not None and network.sizes[0] == 1 for network in networks):
        return ("The network has one input, so there is no 2-D decision boundary to draw. "
                "Give training_view X and y to see its output as a curve over the input at "
                "each step, with the data points.")
    return ("Give training_view X and y (with two input columns) to see the decision "
            "boundary at each step (with one input column: the output as a curve).")


def _number(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _grid_axes(points: list[list[Any]], grid: int) -> dict[str, list[float]]:
    """Evenly spaced coordinates covering the points with a 10% margin, per input axis:
    xs and ys for two inputs, xs alone for one."""
    axes = {}
    inputs = len(points[0]) - 1  # the last item of a point is its label
    for name, axis in (("xs", 0), ("ys", 1))[:inputs]:
        low, high = min(p[axis] for p in points), max(p[axis] for p in points)
        margin = 0.1 * (high - low) or 1.0
        low, high = low - margin, high + margin
        axes[name] = [low + (high - low) * i / (grid - 1) for i in range(grid)]
    return axes


# ---- one run ------------------------------------------------------------------------------
@dataclass
class _Network:
    """The layers read from the parameter names: sizes [inputs, layer0, layer1, ...], and
    each neuron's weight indices (into the recorded arrays) and bias index, per layer."""

    sizes: list[int]
    weights: list[list[list[int]]]  # weights[layer][neuron][input] -> parameter index
    biases: list[list[int]]  # biases[layer][neuron] -> parameter index


def _network(names: Sequence[str]) -> _Network | None:
    """The network the names describe, or None if they are not all NAME_FORMAT or leave
    gaps (a missing weight, a neuron that reads a different number of inputs)."""
    neurons: dict[tuple[int, int], dict[str | int, int]] = {}
    for index, name in enumerate(names):
        match = NAME.fullmatch(name)
        if match is None:
            return None
        layer, neuron, weight = match.groups()
        neurons.setdefault((int(layer), int(neuron)), {})[
            "b" if weight is None else int(weight)] = index
    sizes: list[int] = []
    weights, biases, placed = [], [], 0
    while (len(weights), 0) in neurons:
        layer = len(weights)
        row = []
        while (layer, len(row)) in neurons:
            row.append(neurons[layer, len(row)])
        width = len(row[0]) - 1
        if any(set(n) != {"b", *range(width)} for n in row) or (sizes and width != sizes[-1]):
            return None
        sizes = sizes or [width]
        sizes.append(len(row))
        weights.append([[n[k] for k in range(width)] for n in row])
        biases.append([n["b"] for n in row])
        placed += len(row) * (width + 1)
    # Every name in its place, once: none left over (a layer after a gap, a repeated name).
    return _Network(sizes, weights, biases) if weights and placed == len(names) else None


def _frames(history: Any) -> list[Any]:
    """At most MAX_FRAMES of the recorded steps, evenly spread, first and last kept."""
    recorded = list(history.recorded)
    if len(recorded) <= MAX_FRAMES:
        return recorded
    last = len(recorded) - 1
    return [recorded[round(i * last / (MAX_FRAMES - 1))] for i in range(MAX_FRAMES)]


def _run_data(history: Any, label: str, axes: dict[str, list[float]] | None,
              model: Any) -> dict[str, Any]:
    frames = _frames(history)
    names = list(getattr(history, "parameter_names", []))
    network = _network(names) if frames else None
    data: dict[str, Any] = {
        "label": label, "steps": len(history.loss),
        "loss": [_finite(x) for x in history.loss],
        "accuracy": [_finite(x) for x in history.accuracy],
        "frames": [frame.step for frame in frames],
        "recordedCount": len(history.recorded),
        "layerGradients": _layer_gradients(names, frames),
        "network": None, "boundary": None, "notes": [],
    }
    if not frames:
        data["notes"].append("No steps were recorded: train with fit(..., record=1) to "
                             "see the network and the boundary at each step.")
        return data
    if len(frames) < len(history.recorded):
        data["notes"].append(f"{len(history.recorded):,} steps were recorded; the page keeps "
                             f"{len(frames)} of them, evenly spread.")
    if network is None:
        data["notes"].append(f"The network is not drawn: its parameter names are not all of "
                             f"the form {NAME_FORMAT}.")
    else:
        data["network"] = _network_data(network, names, frames, data["notes"])
    if axes is not None:
        data["boundary"] = _boundary_data(history, network, frames, axes, model,
                                          data["notes"])
    return data


def _finite(x: float | None, digits: int = 6) -> float | None:
    """x to `digits` significant digits (what the page shows, and smaller JSON); None for
    NaN or infinity, which JSON cannot hold, and for no number (None)."""
    return float(f"{x:.{digits}g}") if _known(x) else None


def _layer_gradients(names: list[str], frames: list[Any]) -> dict[str, Any]:
    """Mean |gradient| of each layer (the names' first part) at each frame, from every
    parameter of the layer, drawn or not."""
    groups: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        groups.setdefault(name.split(".")[0], []).append(index)
    return {"names": list(groups),
            "series": [[_finite(sum(abs(frame.gradients[i]) for i in members) / len(members))
                        for frame in frames] for members in groups.values()]}


def _network_data(network: _Network, names: list[str], frames: list[Any],
                  notes: list[str]) -> dict[str, Any]:
    """The neurons and the weights to draw, and each drawn parameter's value and gradient
    at every frame (values[frame][k] belongs to parameters[k])."""
    lines = []
    for layer, neurons in enumerate(network.weights):
        pairs = [(neuron, source, index) for neuron, row in enumerate(neurons)
                 for source, index in enumerate(row)]
        if len(pairs) > MAX_LINES:
            pairs = sorted(pairs, key=lambda p: -max(abs(f.parameters[p[2]]) for f in frames))
            pairs = sorted(pairs[:MAX_LINES])
            notes.append(f"Between layer {layer}'s inputs and its neurons only the "
                         f"{MAX_LINES} largest of {len(neurons) * len(neurons[0]):,} weights "
                         f"are drawn (by their largest |value| in any step).")
        lines.extend({"layer": layer, "from": source, "to": neuron, "parameter": index}
                     for neuron, source, index in pairs)
    biases = [{"layer": layer, "neuron": neuron, "parameter": index}
              for layer, row in enumerate(network.biases) for neuron, index in enumerate(row)]
    shown = [line["parameter"] for line in lines] + [bias["parameter"] for bias in biases]
    position = {index: k for k, index in enumerate(shown)}
    for item in lines + biases:
        item["parameter"] = position[item["parameter"]]
    return {"sizes": network.sizes, "lines": lines, "biases": biases,
            "names": [names[index] for index in shown],
            "values": [[_finite(frame.parameters[i]) for i in shown] for frame in frames],
            "gradients": [[_finite(frame.gradients[i]) for i in shown] for frame in frames]}


def _boundary_data(history: Any, network: _Network | None, frames: list[Any],
                   axes: dict[str, list[float]], model: Any,
                   notes: list[str]) -> dict[str, Any] | None:
    """The score at every grid point (row by row, y then x; or along xs for one input) at
    each frame: from the recorded parameters in plain floats when the names describe a
    network, else by `model` itself with each frame's parameters put in it for a moment."""
    if "ys" in axes:
        rows = [[x, y] for y in axes["ys"] for x in axes["xs"]]
    else:
        rows = [[x] for x in axes["xs"]]
    names = list(history.parameter_names)
    if network is not None and (network.sizes[0] != len(axes) or network.sizes[-1] != 1):
        notes.append(f"The model's output is drawn for a network with one output and as "
                     f"many inputs as X has columns ({len(axes)}); this one has "
                     f"{network.sizes[0]} inputs and {network.sizes[-1]} outputs.")
        return None
    activations = [history.activations.get(f"layer{layer}")
                   for layer in range(len(network.weights))] if network is not None else []
    if network is not None and all(name in ACTIVATIONS for name in activations):
        scores = [scores_on_grid(rows, frame.parameters, network, activations)
                  for frame in frames]
    elif model is not None and [name for name, _ in model.named_parameters()] == names:
        scores = scores_of_model(model, rows, frames)
    else:
        notes.append(f"The boundary is not drawn: pass model= (the model that was trained) "
                     f"for one whose parameter names are not {NAME_FORMAT}, or whose "
                     f"activations ({activations}) are not among {sorted(ACTIVATIONS)}.")
        return None
    threshold = float(getattr(history, "threshold", 0.0))
    rounded = [[_finite(score, 3) for score in frame] for frame in scores]
    finite = [abs(s - threshold) for frame in rounded for s in frame if s is not None]
    return {"threshold": threshold, "span": max(finite, default=0.0) or 1.0, "scores": rounded}


def scores_of_model(model: Any, rows: list[list[float]], frames: list[Any]) -> list[list[float]]:
    """The model's score at each row, with each frame's parameters in turn.

    The model's own parameters are put back afterwards, whatever happens: the model is
    left as it was. Under no_grad no graph is kept; still, every row is a forward pass
    through Values, so this is the slow path (about 0.6 s a frame for 1,600 rows of
    MLP(2, [16, 16, 1])), for models whose structure the names do not tell.
    """
    parameters = [parameter for _, parameter in model.named_parameters()]
    kept = [parameter.data for parameter in parameters]
    try:
        with no_grad():
            scores = []
            for frame in frames:
                for parameter, number in zip(parameters, frame.parameters):
                    parameter.data = number
                scores.append([_score(model(row)) for row in rows])
    finally:
        for parameter, number in zip(parameters, kept):
            parameter.data = number
    return scores


def _score(output: Any) -> float:
    """One output as a float: a Value, a number, or a list holding one of them."""
    if isinstance(output, (list, tuple)) and len(output) == 1:
        (output,) = output
    if isinstance(output, (list, tuple)):
        raise ValueError(f"training_view draws the boundary of a model with one output; "
                         f"this one gives {len(output)}")
    return _number(output)


def scores_on_grid(rows: list[list[float]], parameters: Sequence[float], network: _Network,
                   activations: list[str]) -> list[float]:
    """The network's single output for each row: layer by layer,
    out_j = activation(w_j . row + b_j), with the given parameter numbers.

    With NumPy installed each layer is one matrix product (a 40 x 40 grid for a
    MLP(2, [16, 16, 1]) takes about a millisecond); without it, plain Python floats give
    the same numbers (to rounding) about a thousand times slower.
    """
    try:
        import numpy
    except ImportError:
        return scores_in_python(rows, parameters, network, activations)
    return scores_with_numpy(numpy, rows, parameters, network, activations)


def scores_in_python(rows: list[list[float]], parameters: Sequence[float], network: _Network,
                     activations: list[str]) -> list[float]:
    for layer, activation in enumerate(activations):
        act = ACTIVATIONS[activation]
        neurons = [([parameters[i] for i in weights], parameters[bias])
                   for weights, bias in zip(network.weights[layer], network.biases[layer])]
        rows = [[act(sum(map(mul, weights, row)) + bias) for weights, bias in neurons]
                for row in rows]
    return [row[0] for row in rows]


def scores_with_numpy(np: Any, rows: list[list[float]], parameters: Sequence[float],
                      network: _Network, activations: list[str]) -> list[float]:
    numbers = np.asarray(parameters, dtype=float)
    outputs = np.asarray(rows, dtype=float)  # one row per grid point
    functions = {
        "relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "linear": lambda z: z,
        # 1 / (1 + e^-z) without overflow: e^(-log(1 + e^-z)), logaddexp(0, -z) is stable.
        "sigmoid": lambda z: np.exp(-np.logaddexp(0.0, -z)),
        "leaky_relu": lambda z: np.where(z > 0, z, _LEAKY_SLOPE * z),
    }
    for layer, activation in enumerate(activations):
        weights = numbers[np.asarray(network.weights[layer])]  # (neurons, inputs)
        biases = numbers[np.asarray(network.biases[layer])]
        outputs = functions[activation](outputs @ weights.T + biases)
    return outputs[:, 0].tolist()


# ---- the page -----------------------------------------------------------------------------
def _page(data: dict[str, Any]) -> str:
    """The page (viz.pages.page) with its data: the script draws everything from it."""
    return page("training_view", data["title"], {}, data, "training-data")
