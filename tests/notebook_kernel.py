"""Run a notebook in a real Jupyter kernel: shared by the tests of docs/tour.ipynb and of
fit(..., live=True).

The kernel is this test's own Python (a kernelspec naming sys.executable, found first
through JUPYTER_PATH), so it imports the blameflow being tested whatever other kernels the
machine has. It runs in `folder`, where the notebook's files land.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_notebook(notebook: Any, folder: Path, client_class: Any = None) -> Any:
    """Execute notebook (an nbformat notebook, changed in place) and return the client.

    client_class: an nbclient.NotebookClient subclass (to watch the kernel's messages);
    by default NotebookClient itself. Without nbclient or ipykernel the test skips.
    """
    nbclient = pytest.importorskip("nbclient", reason="running a notebook needs blameflow[test]")
    pytest.importorskip("ipykernel", reason="running a notebook needs blameflow[test]")
    kernel = folder / "jupyter" / "kernels" / "blameflow-test"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "blameflow test", "language": "python"}))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(folder / "jupyter"))
        # Connection files and IPython's profile in the temporary folder too: nothing of
        # the user's (a startup script, say) runs in the kernel, nothing is left behind.
        patch.setenv("JUPYTER_RUNTIME_DIR", str(folder / "runtime"))
        patch.setenv("IPYTHONDIR", str(folder / "ipython"))
        patch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [
            str(ROOT), os.environ.get("PYTHONPATH")])))
        client = (client_class or nbclient.NotebookClient)(
            # Kernel start-up on a busy machine can take a while; a cell gets 5 minutes.
            notebook, kernel_name="blameflow-test", timeout=300, startup_timeout=300,
            resources={"metadata": {"path": str(folder)}})
        client.execute()
    return client
