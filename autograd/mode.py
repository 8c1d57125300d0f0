"""Grad mode and scopes: the two pieces of state that shape every node as it is created.

`no_grad()` switches graph building off (as `torch.no_grad` does): results are plain
constant leaves, so nothing is kept for a backward pass. `scope(name)` tags every node
created inside it with a path such as "layer0/neuron3"; `viz` uses those tags to draw
clusters, and `nn` names its scopes after layers and neurons.

The state is process-wide, not per thread: it is read on every node creation, and a
module attribute is the cheapest thing to read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

grad_enabled: bool = True
current_scope: str = ""


def is_grad_enabled() -> bool:
    """True when operations on Values record the graph (the default)."""
    return grad_enabled

class _GradMode(contextlib.ContextDecorator):
    """Sets grad mode for a `with` block or for every call of a decorated function."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._saved: list[bool] = []

    def __enter__(self) -> None:
        global grad_enabled
        self._saved.append(grad_enabled)
        grad_enabled = self.enabled

    def __exit__(self, *exc_info: object) -> None:
        global grad_enabled
        grad_enabled = self._saved.pop()

def no_grad() -> _GradMode:
    """Build no graph inside: `with no_grad(): ...` or `@no_grad()` on a function.

    Use it for evaluation and for optimizer updates, where gradients are not wanted.
    """
    return _GradMode(False)

def enable_grad() -> _GradMode:
    """Build the graph again inside, even within an outer `no_grad()`."""
    return _GradMode(True)

@contextlib.contextmanager
def scope(name: str) -> Iterator[str]:
    """Tag every node created inside with `name`; nested scopes join with "/".

    >>> with scope("layer0"):
    ...     with scope("neuron3"):
    ...         ...  # nodes made here have .scope == "layer0/neuron3"
    """
    global current_scope
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"scope name must be a non-empty string without '/', got {name!r}")
    outer = current_scope
    current_scope = f"{outer}/{name}" if outer else name
    try:
        yield current_scope
    finally:
        current_scope = outer

