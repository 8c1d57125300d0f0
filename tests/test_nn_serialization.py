"""save/load: round trips, clear errors for broken files, and atomic writes."""

from __future__ import annotations

import json
import math
import os
import pathlib
import re
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn.serialization
from nn import ACTIVATIONS, MLP, Layer, Neuron, StateDictError, predict

ROWS = [[0.1, -0.2, 0.3], [1.5, 0.0, -2.0], [-0.7, 0.8, 0.9]]
# Written by blameflow 0.1.0 before Neuron, Layer and MLP found their parameters through
# their attributes: MLP(2, [3, 2, 1], activation="tanh", seed=4) after 3 steps of training.
VERSION_1_FILE = pathlib.Path(__file__).parent / "data" / "mlp_version1.json"


@st.composite
def architectures(draw: st.DrawFn) -> dict:
    return {"nin": 3, "sizes": draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)),
            "activation": draw(st.sampled_from(sorted(ACTIVATIONS))),
            "output_activation": draw(st.sampled_from(sorted(ACTIVATIONS)))}


@settings(max_examples=25)
@given(architecture=architectures(), seed=st.integers(0, 2**32))
def test_save_then_load_restores_identical_predictions(architecture: dict, seed: int) -> None:
    saved = MLP(**architecture, seed=seed)
    loaded = MLP(**architecture, seed=seed + 1)
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "model.json"
        saved.save(path)
        loaded.load(path)
        assert os.listdir(folder) == ["model.json"]  # no temporary file left behind
    assert loaded.state_dict() == saved.state_dict()  # bit for bit
    assert predict(loaded, ROWS) == predict(saved, ROWS)


def test_the_file_is_readable_json_naming_the_architecture(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "model.json"
    model = MLP(2, [3, 1], activation="tanh", seed=4)
    model.save(str(path))  # a str path works as well as a Path
    document = json.loads(path.read_text())
    assert document["format"] == "blameflow-state-dict" and document["version"] == 1
    assert document["module"] == "MLP"
    assert document["config"] == {"nin": 2, "sizes": [3, 1], "activation": "tanh",
                                  "output_activation": "linear"}
    assert document["parameters"] == model.state_dict()


def test_a_file_written_by_the_first_version_loads_each_weight_where_its_name_says() -> None:
    saved = json.loads(VERSION_1_FILE.read_text())["parameters"]
    model = MLP(2, [3, 2, 1], activation="tanh", seed=0)
    model.load(VERSION_1_FILE)
    assert model.state_dict() == saved
    # "layer1.neuron0.w2" is weight 2 of neuron 0 of layer 1: the old names mean the same
    # weights, so the output is the network computed by hand from the file's numbers.
    x = [0.4, -1.1]
    values = x
    for layer, width in enumerate([3, 2, 1]):
        values = [sum(saved[f"layer{layer}.neuron{j}.w{k}"] * v for k, v in enumerate(values))
                  + saved[f"layer{layer}.neuron{j}.b"] for j in range(width)]
        values = [math.tanh(z) for z in values] if layer < 2 else values
    assert model(x).data == pytest.approx(values[0], rel=1e-14)


@pytest.mark.parametrize("model", [Neuron(2, activation="sigmoid"), Layer(2, 3)])
def test_neurons_and_layers_save_and_load_too(model, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "part.json"
    model.save(path)
    fresh = type(model)(*model.config().values(), seed=99)
    fresh.load(path)
    assert fresh.state_dict() == model.state_dict()


# ---- broken and mismatched files ------------------------------------------------------------
@pytest.fixture
def saved(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "model.json"
    MLP(2, [4, 1], seed=1).save(path)
    return path


def check_fails_and_changes_nothing(path: pathlib.Path, message: str) -> None:
    model = MLP(2, [4, 1], seed=2)
    before = model.state_dict()
    with pytest.raises(StateDictError, match=message):
        model.load(path)
    assert model.state_dict() == before


def test_a_truncated_file_fails_clearly(saved: pathlib.Path) -> None:
    text = saved.read_text()
    for cut in (0, 1, len(text) // 3, len(text) // 2, len(text) - 3):
        saved.write_text(text[:cut])
        check_fails_and_changes_nothing(saved, "not valid JSON .* truncated or garbled")


def test_a_garbled_file_fails_clearly(saved: pathlib.Path) -> None:
    text = saved.read_text()
    saved.write_text(text.replace(":", ";", 3))
    check_fails_and_changes_nothing(saved, "not valid JSON")
    saved.write_bytes(b"\xff\xfe\x00garbage")
    check_fails_and_changes_nothing(saved, "not a text file")
    saved.write_text(text.replace('"layer0.neuron2.b": ', '"layer0.neuron2.b": NaN, "x": '))
    check_fails_and_changes_nothing(saved, "contains NaN")


def test_a_changed_value_is_named(saved: pathlib.Path) -> None:
    document = json.loads(saved.read_text())
    document["parameters"]["layer0.neuron2.w1"] = "oops"
    saved.write_text(json.dumps(document))
    check_fails_and_changes_nothing(saved, "'layer0.neuron2.w1' is a str")
    del document["parameters"]["layer0.neuron2.w1"]
    saved.write_text(json.dumps(document))
    check_fails_and_changes_nothing(saved, "missing 1 parameter.*'layer0.neuron2.w1'")


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(format="something-else"), "not a blameflow model file"),
    (lambda d: d.update(version=2), "format version 2"),
    (lambda d: d.pop("parameters"), "'parameters' is missing"),
    (lambda d: d.update(config=[1, 2]), "'config' is missing or not a dict"),
])
def test_a_file_that_is_not_a_model_file_fails_clearly(saved: pathlib.Path, edit,
                                                        message: str) -> None:
    document = json.loads(saved.read_text())
    edit(document)
    saved.write_text(json.dumps(document))
    check_fails_and_changes_nothing(saved, message)
    saved.write_text("[1, 2, 3]")
    check_fails_and_changes_nothing(saved, "not a blameflow model file")


def test_a_file_of_another_architecture_is_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "model.json"
    MLP(2, [16, 1], seed=1).save(path)
    check_fails_and_changes_nothing(path, r"holds MLP\(nin=2, sizes=\[16, 1\].*but this model "
                                          r"is MLP\(nin=2, sizes=\[4, 1\]")
    MLP(2, [4, 1], activation="tanh").save(path)
    check_fails_and_changes_nothing(path, "activation='tanh'")
    Layer(2, 4).save(path)
    check_fails_and_changes_nothing(path, r"holds Layer\(")


def test_a_missing_file_raises_file_not_found(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError, match="no model file at .*nothing.json.*model.save"):
        MLP(2, [1]).load(tmp_path / "nothing.json")


def test_a_folder_or_a_pipe_is_refused(tmp_path: pathlib.Path) -> None:
    check_fails_and_changes_nothing(tmp_path, "is a folder")
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)  # opening it to read would wait for a writer forever
    check_fails_and_changes_nothing(pipe, "not a regular file")


