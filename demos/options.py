"""Checked values for the lessons' command-line options (blameflow lesson NAME --help).

A lesson declares its options in add_options(parser) with these as argparse types: each
turns the text typed after an option into a number, or says in one line what it expected
(argparse then exits with status 2, as for any usage error).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


class OptionError(ValueError):
    """Options that are each fine but do not fit together (a weight the network does not
    have); the command line shows the message on one line and exits with status 2."""


def number(text: str) -> float:
    """Any finite number: "0.4", "-1e-3"."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_number(text: str) -> float:
    """A finite number above 0, such as a learning rate."""
    value = number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
    return value


def whole_number(text: str, most: int | None = None) -> int:
    """A whole number of at least 1 (and at most `most`)."""
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    if most is not None and int(text) > most:
        raise argparse.ArgumentTypeError(f"expected a whole number up to {most}, got {text!r}")
    return int(text)


def whole_number_up_to(most: int) -> Callable[[str], int]:
    """The argparse type for whole numbers from 1 to most."""
    def check(text: str) -> int:
        return whole_number(text, most)

    return check


def assignment(text: str) -> tuple[str, float]:
    """NAME=VALUE, as "w1=0.4": the name and its finite number."""
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE such as w1=0.4, got {text!r}")
    return name.strip(), number(value)
