"""How numbers, signs and sizes look in every viz picture.

One convention everywhere: red means positive, blue negative, grey zero or unknown.
A node's gradient d(output)/d(node) > 0 says "raising this value raises the output";
< 0 says it lowers it. The stronger the colour or the wider the arrow, the larger the
number compared with the largest one in the same picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

POSITIVE = "#c0392b"   # red
NEGATIVE = "#2166ac"   # blue
NEUTRAL = "#8c8c8c"    # grey: zero, or not known yet
HIGHLIGHT = "#f0a800"  # gold: what backprop_frames points at
NO_GRAD_FILL = "#f2f2f2"
GROUP_FILL = "#ece6f5"
OP_FILL = "#e4e4e4"

MIN_WIDTH, MAX_WIDTH = 1.0, 5.0
# Fill strength for the smallest nonzero and the largest gradient: light enough that
# black text stays readable on the strongest fill.
MIN_TINT, MAX_TINT = 0.12, 0.6


def _mix_with_white(colour: str, amount: float) -> str:
    """The colour `amount` of the way from white to `colour` ("#rrggbb")."""
    channels = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    mixed = (round(255 - (255 - channel) * amount) for channel in channels)
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def format_number(x: float | None) -> str:
    """4 significant digits ("0.3333", "-2", "1.235e+05"); "-" for a number not known."""
    if x is None:
        return "-"
    return f"{x + 0.0:.4g}"  # + 0.0 turns -0.0 into 0.0: "-0" would read as negative


def sign_colour(x: float | None) -> str:
    """Red for positive, blue for negative, grey for zero, nan or unknown."""
    if x is None or math.isnan(x) or x == 0:
        return NEUTRAL
    return POSITIVE if x > 0 else NEGATIVE


def _share(x: float, largest: float) -> float:
    """|x| as a fraction of the largest magnitude in the picture, in [0, 1]."""
    if largest <= 0 or math.isnan(x) or not math.isfinite(largest):
        return 0.0
    return min(abs(x) / largest, 1.0)


def fill_colour(grad: float | None, largest: float) -> str:
    """A node's fill: white for 0, a tint of the sign's colour growing with |grad|."""
    if grad is None:
        return NO_GRAD_FILL
    if grad == 0 or math.isnan(grad):
        return "#ffffff"
    tint = MIN_TINT + (MAX_TINT - MIN_TINT) * _share(grad, largest)
    return _mix_with_white(sign_colour(grad), tint)



def edge_width(blame: float | None, largest: float) -> float:
    """Arrow pen width: 1 for no blame, up to 5 for the largest |blame| in the picture."""
    if blame is None:
        return MIN_WIDTH
    return round(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * _share(blame, largest), 2)


@dataclass(frozen=True)
class Scale:
    """The largest |grad| and |blame| of a picture: what colours and widths compare to.

    backprop_frames uses one Scale for all its frames, so a colour means the same number
    in every frame.
    """

    largest_grad: float
    largest_blame: float


def largest_magnitude(numbers: list[float | None]) -> float:
    """max |x| over the known, finite numbers (0.0 if there are none)."""
    known = [abs(x) for x in numbers if x is not None and math.isfinite(x)]
    return max(known, default=0.0)
