"""Vectorised replay: one sample's graph run across all samples at once, with NumPy.

jit (autograd/jit.py) writes a sum over samples whose graphs have the same shape as a
Python loop over the samples. With jit(f, vectorize=True) it writes it with NumPy instead:
every node of the sample's graph becomes a row of numbers, one per sample, and nodes that
do the same thing side by side become one matrix:

- the dot nodes of a layer read the same inputs with different weights: together they are
  one matrix product, W @ X (W: one row of weights per neuron, X: one row per input);
- the add nodes that add each neuron's bias are one matrix plus a column of biases, and
  the relu nodes after them one np.where over that matrix;
- a node that reads several rows (a sum, a dot of two rows of numbers such as a one-hot
  target with the logits, logsumexp's shift) is one row: a NumPy sum over them;
- an op with no NumPy form here (pow, a learner's own primitive) runs its own forward
  function and derivative from the table on each sample's numbers in turn: slower, still
  the same numbers, and the rest of the graph stays in matrices.

Backward runs the same chain rule on the matrices: a block's gradient G times its local
derivative goes to its inputs, and to a weight it goes summed over the samples
(G @ X.T for a layer's weights).

The leaves' numbers come in as one NumPy row, PN (P, the list of their numbers, copied
once), and a layer's weights are a slice of it reshaped, without a copy. Their gradients
go out the same way: GP has one place per leaf, a layer's weight gradients are added into
the same slice of it, and GP.tolist() hands them all back at once. Leaves the code outside
the blocks also reads get their share there, as Python floats, added at the end.

The sums run in NumPy's order, not sample by sample, so the numbers agree with the
interpreted engine to about 1e-15 relative, not bit for bit. Arithmetic errors (log of
0, division by 0, overflow) are caught by NumPy (np.errstate) and the step is replayed in
plain Python, which raises the engine's error.

NumPy is an optional extra (pip install 'blameflow[numpy]'): the engine itself needs only
the standard library, and only jit(f, vectorize=True) imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autograd.node import Node
from autograd.primitives import (
    ABS,
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
    SOFTPLUS,
    SQRT,
    SUB,
    SUM,
    TANH,
    Primitive,
)


def numpy(needed_by: str = "jit(f, vectorize=True)",
          without: str = "jit(f) replays in plain Python") -> Any:
    """The numpy module, or an ImportError saying who needs it, how to install it, and
    what works without it."""
    try:
        import numpy  # the optional extra, imported only when something is vectorised
    except ImportError as missing:
        raise ImportError(f"{needed_by} needs NumPy, blameflow's 'numpy' extra: pip install "
                          f"'blameflow[numpy]' (or pip install numpy); without it, "
                          f"{without}") from missing
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
    ABS: ("_np.abs({a})", {0: "_np.sign({a})"}),
    SQRT: ("_np.sqrt({a})", {0: "0.5 / {out}"}),
    SOFTPLUS: ("_softplus({a})", {0: "_sigmoid({a})"}),
}


@dataclass
class _Block:
    """Nodes of the sample's graph that do the same thing side by side: one matrix.

    kind: "elementwise" (an op of _ELEMENTWISE, row by row), "matmul" (a layer's dot
    nodes: W @ X) or "reduce" (one node reading several rows: a sum, a dot of two rows
    of numbers, or any other op, which then runs sample by sample in Python).
    operands: for an elementwise block, per input position, ("block", block index) when
    row i reads row i of that block, ("vector", operand) when every row reads the same
    row of numbers, or ("scalars", names) when each row reads its own number (a weight, a
    bias); for a reduce block, the node's inputs as LoopWriter._operand gives them.
    For a matmul block: inputs is the list of rows every dot reads; weights, per row, theirs.
    """

    index: int
    op: Primitive
    kind: str = "elementwise"
    nodes: list[Node] = field(default_factory=list)
    operands: list[tuple[str, Any]] = field(default_factory=list)
    inputs: tuple = ()
    weights: list[list[str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"B{self.index}"


class CannotVectorize(Exception):
    """The sample's graph cannot be written as NumPy blocks: keep the Python loop."""


