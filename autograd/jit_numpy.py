"""Vectorised replay: one sample's graph run across all samples at once, with NumPy.

jit (autograd/jit.py) writes a sum over samples whose graphs have the same shape as a
Python loop over the samples. With jit(f, vectorize=True) it writes it with NumPy instead:
every node of the sample's graph becomes a row of numbers, one per sample, and nodes that
do the same thing side by side become one matrix:

- the dot nodes of a layer read the same inputs with different weights: together they are
  one matrix product, W @ X (W: one row of weights per neuron, X: one row per input);
- the add nodes that add each neuron's bias are one matrix plus a column of biases, and
  the relu nodes after them one np.where over that matrix.

Backward runs the same chain rule on the matrices: a block's gradient G times its local
derivative goes to its inputs, and to a weight it goes summed over the samples
(G @ X.T for a layer's weights). The sums run in NumPy's order, not sample by sample, so
the numbers agree with the interpreted engine to about 1e-15 relative, not bit for bit.
Arithmetic errors (log of 0, division by 0, overflow) are caught by NumPy
(np.errstate) and the step is replayed in plain Python, which raises the engine's error.

NumPy is an optional extra (pip install 'blameflow[numpy]'): the engine itself needs only
the standard library, and only jit(f, vectorize=True) imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autograd.node import Node
from autograd.primitives import (
    ADD,
    DIV,
    DOT,
    EXP,
    IDENTITY,
    LOG,
    MUL,
    NEG,
    RELU,
    SIGMOID,
    SUB,
    TANH,
    Primitive,
)


def numpy() -> Any:
    """The numpy module, or an ImportError saying how to install it."""
    try:
        import numpy  # the optional extra, imported only when a replay is vectorised
    except ImportError as missing:
        raise ImportError("jit(f, vectorize=True) needs NumPy, blameflow's 'numpy' extra: "
                          "pip install 'blameflow[numpy]' (or pip install numpy); without "
                          "it, jit(f) replays in plain Python") from missing
    return numpy


# op -> (forward expression, {operand: local derivative}) over matrices a, b and out.
_ELEMENTWISE: dict[Primitive, tuple[str, dict[int, str]]] = {
    ADD: ("{a} + {b}", {0: "", 1: ""}),
    SUB: ("{a} - {b}", {0: "", 1: "-"}),
    MUL: ("{a} * {b}", {0: "{b}", 1: "{a}"}),
    DIV: ("{a} / {b}", {0: "1.0 / {b}", 1: "-{out} / {b}"}),
    NEG: ("-{a}", {0: "-"}),
    IDENTITY: ("{a}", {0: ""}),
    RELU: ("_np.where({a} <= 0.0, 0.0, {a})", {0: "_relu_slope({a})"}),
    TANH: ("_np.tanh({a})", {0: "(1 - {out} * {out})"}),
    EXP: ("_np.exp({a})", {0: "{out}"}),
    LOG: ("_np.log({a})", {0: "1.0 / {a}"}),
    SIGMOID: ("_sigmoid({a})", {0: "{out} * (1 - {out})"}),
}


@dataclass
class _Block:
    """Nodes of the sample's graph that do the same thing side by side: one matrix.

    operands: per input position, ("block", block index) when row i reads row i of that
    block, ("vector", expression) when every row reads the same row of numbers, or
    ("scalars", names) when each row reads its own number (a weight, a bias).
    For a dot block: inputs is the list of rows every dot reads; weights, per row, theirs.
    """

    index: int
    op: Primitive
    nodes: list[Node] = field(default_factory=list)
    operands: list[tuple[str, Any]] = field(default_factory=list)
    inputs: tuple = ()
    weights: list[list[str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"B{self.index}"


class CannotVectorize(Exception):
    """The sample's graph uses an operation with no NumPy form here: keep the Python loop."""


