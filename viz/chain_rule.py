"""The chain rule in words: one writer for every sentence viz shows about a gradient.

The SVG tooltips (graph.py), the captions of backprop_frames (frames.py) and the
explorer page all call ChainRuleWriter.words(node), so a learner reads the same
sentence wherever a gradient is explained. For a Value v of the output L it says:

    one hop: the gradient is a sum over every use of v (every edge out of it):
        dL/dv = dL/dp1 × dp1/dv + dL/dp2 × dp2/dv = 0.5 × 2 + 1 × 1 = 2
    the largest path: the gradient is also the sum, over every path from L down to v,
    of the product of the local derivatives along it; the path whose product has the
    largest magnitude is written out:
        dL/dv = dL/da × da/dz × dz/dv = 1 × 0.2 × 2 = 0.4 (largest of 3 paths)
    where: what each short name stands for, when the name alone does not say
        ("dot(…) is the dot node in layer0/neuron3").

Names are short so that fractions stay readable: a label's last part ("w1" for
"layer0/neuron3/w1"), an unlabelled Value's expression ("x × w", "tanh(…)"), a
constant's number. Scope paths go into the "where" line, never into a fraction. Two
different Values with the same short name in one sentence get subscripts (dot(…)₁).
A sum of many terms shows its largest ones and counts the rest.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from viz.describe import EdgeInfo, GraphDescription, NodeInfo
from viz.fold import FoldedGraph
from viz.style import format_number

TIMES = "×"
# How infix ops are written in names: "*" would read as a footnote, and "x" is a variable.
INFIX = {"+": "+", "-": "-", "*": TIMES, "/": "/", "**": "^"}
# An unlabelled Value is named by its expression while it stays this short, else "tanh(…)".
MAX_NAME_LENGTH = 24
# A sum with more terms than this shows its LARGEST_TERMS largest and counts the rest.
MAX_TERMS = 4
LARGEST_TERMS = 3
# A path with more factors than this shows its first and last few, with the count between.
MAX_FACTORS = 10  # lesson 3: a first-layer weight is 9 steps from the loss
EDGE_FACTORS = 3
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
OUTPUT = "L"  # the name of an unlabelled output
# How tightly each infix op binds: x × w + b means (x × w) + b.
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 3}
IDENTIFIER = re.compile(r"[^\W\d]\w*[₀-₉]*")
NUMBERED_EXPRESSION = re.compile(r"\(.*\)[₀-₉]+")


@dataclass(frozen=True)
class _Term:
    """One use of a Value: parent p read it, so dL/dv gets dL/dp × dp/dv."""

    edge: EdgeInfo
    note: str  # "" or " (argument 2)" when p reads v more than once


class ChainRuleWriter:
    """Writes the chain rule behind each gradient of one graph, with its numbers.

    nodes, edges: a graph as describe.py gives it (nodes in topological order).
    root: the output's id; gradients are d root / d node.
    paths: False when edges is not the whole graph (a folded picture leaves out the
        edges inside its boxes): the largest-path line is then left out.
    """

    def __init__(self, nodes: list[NodeInfo], edges: list[EdgeInfo], root: str,
                 paths: bool = True) -> None:
        self.nodes = {node.id: node for node in nodes}
        self.root = root
        self.out_of: dict[str, list[EdgeInfo]] = defaultdict(list)
        self.into: dict[str, list[EdgeInfo]] = defaultdict(list)
        for edge in edges:
            self.out_of[edge.child].append(edge)
            self.into[edge.parent].append(edge)
        self._names = _short_names(nodes, self.into, root)
        self._descriptions = _descriptions(nodes, self._names)
        labels = Counter(node.label for node in nodes if node.label)
        self._shared_label = {label: count > 1 for label, count in labels.items()}
        self._paths = _largest_paths(nodes, self.out_of, root) if paths else None
        self._constant = _made_of_constants(nodes, self.into)

    @classmethod
    def of(cls, description: GraphDescription) -> ChainRuleWriter:
        return cls(description.nodes, description.edges, description.root)

    @classmethod
    def of_picture(cls, folded: FoldedGraph) -> ChainRuleWriter:
        """The writer for a drawn graph: every Value, drawn or folded into a box, and the
        edges between boxes. Folding leaves out the edges inside each box, so a folded
        picture's sentences have the one-hop sum but not the largest path."""
        every = folded.nodes + [member for group in folded.groups for member in group.members]
        every.sort(key=lambda node: int(node.id.removeprefix("n")))  # topological order
        edges = [edge for flow in folded.flows for edge in flow.edges]
        # The output is made last: the end of the topological order.
        return cls(every, edges, every[-1].id, paths=not folded.groups)

    # ---- names ---------------------------------------------------------------------------
    def name(self, node_id: str) -> str:
        """The short name of a Value: "w1", "x × w", "tanh(…)", "2"."""
        return self._names[node_id]

    def describe(self, node_id: str) -> str:
        """What a Value is, in words: "w1 in layer0/neuron3", "a tanh node in neuron0"."""
        return self._descriptions[node_id]

    def needs_describing(self, node_id: str) -> bool:
        """True when the short name leaves out what the reader needs: a cut-off scope path
        ("w1" of "layer0/neuron3/w1"), an abbreviation ("tanh(…)"), a shared label, the
        output's "L"."""
        node, name = self.nodes[node_id], self._names[node_id]
        if node.label:
            return name != node.label or self._shared_label[node.label]
        # "tanh(…)" in a scope: say which; outside every scope there is nothing to add.
        return name == OUTPUT or (name == _abbreviation(node) and bool(node.scope))

    # ---- the sentences -----------------------------------------------------------------
    def words(self, node_id: str) -> str:
        """The chain rule behind node's gradient: one line per part (see the module doc).

        The output's own gradient is the seed of the backward pass: dL/dL = 1, unless the
        output is made from constants alone (then, as for any such Value, none is computed).
        """
        if node_id in self._constant:
            name = self._names[node_id]
            return (f"{_fraction(self._names[self.root], name)} is not computed: "
                    f"{self._no_gradient(node_id)}: grad 0")
        if node_id == self.root:
            top = self._names[node_id]
            return (f"{_fraction(top, top)} = 1: the seed of the backward pass "
                    f"(the output changes one for one with itself)")
        mentions = _Mentions(self)
        lines = [self._one_hop(node_id, mentions)]
        path = self._path_line(node_id, mentions)
        if path:
            lines.append(path)
        lines.extend(mentions.where())
        return "\n".join(lines)

    def formula(self, node_id: str) -> str:
        """How the forward pass made a Value: "z = x × w = -6", or what leaf it is."""
        node = self.nodes[node_id]
        value = format_number(node.data)
        name = self._names[node_id]
        if node.kind != "computed":
            article = "an" if node.kind[0] in "aeiou" else "a"
            return f"{name} is {article} {node.kind}: {value}"
        expression = _expression(node, [self._names[e.child] for e in self.into[node_id]])
        if not node.label and node_id != self.root:
            expression = name  # an unlabelled Value's name is its expression (or "tanh(…)")
        if len(expression) > 3 * MAX_NAME_LENGTH:
            expression = f"{node.op} of {len(self.into[node_id]):,} values"
        if expression == name:
            return f"{name} = {value}"
        return f"{name} = {expression} = {value}"

    def blame(self, edge: EdgeInfo) -> str:
        """The blame on one arrow: what the parent's gradient sends back to the child."""
        if edge.blame is None and edge.parent_grad is not None:
            return f"no blame: {self._no_gradient(edge.child)}"
        mentions = _Mentions(self)
        top = mentions.name(self.root)
        parent, child = mentions.name(edge.parent), mentions.name(edge.child)
        line = (f"blame = {_fraction(top, parent)} {TIMES} {_fraction(parent, child)} = "
                f"{format_number(edge.parent_grad)} {TIMES} "
                f"{format_number(edge.local_derivative)} = {format_number(edge.blame)}")
        return "\n".join([line, *mentions.where()])

    def local(self, edge: EdgeInfo) -> str:
        """One local derivative with its number: "d(x × w)/dw = 2"."""
        if edge.child in self._constant:
            return (f"{_fraction(self._names[edge.parent], self._names[edge.child])}: "
                    f"not needed, {self._no_gradient(edge.child)}")
        return (f"{_fraction(self._names[edge.parent], self._names[edge.child])} = "
                f"{format_number(edge.local_derivative)}")

    def _no_gradient(self, node_id: str) -> str:
        """Why a constant (or a Value made from constants alone) has no gradient."""
        name = self._names[node_id]
        what = "a constant" if self.nodes[node_id].kind == "constant" else \
            "made from constants only"
        return f"{name} is {what}, which nothing trains, so backward() skips it"

    def _one_hop(self, node_id: str, mentions: _Mentions) -> str:
        """dL/dv as the sum over v's uses, the largest terms first when there are many."""
        terms = _terms(self.out_of[node_id])
        top, bottom = mentions.name(self.root), mentions.name(node_id)
        grad = format_number(self.nodes[node_id].grad)
        if len(terms) > MAX_TERMS:
            terms = sorted(terms, key=lambda term: -_magnitude(term.edge.blame))
            shown, rest = terms[:LARGEST_TERMS], terms[LARGEST_TERMS:]
        else:
            shown, rest = terms, []
        symbols = [f"{_fraction(top, mentions.name(t.edge.parent))} {TIMES} "
                   f"{_fraction(mentions.name(t.edge.parent), bottom)}{t.note}" for t in shown]
        numbers = [f"{format_number(t.edge.parent_grad)} {TIMES} "
                   f"{format_number(t.edge.local_derivative)}" for t in shown]
        if rest:
            total = sum(t.edge.blame for t in rest if t.edge.blame is not None)
            symbols.append(f"{len(rest):,} more terms")
            numbers.append(f"{len(rest):,} more terms totalling {format_number(total)}")
        return (f"{_fraction(top, bottom)} = {' + '.join(symbols)} = {' + '.join(numbers)}"
                f" = {grad}")

    def _path_line(self, node_id: str, mentions: _Mentions) -> str:
        """The product along the largest path from the output, if it has two steps or more."""
        if self._paths is None:
            return ""
        path, count = self._paths.path(node_id), self._paths.count[node_id]
        if len(path) < 2 or (len(path) == 2 and count == 1):
            return ""  # the one-hop line already says it
        top, bottom = mentions.name(self.root), mentions.name(node_id)
        if len(path) <= MAX_FACTORS:
            chain = [self.root] + [edge.child for edge in path]
            symbols = f" {TIMES} ".join(
                _fraction(mentions.name(upper), mentions.name(lower))
                for upper, lower in zip(chain, chain[1:]))
        else:  # twenty fractions of look-alike names would bury the numbers
            symbols = f"the product of its {len(path)} local derivatives"
        product = math.prod(edge.local_derivative for edge in path)
        which = "the only path" if count == 1 else f"largest of {_count(count)} paths"
        return (f"{_fraction(top, bottom)} along the largest path = {symbols} = "
                f"{_product([format_number(edge.local_derivative) for edge in path])} = "
                f"{format_number(product)} ({which})")