@pytest.mark.parametrize("old, new, message", [
    ('"version": 1', '"version": true', r"format version true \(a bool\)"),
    ('"version": 1', '"version": 1.0', r"format version 1.0 \(a float\)"),
    ('"layer0.neuron2.b": ', '"layer0.neuron2.b": 1e999, "x": ', "1e999 is too large"),
    ('"layer0.neuron2.b": ', '"layer0.neuron2.b": -1' + "0" * 400 + ', "x": ', "too large"),
    ('"layer0.neuron2.b": ', '"layer0.neuron2.b": -Infinity, "x": ', "contains -Infinity"),
    ('"layer0.neuron2.b": ', '"layer0.neuron2.b": 0.5, "layer0.neuron2.b": ',
     "'layer0.neuron2.b' appears twice"),
    ('"format": ', '"format": "x", "format": ', "'format' appears twice"),
    ('"nin": 2', '"nin": ' + "[" * 100_000 + "]" * 100_000, "nests lists or objects too deeply"),
    ('"nin": 2', '"nin": ' + "[" * 990 + "]" * 990, "nests lists or objects too deeply"),
])
def test_json_that_python_reads_but_no_model_file_holds_is_refused(
        saved: pathlib.Path, old: str, new: str, message: str) -> None:
    text = saved.read_text()
    assert old in text
    saved.write_text(text.replace(old, new, 1))
    check_fails_and_changes_nothing(saved, message)


