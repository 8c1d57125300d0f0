"""Lesson: your own operation. Write swish(x) = x · sigmoid(x), check it, fix it, use it.

Every operation blameflow knows is two functions side by side: a forward function on
floats, and a derivative rule (x, out) -> d out/d x. autograd.primitive() declares one more
of them, and autograd.testing.check_primitive() property-tests the rule: hypothesis draws
inputs, compares the rule's slope with central differences, (f(x + h) - f(x - h)) / 2h,
and shrinks any disagreement to the smallest input that shows it.

The first try forgets the product rule: it writes d/dx [x · sigmoid(x)] = sigmoid(x), as
if x were a constant factor. The check catches it; the product rule,
d/dx (u · v) = u' · v + u · v', fixes it.

Run: python -m demos.your_own_op   (or: blameflow lesson your_own_op)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd import GradcheckError, OwnPrimitive, Value, primitive, sigmoid
from autograd.files import write_atomically
from demos.neuron import B, W, X
from demos.pictures import Pictures

if TYPE_CHECKING:  # autograd.testing needs hypothesis, an extra: imported when the lesson runs
    from autograd.testing import PrimitiveCheck

# The file the learner edits and checks with `blameflow check`: the fixed swish, and the
# classic exercise waiting below it.
MY_OPS = '''"""My own operations. Check them with: blameflow check my_ops.py

