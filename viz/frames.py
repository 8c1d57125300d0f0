"""backprop_frames: the reverse sweep as a numbered series of pictures, one step each.

backward() visits the nodes in reverse creation order. When it reaches a node, every
parent of that node has already sent its share of blame back, so the node's gradient
is complete: the sum of the blame on the arrows leaving it. Each frame shows one such
moment: the node just completed has a gold border, the arrows whose blame made up its
gradient are outlined in gold, and nodes not yet reached still show "grad -".
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from autograd import Value
from viz.backends import render_source
from viz.chain_rule import ChainRuleWriter
from viz.describe import GraphDescription, NodeInfo, describe_sweep
from viz.files import write_atomically
from viz.fold import fold
from viz.graph import MAX_NODES, check_size, graph_of, scale_of
from viz.notebook import Frames

FRAME_PATTERN = "step{:04d}.svg"


def backprop_frames(root: Value, folder: str | os.PathLike,
                    max_nodes: int = MAX_NODES) -> Frames:
    """Write folder/step0000.svg, step0001.svg, ...: one SVG per step of the reverse sweep.

    The numbers come from one fresh sweep (autograd.gradients), not from .grad, so the
    frames are the same whether or not backward() has run, and no .grad is changed.
    Frames left in folder by an earlier, longer run are removed. Returns the paths, as a
    list that Jupyter shows as the row of pictures.
    """
    complete = describe_sweep(root)
    check_size(fold(complete), max_nodes, collapse=None)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old_frame in folder.glob("step*.svg"):
        old_frame.unlink()
    scale = scale_of(fold(complete))  # one scale for all frames: a colour keeps its meaning
    writer = ChainRuleWriter.of(complete)
    paths = []
    for step, node in enumerate(reversed(complete.nodes)):
        frame = _frame(complete, done=len(complete.nodes) - step - 1)
        picture = graph_of(fold(frame), scale=scale, highlight=node.id,
                           title=_caption(step, len(complete.nodes), node, writer))
        path = folder / FRAME_PATTERN.format(step)
        write_atomically(path, render_source(picture.source, "svg"))
        paths.append(path)
    return Frames(paths)


def _frame(complete: GraphDescription, done: int) -> GraphDescription:
    """The description as it stands when the sweep has completed nodes[done:].

    Gradients of nodes not reached yet are hidden, and so is the blame of arrows whose
    parent has not been reached: that blame has not been sent yet.
    """
    reached = {node.id for node in complete.nodes[done:]}
    nodes = [node if node.id in reached else dataclasses.replace(node, grad=None)
             for node in complete.nodes]
    edges = [edge if edge.parent in reached else
             dataclasses.replace(edge, parent_grad=None, blame=None)
             for edge in complete.edges]
    return GraphDescription(nodes=nodes, edges=edges, root=complete.root)


def _caption(step: int, count: int, node: NodeInfo, writer: ChainRuleWriter) -> str:
    """What happened at this step, then the chain rule behind the gradient just completed
    (the same words as the explorer's and the tooltips'), one part per line."""
    heading = f"step {step + 1} of {count}: the gradient of {writer.name(node.id)} is complete"
    return f"{heading}\n{writer.words(node.id)}"