class LoopWriter:
    """Writes one loop's forward and backward with NumPy matrices.

    names: the scalar names of the read leaves (p0, ...) and literals of constants;
    slots: sample 0's per-sample leaves; sample: sample 0's computed nodes;
    needs_grad: ids of nodes that need a gradient.
    primitives: name -> op for the ops the code calls sample by sample (no NumPy form),
    for the namespace the code runs in.
    """

    def __init__(self, index: int, sample: list[Node], slots: list[Node],
                 names: dict[int, str], needs_grad: set[int]) -> None:
        self.index = index
        self.sample = sample
        self.names = names
        self.needs_grad = needs_grad
        self.samples = 0  # how many samples: known when the forward code is written
        self.slot_of = {id(leaf): k for k, leaf in enumerate(slots)}
        self.place: dict[int, tuple[_Block, int]] = {}  # node -> (block, row)
        self.blocks: list[_Block] = []
        self.primitives: dict[str, Primitive] = {}
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
        operands = [self._operand(child) for child in node._children]
        if op is DOT and self._is_layer_dot(operands):
            self._add_dot(node, operands)
            return
        if op not in _ELEMENTWISE:
            self._new_block(node, "reduce", operands)
            if op not in (SUM, DOT):
                self._primitive_name(op)  # now, so the namespace has it before compiling
            return
        for block in reversed(self.blocks):
            if block.op is op and block.kind == "elementwise":
                fitted = self._fits(block, operands)
                if fitted is not None:
                    block.operands = fitted
                    self._append(block, node, operands)
                    return
        self._new_block(node, "elementwise", [self._start(kind, what) for kind, what in operands])
        self._append(self.blocks[-1], node, operands)

    def _new_block(self, node: Node, kind: str, operands: list) -> None:
        block = _Block(len(self.blocks), node._op, kind, operands=operands)
        self.blocks.append(block)
        if kind == "reduce":
            self.place[id(node)] = (block, 0)
            block.nodes.append(node)

    @staticmethod
    def _start(kind: str, what: Any) -> tuple[str, Any]:
        """How a new block reads an operand: row i of a block for its row i ("block"), one
        row of numbers for all its rows ("vector"), or a number per row ("scalars")."""
        if kind == "row" and what[1] == 0:
            return ("block", what[0])
        if kind == "scalar":
            return ("scalars", [])
        return ("vector", (kind, what))

    def _fits(self, block: _Block, operands: list) -> list | None:
        """The block's operands with node added as its next row, or None if it does not fit.

        A block of one row that read row 0 of another block could be reading it row by row
        or as one row for all: a second row reading row 0 again settles it (a vector)."""
        row = len(block.nodes)
        fitted = []
        for (kind, what), (block_kind, block_what) in zip(operands, block.operands):
            if block_kind == "block" and (kind, what) == ("row", (block_what, row)):
                fitted.append((block_kind, block_what))
            elif block_kind == "block" and row == 1 and (kind, what) == ("row", (block_what, 0)):
                fitted.append(("vector", (kind, what)))
            elif block_kind == "vector" and (kind, what) == block_what:
                fitted.append((block_kind, block_what))
            elif block_kind == "scalars" and kind == "scalar":
                fitted.append((block_kind, block_what))
            else:
                return None
        return fitted

    def _append(self, block: _Block, node: Node, operands: list) -> None:
        for (_, what), (block_kind, block_what) in zip(operands, block.operands):
            if block_kind == "scalars":
                block_what.append(what)
        self.place[id(node)] = (block, len(block.nodes))
        block.nodes.append(node)

    @staticmethod
    def _is_layer_dot(operands: list) -> bool:
        """A neuron's dot: shared weights (scalars) with per-sample inputs (no scalar)."""
        half = len(operands) // 2
        return (all(kind == "scalar" for kind, _ in operands[:half])
                and not any(kind == "scalar" for kind, _ in operands[half:]))

    def _add_dot(self, node: Node, operands: list) -> None:
        half = len(operands) // 2
        inputs = tuple(operands[half:])
        for block in reversed(self.blocks):
            if block.kind == "matmul" and block.inputs == inputs:
                break
        else:
            block = _Block(len(self.blocks), DOT, "matmul", inputs=inputs)
            self.blocks.append(block)
        block.weights.append([what for _, what in operands[:half]])
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
        return f"{_numbers_of(scalars, 'PN')}[:, None]"

    def _inputs_code(self, block: _Block) -> str:
        """The matrix X of a matmul block's inputs (k rows, one per input)."""
        return self._rows_code(list(block.inputs))

    def _rows_code(self, operands: list) -> str:
        """A matrix with operand k's numbers (one per sample) in row k."""
        whole = self._whole_block(operands)
        if whole is not None:
            return self.blocks[whole].name
        if all(kind == "slot" for kind, _ in operands):
            first = operands[0][1]
            if [what for _, what in operands] == list(range(first, first + len(operands))):
                return f"S{self.index}[{first}:{first + len(operands)}]"
        if all(kind == "row" for kind, _ in operands):
            return f"_np.array([{', '.join(self._vector(operand) for operand in operands)}])"
        return (f"_stack({self.samples}, "
                f"{', '.join(self._vector(operand) for operand in operands)})")

    def _whole_block(self, operands: list) -> int | None:
        """The block whose rows, all of them in order, the operands are; else None."""
        kind, what = operands[0]
        if kind != "row":
            return None
        source = self.blocks[what[0]]
        whole = [("row", (source.index, r)) for r in range(len(source.nodes))]
        return source.index if list(operands) == whole else None

    def _vector(self, operand: tuple[str, Any]) -> str:
        kind, what = operand
        if kind == "row":
            return f"{self.blocks[what[0]].name}[{what[1]}]"
        if kind == "slot":
            return f"S{self.index}[{what}]"
        return what  # a scalar: a leaf's name or a literal, the same for every sample

    def _check_order(self) -> None:
        """Every block reads blocks made before it, so the blocks run in order."""
        for block in self.blocks:
            read = [what for kind, what in block.operands if kind == "block"]
            read += [what[1][0] for kind, what in block.operands
                     if kind == "vector" and what[0] == "row"]
            read += [what[0] for kind, what in block.operands if kind == "row"]
            read += [what[0] for kind, what in block.inputs if kind == "row"]
            if any(index >= block.index for index in read):
                raise CannotVectorize("blocks out of order")

    def _primitive_name(self, op: Primitive) -> str:
        """The name under which the code calls op sample by sample: _op0_stability_shift."""
        name = f"_op{self.index}_{op.name}" if op.name.isidentifier() else f"_op{self.index}"
        if self.primitives.setdefault(name, op) is not op:  # two ops of one name
            name = f"{name}_{id(op)}"
            self.primitives[name] = op
        return name

    # -- code --
    def forward(self, samples_code: str, samples: int) -> list[str]:
        """The blocks' lines; samples_code: the matrix of the samples' own leaves (one row
        per leaf of sample 0's graph, a column per sample)."""
        self._check_order()
        self.samples = samples
        lines = [f"    # {len(self.sample)} nodes per sample as {len(self.blocks)} NumPy "
                 f"blocks, all samples at once",
                 f"    S{self.index} = {samples_code}"]
        for block in self.blocks:
            where = _where(block.nodes[0])
            if block.kind == "matmul":
                lines.append(f"    W{block.index} = {_weight_matrix(block.weights, 'PN')}")
                lines.append(f"    {block.name} = W{block.index} @ {self._inputs_code(block)}"
                             f"  # {len(block.nodes)} x dot {where}")
            elif block.kind == "reduce":
                lines.append(f"    {block.name} = {self._reduce_forward(block)}"
                             f"  # {block.op.name} of {len(block.operands)} {where}".rstrip())
            else:
                lines.append(f"    {block.name} = {self._elementwise_forward(block)}"
                             f"  # {len(block.nodes)} x {block.op.name} {where}")
        return lines

    def _elementwise_forward(self, block: _Block) -> str:
        template, _ = _ELEMENTWISE[block.op]
        args = {"a": self._operand_code(block, 0)}
        if len(block.operands) > 1:
            args["b"] = self._operand_code(block, 1)
        expression = template.format(**args)
        if not any(kind == "block" for kind, _ in block.operands):
            # no operand has a row per node and a column per sample (numbers shared by all
            # samples, a column of weights): make it such a matrix, like the others
            expression = f"_np.broadcast_to({expression}, ({len(block.nodes)}, {self.samples}))"
        return expression

    def _halves(self, block: _Block) -> tuple[list, list]:
        half = len(block.operands) // 2
        return block.operands[:half], block.operands[half:]

    def _reduce_forward(self, block: _Block) -> str:
        """One row: a sum of rows, a dot of two sets of rows, or op sample by sample."""
        if block.op is SUM:
            return f"{self._rows_code(block.operands)}.sum(axis=0, keepdims=True)"
        if block.op is DOT:
            weights, inputs = self._halves(block)
            return (f"({self._rows_code(weights)} * {self._rows_code(inputs)})"
                    f".sum(axis=0, keepdims=True)")
        return (f"_each({self._primitive_name(block.op)}, "
                f"{self._rows_code(block.operands)})")

    def output_sum(self) -> str:
        """The sum over the samples of their outputs."""
        block, row = self.place[id(self.sample[-1])]
        return f"{block.name}[{row}].sum().item()"

    def kept(self) -> list[str]:
        return [f"S{self.index}"] + [b.name for b in self.blocks] + [
            f"W{b.index}" for b in self.blocks if b.kind == "matmul"]

    def backward(self, upstream: str) -> list[str]:
        """Lines computing the gradients: G{k} for block k (its shape), GP for the leaves.

        A block's G is made by its first share when that share has the block's whole
        shape (G3 = G4 * ...), else as zeros just before the first share is added in."""
        grads = {block.index: f"G{block.index}" for block in self.blocks
                 if any(id(node) in self.needs_grad for node in block.nodes)}
        self.started: set[int] = set()
        block, row = self.place[id(self.sample[-1])]
        lines = self._into(block.index, upstream, f"[{row}]",
                           why="every sample's share of the sum")
        for block in reversed(self.blocks):
            if block.index in grads:
                lines += self._into(block.index, None)  # no share came: zeros
                if block.kind == "matmul":
                    lines += self._matmul_backward(block, grads)
                elif block.kind == "reduce":
                    lines += self._reduce_backward(block, grads)
                else:
                    lines += self._elementwise_backward(block, grads)
        return lines

    def _into(self, index: int, share: str | None, part: str = "", whole_shape: bool = False,
              why: str = "") -> list[str]:
        """Lines adding share into G{index} (or into its rows `part`). The first share of a
        block's whole shape makes G (a copy of a bare G name: it is added into later);
        otherwise G starts as zeros. share None: only make G, if no share has."""
        name, comment = f"G{index}", f"  # {why}" if why else ""
        lines = []
        if index not in self.started:
            self.started.add(index)
            if share is not None and not part and whole_shape:
                copy = ".copy()" if share.isidentifier() else ""
                return [f"    {name} = {share}{copy}{comment}"]
            lines.append(f"    {name} = _np.zeros_like({self.blocks[index].name})")
        if share is not None:
            lines.append(f"    {name}{part} += {share}{comment}")
        return lines

    def _matmul_backward(self, block: _Block, grads: dict[int, str]) -> list[str]:
        g = grads[block.index]
        weight_grads = f"{g} @ {self._inputs_code(block)}.T"
        why = "d / d weights: summed over the samples"
        in_place = _weight_matrix(block.weights, "GP")
        if in_place.startswith("GP"):  # the weights are a slice of P: add into GP's slice
            if in_place.endswith(")"):  # a reshape() call: its [:] is what += can write to
                in_place += "[:]"
            lines = [f"    {in_place} += {weight_grads}  # {why}"]
        else:
            lines = [f"    _t = ({weight_grads}).tolist()  # {why}"]
            for r, weights in enumerate(block.weights):
                for c, name in enumerate(weights):
                    if name.startswith("p"):
                        lines.append(f"    {_gradient_of(name)} += _t[{r}][{c}]")
        input_grads = f"W{block.index}.T @ {g}"
        lines += self._spread(list(block.inputs), input_grads, grads, "d / d inputs",
                              whole_shape=True)
        return lines

    def _reduce_backward(self, block: _Block, grads: dict[int, str]) -> list[str]:
        """Each input's share: G times the local derivative, row by row."""
        g = grads[block.index]
        if block.op is SUM:
            return self._spread(block.operands, g, grads, "d sum / d input = 1")
        if block.op is DOT:
            weights, inputs = self._halves(block)
            return (self._spread(weights, f"{g} * {self._rows_code(inputs)}", grads,
                                 "d / d w_i = x_i")
                    + self._spread(inputs, f"{g} * {self._rows_code(weights)}", grads,
                                   "d / d x_i = w_i"))
        op = self._primitive_name(block.op)
        rows = self._rows_code(block.operands)
        if block.op.arity is None:
            return self._spread(block.operands, f"{g} * _each_partials({op}, {rows}, "
                                f"{block.name})", grads, "op's derivative, sample by sample")
        lines = []
        for position, operand in enumerate(block.operands):
            if self._needs(operand, grads):
                lines += self._spread([operand], f"{g} * _each_partial({op}, {position}, "
                                      f"{rows}, {block.name})", grads,
                                      f"d / d input {position}, sample by sample")
        return lines

    def _needs(self, operand: tuple[str, Any], grads: dict[int, str]) -> bool:
        kind, what = operand
        return ((kind == "row" and what[0] in grads)
                or (kind == "scalar" and what.startswith("p")))

    def _spread(self, operands: list, shares: str, grads: dict[int, str], why: str,
                whole_shape: bool = False) -> list[str]:
        """Lines adding row k of shares (a matrix, or one row for all) to operand k's
        gradient: a block's row, or a leaf's number summed over the samples. whole_shape:
        shares has a row per operand (not one row for all)."""
        if not any(self._needs(operand, grads) for operand in operands):
            return []
        whole = self._whole_block(operands)
        if whole is not None:
            return self._into(whole, shares, whole_shape=whole_shape, why=why)
        lines = [f"    _t = _np.broadcast_to({shares}, ({len(operands)}, {self.samples}))"
                 f"  # {why}"]
        for k, (kind, what) in enumerate(operands):
            if kind == "row" and what[0] in grads:
                lines += self._into(what[0], f"_t[{k}]", f"[{what[1]}]")
            elif kind == "scalar" and what.startswith("p"):
                lines.append(f"    {_gradient_of(what)} += _t[{k}].sum()")
        return lines

    def _elementwise_backward(self, block: _Block, grads: dict[int, str]) -> list[str]:
        g = grads[block.index]
        lines = []
        _, partials = _ELEMENTWISE[block.op]
        args = {"a": self._operand_code(block, 0), "out": block.name}
        if len(block.operands) > 1:
            args["b"] = self._operand_code(block, 1)
        for position, (kind, what) in enumerate(block.operands):
            partial = partials[position].format(**args)
            share = f"{g}" if partial == "" else (f"-{g}" if partial == "-"
                                                  else f"{g} * {partial}")
            # share has the block's shape (a row per node, a column per sample), as g does:
            # summed over the samples (axis 1) or over the rows (axis 0) as it is
            whole = share if share == g else f"({share})"
            if kind == "block" and what in grads:
                rows = len(block.nodes)
                if rows == len(self.blocks[what].nodes):
                    lines += self._into(what, share, whole_shape=True)
                else:
                    lines += self._into(what, share, f"[:{rows}]")
            elif kind == "vector" and what[0] == "row" and what[1][0] in grads:
                lines += self._into(what[1][0], f"{whole}.sum(axis=0)", f"[{what[1][1]}]")
            elif kind == "scalars" and any(name.startswith("p") for name in what):
                summed = f"{whole}.sum(axis=1)"
                in_place = _numbers_of(what, "GP")
                if in_place.startswith("GP"):  # a slice of P (each neuron's bias)
                    lines.append(f"    {in_place} += {summed}")
                    continue
                lines.append(f"    _t = {summed}.tolist()")
                for r, name in enumerate(what):
                    if name.startswith("p"):
                        lines.append(f"    {_gradient_of(name)} += _t[{r}]")
        return lines