Each is a forward function on floats and a derivative rule (x, out) -> d out/d x, written
with arithmetic and autograd's functions (sigmoid, exp, tanh), never math.exp, so that the
rule runs on Values too and second derivatives work.
"""

from autograd import primitive, sigmoid

swish = primitive("swish", lambda x: x * sigmoid(x),
                  lambda x, out: out + sigmoid(x) * (1 - out),
                  math="d/dx swish(x) = swish(x) + sigmoid(x) · (1 - swish(x))")

# Your turn: tanh, from exp. Take away the # and run the check: is the derivative right?
# from autograd import exp
# my_tanh = primitive("my_tanh", lambda x: (exp(x) - exp(-x)) / (exp(x) + exp(-x)),
#                     lambda x, out: 1 - out)
'''


def swish_forward(x: float) -> float:
    return x * sigmoid(x)


def forgot_the_product_rule(x: Any, out: Any) -> Any:
    return sigmoid(x)  # wrong: x is not a constant factor


def product_rule(x: Any, out: Any) -> Any:
    # d/dx [x · s] = s + x · s · (1 - s) = out + s · (1 - out), with s = sigmoid(x)
    return out + sigmoid(x) * (1 - out)


WRONG_MATH = "d/dx swish(x) = sigmoid(x)"
RIGHT_MATH = "d/dx swish(x) = swish(x) + sigmoid(x) · (1 - swish(x))"


def run(out: Path | None = None, quick: bool = False) -> dict[str, Any]:
    """Print the lesson, write the graph and my_ops.py under out; return the key numbers
    and files. quick=True (for tests) tries 30 inputs per check instead of 100."""
    examples = 30 if quick else 100
    print("Lesson - your own operation: swish(x) = x · sigmoid(x)")
    try:
        from autograd.testing import check_primitive
    except ImportError as missing:  # hypothesis is not installed: say how, and go on
        print(f"  (skipped: {missing})")
        return {"files": []}
    print("  An operation is a forward function on floats and its derivative rule,")
    print("  (x, out) -> d out/d x, with out = swish(x) there to reuse.")
    wrong = _first_try(check_primitive, examples)
    swish, fixed = _the_fix(check_primitive, examples)
    used = _use_it(swish, Pictures(out))
    files = used.pop("files")
    if out is not None:
        files.append(_write_my_ops(out))
    return {"wrong": wrong, "fixed_first_ok": fixed.first.ok, "fixed_second_ok": fixed.second.ok,
            "fixed_tried": fixed.first.tried, **used, "files": files}


def _first_try(check_primitive: Callable[..., PrimitiveCheck], examples: int) -> dict[str, float]:
    """Declare swish with the forgotten product rule and let the check catch it."""
    print("\n1. The forward function, on floats, and a first try at the derivative:")
    _show(swish_forward)
    _show(forgot_the_product_rule)
    print("   swish = primitive(\"swish\", swish_forward, forgot_the_product_rule)")
    print("\n2. check_primitive(swish): hypothesis looks for inputs where the rule and central")
    print("   differences disagree, and shrinks what it finds to the smallest such input.")
    try:
        check_primitive(primitive("swish", swish_forward, forgot_the_product_rule,
                                  math=WRONG_MATH), max_examples=examples)
    except GradcheckError as failure:  # a PrimitiveCheckError: the findings are in .check
        first = failure.check.first
    else:
        raise AssertionError("the check passed a derivative that forgets the product rule")
    print(_indented(first.words("swish")))
    x, s = first.x, sigmoid(first.x)
    print(f"   The rule misses x · sigmoid(x) · (1 - sigmoid(x)) = {x:g} × {s:.4f} × "
          f"{1 - s:.4f} = {x * s * (1 - s):.6f}: exactly the gap.")
    return {"x": x, "expected": first.expected, "computed": first.computed}


def _the_fix(check_primitive: Callable[..., PrimitiveCheck],
             examples: int) -> tuple[OwnPrimitive, PrimitiveCheck]:
    """Declare swish with the product rule; the check passes, first and second order."""
    print("\n3. The fix: the product rule, d/dx (u · v) = u' · v + u · v', with u = x and")
    print("   v = sigmoid(x), whose derivative is sigmoid(x) · (1 - sigmoid(x)):")
    _show(product_rule)
    print("   It uses autograd's sigmoid, which takes floats and Values alike: on Values the")
    print("   rule builds a graph of its own, so the second derivative is checked too.")
    swish = primitive("swish", swish_forward, product_rule, math=RIGHT_MATH)
    check = check_primitive(swish, max_examples=examples)
    print(_indented(f"{check.first.words('swish')}\n{check.second.words('swish')}"))
    return swish, check


def _use_it(swish: OwnPrimitive, pictures: Pictures) -> dict[str, Any]:
    """swish inside a neuron, y = swish(x · w + b): one node of the graph, drawn by name."""
    x, w, b = Value(X, "x"), Value(W, "w", kind="parameter"), Value(B, "b", kind="parameter")
    z = x * w + b
    z.label = "z"
    y = swish(z)
    y.label = "y"
    y.backward()
    slope = product_rule(z.data, y.data)
    print("\n4. Use it like any operation: a neuron with swish as its activation.")
    print(f"   z = x × w + b = {X} × {W} + {B} = {z.data:.4f};  y = swish(z) = {y.data:.4f}")
    print(f"   d y/d w = swish'(z) × x = {slope:.4f} × {X} = {w.grad:.4f}")
    print(f"   d y/d b = swish'(z) × 1 = {b.grad:.4f}")
    pictures.graph(y, "graph.svg")
    return {"z": z.data, "y": y.data, "slope": slope, "grad_w": w.grad, "grad_b": b.grad,
            "grad_x": x.grad, "files": pictures.written}


def _write_my_ops(out: Path) -> Path:
    path = out / "my_ops.py"
    write_atomically(path, MY_OPS, make_parents=True)
    print(f"  wrote {path}")
    print(f"\n5. Your turn: {path} declares swish. Add your own operation (the classic")
    print(f"   exercise is written there: tanh from exp) and check it: blameflow check {path}")
    return path


def _show(rule: Any) -> None:
    """Print a rule's source: the code shown is the code that runs."""
    print(_indented(inspect.getsource(rule).rstrip(), "     "))


def _indented(text: str, margin: str = "   ") -> str:
    return "\n".join(margin + line for line in text.splitlines())


if __name__ == "__main__":
    run()
