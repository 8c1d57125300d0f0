"""The `blameflow` command line: the guided tour and single lessons."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from demos import neuron

LESSONS = {"neuron": neuron}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="blameflow", description=(
        "Lessons in backpropagation with real gradients: the graph, the numbers, the blame."))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    tour = commands.add_parser("tour", help="run every lesson in order")
    tour.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    lesson = commands.add_parser("lesson", help="run one lesson")
    lesson.add_argument("name", choices=sorted(LESSONS))
    lesson.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "lesson":
        LESSONS[args.name].run(args.out / args.name)
    else:  # the tour is the default: `python -m demos`
        out = getattr(args, "out", Path("out"))
        for name, lesson in LESSONS.items():
            lesson.run(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
