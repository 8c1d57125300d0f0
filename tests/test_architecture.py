"""The import rules of DESIGN.md, checked by import-linter ([tool.importlinter] in pyproject.toml).

autograd imports only the standard library; nn and viz import autograd and never each other;
demos sits on top; no package has an import cycle between its modules. lint-imports reads
every import statement, also one inside a function, so a cycle cannot hide in a function body.

Each rule is shown to bite: the linter runs on a copy of the packages with one bad import
added, and must name the broken contract.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn", "viz", "demos")
CONTRACTS = ("stdlib-only", "independent", "layers", "acyclic", "acyclic-autograd")  # pyproject ids


def lint_imports(where: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """The venv's lint-imports run in `where` (a folder holding pyproject.toml and the
    packages), on the contracts with these ids (all of them when none is given)."""
    executable = Path(sys.executable).parent / "lint-imports"
    if not executable.exists():
        pytest.skip("import-linter is not installed: pip install -e '.[test]'")
    only = [option for contract in contracts for option in ("--contract", contract)]
    return subprocess.run([str(executable), "--no-cache", "--no-logo", *only], cwd=where,
                          capture_output=True, text=True, timeout=120)


def test_the_project_keeps_every_import_contract() -> None:
    result = lint_imports(ROOT, *CONTRACTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(CONTRACTS)} kept, 0 broken" in result.stdout, result.stdout


@pytest.fixture(scope="module")
def copy_of_the_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four packages' Python files and pyproject.toml, in a fresh folder."""
    copy = tmp_path_factory.mktemp("project")
    shutil.copy(ROOT / "pyproject.toml", copy)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, copy / package,
                        ignore=shutil.ignore_patterns("__pycache__", "data", "assets"))
    return copy


@pytest.mark.parametrize(("module", "bad_import", "contract"), [
    ("nn/layers.py", "import viz", "independent"),
    ("viz/graph.py", "from nn import MLP", "independent"),
    ("autograd/value.py", "import numpy", "stdlib-only"),
    ("autograd/value.py", "import nn", "layers"),
    ("viz/style.py", "import demos", "layers"),
    ("nn/checks.py", "def hidden():\n    import nn.train", "acyclic"),
    # The node factory makes Values without importing value.py, which imports it.
    ("autograd/node_factory.py", "def hidden():\n    from autograd.value import Value",
     "acyclic-autograd"),
])
def test_a_bad_import_breaks_its_contract(copy_of_the_project: Path, module: str,
                                          bad_import: str, contract: str) -> None:
    path = copy_of_the_project / module
    original = path.read_text()
    path.write_text(original + "\n\n" + bad_import + "\n")
    try:
        result = lint_imports(copy_of_the_project, contract)
    finally:
        path.write_text(original)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout and "1 broken" in result.stdout, result.stdout


def test_the_copy_keeps_those_contracts_without_the_bad_imports(
        copy_of_the_project: Path) -> None:
    """So each failure above is the added import's doing."""
    result = lint_imports(copy_of_the_project, *CONTRACTS)
    assert result.returncode == 0, result.stdout + result.stderr
