"""The creation clock: in what order Values were made and leaves were changed.

Every Value takes the next tick of one counter when it is made. Children always exist
before their parents, so sorting nodes by their tick is a topological order: both sweeps
walk it in reverse, the same order on every run. A leaf given a new number takes a new
tick too (leaves changed together by set_data, as an optimizer's step does, share one),
and `last_change` remembers the latest such tick: a graph whose nodes are all younger than
it cannot hold an old number (see backward.refuse_stale).
"""

from __future__ import annotations

import itertools

tick = itertools.count().__next__
"""tick() -> the next number of the clock."""

last_change = -1
"""The tick of the latest change of any leaf's number (-1: none yet)."""
