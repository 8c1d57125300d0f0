"""The import names blameflow installs, and a one-line explanation when one is not ours.

blameflow installs four top-level packages: autograd, nn, viz and demos. Each of these
names can be taken by something else, and Python's own error then points nowhere useful:

- Another installed distribution provides the same name (PyPI's HIPS `autograd` does).
  Both install into the same folder, so whichever came last overwrote the other's
  __init__.py, and uninstalling one deletes files the other needs; `pip check` sees
  nothing. The fix: blameflow in a fresh virtual environment of its own.
- A file or folder of your own, nn.py or autograd/, sits where Python looks first (the
  folder of your script, or the folder you run `python -c` or Jupyter from) and hides
  ours. The fix: rename it.

`require(...)` is called at the top of nn, viz and demos for the packages each one builds
on, and `name_clash_problem()` by the `blameflow` command before it starts.

Why a module of its own, beside the four packages rather than inside one: it must work
exactly when one of them is broken. It could not live in autograd, since autograd is the
name most likely to be hidden; nn and viz may not import each other, and neither may
import demos. So it sits in the same folder as the four (site-packages, or the checkout),
imports only the standard library, and has a name no one else would choose. That folder
is also how it knows where blameflow's packages belong.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

IMPORT_NAMES = ("autograd", "nn", "viz", "demos")
DISTRIBUTION = "blameflow"
# The folder blameflow's packages were installed into, side by side with this file.
HOME = Path(__file__).resolve().parent
# A name each package that others import defines. Another distribution's __init__.py
# written over ours sits in the right folder, so only its contents tell it apart.
DEFINES = {"autograd": "Value", "nn": "Module", "viz": "render"}


def require(*names: str) -> None:
    """Import blameflow's packages `names` (any of DEFINES) and make sure each one is ours.

    If one is not, ImportError with one line saying whose it is and what to do. An
    ImportError of our own package that no clash explains is raised unchanged.
    """
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            problem = problem_with(name)
            if problem is None:
                raise
            raise ImportError(problem, name=name) from error
        if not _is_ours(name, module):
            raise ImportError(problem_with(name) or _not_ours(name, module), name=name)


def name_clash_problem() -> str | None:
    """For the `blameflow` command: one line about the first of the four names that is not
    blameflow's alone, with the fix, or None when all is well.

    It reads the metadata of every installed distribution once (some milliseconds).
    """
    providers = installed_providers()
    for name in IMPORT_NAMES:
        problem = problem_with(name, providers)
        if problem is not None:
            return problem
    return None


def problem_with(name: str, providers: dict[str, list[str]] | None = None) -> str | None:
    """What is wrong with the import name `name`, in one line with the fix, or None.

    providers: installed_providers(), if already read (it reads every distribution).
    """
    if providers is None:
        providers = installed_providers()
    others = sorted({provider for provider in providers.get(name, [])
                     if _normalized(provider) != DISTRIBUTION})
    if others:
        listed = " and ".join(repr(other) for other in others)
        kind, every = ("distributions", "all") if len(others) > 1 else ("distribution", "both")
        return (f"blameflow and the installed {kind} {listed} {every} provide the import "
                f"name {name!r}, so one overwrites or hides the other (pip check does not "
                f"notice); use blameflow in a fresh virtual environment: python -m venv "
                f"NEW_FOLDER, activate it, then pip install blameflow")
    found = found_at(name)
    if found is not None and found != (HOME / name).resolve():
        what = "folder" if found.is_dir() else "file"
        return (f"your {what} {found} shadows blameflow's package {name!r} (Python finds it "
                f"first); rename your {what}, e.g. to my_{found.name}")
    if (HOME / name).is_dir() and not (HOME / name / "__init__.py").is_file():
        return (f"blameflow's package {name!r} in {HOME} has lost its __init__.py (uninstalling "
                f"another distribution that shared the name deletes it); install blameflow "
                f"again, in a fresh virtual environment")
    return None


def installed_providers() -> dict[str, list[str]]:
    """{import name: the installed distributions that provide it}, for our four names.

    A distribution's top_level.txt lists the names it provides; without one, the first part
    of each path in its RECORD does ("autograd/__init__.py,sha256=...,123"). This is what
    importlib.metadata.packages_distributions() reads too, but that makes an object of every
    file of every distribution and takes ten times as long; the blameflow command runs this
    each time it starts.
    """
    # Imported here: only the diagnosis of a problem, and the blameflow command, need it.
    from importlib import metadata
    providers: dict[str, list[str]] = {}
    for distribution in metadata.distributions():
        provided = _top_level_names(distribution)
        for name in IMPORT_NAMES:
            if name in provided:
                providers.setdefault(name, []).append(distribution.metadata["Name"] or "?")
    return providers


def _top_level_names(distribution: Any) -> set[str]:
    """The top-level import names one installed distribution provides."""
    declared = distribution.read_text("top_level.txt")
    if declared:
        return set(declared.split())
    record = distribution.read_text("RECORD") or ""
    return {line.split(",", 1)[0].split("/", 1)[0].removesuffix(".py")
            for line in record.splitlines()}


def found_at(name: str) -> Path | None:
    """Where Python takes the top-level `name` from: the file of a module, the folder of a
    package; None if it finds nothing. Nothing is imported to find out."""
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None) if module is not None else None
    if spec is None:
        spec = importlib.util.find_spec(name)
    if spec is None:
        return None
    if spec.origin is not None and spec.has_location:
        origin = Path(spec.origin).resolve()
        return origin.parent if spec.submodule_search_locations is not None else origin
    folders = list(spec.submodule_search_locations or [])  # a namespace package
    return Path(folders[0]).resolve() if folders else None


def _is_ours(name: str, module: object) -> bool:
    return found_at(name) == (HOME / name).resolve() and hasattr(module, DEFINES[name])


def _not_ours(name: str, module: object) -> str:
    """The line for a package in our folder that is not ours, when nothing else explains it."""
    return (f"the package {name!r} at {getattr(module, '__file__', None)} is not blameflow's "
            f"(it has no {DEFINES[name]}); install blameflow again, in a fresh virtual "
            f"environment")


def _normalized(distribution: str) -> str:
    """A distribution's name as pip compares names (PEP 503): BlameFlow is blameflow."""
    return re.sub(r"[-_.]+", "-", distribution).lower()
