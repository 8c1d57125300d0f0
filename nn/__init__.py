"""nn: neurons, layers and MLPs built from autograd Values, and everything to train them.

    >>> from nn import MLP, SGD, fit, hinge, l2, moons
    >>> X, y = moons(50, noise=0.1, seed=0, signed=True)
    >>> model = MLP(2, [16, 16, 1], seed=7)
    >>> history = fit(model, X, y, lambda out, t: hinge(out, t) + 1e-4 * l2(model.parameters()),
    ...               SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 50), steps=50,
    ...               progress=False)
    >>> history.accuracy[-1]  # after 50 steps on 50 points (100 and 100 reach 1.0)
    0.92

The names follow PyTorch: parameters, named_parameters, zero_grad, step, state_dict,
load_state_dict.
"""

import blameflow_names

# nn is built on blameflow's autograd: if something else has that name, say so in one line.
blameflow_names.require("autograd")

from nn.datasets import circles, digits, moons, spirals, xor
from nn.layers import ACTIVATIONS, MLP, Layer, Neuron
from nn.losses import (
    bce_with_logits,
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l2,
    logsumexp,
    mse,
)
from nn.module import Module
from nn.optim import SGD, Adam, Optimizer
from nn.outputs import predict
from nn.serialization import StateDictError
from nn.train import History, TrainingDiverged, accuracy, fit

__all__ = [
    "ACTIVATIONS", "MLP", "SGD", "Adam", "History", "Layer", "Module", "Neuron", "Optimizer",
    "StateDictError", "TrainingDiverged", "accuracy", "bce_with_logits",
    "binary_cross_entropy", "circles", "cross_entropy", "digits", "fit", "hinge", "l2", "logsumexp",
    "moons", "mse", "predict", "spirals", "xor",
]
