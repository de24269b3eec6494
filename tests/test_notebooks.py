"""Notebooks run top to bottom without errors (executed, not just parsed)."""

from __future__ import annotations

import pytest

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# every notebook runs on what the repository holds (estimates_and_risk.ipynb reads the
# made-up examples/crm export; its Olist section runs only when ../shared is beside the clone)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code"
               for o in cell.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors
    streams = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "HiGHS" not in streams and "Welcome to the CBC" not in streams  # solvers are silent
    images = [o for cell in nb.cells if cell.cell_type == "code"
              for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the notebook should draw at least one chart"
