"""Lesson 6: real data. An MLP learns to read handwritten digits, and shows what it looks at.

1,797 scans of the digits 0 to 9, 8 x 8 pixels each (nn.digits(); where they come from:
nn/data/README.md). 360 of them are kept aside and never trained on: accuracy on those
says what the network learned, not what it memorised.

The network, MLP(64, [32, 10]), reads the 64 pixels, has 32 relu neurons, and gives 10
scores, one per digit. Softmax turns the scores into probabilities,
p_k = e^(z_k) / sum_j e^(z_j), and the loss is -log p_right (cross-entropy): small when
the network gives the right digit a high probability.

The gradient does not stop at the weights: backward() also gives d loss/d pixel for every
input pixel. It says which pixels are to blame: where more ink would have raised the loss
(red) or lowered it (blue).

Run: python -m demos.digits   (or: blameflow lesson digits)
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

from autograd import Value
from demos.pictures import Pictures
from nn import MLP, Adam, accuracy, cross_entropy, digits, fit, predict

SEED = 0
TEST_IMAGES = 360
HIDDEN = 32
EPOCHS = 4            # passes over the training images
QUICK_STEPS = 5       # blameflow tour --quick: every picture, from a barely trained model
BATCH_SIZE = 32       # images per step: a minibatch
LEARNING_RATE = 0.02  # Adam's, falling linearly to a tenth of it by the last step
SIDE = 8              # the images are SIDE x SIDE pixels
EXAMPLES = 2          # right and wrong answers drawn with their blame, of each


def split(seed: int = SEED) -> tuple[list, list, list, list]:
    """The digits shuffled with `seed` and split: (X_train, y_train, X_test, y_test)."""
    X, y = digits()
    order = list(range(len(X)))
    random.Random(seed).shuffle(order)
    train, test = order[:-TEST_IMAGES], order[-TEST_IMAGES:]
    return ([X[i] for i in train], [y[i] for i in train],
            [X[i] for i in test], [y[i] for i in test])


def train(X: list[list[float]], y: list[int], progress: bool = True,
          quick: bool = False) -> tuple[MLP, Any]:
    """MLP(64, [32, 10]) trained with Adam on minibatches; returns the model and History.

    EPOCHS passes over X, or QUICK_STEPS minibatches when quick (tests)."""
    model = MLP(SIDE * SIDE, [HIDDEN, 10], seed=SEED)
    steps = QUICK_STEPS if quick else math.ceil(len(X) / BATCH_SIZE) * EPOCHS
    optimizer = Adam(model.parameters(), lr=lambda k: LEARNING_RATE * (1 - 0.9 * k / steps))
    history = fit(model, X, y, cross_entropy, optimizer, steps=steps, batch_size=BATCH_SIZE,
                  progress=progress, seed=SEED)
    return model, history


def pixel_blame(model: MLP, image: list[float], digit: int) -> tuple[list[float], list[float]]:
    """d loss/d pixel for every pixel of one image, and the network's 10 probabilities.

    The pixels become Values (inputs), so backward() fills in their gradients as it does
    the weights'. The weights' gradients it fills in too are not used here.
    """
    pixels = [Value(p, f"pixel{i // SIDE},{i % SIDE}") for i, p in enumerate(image)]
    scores = model(pixels)
    loss = cross_entropy([scores], [digit])
    loss.backward()
    return [p.grad for p in pixels], _softmax([s.data for s in scores])


def _softmax(scores: list[float]) -> list[float]:
    """p_k = e^(z_k - m) / sum_j e^(z_j - m), with m the largest score (no overflow)."""
    m = max(scores)
    exps = [math.exp(z - m) for z in scores]
    return [e / sum(exps) for e in exps]


def run(out: Path | None = None, progress: bool = True, quick: bool = False) -> dict[str, Any]:
    """Train, print the accuracies and the blame of a few test images; save the pictures.

    quick=True trains QUICK_STEPS minibatches (tests: the same files, sooner)."""
    pictures = Pictures(out)
    X_train, y_train, X_test, y_test = split()
    print("Lesson 6 - real data: handwritten digits")
    print(f"  {len(X_train) + len(X_test):,} scans of the digits 0-9, {SIDE} x {SIDE} pixels; "
          f"{len(X_train):,} to train on,")
    print(f"  {len(X_test)} kept aside to test: never trained on, so they show what was "
          f"learned.")
    print(f"  model: MLP(64, [{HIDDEN}, 10]): 64 pixels in, {HIDDEN} relu neurons, a score "
          f"for each digit out")
    print("  loss: cross-entropy, -log(the probability softmax gives the right digit)")
    print(f"  Adam on minibatches of {BATCH_SIZE} images, {EPOCHS} passes over the "
          f"training images:")
    model, history = train(X_train, y_train, progress, quick)
    seconds = sum(history.seconds)
    test_outputs = predict(model, X_test)
    train_accuracy = accuracy(predict(model, X_train), y_train)
    test_accuracy = accuracy(test_outputs, y_test)
    print(f"  {len(history)} steps in {seconds:.1f} s: loss {history.loss[0]:.3f} -> "
          f"{history.loss[-1]:.3f}")
    print(f"  accuracy: {train_accuracy:.1%} on the training images, {test_accuracy:.1%} on "
          f"the {len(X_test)} test images")
    examples = _examples(model, X_test, y_test, test_outputs)
    print("  Which pixels are to blame? backward() gives d loss/d pixel too: red where more "
          "ink")
    print("  would raise the loss, blue where it would lower it.")
    for example in examples:
        print(f"    test image {example['index']:>3}: {_a(example['digit'])}, the network says "
              f"{example['said']} ({example['confidence']:.0%} sure); largest blame "
              f"{max(abs(g) for g in example['blame']):.3g}")
    print("  A right, sure answer has little blame to share out; a wrong one has a lot: its")
    print("  map shows which pixels pulled the answer away from the right digit.")
    pictures.input_gradients([X_test[e["index"]] for e in examples],
                             [e["blame"] for e in examples],
                             [f"{_a(e['digit'])}, said {e['said']} "
                              f"{'✓' if e['said'] == e['digit'] else '✗'}" for e in examples],
                             (SIDE, SIDE), "pixel_blame.png")
    pictures.history(history, "history.png")
    return {"train_accuracy": train_accuracy, "test_accuracy": test_accuracy,
            "history": history, "examples": examples, "files": pictures.written}


def _a(digit: int) -> str:
    """ "a 3", "an 8": the digit with its article, as it is read out."""
    return f"{'an' if digit == 8 else 'a'} {digit}"


def _examples(model: MLP, X: list[list[float]], y: list[int],
              outputs: list[list[float]]) -> list[dict[str, Any]]:
    """The first EXAMPLES test images the model gets right and the first it gets wrong,
    each with its blame (d loss/d pixel) and the model's answer."""
    said = [scores.index(max(scores)) for scores in outputs]
    right = [i for i in range(len(X)) if said[i] == y[i]][:EXAMPLES]
    wrong = [i for i in range(len(X)) if said[i] != y[i]][:EXAMPLES]
    examples = []
    for index in right + wrong:
        blame, probabilities = pixel_blame(model, X[index], y[index])
        examples.append({"index": index, "digit": y[index], "said": said[index],
                         "confidence": probabilities[said[index]], "blame": blame})
    return examples


if __name__ == "__main__":
    run(Path("out") / "digits")
