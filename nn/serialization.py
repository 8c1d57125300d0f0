"""Saving and loading a model's weights: JSON on disk, checked before anything is trusted.

The file is a small JSON object a person can read:

    {"format": "blameflow-state-dict", "version": 1,
     "module": "MLP", "config": {"nin": 2, "sizes": [4, 1], ...},
     "parameters": {"layer0.neuron0.w0": 0.123, ...}}

Two promises:
- Writing is atomic. The JSON goes to a temporary file in the same folder, is flushed to
  disk, and only then replaces the target with os.replace (one rename, which the operating
  system performs all at once). A crash or an error half-way leaves the previous file
  intact and no temporary file behind.
- Loading validates everything before it assigns anything: the JSON, the format, the
  architecture, every parameter. Any problem raises StateDictError saying what is wrong,
  and the model in memory stays exactly as it was.

Floats survive the trip bit for bit: json writes repr(x), the shortest text that reads
back as exactly x.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from nn.checks import is_number

if TYPE_CHECKING:  # only for the annotations: module.py imports this file
    from nn.module import Module

FORMAT = "blameflow-state-dict"
VERSION = 1


class StateDictError(ValueError):
    """A state dict or a saved file does not fit the model; the message says why."""


# ---- state dicts ---------------------------------------------------------------------------
def check_state_dict(model: Module, state: Mapping[str, Any]) -> dict[str, float]:
    """The entries of `state` as floats, in the model's parameter order, if all is well.

    Otherwise StateDictError listing every problem at once: missing names, extra names,
    and entries that are not a single finite number (a "wrongly shaped" entry, such as a
    list where a weight belongs, or a string).
    """
    if not isinstance(state, Mapping):
        raise StateDictError(f"a state dict must be a dict of name -> number, "
                             f"got {type(state).__name__}")
    expected = [name for name, _ in model.named_parameters()]
    known = set(expected)
    missing = [repr(name) for name in expected if name not in state]
    extra = [repr(name) for name in state if name not in known]
    malformed = [f"{name!r} is {_describe_entry(state[name])}" for name in expected
                 if name in state and not (is_number(state[name]) and math.isfinite(state[name]))]
    problems = []
    if missing:
        problems.append(f"missing {len(missing)} parameter(s): {_first_few(missing)}")
    if extra:
        problems.append(f"{len(extra)} name(s) this model does not have: "
                        f"{_first_few(extra)}")
    if malformed:
        problems.append("each entry must be one finite number, but " + _first_few(malformed))
    if problems:
        raise StateDictError(f"state dict does not fit {_architecture(model)}: "
                             + "; ".join(problems))
    return {name: float(state[name]) for name in expected}


def assign_state(model: Module, state: Mapping[str, float]) -> None:
    """Copy checked numbers into the parameters (call check_state_dict first)."""
    for name, parameter in model.named_parameters():
        parameter.data = state[name]


# ---- files ---------------------------------------------------------------------------------
def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Write model's architecture and weights to path as JSON, atomically."""
    state = model.state_dict()
    not_finite = [repr(name) for name, value in state.items() if not math.isfinite(value)]
    if not_finite:
        # Standard JSON has no NaN or Infinity, and such a model is broken anyway.
        raise StateDictError(f"cannot save: parameter(s) {_first_few(not_finite)} are not "
                             f"finite (nan or inf); training diverged, so retrain with a "
                             f"smaller learning rate")
    document = {"format": FORMAT, "version": VERSION, "module": type(model).__name__,
                "config": model.config(), "parameters": state}
    write_atomically(path, document)


def write_atomically(path: str | os.PathLike[str], document: Any) -> None:
    """json.dump document into path so that path is either the old file or the new one."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    # Same folder as the target: os.replace is only atomic within one file system.
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=1, allow_nan=False)
            file.write("\n")
            file.flush()
            # Make the bytes durable before the rename makes them visible, or a power cut
            # could leave a complete-looking but empty file.
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        # Also on KeyboardInterrupt: never leave a half-written temporary file behind.
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


def load_into(model: Module, path: str | os.PathLike[str]) -> None:
    """Validate the file at path completely, then copy its weights into model."""
    state = read_checked(model, path)
    assign_state(model, state)


def read_checked(model: Module, path: str | os.PathLike[str]) -> dict[str, float]:
    """The weights in the file at path, checked against model; StateDictError if unfit."""
    where = os.fspath(path)
    try:
        with open(where, encoding="utf-8") as file:
            text = file.read()
    except UnicodeDecodeError as error:
        raise StateDictError(f"{where} is not a text file ({error.reason} at byte "
                             f"{error.start}); it is corrupt or not a blameflow model file") \
            from None
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise StateDictError(f"{where} is not valid JSON ({error.msg} at line {error.lineno}, "
                             f"column {error.colno}); the file is truncated or garbled. "
                             f"Save the model again.") from None
    except ValueError as error:  # NaN or Infinity, from _reject_constant
        raise StateDictError(f"{where}: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StateDictError(f"{where} is JSON but not a blameflow model file "
                             f"(no \"format\": \"{FORMAT}\" in it)")
    if document.get("version") != VERSION:
        raise StateDictError(f"{where} has format version {document.get('version')!r}; this "
                             f"blameflow reads version {VERSION}")
    for key, kind in (("module", str), ("config", dict), ("parameters", dict)):
        if not isinstance(document.get(key), kind):
            raise StateDictError(f"{where}: the entry {key!r} is missing or not a "
                                 f"{kind.__name__}; the file is corrupt")
    saved = _call_text(document["module"], document["config"])
    ours = _architecture(model)
    if saved != ours:
        raise StateDictError(f"{where} holds {saved}, but this model is {ours}; build the "
                             f"model with the same arguments, then load")
    try:
        return check_state_dict(model, document["parameters"])
    except StateDictError as error:
        raise StateDictError(f"{where}: {error}") from None


# ---- small helpers -------------------------------------------------------------------------
def _architecture(model: Module) -> str:
    return _call_text(type(model).__name__, model.config())


def _call_text(module: str, config: Mapping[str, Any]) -> str:
    """MLP(nin=2, sizes=[4, 1]): how an architecture is named in messages and compared."""
    return f"{module}({', '.join(f'{key}={value!r}' for key, value in config.items())})"


def _describe_entry(x: Any) -> str:
    if is_number(x):
        return f"{x!r} (not finite)"
    return f"a {type(x).__name__} ({x!r:.40})"


def _first_few(items: list[str], shown: int = 5) -> str:
    text = ", ".join(items[:shown])
    return text + (f" and {len(items) - shown} more" if len(items) > shown else "")


def _reject_constant(name: str) -> float:
    raise ValueError(f"the file contains {name}, which is not a number a weight can hold; "
                     f"the file is corrupt")

