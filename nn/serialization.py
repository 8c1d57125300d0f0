"""Saving and loading a model's weights: JSON on disk, checked before anything is trusted.

The file is a small JSON object a person can read:

    {"format": "blameflow-state-dict", "version": 1,
     "module": "MLP", "config": {"nin": 2, "sizes": [4, 1], ...},
     "parameters": {"layer0.neuron0.w0": 0.123, ...}}

A parameter's name is its path through the model's attributes: "layer0.neuron0.w0" is
model.layer0.neuron0.w0. Neuron, Layer and MLP have used these names since version 1, so
every version-1 file still loads (tests/data/mlp_version1.json was written by the first
release). A change of names would need a new version number and a mapping from the old.

Two promises:
- Writing is atomic. The JSON goes to a temporary file in the same folder, is flushed to
  disk, and only then replaces the target with os.replace (one rename, which the operating
  system performs all at once). A crash or an error half-way leaves the previous file
  intact and no temporary file behind.
- Loading validates everything before it assigns anything: the JSON, the format, the
  architecture, every parameter. Any problem raises StateDictError saying what is wrong,
  and the model in memory stays exactly as it was. Refused, besides what does not fit
  the model: a file larger than MAX_FILE_BYTES (64 MiB, checked before reading: a
  scalar-engine model is far smaller, so such a file is not ours), text that is not
  UTF-8, JSON with NaN or Infinity, a number too large for a float (1e999), a key twice
  in one object, nesting deeper than Python can read, and a "version" that is not the
  whole number 1 (true and 1.0 equal 1 in Python, but they are not a version).

Floats survive the trip bit for bit: json writes repr(x), the shortest text that reads
back as exactly x.
"""

from __future__ import annotations

import errno
import io
import json
import math
import os
import re
import stat
import sys
from collections.abc import Mapping
from typing import Any, Protocol

from autograd import files
from nn.checks import is_number


class Module(Protocol):
    """What saving and loading use of an nn.Module. (module.py imports this file, so this
    file describes a module instead of importing nn.module: no import cycle.)"""

    def named_parameters(self) -> Any: ...
    def state_dict(self) -> dict[str, float]: ...
    def config(self) -> dict[str, Any]: ...


FORMAT = "blameflow-state-dict"
VERSION = 1
# A model file nests a few levels (document, config, sizes); far deeper means corruption.
# Checked before parsing: how deep json.loads can go differs between Python versions.
MAX_NESTING = 32
MAX_FILE_BYTES = 64 * 1024 * 1024  # about a million parameters: far more than fits training


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
                 if name in state and not _is_weight(state[name])]
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
    text = io.StringIO()
    json.dump(document, text, indent=1, allow_nan=False)
    text.write("\n")
    files.write_atomically(path, text.getvalue())  # temporary file, fsync, rename


def load_into(model: Module, path: str | os.PathLike[str]) -> None:
    """Validate the file at path completely, then copy its weights into model."""
    state = read_checked(model, path)
    assign_state(model, state)


def read_checked(model: Module, path: str | os.PathLike[str]) -> dict[str, float]:
    """The weights in the file at path, checked against model; StateDictError if unfit."""
    where = os.fspath(path)
    text = _read_text(where)
    try:
        if _nesting_depth(text) > MAX_NESTING:
            raise RecursionError
        return _check_document(model, _parse_json(text, where), where)
    except RecursionError:
        # json (and repr and == on what it built) recurse once per level of nesting.
        raise StateDictError(f"{where} nests lists or objects too deeply to be read; a model "
                             f"file is a few levels deep, so it is corrupt or not a model "
                             f"file") from None


