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
Your own operation, declared with autograd.primitive(), is checked in one call:

    >>> from autograd import primitive, sigmoid
    >>> from autograd.testing import check_primitive
    >>> swish = primitive("swish", lambda x: x * sigmoid(x),
    ...                   lambda x, out: out + sigmoid(x) * (1 - out))
    >>> check_primitive(swish).ok
    True

This module needs hypothesis (pip install 'blameflow[testing]'); the rest of autograd does not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

try:
    from hypothesis import HealthCheck, Verbosity, assume, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample
except ImportError as missing:  # the engine needs no hypothesis; only this module does
    raise ImportError(
        "autograd.testing needs hypothesis, which blameflow's 'testing' extra installs: "
        "pip install 'blameflow[testing]' (or pip install hypothesis)") from missing

from autograd.backward import topological_order
from autograd.custom import OwnPrimitive
from autograd.errors import GradcheckError
from autograd.gradcheck import analytic_gradient, analytic_hessian, numeric_gradient
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


# ---- checking your own primitive -------------------------------------------------------------
# The second derivative is checked against a central difference of central differences of
# the forward function. Its rounding error grows like 1e-16 / step^2 and its truncation
# error like step^2: this step keeps both near 1e-8.
SECOND_ORDER_STEP = 1e-4
# ... so it is compared with a looser absolute tolerance than the first derivative.
SECOND_ORDER_ATOL = 1e-4
# For each order: what is checked, what the number is called, and where each side comes from.
WHAT_IS_COMPARED = {
    1: ("first derivative", "slope", "central differences of the forward function",
        "your derivative rule, through backward()"),
    2: ("second derivative", "slope of the slope",
        "central differences of central differences of the forward function",
        "your derivative rule run on Values and differentiated again, grad(grad(f))"),
}


@dataclass(frozen=True)
class SlopeCheck:
    """How one derivative (order 1 or 2) of a primitive fared against central differences.

    ok: it matched at every input tried (`tried` of them).
    x: on failure, hypothesis' smallest failing input; on success, the input where the
        rule came closest to the tolerance (its `error`).
    expected: central differences at x (None if the forward function raised `problem`);
    computed: what the engine computed from the rule (None if it raised `problem`).
    """

    order: int
    ok: bool
    x: float
    expected: float | None
    computed: float | None
    error: float | None
    tolerance: float | None
    problem: str
    tried: int

    def words(self, name: str) -> str:
        """The outcome in a learner's words, one line on success, a few on failure."""
        what, slope, expected_from, computed_from = WHAT_IS_COMPARED[self.order]
        if self.ok:
            return (f"{name}: the {what} is right at all {self.tried} inputs tried; closest "
                    f"at x = {self.x:.6g}, off by {self.error:.2g}")
        lines = [f"{name}: the {what} is wrong.",
                 f"  hypothesis' smallest failing input: x = {self.x!r}"]
        if self.expected is None:  # the forward function itself failed inside the domain
            lines.append(f"  the forward function raised {self.problem}: is the domain "
                         f"declared (domain='positive' or 'nonzero')?")
            return "\n".join(lines)
        lines.append(f"  expected {slope}: {self.expected:.6g}   ({expected_from})")
        if self.problem:
            lines.append(f"  computed {slope}: none, {computed_from} raised {self.problem}")
        else:
            lines += [f"  computed {slope}: {self.computed:.6g}   ({computed_from})",
                      f"  off by {self.error:.6g}, more than the tolerance {self.tolerance:.2g}"]
        return "\n".join(lines)


@dataclass(frozen=True)
class PrimitiveCheck:
    """check_primitive's findings: the first and the second derivative of one primitive."""

    name: str
    math: str
    first: SlopeCheck
    second: SlopeCheck

    @property
    def ok(self) -> bool:
        return self.first.ok and self.second.ok

    def __str__(self) -> str:
        return "\n".join([self.first.words(self.name), self.second.words(self.name),
                          f"  (as declared: {self.math})"])


class PrimitiveCheckError(GradcheckError):
    """A primitive's derivative disagrees with central differences; `.check` holds the
    PrimitiveCheck (both orders, with hypothesis' smallest failing input)."""

    def __init__(self, check: PrimitiveCheck) -> None:
        super().__init__(str(check))
        self.check = check


