"""Lesson 7: on to NumPy. The same hidden-layer network as matrices, backprop by hand.

blameflow computes one Value at a time, which is why you can see every number. Real
libraries compute a whole layer at once with matrices; the chain rule is the same. Put
each example in a column, so X is (2 inputs x 4 examples), and the forward pass is

    Z1 = W1 X + b1     (3 x 4)    W1 is (3 x 2): one row of weights per hidden neuron
    H  = tanh(Z1)      (3 x 4)
    Z2 = W2 H + b2     (1 x 4)    W2 is (1 x 3)
    L  = mean((Z2 - Y)^2)         one number

and the backward pass, written by hand, gives the same gradients backward() does:

    dZ2 = 2 (Z2 - Y) / 4                      (1 x 4)   the blame on each output
    dW2 = dZ2 H^T                             (1 x 3)   = delta x^T
    db2 = the sum of dZ2 over the examples    (1 x 1)
    dH  = W2^T dZ2                            (3 x 4)   blame sent back to the layer
    dZ1 = dH * (1 - H^2)                      (3 x 4)   * is element by element: tanh'
    dW1 = dZ1 X^T                             (3 x 2)   = delta x^T again
    db1 = the sum of dZ1 over the examples    (3 x 1)

NumPy is an optional extra: pip install blameflow[numpy].

Run: python -m demos.with_numpy   (or: blameflow lesson numpy)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from demos.pictures import Pictures
from nn import MLP, mse, xor

SEED = 0
HIDDEN = 3
PARAMETERS = ("W1", "b1", "W2", "b2")
NUMPY_HINT = "this lesson needs NumPy: pip install blameflow[numpy]"


def numpy() -> Any:
    """The numpy module, imported only when this lesson runs (it is an optional extra)."""
    try:
        import numpy as np
    except ImportError:
        raise ImportError(NUMPY_HINT) from None
    return np


def matrices(model: MLP) -> dict[str, Any]:
    """The model's weights as NumPy arrays: W[j, i] is neuron j's weight on input i."""
    np = numpy()
    found = {}
    for number, layer in enumerate(model.layers, start=1):
        found[f"W{number}"] = np.array([[w.data for w in neuron.w] for neuron in layer.neurons])
        found[f"b{number}"] = np.array([[neuron.b.data] for neuron in layer.neurons])
    return found


def numpy_gradients(p: dict[str, Any], X: Any, Y: Any) -> tuple[float, dict[str, Any]]:
    """The loss and every gradient, by the matrix formulas in the module docstring, and
    dZ1, the hidden layer's blame for each example.

    X: (inputs x examples), Y: (1 x examples); one column per example.
    """
    np = numpy()
    n = X.shape[1]
    Z1 = p["W1"] @ X + p["b1"]
    H = np.tanh(Z1)
    Z2 = p["W2"] @ H + p["b2"]
    loss = float(np.mean((Z2 - Y) ** 2))
    dZ2 = 2 * (Z2 - Y) / n
    dH = p["W2"].T @ dZ2
    dZ1 = dH * (1 - H ** 2)
    return loss, {"W2": dZ2 @ H.T, "b2": dZ2.sum(axis=1, keepdims=True),
                  "W1": dZ1 @ X.T, "b1": dZ1.sum(axis=1, keepdims=True), "Z1": dZ1}


def value_gradients(model: MLP, X: list[list[float]], y: list[int]) -> tuple[float, dict]:
    """The same loss and gradients from blameflow, Value by Value, arranged as matrices."""
    loss = mse(model.forward_batch(X), y)
    loss.backward()
    found = {}
    for number, layer in enumerate(model.layers, start=1):
        found[f"W{number}"] = [[w.grad for w in neuron.w] for neuron in layer.neurons]
        found[f"b{number}"] = [[neuron.b.grad] for neuron in layer.neurons]
    return loss.data, found


def _shape(array: Any) -> str:
    """(3, 2) as "3 x 2": rows x columns, as the docstring writes shapes."""
    return " x ".join(str(size) for size in array.shape)


def run(out: Path | None = None, quick: bool = False) -> dict[str, Any]:
    """Print both backward passes side by side, save dW1 = dZ1 X^T as a picture; return
    the largest difference.

    quick=True (blameflow tour --quick, for tests) changes nothing here: the lesson is quick.
    """
    pictures = Pictures(out)
    print("Lesson 7 - on to NumPy: the same network as matrices")
    try:
        np = numpy()
    except ImportError as missing:
        print(f"  (skipped: {missing})")
        return {"files": []}
    X_rows, y = xor()
    model = MLP(2, [HIDDEN, 1], activation="tanh", seed=SEED)
    X = np.array(X_rows).T                 # (2 x 4): one column per example
    Y = np.array([y], dtype=float)         # (1 x 4)
    p = matrices(model)
    print(f"  XOR's 4 examples are the columns of X ({_shape(X)}); MLP(2, [{HIDDEN}, 1]) with "
          f"tanh,")
    print(f"  so W1 is {_shape(p['W1'])}, b1 {_shape(p['b1'])}, W2 {_shape(p['W2'])}, "
          f"b2 {_shape(p['b2'])}; the loss is the mean squared error.")
    print("  W1[j, i] is nn's layer0/neuron<j>/w<i>: the weight of hidden neuron j on input i.")
    numpy_loss, by_matrix = numpy_gradients(p, X, Y)
    value_loss, by_value = value_gradients(model, X_rows, y)
    print("  forward: Z1 = W1 X + b1, H = tanh(Z1), Z2 = W2 H + b2")
    print(f"           loss {numpy_loss:.15f} (blameflow: {value_loss:.15f})")
    print("  backward by hand: dZ2 = 2(Z2 - Y)/4, dW2 = dZ2 H^T, dH = W2^T dZ2,")
    print("                    dZ1 = dH * (1 - H^2), dW1 = dZ1 X^T, db = dZ summed over columns")
    print("  Why dW = delta x^T: dZ1 (3 x 4) holds each neuron's blame for each example, X^T")
    print("  (4 x 2) each example's inputs. Their product is (3 x 2), W1's shape: entry (j, i)")
    print("  is the sum over the 4 examples of blame_j × input_i, the chain rule of lesson 1")
    print("  (d loss/d w = d loss/d z × x) summed over the batch by the matrix product.")
    print("  number for number, NumPy's matrices against blameflow's Values:")
    largest = 0.0
    for name in PARAMETERS:
        for (j, i), by_hand in np.ndenumerate(by_matrix[name]):
            engine = by_value[name][j][i]
            largest = max(largest, abs(by_hand - engine))
            print(f"    d loss/d {name}[{j},{i}]: NumPy {by_hand:+.15f}   "
                  f"blameflow {engine:+.15f}")
    if largest == 0.0:
        print("  largest difference: 0, equal to the last bit")
    else:
        print(f"  largest difference: {largest:.1e}, rounding: the same sums, added in "
              f"another order")
    pictures.matrices({"dZ1: blame of each\nneuron, each example": by_matrix["Z1"],
                       "X^T: each example's\ninputs": X.T,
                       "dW1 = dZ1 X^T\n(NumPy)": by_matrix["W1"],
                       "dW1 from\nblameflow's Values": by_value["W1"]},
                      "dW1.png", per_row=2,
                      title="d loss/d W1 = delta x^T:\na (3 x 4) times a (4 x 2) is a (3 x 2), "
                            "W1's shape")
    return {"loss": (numpy_loss, value_loss), "largest_difference": largest,
            "numpy": {name: by_matrix[name] for name in PARAMETERS}, "values": by_value,
            "files": pictures.written}


if __name__ == "__main__":
    run(Path("out") / "numpy")