# ---- names ------------------------------------------------------------------------------
def _short_names(nodes: list[NodeInfo], into: dict[str, list[EdgeInfo]],
                 root: str) -> dict[str, str]:
    """Each Value's short name; unlabelled ones from their children's (topological order).

    An unlabelled output is "L", as in dL/dw.
    """
    names: dict[str, str] = {}
    precedence: dict[str, int] = {}  # of an unlabelled infix expression's outer op
    for node in nodes:
        if node.label:  # nn's "layer0/neuron3/w1" made in scope "layer0/neuron3": "w1"
            names[node.id] = node.label.removeprefix(f"{node.scope}/") or node.label
        elif node.id == root:
            names[node.id] = OUTPUT
        elif node.kind == "constant":
            names[node.id] = format_number(node.data)
        elif node.kind != "computed":
            names[node.id] = node.kind  # an unlabelled input or parameter
        else:
            arguments = [_operand(names[e.child], precedence.get(e.child), node, e.position)
                         for e in into[node.id]]
            expression = _expression(node, arguments)
            # A dot or sum of many inputs is named "dot(…)": its arguments are in the graph.
            short = len(expression) <= MAX_NAME_LENGTH and len(arguments) <= 2
            names[node.id] = expression if short else _abbreviation(node)
            if node.symbol in PRECEDENCE and len(arguments) == 2:
                precedence[node.id] = PRECEDENCE[node.symbol]
    return names


