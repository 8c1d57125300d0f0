"""Node: what a Value is to the graph, and all that the sweeps read.

A node holds its number, its gradient, its children (the nodes it was computed from, as
a tuple) and the primitive that made it: never a link to its parents, never a closure,
so a graph is freed by reference counting as soon as its output is. Value (value.py) is
a Node with arithmetic; the sweeps (backward.py, fast_sweep.py) need only this, which is
why they can import it while value.py imports them, without a cycle.
"""

from __future__ import annotations

from autograd.primitives import Primitive

# The kind of a leaf that never gets a gradient (nor does a node made from constants alone).
# Kinds are interned strings, one object each, so the fast sweep may compare them with `is`.
CONSTANT = "constant"


class Node:
    """A node of a computation graph: the fields, and what viz and learners read of them.

    _data: the number; Value.data is a property around it (a leaf's new number is checked).
    grad: d(output)/d(this node), filled in by `output.backward()`; starts at 0.0.
    label: a name for pictures and error messages; scope: the `scope(...)` path it was made in.
    _children: the nodes it was computed from (() for a leaf).
    _op: the primitive that made it (None for a leaf); _kind: what `kind` says.
    _serial: when it was made, or for a leaf when it last got a new number (autograd/clock.py).
    _visit: the fast sweep's mark, "found already by this sweep".
    _saved: an n-ary node's inputs' numbers, kept for backward; for a leaf whose number was
        changed, its number before that change (for the error message).
    """

    __slots__ = ("_data", "grad", "label", "scope", "_children", "_op", "_kind", "_serial",
                 "_visit", "_saved",
                 "__weakref__")  # weakref lets tests (and users) watch a graph being freed

    @property
    def op(self) -> str:
        """The name of the primitive that made this node, or "" for a leaf."""
        op = self._op
        return "" if op is None else op.name

    @property
    def primitive(self) -> Primitive | None:
        """The table entry that made this node (None for a leaf)."""
        return self._op

    @property
    def children(self) -> tuple[Node, ...]:
        """The nodes this one was computed from, in argument order (empty for a leaf)."""
        return self._children

    @property
    def kind(self) -> str:
        """"computed", or for a leaf: "input", "parameter" or CONSTANT."""
        return self._kind

    @property
    def is_leaf(self) -> bool:
        return not self._children


def describe(node: Node) -> str:
    """How error messages name a node: by its label, else by its kind and op."""
    if node.label:
        return f"node {node.label!r}"
    return f"an unlabelled {node.op or node.kind} node"
