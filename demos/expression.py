"""Safe parsing of the formulas typed into `blameflow expr`.

The text is parsed with Python's own parser (ast) into a tree, and every node of the tree
is checked against a short whitelist before anything is computed: numbers, variable
names, + - * / **, unary minus and plus, and calls of the functions below by name.
Anything else, attribute access, subscripts, lambdas, other calls, is rejected with
the column it starts at. Nothing is ever passed to eval.

Variable names are compared as Python compares them: after NFKC normalisation, which
Python applies to every name in the formula (so the ligature "ﬁ" is the name "fi").
"""

from __future__ import annotations

import ast
import inspect
import math
import operator
import sys
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from autograd import TABLE, DomainError, Value

MAX_LENGTH = 500        # characters of formula
MAX_DEPTH = 60          # nesting: brackets, calls, right operands (a chain a+b+c is flat)
MAX_EXPONENT = 1000.0   # |literal exponent| in x ** n

FUNCTIONS: dict[str, tuple[Callable[..., Value], int, int]] = {
    # name: (how to apply it to a Value, fewest arguments, most arguments)
    "exp": (Value.exp, 1, 1), "log": (Value.log, 1, 1), "sqrt": (Value.sqrt, 1, 1),
    "tanh": (Value.tanh, 1, 1), "sigmoid": (Value.sigmoid, 1, 1), "relu": (Value.relu, 1, 1),
    "softplus": (Value.softplus, 1, 1), "abs": (abs, 1, 1),
    "leaky_relu": (lambda x, slope=0.01: x.leaky_relu(slope), 1, 2),
}
BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.Pow: operator.pow}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
# How each operator is written, and its primitive in autograd's table (+x is x itself).
OPERATORS = {ast.Add: ("x + y", "add"), ast.Sub: ("x - y", "sub"), ast.Mult: ("x * y", "mul"),
             ast.Div: ("x / y", "div"), ast.Pow: ("x ** y", "pow"), ast.USub: ("-x", "neg"),
             ast.UAdd: ("+x", None)}


def vocabulary() -> list[tuple[str, str]]:
    """Everything a formula may use, as (how it is written, its derivative): each operator
    and function the checker lets through, with the math of its entry in autograd's table
    of primitives (what `blameflow expr --help` lists)."""
    entries = []
    for kind in (*BINARY, *UNARY):
        written, primitive = OPERATORS[kind]
        entries.append((written, TABLE[primitive].math if primitive else "x itself"))
    for name, (function, _, _) in FUNCTIONS.items():
        extra = [f", {p.name}={p.default}" for p in
                 list(inspect.signature(function).parameters.values())[1:]
                 if p.default is not p.empty]
        entries.append((f"{name}(x{''.join(extra)})", TABLE[name].math))
    return entries


class ExpressionError(ValueError):
    """The formula or its variables are not acceptable; the message says where and why."""


