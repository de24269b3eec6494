"""Notebooks run top to bottom without errors (executed, not just parsed)."""

from __future__ import annotations

import pytest

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


OLIST = ROOT.parent / "shared" / "data" / "olist"
NEEDS_OLIST = {"estimates_and_risk.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path):
    if path.name in NEEDS_OLIST and not OLIST.exists():
        pytest.skip("the shared Olist data is not beside this clone (../shared/data/olist)")
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
