"""Folding scopes: what to draw as separate boxes, and which arrows connect them.

An MLP over a batch has thousands of nodes, far too many to read (or for Graphviz to lay
out). `nn` creates every neuron's nodes inside `scope("layer0")` / `scope("neuron3")`, so
a node's scope says which layer and neuron it belongs to. Folding draws each scope as one
box and merges the arrows between two boxes into one, whose blame is the sum of the blame
of the edges it stands for.

    collapse=None      every Value is its own box, every edge its own arrow
    collapse="neuron"  one box per "layer0/neuron3" (the first two parts of the scope)
    collapse="layer"   one box per "layer0" (the first part)

Computed nodes outside every scope fold too: each connected piece of them becomes one
box named after its last node's label, so a loss over a batch (a few nodes per sample
ending in one mean) is one box "loss". Leaves (inputs, constants, parameters) made
outside every scope fold into the one box that uses them, if only one does: a batch's
200 inputs become the words "200 inputs" in the first layer's box instead of 200 boxes.
A leaf used by several boxes (an input read by 16 neurons) stays a box of its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from viz.describe import EdgeInfo, GraphDescription, NodeInfo

# How many leading parts of a scope name one folded box covers.
COLLAPSE_DEPTH = {"layer": 1, "neuron": 2}


@dataclass(frozen=True)
class GroupInfo:
    """One scope (or one piece outside every scope) drawn as a single box.

    id: "group/" + scope, or "group/" + the id of its last node for a piece outside every
        scope; unique among the drawn boxes (node ids are "n0", "n1", ...; no ":", which
        DOT would read as a port).
    name: what the box is called: the scope's last part ("neuron3"; the frame around it
        says "layer0"), or the last label of a piece outside every scope ("loss").
    scope: the scope folded ("" for a piece outside every scope).
    members: every node folded into it (its own nodes and the leaves only it uses).
    outputs: members used outside the scope (or the root itself).
    """

    id: str
    name: str
    scope: str
    members: list[NodeInfo]
    outputs: list[NodeInfo]

    @property
    def parameters(self) -> list[NodeInfo]:
        """The trained leaves inside: their gradients are what training acts on."""
        return [node for node in self.members if node.kind == "parameter"]

    @property
    def inputs(self) -> list[NodeInfo]:
        """The input and constant leaves folded in (the data the scope reads)."""
        return [node for node in self.members if node.kind in ("input", "constant")]


@dataclass(frozen=True)
class Flow:
    """An arrow between two drawn boxes, standing for one or more edges of the graph.

    source, target: ids of drawn boxes (a node's id, or a group's id).
    """

    source: str
    target: str
    edges: list[EdgeInfo]

    @property
    def blame(self) -> float | None:
        """The gradient carried back along this arrow: the sum over its edges that carry
        one; None when none does (gradients not shown, or only constants behind it)."""
        blames = [edge.blame for edge in self.edges if edge.blame is not None]
        return sum(blames) if blames else None


@dataclass(frozen=True)
class FoldedGraph:
    """What a picture draws: separate nodes, folded groups and the arrows between them."""

    nodes: list[NodeInfo]
    groups: list[GroupInfo]
    flows: list[Flow]
    root: str

    @property
    def shows_grads(self) -> bool:
        """True when gradients are shown (before backward() they are not)."""
        every_node = self.nodes + [node for group in self.groups for node in group.members]
        return any(node.grad is not None for node in every_node)

    @property
    def box_count(self) -> int:
        """How many boxes Graphviz must place: values, their op nodes, and groups."""
        op_nodes = sum(1 for node in self.nodes if node.kind == "computed")
        return len(self.nodes) + op_nodes + len(self.groups)


def fold(description: GraphDescription, collapse: str | None = None) -> FoldedGraph:
    """Fold each scope of the description into one box (see the module docstring)."""
    if collapse is None:
        flows = [Flow(edge.child, edge.parent, [edge]) for edge in description.edges]
        return FoldedGraph(list(description.nodes), [], flows, description.root)
    if collapse not in COLLAPSE_DEPTH:
        raise ValueError(f"collapse must be None, 'neuron' or 'layer', got {collapse!r}")
    box_of, names = _boxes(description, COLLAPSE_DEPTH[collapse])
    nodes = [node for node in description.nodes if box_of[node.id] == node.id]
    groups = _groups(description, box_of, names)
    flows = _flows(description.edges, box_of)
    return FoldedGraph(nodes, groups, flows, box_of[description.root])


GROUP_PREFIX = "group/"


def _boxes(description: GraphDescription,
           depth: int) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """For every node id, the id of the box it is drawn in (its own id if not folded),
    and for every group id its (name, scope)."""
    box_of, names = {}, {}
    for node in description.nodes:
        scope = "/".join(node.scope.split("/")[:depth])
        if scope:
            box_of[node.id] = GROUP_PREFIX + scope
            # The box is called by the last part; the cluster around it shows the rest.
            names[GROUP_PREFIX + scope] = (scope.rsplit("/", 1)[-1], scope)
        else:
            box_of[node.id] = node.id
    for output, members in _unscoped_pieces(description):
        group = GROUP_PREFIX + output.id
        names[group] = (output.label or "outside scopes", "")
        for member in members:
            box_of[member] = group
    _fold_private_leaves(description, box_of)
    return box_of, names


def _unscoped_pieces(description: GraphDescription) -> list[tuple[NodeInfo, list[str]]]:
    """Connected pieces of computed nodes outside every scope, each with its last node.

    A loss over a batch is such a piece: hundreds of per-sample nodes that all end in one
    mean. Folding each piece into one box (named after its last node's label, "loss")
    keeps the picture of a whole batch small even if the loss was made outside a scope.
    """
    by_id = {node.id: node for node in description.nodes}
    outside = {node.id for node in description.nodes
               if node.kind == "computed" and not node.scope}
    piece_of = {node_id: node_id for node_id in outside}  # union-find: a pointer to the piece

    def find(node_id: str) -> str:
        while piece_of[node_id] != node_id:
            piece_of[node_id] = piece_of[piece_of[node_id]]  # halve the path as we go
            node_id = piece_of[node_id]
        return node_id

    for edge in description.edges:
        if edge.child in outside and edge.parent in outside:
            piece_of[find(edge.child)] = find(edge.parent)
    pieces: dict[str, list[str]] = defaultdict(list)
    for node in description.nodes:  # topological order: each piece's last member is its output
        if node.id in outside:
            pieces[find(node.id)].append(node.id)
    return [(by_id[members[-1]], members) for members in pieces.values()]


def _fold_private_leaves(description: GraphDescription, box_of: dict[str, str]) -> None:
    """Fold each leaf made outside every scope into the one group that uses it, if one."""
    users = defaultdict(set)
    for edge in description.edges:
        users[edge.child].add(box_of[edge.parent])
    for node in description.nodes:
        if node.kind == "computed" or node.scope or len(users[node.id]) != 1:
            continue
        (only_user,) = users[node.id]
        if only_user.startswith(GROUP_PREFIX):
            box_of[node.id] = only_user


def _groups(description: GraphDescription, box_of: dict[str, str],
            names: dict[str, tuple[str, str]]) -> list[GroupInfo]:
    members: dict[str, list[NodeInfo]] = defaultdict(list)
    for node in description.nodes:
        if box_of[node.id] != node.id:
            members[box_of[node.id]].append(node)
    used_outside = {edge.child for edge in description.edges
                    if box_of[edge.child] != box_of[edge.parent]}
    used_outside.add(description.root)
    return [GroupInfo(id=box, name=names[box][0], scope=names[box][1], members=inside,
                      outputs=[node for node in inside if node.id in used_outside])
            for box, inside in members.items()]


def _flows(edges: list[EdgeInfo], box_of: dict[str, str]) -> list[Flow]:
    """One arrow per pair of boxes; edges between two unfolded nodes stay one arrow each."""
    merged: dict[tuple, list[EdgeInfo]] = {}
    for edge in edges:
        source, target = box_of[edge.child], box_of[edge.parent]
        if source == target:
            continue  # inside one folded scope: not drawn
        folded = source != edge.child or target != edge.parent
        key = (source, target) if folded else (source, target, edge.position)
        merged.setdefault(key, []).append(edge)
    return [Flow(key[0], key[1], carried) for key, carried in merged.items()]
