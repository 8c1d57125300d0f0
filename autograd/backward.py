"""Backpropagation: the chain rule applied to a whole graph, node by node.

For the output y and any node v of its graph,

    dy/dy = 1
    dy/dv = sum, over every parent p of v (every node computed from v), of dy/dp * dp/dv

dy/dp is the gradient arriving from above ("upstream"); dp/dv is p's local derivative,
which the table of primitives (autograd/primitives.py) gives for every operation. Visit
the nodes parents first and each node's gradient is complete by the time it is reached,
ready to be passed on to its children. Reverse creation order does exactly that (a node
is always made after its children): no recursion, and the same order, hence the same
bits, on every run.

reverse_sweep() below is that algorithm and nothing else: read it first. Value.backward()
runs the same algorithm in autograd/fast_sweep.py, written for speed; the tests check
that both give the same numbers. The rest of this module holds the pieces both share:
finding the nodes, refusing a stale graph, and asking the table for local derivatives.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import Any

from autograd import clock
from autograd.errors import StaleGraphError
from autograd.mode import enable_grad, no_grad
from autograd.node import CONSTANT, Node, describe
from autograd.primitives import ARITHMETIC_ERRORS


def reverse_sweep(root: Node, create_graph: bool = False) -> dict[Node, Any]:
    """d root / d node for every node root depends on that needs a gradient.

    The chain rule, with y = root: start from dy/dy = 1; then, parents before children,
    take each node's finished gradient dy/dnode, multiply it by the local derivative
    dnode/dchild of each child and add the product (one path's share) into dy/dchild.
    A node whose gradient is exactly 0.0 passes nothing on: its shares would all be 0, and
    where its local derivative is infinite (the sqrt node of 0 * sqrt(x) at x = 0) that
    keeps the limit, 0.

    Only a node that depends on an input or a parameter gets a gradient (PyTorch's
    requires_grad): a constant, and a node computed from constants alone, gets none.

    create_graph=False: the gradients are floats. create_graph=True: the rules run on
    the nodes themselves, so each gradient is a Value with a graph of its own, which
    can be differentiated again (second derivatives: grad(grad(f))); no node is skipped
    then, since a gradient that is 0 here can still change with the inputs.
    """
    order = topological_order(root)        # every node after its children
    refuse_stale(order)                    # built from the numbers the leaves hold now?
    # Nothing could change a constant, so asking how y changes with it has no use: these
    # nodes get no gradient. local_derivatives gives partials for the other children
    # only, and a root made from constants alone is not even seeded.
    no_gradient = constant_nodes(order)
    grads: dict[Node, Any] = {} if root in no_gradient else {root: 1.0}  # the seed: dy/dy = 1
    with enable_grad() if create_graph else no_grad():
        for node in reversed(order):       # every node before its children
            upstream = grads.get(node, 0.0)  # dy/dnode: every parent has added its share
            if not upstream and not create_graph:
                continue  # nothing flows through this node: see the docstring
            for child, local in local_derivatives(node, no_gradient, create_graph):
                share = upstream * local   # the chain rule: dy/dnode * dnode/dchild
                grads[child] = grads[child] + share if child in grads else share
    return grads


def gradients(root: Node, wrt: Sequence[Node], create_graph: bool = False) -> list[Any]:
    """d root / d w for each w in wrt (0.0 for a w root does not depend on), by
    reverse_sweep(), without touching any node's .grad.

    With create_graph=True each gradient is a Value: this is how grad(grad(f)) gets
    second derivatives. Only partials that reach an input or a parameter are computed (see
    local_derivatives), so a gradient's graph holds no dead branches. A constant in wrt
    gets 0.0: it needs no gradient (see reverse_sweep).
    """
    found = reverse_sweep(root, create_graph)
    return [found.get(w, 0.0) for w in wrt]


# ---- the pieces both sweeps share ------------------------------------------------------------
creation_number = attrgetter("_serial")


def reachable(root: Node) -> list[Node]:
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


def topological_order(root: Node) -> list[Node]:
    """Every node root depends on, each after all of its children: creation order."""
    nodes = reachable(root)
    nodes.sort(key=creation_number)
    return nodes


def constant_nodes(order: Sequence[Node]) -> set[Node]:
    """The nodes of `order` (children before parents) that need no gradient, as a tensor
    with requires_grad=False in PyTorch: each constant leaf, and each node computed from
    such nodes alone (the `y - 1` inside the rule of x ** y for a constant y). Every other
    node depends on an input or a parameter. A node left out of `order` counts as one that
    needs a gradient, so the constants and computed nodes are enough (the fast sweep's case).
    """
    no_gradient: set[Node] = set()
    made_from_them_alone = no_gradient.issuperset  # every child needs no gradient?
    for node in order:
        children = node._children
        if made_from_them_alone(children) if children else node._kind == CONSTANT:
            no_gradient.add(node)
    return no_gradient


def varying_nodes(order: Sequence[Node]) -> set[Node]:
    """The nodes of `order` (children before parents) that need a gradient: all but
    constant_nodes(order). Only these are given one, by either sweep."""
    no_gradient = constant_nodes(order)
    return {node for node in order if node not in no_gradient}


def local_derivatives(node: Node, no_gradient: set[Node],
                      on_nodes: bool = False) -> list[tuple[Node, Any]]:
    """(child, d node / d child) for each child of node not in `no_gradient` (the nodes
    constant_nodes() finds); [] for a leaf.

    The rule reads the numbers the graph was built from, or with on_nodes=True the nodes
    themselves (the gradient then gets a graph of its own). An op with a rule per input
    (pow) computes only the partials that are needed, so x ** 2.5 never takes log(x) for
    its constant exponent; any other op's rule gives all its partials at once and the
    unneeded ones are dropped. A needed partial that is infinite or not real is a
    DomainError naming the op, the values and the nodes.
    """
    op, children = node._op, node._children
    needed = [i for i, child in enumerate(children) if child not in no_gradient]
    if not needed:
        return []
    if on_nodes:
        inputs, out = children, node
    else:
        inputs, out = [child._data for child in children], node._data
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


def _derivative_error(node: Node, position: int) -> Exception:
    children = node._children
    return node._op.derivative_error([c.data for c in children],
                                     [describe(c) for c in children], position)


def refuse_stale(nodes: Sequence[Node], oldest: int | None = None) -> None:
    """StaleGraphError if a leaf got a new number after a node among `nodes` read it.

    Every rule differentiates at the numbers the graph was built from: a node's own number
    (tanh's 1 - out^2) and its inputs' (mul's y), and an n-ary node's saved copy of them.
    After a leaf's number changes they would mix old and new, so instead of choosing we
    refuse. A leaf's serial is the moment of its last change, so a node whose child is
    younger than itself is stale. oldest: the smallest serial among the computed nodes
    (found from `nodes`, in creation order, when not given); edges need checking only if
    some leaf changed after that (after an optimizer step the next forward pass builds
    younger nodes, and nothing is checked).
    """
    if oldest is None:
        oldest = next((node._serial for node in nodes if node._children), clock.last_change)
    if clock.last_change < oldest:
        return
    for node in nodes:
        made = node._serial
        for child in node._children:
            if child._serial > made:
                raise _stale_error(node, child)


def _stale_error(node: Node, child: Node) -> Exception:
    return StaleGraphError(
        f"backward: {describe(child)} was given a new number ({child._saved!r} -> "
        f"{child._data!r}) after {describe(node)} was built from it. The graph holds numbers "
        f"and derivatives from before the change, so its gradients would mix old and new. "
        f"Run the forward pass again after changing data (an optimizer step changes every "
        f"parameter: compute the loss again before each backward()).")


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block that makes no cycles.

    The collector wakes after every 700 or so new container objects that are still alive
    (objects freed at once do not count), and now and then re-scans everything alive.
    Blameflow's graphs hold no cycles (no parent links, no closures) and are freed by
    reference counting, so in a graph's life those scans find nothing. Two places wake it:
    - building a graph, where every node stays alive: nn.fit pauses it for the whole
      training step (7-10% of the moons step, benchmarks/README.md);
    - a sweep whose leaves already hold gradients, each set aside in a small tuple until
      the end: on the engine benchmark's 100k-node graph a second backward() without
      zero_grad() takes 250 - 270 ms with the collector running, 105 - 115 ms paused
      (benchmarks/README.md). On a fresh graph nothing wakes it: pausing changes nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