def _read_text(where: str) -> str:
    """The file's text, after checking that it is a regular file of a sensible size."""
    try:
        info = os.stat(where)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, f"no model file at {where}; check the path, or "
                                              f"write one with model.save(path)", where) from None
    if stat.S_ISDIR(info.st_mode):
        raise StateDictError(f"{where} is a folder; pass the path of the file model.save wrote")
    if not stat.S_ISREG(info.st_mode):  # a pipe or a device could block or never end
        raise StateDictError(f"{where} is not a regular file; pass the path of the file "
                             f"model.save wrote")
    if info.st_size > MAX_FILE_BYTES:
        raise _too_large(where, info.st_size)
    with open(where, "rb") as file:
        # One byte more than allowed: the file may have grown since os.stat looked at it.
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(where, len(data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StateDictError(f"{where} is not a text file ({error.reason} at byte "
                             f"{error.start}); it is corrupt or not a blameflow model file") \
            from None


def _too_large(where: str, size: int) -> StateDictError:
    return StateDictError(f"{where} has {size} bytes or more, over the {MAX_FILE_BYTES} bytes "
                          f"(64 MiB) a model file may have (nn.serialization.MAX_FILE_BYTES); "
                          f"it is not a blameflow model file")


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _nesting_depth(text: str) -> int:
    """How deeply JSON text nests lists and objects: the most brackets open at once.

    Strings are taken out first, since a bracket inside a name is just a character.
    """
    depth = deepest = 0
    for bracket in re.findall(r"[\[\]{}]", _JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _parse_json(text: str, where: str) -> Any:
    """json.loads, refusing what the standard allows but a model file never holds."""
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float,
                          parse_int=_float_sized_int, object_pairs_hook=_without_duplicates)
    except json.JSONDecodeError as error:
        raise StateDictError(f"{where} is not valid JSON ({error.msg} at line {error.lineno}, "
                             f"column {error.colno}); the file is truncated or garbled. "
                             f"Save the model again.") from None
    except ValueError as error:  # from one of the four hooks above
        raise StateDictError(f"{where}: {error}") from None


def _check_document(model: Module, document: Any, where: str) -> dict[str, float]:
    """The weights of a parsed file: format, version and architecture checked first."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StateDictError(f"{where} is JSON but not a blameflow model file "
                             f"(no \"format\": \"{FORMAT}\" in it)")
    version = document.get("version")
    # type(...) is int: True == 1 and 1.0 == 1 in Python, but neither is a version number.
    if type(version) is not int or version != VERSION:
        raise StateDictError(f"{where} has format version {json.dumps(version)[:40]} "
                             f"(a {type(version).__name__}); this blameflow reads version "
                             f"{VERSION}, the whole number")
    for key, kind in (("module", str), ("config", dict), ("parameters", dict)):
        if not isinstance(document.get(key), kind):
            raise StateDictError(f"{where}: the entry {key!r} is missing or not a "
                                 f"{kind.__name__}; the file is corrupt")
    saved = _call_text(document["module"], document["config"])
    ours = _architecture(model)
    if saved != ours:
        raise StateDictError(f"{where} holds {saved:.300}, but this model is {ours}; build "
                             f"the model with the same arguments, then load")
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


def _is_weight(x: Any) -> bool:
    """A number a float can hold finitely (an int beyond 1.8e308 cannot: float() overflows)."""
    if not is_number(x):
        return False
    try:
        return math.isfinite(float(x))
    except OverflowError:
        return False


def _describe_entry(x: Any) -> str:
    if is_number(x):
        return f"{x!r:.40} (not finite)"
    return f"a {type(x).__name__} ({x!r:.40})"


def _first_few(items: list[str], shown: int = 5) -> str:
    text = ", ".join(items[:shown])
    return text + (f" and {len(items) - shown} more" if len(items) > shown else "")


def _reject_constant(name: str) -> float:
    raise ValueError(f"the file contains {name}, which is not a number a weight can hold; "
                     f"the file is corrupt")


def _finite_float(text: str) -> float:
    """float(text), refusing a number such as 1e999 that float() would turn into inf."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text:.40} is too large for a float; the file is corrupt")
    return number


def _float_sized_int(text: str) -> int:
    """int(text), refusing an int too large to become a float weight (over 1.8e308)."""
    # The length test first: int() itself refuses texts over 4300 digits, with a message
    # about a setting that would not help here.
    if len(text) > 310 or abs(int(text)) > sys.float_info.max:
        raise ValueError(f"the number {text:.40} is too large for a float; the file is "
                         f"corrupt")
    return int(text)


def _without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (json would keep the last)."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r:.60} appears twice in one object; the file is "
                             f"corrupt or was edited by hand")
        seen.add(key)
    return dict(pairs)