def check_primitive(op: OwnPrimitive | Primitive, bound: float = 5.0, max_examples: int = 100,
                    atol: float = 1e-5, rtol: float = 1e-3) -> PrimitiveCheck:
    """Property-test a one-input primitive's first and second derivatives over its domain.

    Hypothesis draws inputs x in the primitive's domain within [-bound, bound] (off its
    kinks) and compares, at each:
        first:  d out/d x, the rule through backward(), with (f(x + h) - f(x - h)) / 2h
        second: the rule run on Values and differentiated again, grad(grad(f)), with
                the central difference of that central difference (h = 1e-4)
    A difference larger than atol + rtol * |expected| fails; hypothesis then shrinks to the
    smallest failing input. Returns the PrimitiveCheck; on failure raises
    PrimitiveCheckError, whose message gives that input with the expected and computed
    slopes. The run is derandomized: the same primitive gives the same report every time.
    """
    primitive = _one_input_primitive(op)

    def f(x: Any) -> Any:
        return apply(primitive, x)

    def slope(x: float) -> float:  # (f(x + h) - f(x - h)) / 2h
        return numeric_gradient(f, [x])[0]

    def slope_of_slope(x: float) -> float:
        return numeric_gradient(
            lambda v: numeric_gradient(f, [v.data], SECOND_ORDER_STEP)[0], [x],
            SECOND_ORDER_STEP)[0]

    def first(x: float) -> float:
        return analytic_gradient(f, [x])[0]

    def second(x: float) -> float:
        return analytic_hessian(f, [x])[0][0]

    inputs = primitive_inputs(primitive, bound)
    check = PrimitiveCheck(
        primitive.name, primitive.math,
        _search_for_failure(1, slope, first, inputs, atol, rtol, max_examples),
        _search_for_failure(2, slope_of_slope, second, inputs, max(atol, SECOND_ORDER_ATOL),
                            rtol, max_examples))
    if not check.ok:
        raise PrimitiveCheckError(check)
    return check


def _one_input_primitive(op: Any) -> Primitive:
    primitive = op.primitive if isinstance(op, OwnPrimitive) else op
    if not isinstance(primitive, Primitive):
        raise TypeError(f"check_primitive takes what autograd.primitive() returned (or a "
                        f"table entry), got {type(op).__name__}: {op!r}")
    if primitive.arity != 1:
        raise ValueError(f"check_primitive checks one-input primitives; {primitive.name} "
                         f"takes {primitive.arity or 'any number of'} inputs (use gradcheck)")
    return primitive


def _search_for_failure(order: int, expected: Callable[[float], float],
                        computed: Callable[[float], float],
                        inputs: st.SearchStrategy[list[float]], atol: float, rtol: float,
                        max_examples: int) -> SlopeCheck:
    """Let hypothesis look for an input x where expected(x) and computed(x) disagree, and
    shrink it to the smallest; else report the closest call among the inputs tried."""
    seen: list[SlopeCheck] = []

    def fails(point: list[float]) -> bool:
        seen.append(_compare_at(order, point[0], expected, computed, atol, rtol, 1))
        return not seen[-1].ok

    # Quiet (the report is ours), derandomized (the same report every run) and without an
    # example database (a derandomized run has nothing to replay; hypothesis may still keep
    # its cache of constants read from source files in .hypothesis/, as in any test run).
    # A slow forward function or a domain with kinks to avoid is the learner's to declare,
    # not a reason to stop the check.
    quiet = settings(max_examples=max_examples, derandomize=True, database=None,
                     verbosity=Verbosity.quiet, deadline=None,
                     suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
    try:
        smallest = find(inputs, fails, settings=quiet)
    except NoSuchExample:
        closest = max(seen, key=lambda result: result.error / result.tolerance)
        return replace(closest, tried=len(seen))
    return _compare_at(order, smallest[0], expected, computed, atol, rtol, len(seen))


def _compare_at(order: int, x: float, expected: Callable[[float], float],
                computed: Callable[[float], float], atol: float, rtol: float,
                tried: int) -> SlopeCheck:
    """expected(x) against computed(x): a passing or failing SlopeCheck at x.

    Both run the user's code (expected the forward function, computed the rule too), and
    whatever it raises (a DomainError from 1/x at 0 with no domain declared, a TypeError
    from math.exp on a Value, a NameError from a typo) is a finding to report at its
    smallest input, not a crash.
    """
    try:
        reference = expected(x)
    except Exception as error:  # noqa: BLE001
        return SlopeCheck(order, False, x, None, None, None, None, _named(error), tried)
    try:
        engine = computed(x)
    except Exception as error:  # noqa: BLE001
        return SlopeCheck(order, False, x, reference, None, None, None, _named(error), tried)
    tolerance = atol + rtol * abs(reference)
    error = abs(engine - reference)
    return SlopeCheck(order, error <= tolerance, x, reference, engine, error, tolerance, "",
                      tried)


def _named(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
