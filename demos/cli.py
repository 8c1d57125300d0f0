"""The `blameflow` command line (also `python -m demos`).

    blameflow                                       a short help: the commands
    blameflow --version                             the installed version
    blameflow tour [--out DIR] [--quick]            every lesson in order, then what was written
    blameflow lesson NAME [--out DIR] [--quick] [options ...]   one lesson
    blameflow expr "tanh(x*w + b)" x=2 w=0.4 b=0.1 [--svg F] [--html F] [--max-nodes N]
    blameflow check my_ops.py                       property-test the primitives a file declares

A lesson may have options, the course's tasks: `blameflow lesson training_loop --lr 0.1 1
10`, `blameflow lesson hidden_layer --hidden 2 8` (`blameflow lesson NAME --help` lists
them). The lesson module declares them with add_options(parser), and its run(out,
quick=False, **options) receives them by name, so this file stays the same for any lesson.

--quick trains for a few steps only: every file is written, from barely trained models (the
tests use it; a learner wants the full run).

Every failure is one line on stderr and exit status 2, never a traceback, and user text in
it is shown with its control characters escaped (a stray ESC cannot restyle the terminal).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import blameflow_names
import viz
from autograd import DomainError, Value
from demos import (
    check,
    compiled,
    digits,
    hidden_layer,
    moons,
    neuron,
    training_loop,
    with_numpy,
    xor,
    your_own_op,
)
from demos.expression import ExpressionError, compute, vocabulary
from demos.options import OptionError, whole_number
from demos.terminal import fail, printable
from nn import TrainingDiverged

LESSONS: dict[str, ModuleType] = {
    "neuron": neuron, "training_loop": training_loop, "hidden_layer": hidden_layer,
    "xor": xor, "moons": moons, "digits": digits, "compiled": compiled, "numpy": with_numpy,
    "your_own_op": your_own_op,
}
# What every lesson's run takes; the rest of a parsed `lesson` command are its own options.
LESSON_ARGUMENTS = ("command", "name", "out", "quick", "usage")

QUICK_HELP = "train a few steps only: every file, sooner (for tests)"

# expr's options that take a value: the argument after one is its value, not the formula.
EXPR_OPTIONS_WITH_VALUE = ("--svg", "--html", "--max-nodes")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2, as argparse does)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="blameflow", description=(
        "Lessons in backpropagation with real gradients: the graph, the numbers, the blame."),
        epilog="Start with `blameflow tour`; `blameflow COMMAND --help` says more.")
    parser.add_argument("--version", action="version", version=f"blameflow {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    tour = commands.add_parser("tour", help="run every lesson in order, writing their pictures")
    _output_options(tour)
    tour.set_defaults(usage=tour)
    lesson = commands.add_parser(
        "lesson", help="run one lesson (blameflow lesson NAME --help: its options)")
    names = lesson.add_subparsers(dest="name", metavar="NAME", required=True,
                                  parser_class=_Parser)
    for name, module in LESSONS.items():
        summary = (module.__doc__ or name).strip().splitlines()[0]
        one = names.add_parser(name, help=summary, description=summary)
        _output_options(one)
        one.set_defaults(usage=one)  # the parser whose --help explains a mistake
        if hasattr(module, "add_options"):
            module.add_options(one)
    expr = commands.add_parser("expr", help="value and gradients of a formula, with its graph",
                               allow_abbrev=False, epilog=_formula_help(),
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    expr.add_argument("expression", help='e.g. "tanh(x*w + b)" (it may start with -)')
    expr.add_argument("assignments", nargs="*", metavar="NAME=VALUE", help="e.g. x=2 w=0.4")
    expr.add_argument("--svg", type=Path, help="draw the blame graph to this file "
                                               "(.svg, .png or .pdf)")
    expr.add_argument("--html", type=Path, help="write the backprop explorer page here")
    expr.add_argument("--max-nodes", type=whole_number, default=viz.MAX_NODES, metavar="N",
                      help=f"draw graphs Graphviz lays out with up to N nodes: boxes and the "
                           f"points it adds along arrows (default {viz.MAX_NODES}; more is "
                           f"slow)")
    expr.set_defaults(usage=expr)
    checking = commands.add_parser(
        "check", help="property-test the derivatives of the primitives a file declares",
        description=(check.__doc__ or "").strip().splitlines()[0])
    check.add_arguments(checking)
    checking.set_defaults(usage=checking)
    return parser


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("out"), help="where pictures go")
    parser.add_argument("--quick", action="store_true", help=QUICK_HELP)


def _formula_help() -> str:
    """What a formula may use, from the parser's whitelist and the table of primitives."""
    width = max(len(written) for written, _ in vocabulary()) + 3
    lines = ["A formula may use numbers (2, 0.5, 1e-3), variables given as NAME=VALUE, and",
             "these operators and functions (each with its derivative):"]
    lines += [f"  {written:<{width}}{math}" for written, math in vocabulary()]
    return "\n".join(lines)


