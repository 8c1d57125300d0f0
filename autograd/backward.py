"""The reverse sweep: the chain rule applied to a whole graph, node by node.

For an output y and any node v, d y/d v is the sum over v's parents p of
d y/d p * d p/d v. Visit the nodes so that every parent comes before its children, and
each node's gradient is complete by the time it is passed on. Reverse creation order does
exactly that (a node is always created after its children), so every Value carries its
creation number and the sweep sorts by it: no recursion, depth limited only by memory,
and the same program gives the same order, hence the same bits, on every run.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import Any

from autograd import mode
from autograd.primitives import ARITHMETIC_ERRORS

creation_number = attrgetter("_serial")


def reachable(root: Any) -> list[Any]:
    """root and every node it depends on, each once, in breadth-first (unsorted) order."""
    nodes = [root]
    seen = {root}
    remember, collect = seen.add, nodes.append
    for node in nodes:  # the list grows while we walk it: a queue without pops
        for child in node._children:
            if child not in seen:
                remember(child)
                collect(child)
    return nodes


def topological_order(root: Any) -> list[Any]:
    """Every node root depends on, each after all of its children: creation order."""
    nodes = reachable(root)
    nodes.sort(key=creation_number)
    return nodes


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block that makes no cycles.

    A sweep allocates a small tuple per node (a rule's partials), which wakes the
    collector again and again to re-scan the whole, still-live graph. Blameflow's graphs
    hold no cycles (no parent links, no closures) and are freed by reference counting,
    so those scans find nothing; pausing them is safe and saves about a third of the time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# One sweep at a time in the whole process. A sweep writes .grad all over the graph it
# walks, and two at once on one graph (or on graphs sharing parameters) would add into each
# other's half-finished sums. Taking turns costs nothing: Python runs one thread at a time.
_one_sweep_at_a_time = threading.Lock()


def backward(root: Any, grad: float) -> None:
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


def _prepare_sweep(root: Any, token: object, computed: list[Any],
                   held: list[tuple[Any, float]]) -> None:
    """Find every node below root, and set aside and zero every gradient it holds.

    Fills computed (the computed nodes) and held ((node, its gradient before) for each
    node that held one), each node once, found breadth first. Like reachable(), but it
    marks each node with `token` instead of keeping a set (an attribute check is cheaper
    than hashing), and it does the zeroing on the way instead of in extra passes. A node
    that holds 0.0 (every node of a fresh graph, every leaf after zero_grad()) is already
    where its fresh sum must start, and needs no setting aside.
    """
    root._visit = token
    if root._children:
        computed.append(root)
    elif root.grad:
        held.append((root, root.grad))  # a lone leaf: backward() sets it, then adds this
    for node in computed:
        if node.grad:
            held.append((node, node.grad))
            node.grad = 0.0
        for child in node._children:
            if child._visit is not token:
                child._visit = token
                if child._children:
                    computed.append(child)
                elif child.grad:
                    held.append((child, child.grad))
                    child.grad = 0.0


def _backward(root: Any, grad: float) -> None:
    token = object()
    computed: list[Any] = []
    held: list[tuple[Any, float]] = []
    try:
        _prepare_sweep(root, token, computed, held)
        _sweep(root, grad, computed)
        # Leaves accumulate: this call's sum, then what they held before. Intermediate
        # nodes keep this call's gradient only.
        for node, before in held:
            if not node._children:
                node.grad += before
    except BaseException:
        # A DomainError halfway, a StaleGraphError, Ctrl-C: leave every .grad as it was.
        _undo(root, token, held)
        raise


def _undo(root: Any, token: object, held: list[tuple[Any, float]]) -> None:
    """Put back every gradient a failed sweep touched: those it reached (marked with its
    token) were 0.0 or set aside in held."""
    for node in reachable(root):
        if node._visit is token:
            node.grad = 0.0
    for node, before in held:
        node.grad = before


def _sweep(root: Any, grad: float, computed: list[Any]) -> None:
    """The chain rule over computed (every computed node below root, root included)."""
    computed.sort(key=creation_number, reverse=True)
    if computed:
        refuse_stale(computed, computed[-1]._serial)
    root.grad = grad
    varying = None  # found only if a rule fails: see below
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
            if varying is None:
                varying = varying_nodes(topological_order(root))
            inputs = [child._data for child in node._children]
            for child, partial in local_derivatives(node, inputs, node._data, varying):
                child.grad += upstream * partial


def gradients(root: Any, wrt: Sequence[Any], create_graph: bool = False) -> list[Any]:
    """d root / d w for each w in wrt, without touching any node's .grad.

    With create_graph=False the gradients are floats. With create_graph=True the rules run
    on the nodes themselves, so each gradient is a Value with a graph of its own: this is
    how grad(grad(f)) gets second derivatives. A w that root does not depend on gets 0.0.
    Only partials that reach a varying leaf are computed (see local_derivatives), so a
    gradient graph holds no dead branches.
    """
    grads: dict[Any, Any] = {root: 1.0}
    order = topological_order(root)
    oldest = next((node._serial for node in order if node._children), None)
    if oldest is not None:
        refuse_stale(order, oldest)
    varying = varying_nodes(order)
    with mode.enable_grad() if create_graph else mode.no_grad():
        for node in reversed(order):
            upstream = grads.get(node, 0.0)  # 0.0: every path to it was skipped
            if node not in varying or not node._children or (
                    not upstream and not create_graph):
                # As in backward(): an exactly zero float gradient passes nothing on.
                # A Value gradient always goes on: it may be 0 here yet have a slope.
                continue
            if create_graph:
                inputs, out = node._children, node
            else:
                inputs, out = [child.data for child in node._children], node.data
            for child, partial in local_derivatives(node, inputs, out, varying):
                share = upstream * partial
                before = grads.get(child)
                grads[child] = share if before is None else before + share
    return [grads.get(w, 0.0) for w in wrt]


def refuse_stale(nodes: Sequence[Any], oldest: int) -> None:
    """StaleGraphError if a leaf got a new number after a node among `nodes` read it.

    Every rule differentiates at the numbers the graph was built from: a node's own number
    (tanh's 1 - out^2) and its inputs' (mul's y), and an n-ary node's saved copy of them.
    After a leaf's number changes they would mix old and new, so instead of choosing we
    refuse. A leaf's serial is the moment of its last change, so a node whose child is
    younger than itself is stale. oldest: the smallest serial among the computed nodes;
    edges need checking only if some leaf changed after that (after an optimizer step the
    next forward pass builds younger nodes, and nothing is checked).
    """
    from autograd import value  # value.py imports this module

    if value._last_change < oldest:
        return
    for node in nodes:
        made = node._serial
        for child in node._children:
            if child._serial > made:
                raise _stale_error(node, child)


def _stale_error(node: Any, child: Any) -> Exception:
    from autograd.errors import StaleGraphError
    from autograd.value import describe

    return StaleGraphError(
        f"backward: {describe(child)} was given a new number ({child._saved!r} -> "
        f"{child._data!r}) after {describe(node)} was built from it. The graph holds numbers "
        f"and derivatives from before the change, so its gradients would mix old and new. "
        f"Run the forward pass again after changing data (an optimizer step changes every "
        f"parameter: compute the loss again before each backward()).")


def varying_nodes(order: Sequence[Any]) -> set[Any]:
    """The nodes of `order` (children before parents) that depend on a leaf which is not a
    constant: the only ones whose gradient can matter. A constant, and a node computed from
    constants alone (the `y - 1` inside the rule of x ** y), needs no gradient.
    """
    varying = set()
    for node in order:
        children = node._children
        if any(child in varying for child in children) if children else node.kind != "constant":
            varying.add(node)
    return varying


def local_derivatives(node: Any, inputs: Sequence[Any], out: Any,
                      varying: set[Any]) -> list[tuple[Any, Any]]:
    """(child, d node / d child) for each child of node that is in `varying`.

    inputs and out are the numbers (or, for a graph of the gradient, the nodes) the rule
    reads. An op with a rule per input (pow) computes only the partials that are needed,
    so x ** 2.5 never takes log(x) for its constant exponent; any other op's rule gives all
    its partials at once and the unneeded ones are dropped. A needed partial that is
    infinite or not real is a DomainError naming the op, the values and the nodes.
    """
    op, children = node._op, node._children
    needed = [i for i, child in enumerate(children) if child in varying]
    if op.partial_rules is None:
        try:
            partials = op.partials(inputs, out)
        except ARITHMETIC_ERRORS:
            raise _derivative_error(node, needed[0]) from None  # the first input that needs one
        return [(children[i], partials[i]) for i in needed]
    found = []
    for i in needed:
        try:
            found.append((children[i], op.partial(i, inputs, out)))
        except ARITHMETIC_ERRORS:
            raise _derivative_error(node, i) from None
    return found


def _derivative_error(node: Any, position: int) -> Exception:
    from autograd.value import describe  # value.py imports this module

    children = node._children
    return node._op.derivative_error([c.data for c in children],
                                     [describe(c) for c in children], position)