def _operand(name: str, inner: int | None, outer: NodeInfo, position: int) -> str:
    """An argument as it reads inside node's expression, bracketed only where needed:
    "x × w + b", but "(a + b) × c" and "a - (b - c)"."""
    if inner is None or outer.symbol not in PRECEDENCE:
        return name
    needed = PRECEDENCE[outer.symbol]
    if inner < needed or (inner == needed and position == 1 and outer.symbol in "-/**"):
        return f"({name})"
    return name


def _expression(node: NodeInfo, arguments: list[str]) -> str:
    """node's op applied to its arguments: "x × w" for an infix op, else "tanh(z)"."""
    symbol = node.symbol or node.op
    if len(arguments) == 2 and symbol in INFIX:
        return f" {INFIX[symbol]} ".join(arguments)
    return f"{symbol}({', '.join(arguments)})"


def _abbreviation(node: NodeInfo) -> str:
    """A long expression's short name: "tanh(…)", "… + …"."""
    symbol = node.symbol or node.op
    return f"… {INFIX[symbol]} …" if symbol in INFIX else f"{symbol}(…)"


def _descriptions(nodes: list[NodeInfo], names: dict[str, str]) -> dict[str, str]:
    """What each Value is, in words, with its scope: never an internal id."""
    same_label = Counter(node.label for node in nodes if node.label)
    seen: Counter = Counter()
    descriptions = {}
    for node in nodes:
        where = node.scope
        if node.label:
            seen[node.label] += 1
            text = f"{names[node.id]} in {where}" if where else names[node.id]
            if same_label[node.label] > 1:
                text += f" (value {seen[node.label]:,} of the {same_label[node.label]:,} " \
                        f"labelled {node.label})"
        elif node.kind == "computed":
            text = f"the {node.op} node{f' in {where}' if where else ''}"
            if names[node.id] == OUTPUT:
                text = f"the output, {text}"
        else:
            text = f"an unlabelled {node.kind}{f' in {where}' if where else ''}"
        descriptions[node.id] = text
    return descriptions


