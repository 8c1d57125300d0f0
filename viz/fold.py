"""Folding scopes: what to draw as separate boxes, and which arrows connect them.

An MLP over a batch has thousands of nodes, far too many to read (or for Graphviz to lay
out). `nn` creates every neuron's nodes inside `scope("layer0")` / `scope("neuron3")`, so
a node's scope says which layer and neuron it belongs to. Folding draws each scope as one
box and merges the arrows between two boxes into one, whose blame is the sum of the blame
of the edges it stands for.

    collapse=None      every Value is its own box, every edge its own arrow
    collapse="neuron"  one box per "layer0/neuron3" (the first two parts of the scope)
    collapse="layer"   one box per "layer0" (the first part)

Nodes outside every scope stay separate boxes, except leaves (inputs, constants,
parameters) used by a single folded scope only: they fold into it, so a batch's 200
inputs become the words "200 inputs" in the first layer's box instead of 200 boxes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from viz.describe import EdgeInfo, GraphDescription, NodeInfo

# How many leading parts of a scope name one folded box covers.
COLLAPSE_DEPTH = {"layer": 1, "neuron": 2}


@dataclass(frozen=True)
class GroupInfo:
    """One scope drawn as a single box.

    id: "group/" + scope, unique among the drawn boxes (node ids are "n0", "n1", ...;
        no ":" either, which DOT would read as a port).
    members: every node folded into it (its own nodes and the leaves only it uses).
    outputs: members used outside the scope (or the root itself).
    """

    id: str
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
        """The gradient carried back along this arrow: the sum over its edges."""
        if self.edges[0].blame is None:
            return None
        return sum(edge.blame for edge in self.edges)


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
    box_of = _boxes(description, COLLAPSE_DEPTH[collapse])
    nodes = [node for node in description.nodes if box_of[node.id] == node.id]
    groups = _groups(description, box_of)
    flows = _flows(description.edges, box_of)
    return FoldedGraph(nodes, groups, flows, box_of[description.root])


GROUP_PREFIX = "group/"


def group_id(scope: str) -> str:
    return f"{GROUP_PREFIX}{scope}"


def _boxes(description: GraphDescription, depth: int) -> dict[str, str]:
    """For every node id, the id of the box it is drawn in (its own id if not folded)."""
    box_of = {}
    for node in description.nodes:
        scope = "/".join(node.scope.split("/")[:depth])
        box_of[node.id] = group_id(scope) if scope else node.id
    parents = defaultdict(set)
    for edge in description.edges:
        parents[edge.child].add(box_of[edge.parent])
    for node in description.nodes:
        users = parents[node.id]
        leaf_outside_scopes = node.kind != "computed" and not node.scope
        if leaf_outside_scopes and len(users) == 1:
            (only_user,) = users
            if only_user.startswith(GROUP_PREFIX):
                box_of[node.id] = only_user
    return box_of


def _groups(description: GraphDescription, box_of: dict[str, str]) -> list[GroupInfo]:
    members: dict[str, list[NodeInfo]] = defaultdict(list)
    for node in description.nodes:
        if box_of[node.id] != node.id:
            members[box_of[node.id]].append(node)
    used_outside = {edge.child for edge in description.edges
                    if box_of[edge.child] != box_of[edge.parent]}
    used_outside.add(description.root)
    return [GroupInfo(id=box, scope=box.removeprefix(GROUP_PREFIX), members=inside,
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