def test_a_file_over_the_size_cap_is_refused_unread(
        saved: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert nn.serialization.MAX_FILE_BYTES == 64 * 1024 * 1024
    os.truncate(saved, nn.serialization.MAX_FILE_BYTES + 1)  # sparse: takes no disk space

    def no_reading(*args, **options):
        raise AssertionError("the file was opened")

    monkeypatch.setattr("builtins.open", no_reading)
    check_fails_and_changes_nothing(saved, "67108865 bytes or more, over the 67108864 bytes")


def test_a_file_that_grows_past_the_cap_while_read_is_refused(
        saved: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    size = saved.stat().st_size
    monkeypatch.setattr(nn.serialization, "MAX_FILE_BYTES", size)
    MLP(2, [4, 1]).load(saved)  # exactly the cap is allowed
    looked_at = os.stat(saved)
    monkeypatch.setattr(nn.serialization.os, "stat", lambda path: looked_at)
    with saved.open("a") as file:  # it grows after os.stat looked at it
        file.write(" ")
    check_fails_and_changes_nothing(saved, f"has {size + 1} bytes or more")


# ---- atomic writes ------------------------------------------------------------------------------
def test_a_write_that_fails_half_way_leaves_the_previous_file(
        saved: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = saved.read_bytes()

    def dump_half_then_fail(document, file, **options) -> None:
        text = json.dumps(document, **options)
        file.write(text[:len(text) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(nn.serialization.json, "dump", dump_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [4, 1], seed=9).save(saved)
    assert saved.read_bytes() == previous
    assert os.listdir(saved.parent) == [saved.name]


def test_a_failing_rename_leaves_the_previous_file(
        saved: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = saved.read_bytes()

    def refuse(source, target) -> None:
        raise PermissionError("rename refused")

    monkeypatch.setattr(nn.serialization.os, "replace", refuse)
    with pytest.raises(PermissionError):
        MLP(2, [4, 1], seed=9).save(saved)
    assert saved.read_bytes() == previous
    assert os.listdir(saved.parent) == [saved.name]


def test_an_interrupted_write_leaves_no_temporary_file(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args, **options) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(nn.serialization.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        MLP(2, [1]).save(tmp_path / "new.json")
    assert os.listdir(tmp_path) == []


def test_a_model_with_a_non_finite_weight_is_not_saved(saved: pathlib.Path) -> None:
    previous = saved.read_bytes()
    model = MLP(2, [4, 1])
    model.layers[0].neurons[1].w[0].data = float("inf")
    with pytest.raises(StateDictError, match="'layer0.neuron1.w0' are not finite"):
        model.save(saved)
    assert saved.read_bytes() == previous


# ---- any corruption ---------------------------------------------------------------------------
def saved_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "model.json"
        MLP(2, [4, 1], seed=1).save(path)
        return path.read_bytes()


SAVED = saved_bytes()
CLOSING = SAVED.rindex(b"}")  # the JSON ends there; after it only a newline


@st.composite
def corruptions(draw: st.DrawFn) -> bytes:
    """The saved file, broken so that it cannot be a valid model file: cut before its end,
    a byte that is never valid JSON text inserted, a number made too large or not a
    number, an entry removed or given twice, or a version that only looks like 1."""
    at = draw(st.integers(0, CLOSING))
    kind = draw(st.sampled_from(["cut", "byte", "number", "entry", "version"]))
    if kind == "cut":
        return SAVED[:at]
    if kind == "byte":  # a control character, or a byte that is never UTF-8 on its own
        return SAVED[:at] + draw(st.sampled_from([b"\x00", b"\x07", b"\x80", b"\xff"])) + SAVED[at:]
    document = json.loads(SAVED)
    names = sorted(document["parameters"])
    name = draw(st.sampled_from(names))
    if kind == "number":
        bad = draw(st.sampled_from(["1e999", "-1e400", "NaN", "Infinity", '"0.5"', "[0.5]",
                                    "null", "true", "1" + "0" * 320]))
        entry = rf'"{re.escape(name)}": [^,}}\s]+'.encode()  # the name and its number
        return re.sub(entry, f'"{name}": {bad}'.encode(), SAVED)
    if kind == "entry":
        if draw(st.booleans()):
            del document["parameters"][name]
            return json.dumps(document).encode()
        return SAVED.replace(f'"{name}": '.encode(), f'"{name}": 0.0, "{name}": '.encode())
    bad = draw(st.sampled_from(["true", "1.0", "1e0", '"1"', "[1]", "2", "0"]))
    return SAVED.replace(b'"version": 1', f'"version": {bad}'.encode())


@given(broken=corruptions())
def test_a_corrupted_file_never_changes_the_model(broken: bytes,
                                                  tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("corrupt") / "model.json"
    path.write_bytes(broken)
    check_fails_and_changes_nothing(path, ".")


@given(data=st.binary(max_size=300) | st.builds(lambda at, junk: SAVED[:at] + junk + SAVED[at:],
                                                 st.integers(0, len(SAVED)),
                                                 st.binary(min_size=1, max_size=8)))
def test_any_bytes_give_a_state_dict_error_or_a_fitting_model(
        data: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Whatever the bytes, load raises only StateDictError (never a crash of another kind),
    or it succeeds because the bytes are a model file: then it loaded exactly what is in it."""
    path = tmp_path_factory.mktemp("bytes") / "model.json"
    path.write_bytes(data)
    model = MLP(2, [4, 1], seed=2)
    before = model.state_dict()
    try:
        model.load(path)
    except StateDictError:
        assert model.state_dict() == before
    else:
        assert model.state_dict() == json.loads(data)["parameters"]
