"""Argument checks shared by nn: each raises an error that names the argument and the rule.

bool is a subclass of int in Python, so `True` would pass as the number 1; a bool where
a number belongs is almost always a mistake, and these checks reject it.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from autograd.functions import is_number  # the engine's rule: a real number, not a bool


def check_int(n: Any, where: str, least: int = 1) -> int:
    """n itself if it is an int >= least; else ValueError naming `where`."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < least:
        raise ValueError(f"{where} must be an int >= {least}, got {n!r}")
    return int(n)


def check_nonnegative(x: Any, where: str) -> float:
    """float(x) if x is a finite number >= 0; else ValueError naming `where`."""
    if not is_number(x) or not math.isfinite(x) or x < 0:
        raise ValueError(f"{where} must be a finite number >= 0, got {x!r}")
    return float(x)


def check_fraction(x: Any, where: str) -> float:
    """float(x) if 0 <= x < 1 (a momentum, a decay rate); else ValueError naming `where`."""
    if not is_number(x) or not 0 <= x < 1:
        raise ValueError(f"{where} must be a number in [0, 1), got {x!r}")
    return float(x)
