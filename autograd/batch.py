"""Batching: dot products of many rows with the same weights, reading each number once.

A layer's neurons each take a dot product with the same rows of inputs. Done one neuron
and one row at a time (autograd.dot), every row's numbers would be read once per neuron
and every neuron's weights once per row. Batch reads the rows' numbers once, and
dot_each reads the weights' numbers once for all rows; the nodes they make are the same
dot nodes autograd.dot makes. nn's fast layer path (nn/layers.py) uses them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from autograd import clock
from autograd.errors import StaleGraphError
from autograd.node import describe
from autograd.node_factory import node_makers
from autograd.primitives import DOT
from autograd.value import Value, as_value, constant

# lifted(items): the items as Values (numbers lifted to constants) and their numbers;
# dot_node(DOT, nodes, numbers): a dot node from nodes whose numbers are read already.
_make = node_makers(Value, as_value)
_lifted, _dot_node = _make.lifted, _make.from_numbers


class Batch:
    """Rows of Values whose numbers are read once, for the many neurons that read them.

    Every neuron of a layer takes a dot product with the same rows. Reading a row's
    numbers costs one attribute look-up per entry, so a layer of 16 neurons would read
    each row 16 times; a Batch reads it once and dot_each reuses the numbers.
    Numbers in the rows are lifted to constants, as everywhere. The numbers are a
    snapshot: make the Batch just before the dot products that use it.
    """

    __slots__ = ("_rows", "_numbers", "_widths", "_changes_seen")

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        lifted = [_lifted(tuple(row)) for row in rows]
        self._rows = [row for row, _ in lifted]          # tuples of Values
        self._numbers = [numbers for _, numbers in lifted]  # their numbers, row by row
        self._widths = {len(row) for row in self._rows}  # one length, unless rows are ragged
        self._changes_seen = clock.last_change

    def _check_current(self) -> None:
        """StaleGraphError if a Value in the rows got a new number after the Batch was made
        (a dot node would otherwise keep the old number for backward)."""
        if self._changes_seen == clock.last_change:  # no leaf anywhere changed since
            return
        for row, numbers in zip(self._rows, self._numbers):
            for node, number in zip(row, numbers):
                if node._data is not number:
                    raise StaleGraphError(
                        f"dot_each: {describe(node)} was given a new number ({number!r} -> "
                        f"{node._data!r}) after the Batch holding it was made. Make the "
                        f"Batch again, just before the dot products that use it.")


def dot_each(weights: Sequence[Any], rows: Batch | Iterable[Sequence[Any]]) -> list[Value]:
    """[dot(weights, row) for row in rows]: one dot node per row, each with the weights
    and that row as its children. The weights' numbers are read once for all rows, and
    the rows' once for all the neurons that share a Batch.
    """
    weights, weight_numbers = _lifted(tuple(weights))
    batch = rows if isinstance(rows, Batch) else Batch(rows)
    batch._check_current()
    wrong_widths = batch._widths - {len(weights)}
    if wrong_widths:
        raise ValueError(f"dot: {len(weights)} weights but {min(wrong_widths)} inputs; "
                         f"they must pair up one to one")
    if not weights:
        return [constant(0.0) for _ in batch._rows]
    return [_dot_node(DOT, (*weights, *row), weight_numbers + numbers)
            for row, numbers in zip(batch._rows, batch._numbers)]
