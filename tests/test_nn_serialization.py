"""save/load: round trips, clear errors for broken files, and atomic writes."""

from __future__ import annotations

import json
import os
import pathlib
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn.serialization
from nn import ACTIVATIONS, MLP, Layer, Neuron, StateDictError, predict

ROWS = [[0.1, -0.2, 0.3], [1.5, 0.0, -2.0], [-0.7, 0.8, 0.9]]


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
    with pytest.raises(FileNotFoundError):
        MLP(2, [1]).load(tmp_path / "nothing.json")


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