class LoopWriter:
    """Writes one loop's forward and backward with NumPy matrices.

    names: the scalar names of the read leaves (p0, ...) and literals of constants;
    slots: sample 0's per-sample leaves; sample: sample 0's computed nodes;
    needs_grad: ids of nodes that need a gradient.
    """

    def __init__(self, index: int, sample: list[Node], slots: list[Node],
                 names: dict[int, str], needs_grad: set[int]) -> None:
        self.index = index
        self.sample = sample
        self.names = names
        self.needs_grad = needs_grad
        self.slot_of = {id(leaf): k for k, leaf in enumerate(slots)}
        self.place: dict[int, tuple[_Block, int]] = {}  # node -> (block, row)
        self.blocks: list[_Block] = []
        for node in sample:
            self._add(node)

    # -- grouping --
    def _operand(self, node: Node) -> tuple[str, Any]:
        """("row", (block, row)) for a computed node, ("slot", k) for a per-sample leaf,
        ("scalar", name) for a leaf every sample shares (a weight, a constant)."""
        key = id(node)
        if key in self.place:
            block, row = self.place[key]
            return ("row", (block.index, row))
        if key in self.slot_of:
            return ("slot", self.slot_of[key])
        return ("scalar", self.names[key])

    def _add(self, node: Node) -> None:
        op = node._op
        if op is DOT:
            self._add_dot(node)
            return
        if op not in _ELEMENTWISE:
            raise CannotVectorize(op.name)
        operands = [self._operand(child) for child in node._children]
        for block in reversed(self.blocks):
            if block.op is op and block.inputs == () and self._fits(block, operands):
                self._append(block, node, operands)
                return
        block = _Block(len(self.blocks), op)
        block.operands = [self._start(kind, what) for kind, what in operands]
        self.blocks.append(block)
        self._append(block, node, operands)

    @staticmethod
    def _start(kind: str, what: Any) -> tuple[str, Any]:
        """How a new block reads an operand: row i of a block for its row i ("block"), one
        row of numbers for all its rows ("vector"), or a number per row ("scalars")."""
        if kind == "row" and what[1] == 0:
            return ("block", what[0])
        if kind == "scalar":
            return ("scalars", [])
        return ("vector", (kind, what))

    def _fits(self, block: _Block, operands: list) -> bool:
        row = len(block.nodes)
        for (kind, what), (block_kind, block_what) in zip(operands, block.operands):
            if block_kind == "block":
                if kind != "row" or what != (block_what, row):
                    return False
            elif block_kind == "vector":
                if (kind, what) != block_what:
                    return False
            elif kind != "scalar":
                return False
        return True

    def _append(self, block: _Block, node: Node, operands: list) -> None:
        for (_, what), (block_kind, block_what) in zip(operands, block.operands):
            if block_kind == "scalars":
                block_what.append(what)
        self.place[id(node)] = (block, len(block.nodes))
        block.nodes.append(node)

    def _add_dot(self, node: Node) -> None:
        half = len(node._children) // 2
        weights = [self._operand(child) for child in node._children[:half]]
        inputs = tuple(self._operand(child) for child in node._children[half:])
        if any(kind != "scalar" for kind, _ in weights) or any(
                kind == "scalar" for kind, _ in inputs):
            raise CannotVectorize("dot with computed weights")
        for block in reversed(self.blocks):
            if block.op is DOT and block.inputs == inputs:
                break
        else:
            block = _Block(len(self.blocks), DOT, inputs=inputs)
            self.blocks.append(block)
        block.weights.append([what for _, what in weights])
        self.place[id(node)] = (block, len(block.nodes))
        block.nodes.append(node)

    # -- expressions --
    def _operand_code(self, block: _Block, position: int) -> str:
        kind, what = block.operands[position]
        if kind == "block":
            source = self.blocks[what]
            rows = len(block.nodes)
            return source.name if rows == len(source.nodes) else f"{source.name}[:{rows}]"
        if kind == "vector":
            return self._vector(what)
        scalars = what
        if len(block.nodes) == 1:
            return scalars[0]
        return f"_np.array([{', '.join(scalars)}])[:, None]"

    def _inputs_code(self, block: _Block) -> str:
        """The matrix X of a dot block's inputs (k rows, one per input)."""
        rows = [self._vector(operand) for operand in block.inputs]
        first = block.inputs[0]
        if first[0] == "row":
            source = self.blocks[first[1][0]]
            whole = [("row", (source.index, r)) for r in range(len(source.nodes))]
            if list(block.inputs) == whole:
                return source.name
        return f"_np.array([{', '.join(rows)}])"

    def _vector(self, operand: tuple[str, Any]) -> str:
        kind, what = operand
        if kind == "row":
            return f"{self.blocks[what[0]].name}[{what[1]}]"
        return f"S{self.index}[{what}]"

    def _check_order(self) -> None:
        """Every block reads blocks made before it, so the blocks run in order."""
        for block in self.blocks:
            read = [what for kind, what in block.operands if kind == "block"]
            read += [what[1][0] for kind, what in block.operands
                     if kind == "vector" and what[0] == "row"]
            read += [what[0] for kind, what in block.inputs if kind == "row"]
            if any(index >= block.index for index in read):
                raise CannotVectorize("blocks out of order")

    # -- code --
    def forward(self, rows_code: str, samples: int) -> list[str]:
        self._check_order()
        i = self.index
        lines = [f"    # {len(self.sample)} nodes per sample as {len(self.blocks)} NumPy "
                 f"blocks, all samples at once",
                 f"    S{i} = _np.array({rows_code}, dtype=float).T  # one row per sample leaf"]
        for block in self.blocks:
            where = _where(block.nodes[0])
            if block.op is DOT:
                weights = ", ".join(f"[{', '.join(w)}]" for w in block.weights)
                lines.append(f"    W{block.index} = _np.array([{weights}])")
                lines.append(f"    {block.name} = W{block.index} @ {self._inputs_code(block)}"
                             f"  # {len(block.nodes)} x dot {where}")
                continue
            template, _ = _ELEMENTWISE[block.op]
            args = {"a": self._operand_code(block, 0)}
            if len(block.operands) > 1:
                args["b"] = self._operand_code(block, 1)
            expression = template.format(**args)
            if not any(kind == "block" or (kind == "scalars" and len(block.nodes) > 1)
                       for kind, _ in block.operands):
                # only rows shared by all samples: make it a matrix like the others
                expression = f"_np.broadcast_to({expression}, ({len(block.nodes)}, {samples}))"
            lines.append(f"    {block.name} = {expression}"
                         f"  # {len(block.nodes)} x {block.op.name} {where}")
        return lines

    def output_sum(self) -> str:
        """The sum over the samples of their outputs."""
        block, row = self.place[id(self.sample[-1])]
        return f"{block.name}[{row}].sum().item()"

    def kept(self) -> list[str]:
        return [f"S{self.index}"] + [b.name for b in self.blocks] + [
            f"W{b.index}" for b in self.blocks if b.op is DOT]

    def backward(self, upstream: str) -> tuple[list[str], list[tuple[str, str]]]:
        """Lines computing the gradients, and (leaf name, expression) to add to scalars."""
        lines = []
        grads = {}
        for block in self.blocks:
            if any(id(node) in self.needs_grad for node in block.nodes):
                grads[block.index] = f"G{block.index}"
                lines.append(f"    G{block.index} = _np.zeros_like({block.name})")
        block, row = self.place[id(self.sample[-1])]
        lines.append(f"    G{block.index}[{row}] += {upstream}  # every sample's share of the sum")
        for block in reversed(self.blocks):
            if block.index in grads:
                lines += self._block_backward(block, grads)
        return lines

    def _block_backward(self, block: _Block, grads: dict[int, str]) -> list[str]:
        g = grads[block.index]
        lines = []
        if block.op is DOT:
            weight_grads = f"({g} @ {self._inputs_code(block)}.T).tolist()"
            lines.append(f"    _t = {weight_grads}  # d / d weights: summed over the samples")
            for r, weights in enumerate(block.weights):
                for c, name in enumerate(weights):
                    if name.startswith("p"):
                        lines.append(f"    g{name} += _t[{r}][{c}]")
            input_grads = f"W{block.index}.T @ {g}"
            needs = [operand for operand in block.inputs if operand[0] == "row"
                     and operand[1][0] in grads]
            whole = self._inputs_code(block)
            if needs and whole.startswith("B"):  # the inputs are a whole block, in order
                lines.append(f"    G{whole[1:]} += {input_grads}  # d / d inputs")
            elif needs:
                lines.append(f"    _t = {input_grads}  # d / d inputs")
                for c, operand in enumerate(block.inputs):
                    if operand[0] == "row" and operand[1][0] in grads:
                        lines.append(f"    G{operand[1][0]}[{operand[1][1]}] += _t[{c}]")
            return lines
        _, partials = _ELEMENTWISE[block.op]
        args = {"a": self._operand_code(block, 0), "out": block.name}
        if len(block.operands) > 1:
            args["b"] = self._operand_code(block, 1)
        for position, (kind, what) in enumerate(block.operands):
            partial = partials[position].format(**args)
            share = f"{g}" if partial == "" else (f"-{g}" if partial == "-"
                                                  else f"{g} * {partial}")
            if kind == "block" and what in grads:
                rows = len(block.nodes)
                target = grads[what] if rows == len(self.blocks[what].nodes) else (
                    f"{grads[what]}[:{rows}]")
                lines.append(f"    {target} += {share}")
            elif kind == "vector" and what[0] == "row" and what[1][0] in grads:
                lines.append(f"    {grads[what[1][0]]}[{what[1][1]}] += "
                             f"_np.broadcast_to({share}, {block.name}.shape).sum(axis=0)")
            elif kind == "scalars" and any(name.startswith("p") for name in what):
                lines.append(f"    _t = _np.broadcast_to({share}, {block.name}.shape)"
                             f".sum(axis=1).tolist()")
                for r, name in enumerate(what):
                    if name.startswith("p"):
                        lines.append(f"    g{name} += _t[{r}]")
        return lines


def _where(node: Node) -> str:
    return " ".join(node.scope.split())


def helpers(np: Any) -> dict[str, Any]:
    """The names the generated NumPy code uses."""
    def sigmoid(x: Any) -> Any:
        e = np.exp(-np.abs(x))  # <= 1: no overflow (as primitives.stable_sigmoid)
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def relu_slope(x: Any) -> Any:
        return np.where(x > 0, 1.0, np.where(x <= 0, 0.0, np.nan))  # NaN stays NaN

    return {"_np": np, "_sigmoid": sigmoid, "_relu_slope": relu_slope}