def leaf_rows(node: Node, names: dict[int, str]) -> tuple[str, list[tuple[str, str]]] | None:
    """A sum or a dot of read leaves that lie evenly spaced in P, as NumPy on slices of PN
    (l2's dot(p, p) over all the weights): (the forward expression, and per operand row
    (its slice of GP, what d node / d that row is)). None for any other node.

    sum(p_i): d / d p_i = 1. dot(w, x) = sum(w_i x_i): d / d w_i = x_i, d / d x_i = w_i.
    """
    leaves = [names[id(child)] for child in node._children]
    if node._op is SUM:
        halves = [leaves]
    elif node._op is DOT:
        halves = [leaves[:len(leaves) // 2], leaves[len(leaves) // 2:]]
    else:
        return None
    rows = [_numbers_of(half, "PN") for half in halves]
    if not all(row.startswith("PN") for row in rows):
        return None
    gradient_rows = [_numbers_of(half, "GP") for half in halves]
    if node._op is SUM:
        return f"{rows[0]}.sum().item()", [(gradient_rows[0], "1.0")]
    return (f"({rows[0]} @ {rows[1]}).item()",
            [(gradient_rows[0], rows[1]), (gradient_rows[1], rows[0])])


def _numbers_of(names: list[str], within: str) -> str:
    """A NumPy row of the numbers named: a slice of `within` (PN, the leaves' numbers, or GP,
    their gradients) when they are read leaves evenly spaced in P (each neuron's bias: p64,
    p129, ...); otherwise a new array of the numbers."""
    positions = _leaf_positions(names)
    if positions is None or len(positions) < 2:
        return f"_np.array([{', '.join(names)}])"
    step = positions[1] - positions[0]
    if step < 1 or positions != list(range(positions[0], positions[-1] + 1, step)):
        return f"_np.array([{', '.join(names)}])"
    stride = "" if step == 1 else f":{step}"
    return f"{within}[{positions[0]}:{positions[-1] + 1}{stride}]"


def _weight_matrix(weights: list[list[str]], within: str) -> str:
    """The matrix W of a layer's weights, one row per neuron: a slice of `within` (PN or GP)
    reshaped, when the rows are evenly spaced runs of read leaves (neuron j's weights,
    then its bias); otherwise a new array of the numbers. A slice is a view: adding into
    GP's slice adds into GP."""
    rows = [_leaf_positions(row) for row in weights]
    width = len(weights[0])
    if all(r is not None and r == list(range(r[0], r[0] + width)) for r in rows):
        start = rows[0][0]
        stride = rows[1][0] - start if len(rows) > 1 else width
        if stride >= width and all(r[0] == start + j * stride for j, r in enumerate(rows)):
            block = f"{within}[{start}:{start + len(rows) * stride}]"
            if stride == width:
                return f"{block}.reshape({len(rows)}, {width})"
            return f"{block}.reshape({len(rows)}, {stride})[:, :{width}]"
    listed = ", ".join(f"[{', '.join(w)}]" for w in weights)
    return f"_np.array([{listed}])"


def _gradient_of(name: str) -> str:
    """Where the NumPy code adds a read leaf's gradient: p7 -> GP[7]."""
    return f"GP[{name[1:]}]"


def _leaf_positions(names: list[str]) -> list[int] | None:
    """Where the named numbers stand in P (p7 -> 7), or None if one is not a read leaf."""
    if not all(name[:1] == "p" and name[1:].isdigit() for name in names):
        return None
    return [int(name[1:]) for name in names]


def _where(node: Node) -> str:
    return " ".join(node.scope.split())


def helpers(np: Any) -> dict[str, Any]:
    """The names the generated NumPy code uses."""
    def sigmoid(x: Any) -> Any:
        e = np.exp(-np.abs(x))  # <= 1: no overflow (as primitives.stable_sigmoid)
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def softplus(x: Any) -> Any:
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))  # as stable_softplus

    def relu_slope(x: Any) -> Any:
        """1 where x > 0, 0 where x <= 0, NaN where x is NaN (maximum and sign keep it)."""
        return np.sign(np.maximum(x, 0.0))

    def stack(samples: int, *rows: Any) -> Any:
        """Rows of numbers as one matrix; a number shared by all samples is repeated."""
        return np.array([np.broadcast_to(row, (samples,)) for row in rows])

    # An op with no NumPy form runs sample by sample: each sample's numbers are a column.
    def each(op: Primitive, rows: Any) -> Any:
        """op's forward function on each sample's inputs: one row, a number per sample."""
        columns = rows.T.tolist()
        if op.arity is None:
            return np.array([[op.forward(column) for column in columns]])
        return np.array([[op.forward(*column) for column in columns]])

    def each_partial(op: Primitive, position: int, rows: Any, out: Any) -> Any:
        """d out / d input `position` for each sample: one row."""
        return np.array([[op.partial(position, column, number)
                          for column, number in zip(rows.T.tolist(), out[0].tolist())]])

    def each_partials(op: Primitive, rows: Any, out: Any) -> Any:
        """d out / d input k for each sample: one row per input."""
        return np.array([op.derivative(column, number)
                         for column, number in zip(rows.T.tolist(), out[0].tolist())]).T

    return {"_np": np, "_sigmoid": sigmoid, "_softplus": softplus, "_relu_slope": relu_slope,
            "_stack": stack, "_each": each, "_each_partial": each_partial,
            "_each_partials": each_partials}