class _Mentions:
    """The Values one sentence names: subscripts for look-alikes, and the "where" line."""

    def __init__(self, writer: ChainRuleWriter) -> None:
        self.writer = writer
        self.by_name: dict[str, list[str]] = defaultdict(list)

    def name(self, node_id: str) -> str:
        base = self.writer.name(node_id)
        alike = self.by_name[base]
        if node_id not in alike:
            alike.append(node_id)
        return _numbered(base, alike.index(node_id))

    def where(self) -> list[str]:
        """One line saying what the names stand for, if any name needs it."""
        meanings = []
        for base, ids in self.by_name.items():
            described = [self.writer.describe(node_id) for node_id in ids]
            # Look-alikes are worth telling apart only if their descriptions differ.
            apart = len(set(described)) > 1
            for index, node_id in enumerate(ids):
                if apart or self.writer.needs_describing(node_id):
                    # "w1: in layer0/neuron3", "dot(…)₂: the dot node in layer0/neuron6"
                    meaning = described[index].removeprefix(f"{base} ")
                    meanings.append(f"{_numbered(base, index)}: {meaning}")
        return [f"where {'; '.join(meanings)}"] if meanings else []


def _numbered(name: str, index: int) -> str:
    """The index-th Value called name in one sentence: name, then name₂, (x × w)₂, ..."""
    if index == 0:
        return name
    return f"{name if ' ' not in name else f'({name})'}{str(index + 1).translate(SUBSCRIPTS)}"


