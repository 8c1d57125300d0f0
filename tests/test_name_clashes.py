"""Name clashes: a local file, or another distribution, that takes autograd, nn, viz or demos
is named in one line with the fix (blameflow_names).

Each clash is made for real: a file or folder in a temporary working folder, or a stand-in
for another distribution (its package and its .dist-info) on PYTHONPATH, and Python runs
in a subprocess there, as a learner's would.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import blameflow_names

ROOT = Path(__file__).resolve().parent.parent


def last_line_of_python(arguments: list[str], cwd: Path,
                        pythonpath: Path | None = None) -> tuple[int, str]:
    """Run this Python with `arguments` in `cwd`: its exit status and stderr's last line."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    result = subprocess.run([sys.executable, *arguments], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=120)
    lines = result.stderr.strip().splitlines()
    return result.returncode, lines[-1] if lines else ""


# ---- (b) a file or folder of the learner's own hides one of ours ------------------------
@pytest.mark.parametrize("path, text, command", [
    ("autograd.py", "x = 1\n", ["-c", "import nn"]),
    ("autograd.py", "x = 1\n", ["-c", "import viz"]),
    # a learner's copy of the README's example, saved under the package's name
    ("autograd.py", "from autograd import Value\n", ["-c", "import nn"]),
    ("nn.py", "from nn import MLP\n", ["-c", "import demos"]),
    ("nn.py", "import torch\n", ["-m", "demos", "--help"]),
    ("viz.py", "", ["-c", "from demos import cli"]),
    ("autograd/__init__.py", "", ["-c", "import viz"]),
])
def test_a_local_file_that_shadows_a_package_is_named_in_one_line(
        tmp_path: Path, path: str, text: str, command: list[str]) -> None:
    (tmp_path / path).parent.mkdir(exist_ok=True)
    (tmp_path / path).write_text(text)
    package = path.split("/")[0].removesuffix(".py")
    what = "folder" if "/" in path else "file"
    status, last = last_line_of_python(command, tmp_path)
    assert status != 0
    assert last == (f"ImportError: your {what} {(tmp_path / package).resolve()}"
                    f"{'' if '/' in path else '.py'} shadows blameflow's package {package!r} "
                    f"(Python finds it first); rename your {what}, e.g. to my_{package}"
                    f"{'' if '/' in path else '.py'}")


def test_the_same_commands_work_where_nothing_shadows(tmp_path: Path) -> None:
    status, last = last_line_of_python(["-c", "import nn, viz, demos.cli"], tmp_path)
    assert status == 0, last


# ---- (a) another installed distribution provides one of our names -------------------------
def fake_distribution(site: Path, name: str, package: str, *, with_package: bool) -> None:
    """A stand-in for another distribution installed in `site`: its RECORD lists the file
    `package`/__init__.py; with_package writes that file too (one without our names), else
    the file is as if blameflow, installed later, had written its own over it."""
    info = site / f"{name}-1.7.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.7.0\n")
    (info / "RECORD").write_text(f"{package}/__init__.py,,\n{info.name}/METADATA,,\n")
    if with_package:
        (site / package).mkdir()
        (site / package / "__init__.py").write_text('"""Not blameflow\'s."""\ngrad = None\n')


@pytest.mark.parametrize("command", [["-c", "import nn"], ["-c", "import viz"],
                                     ["-m", "demos", "--help"]])
def test_another_distributions_autograd_is_named_with_the_fix(tmp_path: Path,
                                                              command: list[str]) -> None:
    site, away = tmp_path / "site", tmp_path / "away"
    away.mkdir()
    fake_distribution(site, "autograd", "autograd", with_package=True)
    status, last = last_line_of_python(command, away, pythonpath=site)
    assert status != 0
    assert last.startswith("ImportError: blameflow and the installed distribution 'autograd' "
                           "both provide the import name 'autograd'")
    assert "fresh virtual environment" in last


