"""The node factory: how an operation on Values becomes a new node, made for speed.

Every operation ends here: run the primitive's forward function on the inputs' numbers,
then make the node that remembers the result, its inputs (children) and the primitive.
A training step makes thousands of nodes, so this is the engine's busiest code, written
for speed rather than for reading; value.py is the place to read what a Value is. What it
saves, against the plain `Value(number)` and then setting the fields:

- a node is made with object.__new__ and its fields are set directly: Value.__init__'s
  checks (is data a number? is kind a leaf kind?) hold here by construction;
- inputs that are Values already (always, inside a network) are told apart from numbers by
  one class check, and their numbers are read in that same pass;
- n-ary nodes (dot, sum) keep the list of their inputs' numbers that the forward pass
  made anyway, so backward reads it instead of 2n children (PyTorch calls this saving for
  backward);
- grad mode and scope are read once per node, as one pair (autograd/mode.py).

The factory does not import Value (value.py imports the factory, so that would be a
cycle): new_node(node_class, ...) is told the class to make, and node_makers(Value,
as_value) gives the makers bound to it, which value.py and batch.py call. The makers
are closures, and a closure pays a little per free variable on every call (together
about 1% of an operation, counted with callgrind), so new_node, called for every node,
is a plain function with none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from autograd import clock, mode
from autograd.node import CONSTANT, Node, describe
from autograd.primitives import ARITHMETIC_ERRORS, Primitive

N = TypeVar("N", bound=Node)


@dataclass(frozen=True)
class NodeMakers(Generic[N]):
    """The functions that make nodes of one class N (Value), from node_makers().

    unary(op, x) and binary(op, x, y): op applied to one or two inputs (in binary, either
        may be a number, lifted to a constant leaf; unary's x is a node).
    nary(op, items): op applied to any number of inputs, numbers lifted.
    lifted(items) -> (nodes, numbers): the items with numbers lifted, and their numbers.
    from_numbers(op, nodes, numbers): op applied to nodes whose numbers the caller has read
        already (autograd/batch.py reads a row's numbers once for many dot nodes).

    Each runs op's forward function (a DomainError or OverflowError naming the op and the
    inputs if it fails) and gives the new node; under no_grad(), a constant leaf instead.
    """

    unary: Callable[[Primitive, N], N]
    binary: Callable[[Primitive, Any, Any], N]
    nary: Callable[[Primitive, tuple[Any, ...]], N]
    lifted: Callable[[tuple[Any, ...]], tuple[tuple[N, ...], list[float]]]
    from_numbers: Callable[[Primitive, tuple[N, ...], list[float]], N]


_new_object = object.__new__
_read_mode = mode.read
_tick = clock.tick  # every node's serial: see autograd/clock.py


def new_node(node_class: type[N], data: float, children: tuple[N, ...], op: Primitive,
             saved: list[float] | None = None) -> N:
    """A node_class node made by op from children, holding data; under no_grad() a
    constant leaf instead. saved: the children's numbers, kept by n-ary nodes for backward.
    """
    node = _new_object(node_class)
    node._data = data
    node.grad = 0.0
    node.label = ""
    grad_enabled, node.scope = _read_mode()  # this thread's or task's: see autograd.mode
    if grad_enabled:
        node._children = children
        node._op = op
        node._kind = "computed"
        node._saved = saved
    else:
        node._children = ()
        node._op = None
        node._kind = CONSTANT
        node._saved = None
    node._serial = _tick()
    node._visit = None
    return node


def node_makers(node_class: type[N], lift: Callable[[Any, str], N]) -> NodeMakers[N]:
    """The makers of nodes of node_class. lift(x, where): x as a node (a number becomes a
    constant leaf; where names the operation for the TypeError on a non-number)."""
    # Each maker reads op.forward into a local before calling it: op.forward(...) would
    # look a function stored on an instance up as a method, slowly, on every call.
    def unary(op: Primitive, x: N) -> N:
        forward = op.forward
        try:
            data = forward(x._data)
        except ARITHMETIC_ERRORS as error:
            raise op.input_error(error, (x._data,), (describe(x),)) from None
        return new_node(node_class, data, (x,), op)

    def binary(op: Primitive, x: Any, y: Any) -> N:
        if x.__class__ is not node_class:
            x = lift(x, op.name)
        if y.__class__ is not node_class:
            y = lift(y, op.name)
        forward = op.forward
        try:
            data = forward(x._data, y._data)
        except ARITHMETIC_ERRORS as error:
            raise op.input_error(error, (x._data, y._data),
                                 (describe(x), describe(y))) from None
        return new_node(node_class, data, (x, y), op)

    def lifted(items: tuple[Any, ...]) -> tuple[tuple[N, ...], list[float]]:
        # Inside a network every item is a node already, so the numbers are read in the
        # pass that checks that; only if some item is not (a number) are the items lifted
        # and read again.
        numbers = [item._data for item in items if item.__class__ is node_class]
        if len(numbers) < len(items):
            items = tuple(lift(item, "a Value operation") for item in items)
            numbers = [node._data for node in items]
        return items, numbers

    def from_numbers(op: Primitive, nodes: tuple[N, ...], numbers: list[float]) -> N:
        forward = op.forward
        n_ary = op.arity is None  # n-ary forwards take the list, fixed arities the arguments
        try:
            data = forward(numbers) if n_ary else forward(*numbers)
        except ARITHMETIC_ERRORS as error:
            raise op.input_error(error, numbers, [describe(node) for node in nodes]) from None
        return new_node(node_class, data, nodes, op, numbers if n_ary else None)

    def nary(op: Primitive, items: tuple[Any, ...]) -> N:
        nodes, numbers = lifted(items)
        return from_numbers(op, nodes, numbers)

    return NodeMakers(unary=unary, binary=binary, nary=nary, lifted=lifted,
                      from_numbers=from_numbers)