def version() -> str:
    """blameflow's version: the installed distribution's; run from a source tree that was
    never installed, the one its pyproject.toml declares."""
    try:
        return importlib.metadata.version("blameflow")
    except importlib.metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        declared = (re.search(r'^version = "([^"]+)"', pyproject.read_text(encoding="utf-8"),
                              re.MULTILINE) if pyproject.is_file() else None)
        return f"{declared[1]} (not installed)" if declared else "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status: 0, or 2 after a one-line error."""
    arguments = _formula_kept_positional(list(sys.argv[1:] if argv is None else argv))
    parser = _parser()
    try:
        args, extras = parser.parse_known_args(arguments)
        # argparse stops collecting NAME=VALUE at the first option: `expr x --svg g.svg
        # x=1` leaves x=1 over. Such leftovers are assignments; anything else is a mistake.
        if args.command == "expr" and not any(extra.startswith("-") for extra in extras):
            args.assignments += extras
        elif extras:
            getattr(args, "usage", parser).error(f"unrecognized arguments: {' '.join(extras)}")
    except SystemExit as stop:  # --help, --version (0) or a usage error (2), already printed
        return int(stop.code or 0)
    _warn_of_name_clashes()
    if args.command is None:  # the tour is a command of its own, never a surprise
        parser.print_help()
        return 0
    if args.command == "expr":
        return _expr(args)
    if args.command == "check":
        return check.run(args)
    command = f"lesson {args.name}" if args.command == "lesson" else args.command
    try:
        if args.command == "lesson":
            options = {key: value for key, value in vars(args).items()
                       if key not in LESSON_ARGUMENTS}
            LESSONS[args.name].run(args.out / args.name, quick=args.quick, **options)
            return 0
        return tour(args.out, quick=args.quick)
    except OSError as error:  # --out names a file, or a folder we may not write in
        where = f" in {error.filename}" if error.filename else ""
        return _fail(f"cannot write the pictures{where}: {error.strerror or error}",
                     command=command)
    except OptionError as error:  # options fine one by one that do not fit together
        return _fail(str(error), command=command)
    except (TrainingDiverged, OverflowError) as error:  # a learning rate beyond reason
        return _fail(f"training diverged: {error}", command=command)


def _warn_of_name_clashes() -> None:
    """One line on stderr when another distribution shares one of our import names.

    blameflow works then (it was installed last, or the import would have failed), but the
    other distribution is broken, and uninstalling it would delete files we need.
    """
    problem = blameflow_names.name_clash_problem()
    if problem is not None:
        print(f"blameflow: warning: {printable(problem)}", file=sys.stderr)


def tour(out: Path, quick: bool = False) -> int:
    """Run every lesson in order (each trains a few steps only when quick) and list the
    files they wrote."""
    written: list[Path] = []
    for name, lesson in LESSONS.items():
        print()
        written += lesson.run(out / name, quick=quick)["files"]
    print(f"\nThe tour wrote {len(written)} files:")
    for path in written:
        print(f"  {path}")
    return 0


def _formula_kept_positional(argv: list[str]) -> list[str]:
    """argv, with expr's formula kept from looking like an option when it starts with "-".

    argparse takes every argument that starts with "-" for an option, so `blameflow expr
    "-x*w" ...` would fail. A leading space makes the formula plain text to argparse, and
    the formula's parser ignores it. Options of expr (and "--") are stepped over; an
    argument of "--" and a letter stays an option, so a mistyped option is still named.
    """
    if argv[:1] != ["expr"]:
        return argv
    index = 1
    while index < len(argv) and argv[index] != "--":
        argument = argv[index]
        if argument in EXPR_OPTIONS_WITH_VALUE:
            index += 2
        elif argument == "-h" or argument.startswith("--") and argument[2:3].isalpha():
            index += 1
        elif argument.startswith("-"):
            return [*argv[:index], " " + argument, *argv[index + 1:]]
        else:
            break  # the formula, and it does not start with "-"
    return argv


def _expr(args: argparse.Namespace) -> int:
    try:
        result, leaves = compute(args.expression, args.assignments)
    except ExpressionError as error:
        return _fail(str(error))
    try:
        result.backward()
    except (DomainError, ArithmeticError) as error:
        return _fail(f"the value is {result.data:.6g}, but the gradients cannot be computed: "
                     f"{error}")
    print(f"value = {result.data:.6g}")
    for name, leaf in leaves.items():
        print(f"d/d{name} = {leaf.grad:.6g}")
    for flag, path, write in (("--svg", args.svg, viz.render), ("--html", args.html, viz.explore)):
        if path is not None:
            problem = _write_picture(write, result, path, args.max_nodes)
            if problem:
                return _fail(f"{flag} {path}: {problem}")
            print(f"wrote {printable(str(path))}")
    return 0


def _write_picture(write: Callable[..., Any], result: Value, path: Path,
                   max_nodes: int) -> str | None:
    """Write result's graph or explorer page to path; None, or what went wrong."""
    try:
        write(result, path, max_nodes=max_nodes)
    except viz.GraphTooLargeError:
        # A formula has no neuron or layer scopes to fold: the cap is the one thing to move.
        return (f"the graph is more than Graphviz can lay out quickly (over --max-nodes "
                f"{max_nodes}, counting boxes and the points it adds along arrows); draw it "
                f"anyway with a larger --max-nodes, e.g. --max-nodes {4 * max_nodes}, or "
                f"shorten the formula")
    except (viz.RendererNotFoundError, viz.RenderError) as error:
        return str(error)
    except OSError as error:  # a missing or read-only folder, a full disk ...
        return f"cannot write it: {error.strerror}" if error.strerror else str(error)
    except ValueError as error:  # a suffix that is no picture format, a pipe or a device
        return str(error)
    return None


def _fail(message: str, command: str = "expr") -> int:
    return fail(command, message)


if __name__ == "__main__":
    sys.exit(main())
