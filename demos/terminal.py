"""What the blameflow commands print: one-line errors, safe to show on a terminal.

A file name, a formula or an error message may hold characters that are not text: an ESC
would restyle the terminal, a newline would break the one-line error, a right-to-left
mark would reorder it. printable() shows them as escapes instead.
"""

from __future__ import annotations

import sys
import unicodedata

# control, format, lone surrogate, line and paragraph separators
UNSEEN_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")


def printable(text: str) -> str:
    """text with control characters, line breaks and invisible format characters escaped."""
    return "".join(character.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(character) in UNSEEN_CATEGORIES else character
                   for character in text)


def fail(command: str, message: str) -> int:
    """Print `blameflow COMMAND: error: message` as one line on stderr; the exit status 2
    (argparse's, for a command line it cannot use)."""
    print(f"blameflow {command}: error: {printable(message)}", file=sys.stderr)
    return 2
