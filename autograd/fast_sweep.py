"""The fast sweep: reverse_sweep (autograd/backward.py) rewritten for speed, for backward().

The same algorithm: visit the nodes in reverse creation order, and for each node add
upstream gradient * local derivative into each child. Same order of nodes, same order of
additions, so the same numbers, bit for bit (but for the sign of a zero gradient: the
sums here start from 0.0). tests/test_backward.py checks it on random graphs. What it
removes, and what each costs in reverse_sweep:

- the dict of gradients: the sums are kept in each node's own .grad, which is where
  backward() must leave them anyway (no hashing per edge);
- the set of seen nodes: each node found is marked with a token object unique to this
  sweep (an attribute check is cheaper than hashing), and its old gradient is set aside
  and zeroed on the way;
- leaves in the sort: only computed nodes are sorted, since leaves pass nothing on;
- generic rule calls: unary and binary rules are called inline (no list per node), add's
  and sub's constant partials are not computed at all, and a dot node reads the inputs'
  numbers it saved in the forward pass;
- the cyclic garbage collector's scans of the graph, which leaves holding gradients from
  an earlier call would set off (see collector_paused);
- the check "does this child need a gradient?" on every edge: shares flow into constants
  too, and only where the graph has constants are those nodes found (constant_nodes) and
  set back to 0.0 at the end. Nothing that needs a gradient is computed from them, so
  the other nodes' numbers are the same.

What it adds, for backward()'s contract: leaves accumulate across calls (PyTorch's
semantics), a failed sweep puts every .grad back as it was, and threads take turns.
"""

from __future__ import annotations

import threading

from autograd.backward import (
    collector_paused,
    constant_nodes,
    creation_number,
    local_derivatives,
    reachable,
    refuse_stale,
)
from autograd.node import CONSTANT, Node
from autograd.primitives import ARITHMETIC_ERRORS

# One sweep at a time in the whole process. A sweep writes .grad all over the graph it
# walks, and two at once on one graph (or on graphs sharing parameters) would add into each
# other's half-finished sums. Taking turns costs nothing: Python runs one thread at a time.
_one_sweep_at_a_time = threading.Lock()

def backward(root: Node, grad: float) -> None:
    """Set .grad of every node below root to d root/d node (times `grad`).

    PyTorch semantics: intermediate nodes start from zero on every call; a leaf's
    gradient from this call is added to what it held before. The new part is summed on
    its own first and added once at the end, so a second identical call gives exactly
    twice the leaf gradients (s + s), not a rounding-dependent (s + a) + b + c.

    A node whose gradient comes out exactly 0 passes nothing on (its shares would all be
    zero), so its rule is not run. In the one place that shows, a zero gradient meeting
    an infinite local derivative (0 * sqrt(x) at x = 0), the answer is the limit, 0,
    where PyTorch gives NaN.

    The rules differentiate at the numbers the graph was built from. If a leaf was given a
    new number since (w.data -= ...), StaleGraphError: build the graph again first.
    Threads calling backward() at the same time take turns, each a whole sweep. A call
    that fails (a DomainError halfway, Ctrl-C) leaves every .grad as it was before it.
    """
    with _one_sweep_at_a_time, collector_paused():
        _backward(root, grad)


def _backward(root: Node, grad: float) -> None:
    """Find the nodes (zeroing their gradients, setting the leaves' old ones aside), run the
    chain rule, then add back what the leaves held; on any failure, undo."""
    token = object()
    computed: list[Node] = []
    held: list[tuple[Node, float]] = []
    constants: list[Node] = []
    try:
        made_from_constants = _prepare_sweep(root, token, computed, held, constants)
        _sweep(root, grad, computed, constants)
        # A constant needs no gradient (reverse_sweep's rule): drop the shares it got, and
        # those of nodes computed from constants alone, if there can be any.
        no_gradient = _no_gradient(constants, computed) if made_from_constants else constants
        for node in no_gradient:
            node.grad = 0.0
        # Leaves accumulate: this call's sum, then what they held before. Intermediate
        # nodes keep this call's gradient only.
        for node, before in held:
            if not node._children:
                node.grad += before
    except BaseException:
        # A DomainError halfway, a StaleGraphError, Ctrl-C: leave every .grad as it was.
        _undo(root, token, held)
        raise


def _no_gradient(constants: list[Node], computed: list[Node]) -> set[Node]:
    """The constant leaves found, and the computed nodes (in reverse creation order) made
    from constants alone: the nodes constant_nodes finds."""
    return constant_nodes([*constants, *reversed(computed)])


