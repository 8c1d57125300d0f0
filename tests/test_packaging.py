"""Packaging as a new user meets it: the wheel and the sdist, installed away from this folder.

The wheel test builds blameflow, installs it into a fresh virtual environment outside the
repository (so nothing is imported from the source tree) and runs what the README promises
there: the ten-line example, `blameflow tour` and `blameflow expr`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(command: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a command; on failure, fail the test with its output."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                            timeout=timeout, env=environment)
    assert result.returncode == 0, (
        f"{' '.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def source_copy(destination: Path) -> Path:
    """The files git tracks (or, outside a checkout, the tree less its venv) in a fresh folder."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listing.returncode == 0 and listing.stdout:
        names = [name for name in listing.stdout.decode().split("\0") if name]
    else:  # an unpacked sdist: no git
        names = [str(path.relative_to(ROOT)) for path in ROOT.rglob("*") if path.is_file()
                 and not {".venv", "out", "__pycache__"} & set(path.relative_to(ROOT).parts)]
    for name in names:
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    return destination


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel built from that sdist, as pip would build them: in an
    isolated environment with the build requirements pyproject.toml names."""
    source = source_copy(tmp_path_factory.mktemp("source"))
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(out), str(source)], cwd=source)
    return out


def built(dist: Path, suffix: str) -> Path:
    return next(path for path in dist.iterdir() if path.name.endswith(suffix))


def test_the_sdist_carries_what_its_tests_need(dist):
    with tarfile.open(built(dist, ".tar.gz")) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("LICENSE", "tests/conftest.py", "tests/torch_reference.py",
                   "autograd/py.typed", "viz/assets/explorer.js", "pyproject.toml"):
        assert needed in names, needed
    assert not any("__pycache__" in name for name in names)


def test_the_wheel_declares_its_licence_and_types(dist):
    with zipfile.ZipFile(built(dist, ".whl")) as archive:
        names = set(archive.namelist())
        metadata_name = next(name for name in names if name.endswith(".dist-info/METADATA"))
        metadata = archive.read(metadata_name).decode()
    for package in ("autograd", "nn", "viz", "demos"):
        assert f"{package}/py.typed" in names
    assert any(name.endswith("licenses/LICENSE") for name in names)
    assert "License-Expression: MIT" in metadata
    assert "Classifier: Typing :: Typed" in metadata
    assert re.search(r"Provides-Extra: testing", metadata)


def readme_example() -> str:
    """The first python block of the README: the ten lines a new user pastes first."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"```python\n(.*?)```", text, re.DOTALL).group(1)


@pytest.mark.slow
def test_the_wheel_works_in_a_fresh_environment(dist, tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("the tour needs Graphviz's dot here (the fresh venv has no wasm extra)")
    wheel = built(dist, ".whl")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path)
    away = tmp_path / "elsewhere"
    away.mkdir()

    example = run([str(python), "-c", readme_example()], cwd=away).stdout
    # The numbers the README's comment promises, to its four digits.
    data, w_grad, b_grad = (float(word) for word in example.split())
    assert (round(data, 4), round(w_grad, 4), round(b_grad, 4)) == (0.7109, -0.2376, -0.1188)

    blameflow = str(venv / "bin" / "blameflow")
    expr = run([blameflow, "expr", "tanh(x*w + b)", "x=2", "w=0.4", "b=0.1"], cwd=away)
    assert expr.stdout.splitlines()[0] == "value = 0.716298"

    tour = run([blameflow, "tour", "--quick", "--out", str(away / "out")], cwd=away)
    written = tour.stdout.split("files:\n", 1)[1].split()
    assert written and all(Path(path).is_file() for path in written)
    # Imported from the fresh environment, never from this checkout.
    where = run([str(python), "-c", "import autograd, viz; print(autograd.__file__)"], cwd=away)
    assert str(venv) in where.stdout and str(ROOT) not in where.stdout


def test_autograd_testing_says_which_extra_it_needs():
    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "try:\n    import autograd.testing\nexcept ImportError as error:\n"
            "    print(error)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert "blameflow[testing]" in result.stdout, result.stdout + result.stderr
    # The engine itself imports without hypothesis.
    plain = subprocess.run([sys.executable, "-c", "import sys; sys.modules['hypothesis'] = None;"
                            " import autograd; print(autograd.Value(2.0).data)"],
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert plain.stdout.strip() == "2.0", plain.stderr
