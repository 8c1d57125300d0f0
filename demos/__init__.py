"""Runnable lessons: python -m demos."""

import blameflow_names

# The lessons use all three packages: if something else has one of their names (your own
# nn.py in the folder you run from), say so in one line before any lesson fails oddly.
blameflow_names.require("autograd", "nn", "viz")
