"""The `blameflow` command line (also `python -m demos`).

    blameflow tour [--out DIR]          every lesson in order, then what was written where
    blameflow lesson NAME [--out DIR]   one lesson
    blameflow expr "tanh(x*w + b)" x=2 w=0.4 b=0.1 [--svg F] [--html F]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import NoReturn

from demos import hidden_layer, moons, neuron, training_loop, xor
from demos.expression import ExpressionError, compute
from demos.pictures import Pictures

LESSONS: dict[str, ModuleType] = {
    "neuron": neuron, "training_loop": training_loop, "hidden_layer": hidden_layer,
    "xor": xor, "moons": moons,
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2, as argparse does)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="blameflow", description=(
        "Lessons in backpropagation with real gradients: the graph, the numbers, the blame."))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    tour = commands.add_parser("tour", help="run every lesson in order (the default)")
    tour.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    lesson = commands.add_parser("lesson", help="run one lesson")
    lesson.add_argument("name", choices=list(LESSONS), help="which lesson")
    lesson.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    expr = commands.add_parser("expr", help="value and gradients of a formula, with its graph")
    expr.add_argument("expression", help='e.g. "tanh(x*w + b)"')
    expr.add_argument("assignments", nargs="*", metavar="NAME=VALUE", help="e.g. x=2 w=0.4")
    expr.add_argument("--svg", type=Path, help="draw the blame graph to this file")
    expr.add_argument("--html", type=Path, help="write the backprop explorer page here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "expr":
        return _expr(parser, args)
    if args.command == "lesson":
        LESSONS[args.name].run(args.out / args.name)
        return 0
    return tour(getattr(args, "out", Path("out")))


def tour(out: Path) -> int:
    """Run every lesson in order and list the files they wrote."""
    written: list[Path] = []
    for name, lesson in LESSONS.items():
        print()
        written += lesson.run(out / name)["files"]
    print(f"\nThe tour wrote {len(written)} files:")
    for path in written:
        print(f"  {path}")
    return 0


def _expr(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        result, leaves = compute(args.expression, args.assignments)
    except ExpressionError as error:
        parser.exit(2, f"blameflow expr: error: {error}\n")
    result.backward()
    print(f"value = {result.data:.6g}")
    for name, leaf in leaves.items():
        print(f"d/d{name} = {leaf.grad:.6g}")
    if args.svg is not None:
        Pictures(args.svg.parent).graph(result, args.svg.name)
    if args.html is not None:
        Pictures(args.html.parent).explorer(result, args.html.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