def _sweep(root: Node, grad: float, computed: list[Node], constants: list[Node]) -> None:
    """reverse_sweep's loop, with each node's gradient kept in its own .grad.

    computed: every computed node below root, root included (leaves pass nothing on, so
    they need no place in the order). In reverse creation order, each node's finished
    gradient (upstream) times each local derivative is added into its child's .grad.
    """
    computed.sort(key=creation_number, reverse=True)
    if computed:
        refuse_stale(computed, computed[-1]._serial)  # the last is the oldest
    root.grad = grad
    no_gradient = None  # found only if a rule fails: see below
    # An iterator, so that after a failed rule the loop goes on from the next node. (The
    # try sits outside the loop: even an exception-free try costs something per pass.)
    remaining = iter(computed)
    while True:
        try:
            for node in remaining:
                upstream = node.grad
                if not upstream:
                    # Nothing flows back through this node (a relu that was off, a sample
                    # the hinge loss is happy with): every share it would pass on is zero,
                    # and the nodes below already hold 0.0. Skipping it is most of
                    # backward's saving in a relu network.
                    continue
                op = node._op
                rule = op.derivative  # a local: op.derivative(...) would be a slow method lookup
                # ._data is the slot behind .data: reading the property would cost a call.
                # The common arities inline; partials() would cost a call and a list per node.
                if op.arity == 2:
                    x, y = node._children
                    dx, dy = op.constant_partials or rule(x._data, y._data, node._data)
                    x.grad += upstream * dx
                    y.grad += upstream * dy
                elif op.arity == 1:
                    (x,) = node._children
                    x.grad += upstream * rule(x._data, node._data)
                else:  # n-ary: the node kept its inputs' numbers from the forward pass
                    partials = rule(node._saved, node._data)
                    for child, partial in zip(node._children, partials):
                        child.grad += upstream * partial
            return
        except ARITHMETIC_ERRORS:
            # A partial is infinite or not real at `node` (x ** 2 at x = -3 asks log(-3) for
            # d/dy). Nothing was added yet. Only the inputs that need a gradient matter:
            # ask for their partials alone; if one of those fails, that is the error.
            if no_gradient is None:
                no_gradient = _no_gradient(constants, computed)
            for child, partial in local_derivatives(node, no_gradient):
                child.grad += upstream * partial


def _prepare_sweep(root: Node, token: object, computed: list[Node],
                   held: list[tuple[Node, float]], constants: list[Node]) -> bool:
    """Find every node below root, and set aside and zero every gradient it holds.

    Fills computed (the computed nodes), held ((node, its gradient before) for each
    node that held one) and constants (the constant leaves), each node once, found
    breadth first; says whether some computed node has constant leaves as its only
    children (without one, no node is computed from constants alone). Like reachable(),
    but it marks each node with `token` instead of keeping a set (an attribute check is
    cheaper than hashing), and it does the zeroing on the way instead of in extra passes. A node
    that holds 0.0 (every node of a fresh graph, every leaf after zero_grad()) is already
    where its fresh sum must start, and needs no setting aside.
    """
    root._visit = token
    if root._children:
        computed.append(root)
    else:
        if root.grad:
            held.append((root, root.grad))  # a lone leaf: backward() sets it, then adds this
        if root._kind is CONSTANT:
            constants.append(root)
    for node in computed:
        if node.grad:
            held.append((node, node.grad))
            node.grad = 0.0
        for child in node._children:
            if child._visit is not token:
                child._visit = token
                if child._children:
                    computed.append(child)
                else:
                    if child.grad:
                        held.append((child, child.grad))
                        child.grad = 0.0
                    if child._kind is CONSTANT:
                        constants.append(child)
    return bool(constants) and _some_node_has_only_constant_children(computed)


def _some_node_has_only_constant_children(computed: list[Node]) -> bool:
    """Is some node of `computed` made from constant leaves alone? Without one, no node is
    computed from constants alone, and only the constant leaves need setting back.

    Most nodes' first or last child is no constant, where the test stops; `is` (Value
    keeps one string object per kind) rather than ==, which would compare "computed" with
    "constant" letter by letter on every node.
    """
    constant = CONSTANT  # a local: read on every node
    for node in computed:
        if node._children[0]._kind is constant:
            children = node._children
            if children[-1]._kind is constant and all(
                    child._kind is constant for child in children):
                return True
    return False


def _undo(root: Node, token: object, held: list[tuple[Node, float]]) -> None:
    """Put back every gradient a failed sweep touched: those it reached (marked with its
    token) were 0.0 or set aside in held."""
    for node in reachable(root):
        if node._visit is token:
            node.grad = 0.0
    for node, before in held:
        node.grad = before
