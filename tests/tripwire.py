"""Tripwire: a parameter that can set off a Ctrl-C in the middle of an optimizer step.

The tests of "a step is never half-applied" need an interrupt between two parameter
updates. A Tripwire is a Value whose next assignment to .data first runs an action: raise
KeyboardInterrupt there (as a custom signal handler would), or send a real SIGINT (what
Ctrl-C does), which Python turns into KeyboardInterrupt with its usual handler.
"""

from __future__ import annotations

import signal
from collections.abc import Callable

from autograd import Value


class Tripwire(Value):
    __slots__ = ("action",)

    def __init__(self, data: float, label: str = "") -> None:
        self.action: Callable[[], None] | None = None
        super().__init__(data, label=label, kind="parameter")

    @property  # type: ignore[override]
    def data(self) -> float:
        return Value.data.__get__(self)

    @data.setter
    def data(self, number: float) -> None:
        action, self.action = self.action, None  # fires once
        if action is not None:
            action()
        Value.data.__set__(self, number)


def raise_interrupt() -> None:
    raise KeyboardInterrupt


def press_ctrl_c() -> None:
    signal.raise_signal(signal.SIGINT)
