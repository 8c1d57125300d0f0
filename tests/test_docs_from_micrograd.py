"""docs/from-micrograd.md: micrograd's README example and its demo notebook's training code
run on blameflow with the names changed and nothing else, and give micrograd's results.

The test holds micrograd's originals (written from its public API) and checks that the
page's code is them with only the lines marked "# was: <original>" changed; then it runs
the page's code.
"""

from __future__ import annotations

import contextlib
import gc
import io
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).parents[1] / "docs" / "from-micrograd.md"

MICROGRAD_README = """\
from micrograd.engine import Value

a = Value(-4.0)
b = Value(2.0)
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
print(f'{g.data:.4f}') # prints 24.7041, the outcome of this forward pass
g.backward()
print(f'{a.grad:.4f}') # prints 138.8338, i.e. the numerical value of dg/da
print(f'{b.grad:.4f}') # prints 645.5773, i.e. the numerical value of dg/db
"""

MICROGRAD_DEMO_TRAINING = """\
import random

from micrograd.engine import Value
from micrograd.nn import MLP; from sklearn.datasets import make_moons

random.seed(1337)
X, y = make_moons(n_samples=100, noise=0.1); y = y*2 - 1

model = MLP(2, [16, 16, 1])  # 2-layer neural network
print(model)
print("number of parameters", len(model.parameters()))

# loss function
def loss(batch_size=None):

    # inline DataLoader :)
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]

    # forward the model to get scores
    scores = list(map(model, inputs))

    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss

    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

total_loss, acc = loss()
print(total_loss, acc)

# optimization
for k in range(100):

    # forward
    total_loss, acc = loss()

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad

    if k % 1 == 0:
        print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")
"""


def page_snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)


def undo_renames(snippet: str) -> str:
    """The snippet with every line marked "# was: <original>" put back to its original."""
    return "".join(re.sub(r"^(\s*).*?\s+# was: (.*)$", r"\1\2", line) + "\n"
                   for line in snippet.splitlines())


def run(snippet: str) -> tuple[dict, list[str]]:
    """Run a snippet, returning its variables and the lines it printed.

    The cyclic garbage collector is off meanwhile, as nn.fit turns it off: blameflow's
    graphs have no cycles to find, and in a test run that has built up a large heap each
    of its many full scans would cost more than the training itself.
    """
    namespace: dict = {}
    printed = io.StringIO()
    gc.collect()
    gc.disable()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(snippet, str(PAGE), "exec"), namespace)
    finally:
        gc.enable()
    return namespace, printed.getvalue().splitlines()


def test_the_page_changes_only_the_marked_lines() -> None:
    readme, demo = page_snippets()
    assert undo_renames(readme) == MICROGRAD_README
    assert undo_renames(demo) == MICROGRAD_DEMO_TRAINING
    assert "# was:" in readme and "# was:" in demo


def test_the_readme_example_prints_micrographs_numbers() -> None:
    namespace, printed = run(page_snippets()[0])
    assert printed == ["24.7041", "138.8338", "645.5773"]
    # And they are the derivatives: central differences of the same formula.
    def g_of(a: float, b: float) -> float:
        c = a + b
        d = a * b + b ** 3
        c += c + 1
        c += 1 + c + (-a)
        d += d * 2 + max(b + a, 0.0)
        d += 3 * d + max(b - a, 0.0)
        f = (c - d) ** 2
        return f / 2.0 + 10.0 / f

    h = 1e-6
    assert namespace["a"].grad == pytest.approx(
        (g_of(-4.0 + h, 2.0) - g_of(-4.0 - h, 2.0)) / (2 * h), rel=1e-6)
    assert namespace["b"].grad == pytest.approx(
        (g_of(-4.0, 2.0 + h) - g_of(-4.0, 2.0 - h)) / (2 * h), rel=1e-6)


@pytest.mark.slow
def test_the_demo_notebooks_training_learns_the_moons() -> None:
    namespace, printed = run(page_snippets()[1])
    assert len(namespace["model"].parameters()) == 337  # micrograd's demo: 337 too
    steps = [line for line in printed if line.startswith("step ")]
    assert len(steps) == 100
    first_loss = float(re.search(r"loss ([\d.]+)", steps[0]).group(1))
    last = re.search(r"loss ([\d.]+), accuracy ([\d.]+)%", steps[-1])
    assert float(last.group(1)) < first_loss / 10
    assert float(last.group(2)) >= 95.0
    # The minibatch branch runs too, with the standard library in place of NumPy.
    batch_loss, batch_accuracy = namespace["loss"](batch_size=10)
    assert 0.0 <= batch_accuracy <= 1.0 and batch_loss.data > 0
