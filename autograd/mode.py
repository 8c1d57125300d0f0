"""Grad mode and scopes: the two pieces of state that shape every node as it is created.

`no_grad()` switches graph building off (as `torch.no_grad` does): results are plain
constant leaves, so nothing is kept for a backward pass. `scope(name)` tags every node
created inside it with a path such as "layer0/neuron3"; `viz` uses those tags to draw
clusters, and `nn` names its scopes after layers and neurons.

The state belongs to the thread and the asyncio task that set it, never to the whole
process: a `no_grad()` in one thread must not quietly leave another thread's graph
empty (PyTorch's grad mode is thread-local too). It lives in one `contextvars.ContextVar`
holding the pair (grad enabled, scope path): a new thread starts from the defaults
(enabled, no scope), and an asyncio task starts from a copy of its creator's state, which
it may change without touching anyone else's. One variable, so that making a node reads
it once.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar, Token
from typing import Any

_STATE: ContextVar[tuple[bool, str]] = ContextVar("blameflow_grad_mode_and_scope",
                                                   default=(True, ""))

read = _STATE.get
"""read() -> (grad enabled, scope path) for the calling thread or task."""


def is_grad_enabled() -> bool:
    """True when operations on Values record the graph (the default)."""
    return read()[0]


def current_scope() -> str:
    """The scope path new nodes get here ("layer0/neuron3"), or "" outside any scope."""
    return read()[1]


class _GradMode:
    """Sets grad mode for a `with` block or for every call of a decorated function."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._tokens: list[Token] = []  # a stack: the same object may be entered nested

    def __enter__(self) -> None:
        _, scope_path = read()
        self._tokens.append(_STATE.set((self.enabled, scope_path)))

    def __exit__(self, *exc_info: object) -> None:
        _STATE.reset(self._tokens.pop())

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """As a decorator: each call gets a fresh mode object of its own, so that threads
        calling the function at the same time never share one stack of tokens."""
        enabled = self.enabled

        @functools.wraps(function)
        def with_grad_mode(*args: Any, **kwargs: Any) -> Any:
            with _GradMode(enabled):
                return function(*args, **kwargs)

        return with_grad_mode


def no_grad() -> _GradMode:
    """Build no graph inside: `with no_grad(): ...` or `@no_grad()` on a function.

    Use it for evaluation and for optimizer updates, where gradients are not wanted.
    It applies to the calling thread (or asyncio task) only.
    """
    return _GradMode(False)


def enable_grad() -> _GradMode:
    """Build the graph again inside, even within an outer `no_grad()`."""
    return _GradMode(True)


@contextlib.contextmanager
def scope(name: str) -> Iterator[str]:
    """Tag every node created inside with `name`; nested scopes join with "/".

    >>> from autograd import Value
    >>> with scope("layer0"):
    ...     with scope("neuron3"):
    ...         y = Value(2.0) * 3.0
    >>> y.scope
    'layer0/neuron3'

    Like grad mode, a scope applies to the calling thread (or asyncio task) only.
    """
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"scope name must be a non-empty string without '/', got {name!r}")
    enabled, outer = read()
    path = f"{outer}/{name}" if outer else name
    token = _STATE.set((enabled, path))
    try:
        yield path
    finally:
        _STATE.reset(token)
