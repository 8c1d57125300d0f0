"""`blameflow check my_ops.py`: property-test every primitive a file declares.

The file is a Python file that declares operations with autograd.primitive(...):

    from autograd import primitive, sigmoid
    swish = primitive("swish", lambda x: x * sigmoid(x),
                      lambda x, out: out + sigmoid(x) * (1 - out))

Each primitive bound to a name at the top level of the file is checked with
autograd.testing.check_primitive: its first and second derivatives against central
differences, at inputs hypothesis draws across its domain. One row per primitive:

    primitive   first derivative   second derivative   worst input
    swish       ok                 ok                  x = -1.234 (off by 3.8e-11)

Exit status: 0 if every primitive passes, 1 if any fails (its report follows the table),
2 if the file cannot be loaded or declares no primitive (one line on stderr).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from autograd import GradcheckError, OwnPrimitive
from demos.options import whole_number
from demos.terminal import fail, printable

if TYPE_CHECKING:  # autograd.testing needs hypothesis, an extra: imported when checking
    from autograd.testing import PrimitiveCheck, SlopeCheck

HEADINGS = ("primitive", "first derivative", "second derivative", "worst input")


class LoadError(Exception):
    """The file could not be loaded; the message is one line for the learner."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The check command's arguments (the file, and how many inputs to try)."""
    parser.add_argument("file", type=Path,
                        help="a Python file that declares primitives with autograd.primitive()")
    parser.add_argument("--examples", type=whole_number, default=100, metavar="N",
                        help="how many inputs hypothesis tries per derivative (default 100)")


def run(args: argparse.Namespace) -> int:
    """Check every primitive args.file declares, print the table; the exit status."""
    try:
        from autograd.testing import check_primitive
    except ImportError as missing:  # hypothesis is not installed: say how, in one line
        return fail("check", str(missing))
    try:
        module = load(args.file)
    except LoadError as error:
        return fail("check", str(error))
    declared = primitives_in(module)
    if not declared:
        return fail("check", f"{printable(str(args.file))} declares no primitive: bind one to "
                    f"a name at the top of the file, e.g. swish = autograd.primitive(\"swish\", "
                    f"...)")
    checks = [_checked(check_primitive, op, args.examples) for op in declared]
    print(table(checks))
    for check in checks:
        if not check.ok:
            print()
            print(check)
    return 0 if all(check.ok for check in checks) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """`blameflow check` on its own (tests call it with a list of arguments)."""
    parser = argparse.ArgumentParser(prog="blameflow check", description=__doc__.split("\n")[0])
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0) or a usage error (2), already printed
        return int(stop.code or 0)
    return run(args)


def load(path: Path) -> ModuleType:
    """Run the file as a module of its own and return it; LoadError if it cannot run."""
    shown = printable(str(path))
    if not path.is_file():
        raise LoadError(f"no such file: {shown}" if not path.exists()
                        else f"{shown} is not a file")
    spec = importlib.util.spec_from_file_location(f"blameflow_check_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise LoadError(f"{shown} cannot be loaded as Python (does its name end in .py?)")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise LoadError(f"{shown} line {error.lineno}: {error.msg}") from None
    except Exception as error:  # noqa: BLE001 - the learner's code may raise anything
        raise LoadError(f"{shown} raised {type(error).__name__} while loading: "
                        f"{printable(_first_line(error))}") from None
    return module


def primitives_in(module: ModuleType) -> list[OwnPrimitive]:
    """The primitives bound to the module's top-level names, each once, in file order."""
    found: dict[int, OwnPrimitive] = {}
    for value in vars(module).values():
        if isinstance(value, OwnPrimitive):
            found.setdefault(id(value), value)
    return list(found.values())


def table(checks: Sequence[PrimitiveCheck]) -> str:
    """One row per primitive: its name, ok or FAIL per derivative, and its worst input."""
    rows = [HEADINGS] + [(check.name, _verdict(check.first), _verdict(check.second),
                          _worst_input(check)) for check in checks]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADINGS) - 1)]
    return "\n".join("   ".join([*(cell.ljust(width) for cell, width in zip(row, widths)),
                                 row[-1]]).rstrip() for row in rows)


def _checked(check_primitive: Callable[..., PrimitiveCheck], op: OwnPrimitive,
             examples: int) -> PrimitiveCheck:
    """check_primitive's findings, whether it passed or raised them."""
    try:
        return check_primitive(op, max_examples=examples)
    except GradcheckError as failure:  # a PrimitiveCheckError: the findings are in .check
        return failure.check


def _verdict(slope: SlopeCheck) -> str:
    return "ok" if slope.ok else "FAIL"


def _worst_input(check: PrimitiveCheck) -> str:
    """A failure's smallest failing input with both slopes; else the closest call."""
    for slope in (check.first, check.second):
        if not slope.ok:
            if slope.expected is None:
                return f"x = {slope.x!r}: the forward function raised {_error_name(slope)}"
            found = (f"raised {_error_name(slope)}" if slope.problem
                     else f"got {slope.computed:.6g}")
            return f"x = {slope.x!r}: expected {slope.expected:.6g}, {found}"
    worst = max((check.first, check.second), key=lambda slope: slope.error / slope.tolerance)
    return f"x = {worst.x:.6g} (off by {worst.error:.2g})"


def _error_name(slope: SlopeCheck) -> str:
    return slope.problem.split(":")[0]


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [""])[0]


if __name__ == "__main__":
    sys.exit(main())