def _fraction(top: str, bottom: str) -> str:
    """d top / d bottom, written so a name reads as one thing: dL/dw, d loss/d w1, d(x × w)/dx."""
    return f"d{_part(top)}/d{_part(bottom)}"


def _part(name: str) -> str:
    if NUMBERED_EXPRESSION.fullmatch(name):
        return name
    if IDENTIFIER.fullmatch(name):
        return name if len(name) == 1 else f" {name}"
    return f"({name})"


def _terms(out_of: list[EdgeInfo]) -> list[_Term]:
    """One term per use; x × x reads x twice, so its two terms say which argument each is."""
    uses = Counter(edge.parent for edge in out_of)
    return [_Term(edge, f" (argument {edge.position + 1})" if uses[edge.parent] > 1 else "")
            for edge in out_of]


def _magnitude(x: float | None) -> float:
    return abs(x) if x is not None and not math.isnan(x) else 0.0


def _product(factors: list[str]) -> str:
    """factors joined by ×; a long product shows its ends and counts the middle."""
    if len(factors) > MAX_FACTORS:
        factors = [*factors[:EDGE_FACTORS],
                   f"({len(factors) - 2 * EDGE_FACTORS} more factors)",
                   *factors[-EDGE_FACTORS:]]
    return f" {TIMES} ".join(factors)


def _count(count: int) -> str:
    """How many paths: exactly while it is readable, else roughly ("about 3.4e+12")."""
    return f"{count:,}" if count < 10**6 else f"about {count:.2g}"


def _made_of_constants(nodes: list[NodeInfo], into: dict[str, list[EdgeInfo]]) -> set[str]:
    """Constants, and Values computed from constants alone: backward() gives them no
    gradient (autograd.backward), so their sentence says so instead of a sum."""
    constant: set[str] = set()
    for node in nodes:  # topological order: children first
        children = into.get(node.id, [])
        if node.kind == "constant" or (children and all(e.child in constant for e in children)):
            constant.add(node.id)
    return constant


# ---- the largest path -------------------------------------------------------------------
@dataclass(frozen=True)
class _Paths:
    """For every Value, the last edge of the path from the output whose product of local
    derivatives has the largest magnitude, and how many paths there are in all."""

    best_edge: dict[str, EdgeInfo]
    count: dict[str, int]

    def path(self, node_id: str) -> list[EdgeInfo]:
        """The edges of the largest path, from the output down to node_id."""
        edges = []
        while node_id in self.best_edge:
            edge = self.best_edge[node_id]
            edges.append(edge)
            node_id = edge.parent
        return edges[::-1]


def _largest_paths(nodes: list[NodeInfo], out_of: dict[str, list[EdgeInfo]],
                   root: str) -> _Paths:
    """Dynamic programming from the output down, parents before children.

    |product along a path| is the product of the |local derivatives| on it, so the
    largest path to v goes through the parent p maximising largest(p) × |dp/dv|: the
    best path to p followed by one more edge. The number of paths to v is the sum of the
    numbers of paths to its parents.
    """
    largest = {root: 1.0}
    count = {root: 1}
    best_edge: dict[str, EdgeInfo] = {}
    for node in reversed(nodes):
        if node.id == root:
            continue
        uses = out_of.get(node.id, [])
        count[node.id] = sum(count.get(edge.parent, 0) for edge in uses)
        for edge in uses:
            if edge.parent not in largest:
                continue
            size = largest[edge.parent] * _magnitude(edge.local_derivative)
            if node.id not in largest or size > largest[node.id]:
                largest[node.id], best_edge[node.id] = size, edge
    return _Paths(best_edge, count)
