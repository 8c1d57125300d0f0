"""Hypothesis strategies for property-testing gradients: the tools blameflow's own tests use.

    >>> from hypothesis import given, settings
    >>> from autograd import gradcheck
    >>> from autograd.testing import expressions_with_inputs
    >>> @settings(max_examples=20)
    ... @given(expressions_with_inputs())
    ... def test_my_engine(case):
    ...     expression, inputs = case
    ...     assert gradcheck(expression, *inputs)
    >>> test_my_engine()  # hypothesis calls it with 20 random expressions and inputs

Inputs are drawn where an operation and its derivative are finite and where central
differences are accurate: moderate magnitudes, away from the kinks of relu and abs.
This module needs hypothesis (pip install 'blameflow[testing]'); the rest of autograd does not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as missing:  # the engine needs no hypothesis; only this module does
    raise ImportError(
        "autograd.testing needs hypothesis, which blameflow's 'testing' extra installs: "
        "pip install 'blameflow[testing]' (or pip install hypothesis)") from missing

from autograd.backward import topological_order
from autograd.primitives import TABLE, Primitive
from autograd.value import Value, apply

# Inputs this close to 0 make 1/x and log's derivatives too steep for finite differences.
SMALLEST_POSITIVE = 0.05
# How far an input must stay from a kink (relu at 0) for central differences to see one side.
KINK_MARGIN = 1e-3


def domain_floats(domain: str = "real", bound: float = 10.0, avoid: Sequence[float] = (),
                  margin: float = KINK_MARGIN) -> st.SearchStrategy[float]:
    """Finite floats in [-bound, bound] that lie in a domain: "real", "positive" or "nonzero".

    avoid: points to keep at least `margin` away from (an operation's kinks).
    """
    if domain == "real":
        floats = st.floats(-bound, bound)
    elif domain == "positive":
        floats = st.floats(SMALLEST_POSITIVE, bound)
    elif domain == "nonzero":
        floats = st.floats(SMALLEST_POSITIVE, bound) | st.floats(-bound, -SMALLEST_POSITIVE)
    else:
        raise ValueError(f"unknown domain {domain!r}: use 'real', 'positive' or 'nonzero'")
    if avoid:
        floats = floats.filter(lambda x: all(abs(x - kink) > margin for kink in avoid))
    return floats


def primitive_inputs(primitive: Primitive | str,
                     bound: float = 5.0) -> st.SearchStrategy[list[float]]:
    """Lists of inputs for one table entry, each in the entry's domain and off its kinks.

    n-ary entries get 1 to 6 inputs (dot: pairs). pow's exponent stays in [-3, 3] so that
    the power cannot overflow.
    """
    primitive = TABLE[primitive] if isinstance(primitive, str) else primitive
    if primitive.arity is None:
        pairs = primitive.name == "dot"
        size = st.integers(1, 3 if pairs else 6)
        return size.flatmap(lambda n: st.lists(domain_floats("real", bound),
                                               min_size=2 * n if pairs else n,
                                               max_size=2 * n if pairs else n))
    strategies = []
    for position, domain in enumerate(primitive.domain * primitive.arity
                                      if len(primitive.domain) == 1 else primitive.domain):
        avoid = primitive.kinks if position == 0 else ()
        limit = 3.0 if (primitive.name == "pow" and position == 1) else bound
        strategies.append(domain_floats(domain, limit, avoid))
    return st.tuples(*strategies).map(list)


class Expression:
    """A formula over variables x0, x1, ... built from the table of primitives.

    Call it with inputs (numbers or Values) to evaluate it with blameflow; pass
    `functions` (table name -> callable) to evaluate it with another library instead,
    e.g. PyTorch, to compare. Leaves are variables (`index`) or constants (`value`).
    """

    def __init__(self, op: str, args: Sequence[Expression] = (), index: int = 0,
                 value: float = 0.0) -> None:
        self.op = op
        self.args = tuple(args)
        self.index = index
        self.value = value

    def __call__(self, *inputs: Any, functions: Mapping[str, Callable] | None = None) -> Any:
        if self.op == "var":
            return inputs[self.index]
        if self.op == "const":
            return self.value
        args = [arg(*inputs, functions=functions) for arg in self.args]
        if functions is not None:
            return functions[self.op](*args)
        return apply(TABLE[self.op], *args)

    def __repr__(self) -> str:
        if self.op == "var":
            return f"x{self.index}"
        if self.op == "const":
            return repr(self.value)
        return f"{self.op}({', '.join(map(repr, self.args))})"


def _guarded(domain: str, child: Expression, fast_growing: bool) -> Expression:
    """child, mapped into a domain: softplus(child) + 0.5 is always >= 0.5.

    Inputs of fast-growing operations (exp, the exponent of pow) are squashed to
    [-3, 3] with 3 * tanh(child), so deep trees cannot overflow.
    """
    if domain in ("positive", "nonzero"):
        return Expression("add", [Expression("softplus", [child]), Expression("const", value=0.5)])
    if fast_growing:
        return Expression("mul", [Expression("const", value=3.0), Expression("tanh", [child])])
    return child


@st.composite
def expressions(draw: Callable, variables: int = 2, max_depth: int = 3,
                primitives: Sequence[str] | None = None) -> Expression:
    """Random expression trees over the table (or the named primitives) that respect
    each operation's domain by construction."""
    names = sorted(primitives if primitives is not None else TABLE)
    return _draw_expression(draw, variables, max_depth, names)


def _draw_expression(draw: Callable, variables: int, depth: int, names: list[str]) -> Expression:
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        if draw(st.booleans()):
            return Expression("var", index=draw(st.integers(0, variables - 1)))
        return Expression("const", value=draw(st.floats(-2.0, 2.0)))
    name = draw(st.sampled_from(names))
    primitive = TABLE[name]
    if primitive.arity is None:
        count = draw(st.integers(1, 3)) * (2 if name == "dot" else 1)
        return Expression(name, [_draw_expression(draw, variables, depth - 1, names)
                                 for _ in range(count)])
    domains = primitive.domain * primitive.arity if len(primitive.domain) == 1 else primitive.domain
    args = []
    for position, domain in enumerate(domains):
        fast_growing = name == "exp" or (name == "pow" and position == 1)
        child = _draw_expression(draw, variables, depth - 1, names)
        args.append(_guarded(domain, child, fast_growing))
    return Expression(name, args)


@st.composite
def expressions_with_inputs(draw: Callable, variables: int = 2, max_depth: int = 3,
                            primitives: Sequence[str] | None = None,
                            bound: float = 3.0) -> tuple[Expression, list[float]]:
    """(expression, inputs) where the expression's value is moderate (|f| < 1e3) and no
    non-smooth operation sees an input within KINK_MARGIN of its kink, so central
    differences are a fair judge."""
    expression = draw(expressions(variables, max_depth, primitives))
    inputs = draw(st.lists(domain_floats("real", bound), min_size=variables, max_size=variables))
    assume(_well_behaved(expression, inputs))
    return expression, inputs


def _well_behaved(expression: Expression, inputs: list[float]) -> bool:
    out = expression(*[Value(x) for x in inputs])
    if not isinstance(out, Value) or not abs(out.data) < 1e3:
        return False
    for node in topological_order(out):
        primitive = node.primitive
        if primitive is not None and primitive.kinks:
            x = node.children[0].data
            if any(abs(x - kink) <= KINK_MARGIN for kink in primitive.kinks):
                return False
    return True

