"""viz: pictures of the backprop graph, and of training.

    draw_graph(root)              the graph as a graphviz.Digraph (inline in Jupyter)
    render(root, "graph.svg")     saved as .svg, .png or .pdf (system dot, else wasm)
    backprop_frames(root, "dir")  one SVG per step of the reverse sweep
    plot_history(history), plot_decision_boundary(model, X, y)   matplotlib Figures
                                  (give a path, "loss.png", to save them as well);
                                  also plot_loss_curves, plot_input_gradients, plot_matrices
    explore(root, "graph.html")   one offline HTML page to step through both passes
                                  (explore(root) writes nothing: it shows in Jupyter)
    training_view(history, "train.html", X=X, y=y)   one offline page to watch training
                                  (a fit(..., record=k) History, or a list to compare)
    describe_graph(root)          the nodes and edges with their numbers, as plain data

In Jupyter each of these shows its picture or page when it is a cell's value, and the
paths returned are still paths (viz/notebook.py).

viz reads the graph through autograd only; it learns about neurons and layers from the
scope names nn gives to nodes, and never imports nn.
"""

import blameflow_names

# viz reads blameflow's autograd graphs: if something else has that name, say so in one line.
blameflow_names.require("autograd")

from viz.backends import available_renderer
from viz.describe import EdgeInfo, GraphDescription, NodeInfo, describe_graph
from viz.errors import GraphTooLargeError, RendererNotFoundError, RenderError
from viz.explorer import explore
from viz.fold import Flow, FoldedGraph, GroupInfo, fold
from viz.frames import backprop_frames
from viz.graph import MAX_NODES, BlameGraph, draw_graph
from viz.notebook import ExplorerPage, Frames, SavedFile, TrainingPage
from viz.plots import (
    plot_decision_boundary,
    plot_history,
    plot_input_gradients,
    plot_loss_curves,
    plot_matrices,
)
from viz.render import render
from viz.training_view import training_view

__all__ = [
    "MAX_NODES", "BlameGraph", "EdgeInfo", "ExplorerPage", "Flow", "FoldedGraph", "Frames",
    "GraphDescription", "GraphTooLargeError", "GroupInfo", "NodeInfo", "RenderError",
    "RendererNotFoundError", "SavedFile", "TrainingPage", "available_renderer", "backprop_frames",
    "describe_graph", "draw_graph", "explore", "fold", "plot_decision_boundary",
    "plot_history", "plot_input_gradients", "plot_loss_curves", "plot_matrices", "render",
    "training_view",
]