def test_the_command_hears_of_a_clash_that_does_not_break_the_import(tmp_path: Path) -> None:
    """blameflow installed last works, but the other distribution is broken: the blameflow
    command's check (name_clash_problem) says so."""
    site, away = tmp_path / "site", tmp_path / "away"
    away.mkdir()
    fake_distribution(site, "viz-tools", "viz", with_package=False)
    code = "import nn, viz, blameflow_names; print(blameflow_names.name_clash_problem())"
    result = subprocess.run([sys.executable, "-c", code], cwd=away, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(site)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("blameflow and the installed distribution 'viz-tools' "
                                    "both provide the import name 'viz'")
    assert len(result.stdout.strip().splitlines()) == 1
    status, last = last_line_of_python(["-m", "demos", "expr", "x*2", "x=1"], away,
                                       pythonpath=site)
    assert status == 0  # the command still works, and says what is broken
    assert last.startswith("blameflow: warning: blameflow and the installed distribution "
                           "'viz-tools' both provide the import name 'viz'")


def test_name_clash_problem_reads_the_installed_distributions(monkeypatch,
                                                              tmp_path: Path) -> None:
    assert blameflow_names.name_clash_problem() is None  # the test environment is clean
    monkeypatch.syspath_prepend(str(tmp_path))
    fake_distribution(tmp_path, "BlameFlow", "nn", with_package=False)  # ours, spelt otherwise
    assert blameflow_names.name_clash_problem() is None
    fake_distribution(tmp_path, "pydemos", "demos", with_package=False)
    # a distribution that declares its names in top_level.txt, not only in RECORD
    fake_distribution(tmp_path, "demos", "other_name", with_package=False)
    (tmp_path / "demos-1.7.0.dist-info" / "top_level.txt").write_text("demos\n")
    problem = blameflow_names.name_clash_problem()
    assert problem is not None and "\n" not in problem
    assert problem.startswith("blameflow and the installed distributions 'demos' and 'pydemos' "
                              "all provide the import name 'demos'")
    assert "python -m venv" in problem


# ---- our own package damaged, or failing for a reason of its own --------------------------
def copy_of_blameflow(where: Path) -> Path:
    """blameflow_names, autograd and nn copied into `where`, which Python will search first."""
    shutil.copy(ROOT / "blameflow_names.py", where)
    for package in ("autograd", "nn"):
        shutil.copytree(ROOT / package, where / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return where


def test_a_package_that_lost_its_init_says_to_install_again(tmp_path: Path) -> None:
    """Uninstalling another distribution that wrote autograd/__init__.py deletes it."""
    (copy_of_blameflow(tmp_path) / "autograd" / "__init__.py").unlink()
    status, last = last_line_of_python(["-c", "import nn"], tmp_path)
    assert status != 0
    assert last == (f"ImportError: blameflow's package 'autograd' in {tmp_path.resolve()} has "
                    f"lost its __init__.py (uninstalling another distribution that shared the "
                    f"name deletes it); install blameflow again, in a fresh virtual environment")


def test_a_package_in_our_place_that_is_not_ours_says_to_install_again(tmp_path: Path) -> None:
    """Written over ours by something that left no metadata behind."""
    init = copy_of_blameflow(tmp_path) / "autograd" / "__init__.py"
    init.write_text("grad = None\n")
    status, last = last_line_of_python(["-c", "import nn"], tmp_path)
    assert status != 0
    assert last == (f"ImportError: the package 'autograd' at {init} is not blameflow's (it "
                    f"has no Value); install blameflow again, in a fresh virtual environment")


def test_an_import_error_no_clash_explains_is_passed_on_unchanged(tmp_path: Path) -> None:
    init = copy_of_blameflow(tmp_path) / "autograd" / "__init__.py"
    init.write_text("import a_module_nobody_has\n" + init.read_text())
    status, last = last_line_of_python(["-c", "import nn"], tmp_path)
    assert status != 0
    assert last == "ModuleNotFoundError: No module named 'a_module_nobody_has'"


# ---- the module itself -------------------------------------------------------------------
def test_blameflow_names_imports_only_the_standard_library() -> None:
    """It must work when any of the four packages is broken, so it imports none of them."""
    tree = ast.parse((ROOT / "blameflow_names.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_the_import_names_are_the_packages_pyproject_installs() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    packages = re.search(r"^packages = \[(.*)\]$", text, re.MULTILINE).group(1)
    assert tuple(re.findall(r'"(\w+)"', packages)) == blameflow_names.IMPORT_NAMES
    assert blameflow_names.HOME == Path(blameflow_names.__file__).resolve().parent