def parse(text: str) -> ast.expr:
    """The checked syntax tree of a formula, or ExpressionError."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty; try e.g. \"tanh(x*w + b)\"")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; "
                              f"the limit is {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        where = f" at column {error.offset}" if error.offset else ""
        raise ExpressionError(f"not a formula: {error.msg}{where}") from None
    except ValueError as error:  # Python 3.10 says so for a null byte
        raise ExpressionError(f"not a formula: {error}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply to read") from None
    _check(tree, depth=0)
    return tree


def variables_of(tree: ast.expr) -> list[str]:
    """The variable names a checked tree uses, in order of first appearance."""
    names = [node for node in ast.walk(tree) if isinstance(node, ast.Name)
             and node.id not in FUNCTIONS]
    # ast.walk goes level by level, not left to right: sort by where each name stands.
    names.sort(key=lambda node: (node.lineno, node.col_offset))
    return list(dict.fromkeys(node.id for node in names))


def evaluate(tree: ast.expr, values: Mapping[str, Value]) -> Value:
    """Compute a checked tree with Values; math errors become ExpressionError."""
    try:
        result = _evaluate(tree, values)
    except (DomainError, OverflowError, ZeroDivisionError) as error:
        raise ExpressionError(f"cannot compute it: {error}") from None
    return result if isinstance(result, Value) else Value(result)


def parse_assignments(pairs: list[str]) -> dict[str, float]:
    """Turn ["x=2", "w=0.4"] into {"x": 2.0, "w": 0.4}, or ExpressionError."""
    values: dict[str, float] = {}
    for pair in pairs:
        name, equals, number = pair.partition("=")
        name = name.strip()
        if not equals or not name.isidentifier():
            raise ExpressionError(f"'{pair}' is not an assignment like x=2")
        name = unicodedata.normalize("NFKC", name)  # as Python reads the formula's names
        if name in FUNCTIONS:
            raise ExpressionError(f"'{name}' is a function name; pick another variable name")
        if name in values:
            raise ExpressionError(f"'{name}' is assigned twice")
        try:
            value = float(number)
        except ValueError:
            raise ExpressionError(f"'{pair}': '{number}' is not a number") from None
        if not math.isfinite(value):
            raise ExpressionError(f"'{pair}': the value must be a finite number")
        values[name] = value
    return values


def _check(node: ast.AST, depth: int) -> None:
    """Refuse anything off the whitelist, and nesting deeper than MAX_DEPTH.

    depth counts what a reader sees as nesting: brackets around a right operand, a
    function's arguments, a sign. ast nests a chain like x + x + x to the left, ((x + x)
    + x), although it reads flat, so a left operand stays at its operator's depth. The
    recursion still ends: a chain of n operators needs 2n characters, and MAX_LENGTH
    bounds those.
    """
    where = f"at column {getattr(node, 'col_offset', 0) + 1}"
    if depth > MAX_DEPTH:
        raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} deep {where}")
    if isinstance(node, ast.Constant):
        _check_constant(node.value, where)
        return
    if isinstance(node, ast.Name):
        return
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        _check(node.operand, depth + 1)
        return
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        if isinstance(node.op, ast.Pow):
            _check_exponent(node.right)
        _check(node.left, depth)
        _check(node.right, depth + 1)
        return
    if isinstance(node, ast.Call):
        _check_call(node, depth, where)
        return
    raise ExpressionError(f"{_describe(node)} is not allowed {where}: use numbers, "
                          f"variables, + - * / **, and {', '.join(sorted(FUNCTIONS))}")


def _check_constant(value: Any, where: str) -> None:
    if type(value) not in (int, float):
        raise ExpressionError(f"only numbers are allowed as constants, got {value!r} {where}")
    # Python reads 1e309 as inf without complaint; refuse it as x=inf is refused.
    if not (math.isfinite(value) if isinstance(value, float)
            else abs(value) <= sys.float_info.max):
        raise ExpressionError(f"the number {where} is too large for a float (over "
                              f"{sys.float_info.max:.3g}, so it would be inf); numbers must "
                              f"be finite")


def _check_call(node: ast.Call, depth: int, where: str) -> None:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        called = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
        raise ExpressionError(f"calling {called} is not allowed {where}; the functions are "
                              f"{', '.join(sorted(FUNCTIONS))}")
    _, fewest, most = FUNCTIONS[node.func.id]
    if node.keywords or not fewest <= len(node.args) <= most:
        raise ExpressionError(f"{node.func.id}() takes {fewest}" +
                              (f" or {most}" if most != fewest else "") +
                              f" argument(s), no keywords, {where}")
    for argument in node.args:
        _check(argument, depth + 1)


def _check_exponent(node: ast.expr) -> None:
    # An exponent made of numbers only is worked out now, so 10 ** 10 ** 10 (whose
    # exponent is 10 ** 10) is rejected here instead of being left to overflow.
    exponent = _literal_value(node)
    if exponent is not None and not abs(exponent) <= MAX_EXPONENT:
        raise ExpressionError(f"the exponent at column {node.col_offset + 1} is too large "
                              f"(limit {MAX_EXPONENT:g})")


def _literal_value(node: ast.expr) -> float | None:
    """The value of a subtree made only of numbers and operators; None if it has names."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        try:
            return float(node.value)
        except OverflowError:
            return math.inf
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        operand = _literal_value(node.operand)
        return None if operand is None else UNARY[type(node.op)](operand)
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _literal_value(node.left), _literal_value(node.right)
        if left is None or right is None:
            return None
        try:
            return float(BINARY[type(node.op)](left, right))
        except (OverflowError, ZeroDivisionError, ValueError, TypeError):
            return math.inf  # too large, or not a real number: either way refuse it
    return None


def _describe(node: ast.AST) -> str:
    names = {ast.Attribute: "attribute access (.)", ast.Subscript: "indexing ([ ])",
             ast.Lambda: "lambda", ast.Compare: "comparison", ast.BoolOp: "and/or",
             ast.Tuple: "a tuple", ast.List: "a list", ast.Dict: "a dict",
             ast.IfExp: "if/else", ast.NamedExpr: "assignment (:=)",
             ast.Starred: "unpacking (*)", ast.JoinedStr: "an f-string"}
    for kind, name in names.items():
        if isinstance(node, kind):
            return name
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return f"the operator {type(node.op).__name__}"
    return type(node).__name__


def _evaluate(node: ast.expr, values: Mapping[str, Value]) -> Any:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function; call it, e.g. {node.id}(x)")
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        return UNARY[type(node.op)](_evaluate(node.operand, values))
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        if not isinstance(left, Value) and not isinstance(right, Value):
            left = Value(left)  # constants only: still a node, so the graph is drawn
        return BINARY[type(node.op)](left, right)
    assert isinstance(node, ast.Call)
    function = FUNCTIONS[node.func.id][0]
    arguments = [_evaluate(argument, values) for argument in node.args]
    first = arguments[0] if isinstance(arguments[0], Value) else Value(arguments[0])
    return function(first, *arguments[1:])


def compute(text: str, assignments: list[str]) -> tuple[Value, dict[str, Value]]:
    """Parse, check and compute a formula with its variables; returns (result, leaves).

    Every variable the formula uses must be assigned, and every assignment used.
    """
    tree = parse(text)
    values = parse_assignments(assignments)
    used = variables_of(tree)
    missing = [name for name in used if name not in values]
    if missing:
        raise ExpressionError(f"no value for {_first_few(missing)}: add e.g. {missing[0]}=1.0")
    unused = [name for name in values if name not in used]
    if unused:
        raise ExpressionError(f"{_first_few(unused)} assigned but not in the expression")
    leaves = {name: Value(value, name) for name, value in values.items()}
    return evaluate(tree, leaves), leaves


def _first_few(names: list[str], shown: int = 3) -> str:
    """"a, b, c and 7 more": a message names a few, however many there are."""
    listed = ", ".join(names[:shown])
    return listed + (f" and {len(names) - shown} more" if len(names) > shown else "")
