"""CSV a spreadsheet opens as written: plain decimals, money to the cent, JSON in
structured cells, formula-like text kept as text. Read back with the csv module, the way
a script or a spreadsheet import would."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.render.csv import cell_text, number_text

from .conftest import ROOT

SCIENTIFIC = re.compile(r"^-?\d+(\.\d+)?[eE][-+]?\d+$")
CASES = [("plan", "scenarios/b2b_saas_q1.yaml"), ("plan", "scenarios/quarter_by_month.yaml"),
         ("compare", "scenarios/b2b_saas_q1.yaml"), ("frontier", "scenarios/b2b_saas_q1.yaml"),
         ("sensitivity", "scenarios/b2b_saas_q1.yaml"), ("risk", "scenarios/uncertain_q1.yaml")]


def run_csv(*args: str) -> list[dict[str, str]]:
    exe = Path(sys.executable).with_name("chanopt")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "optimizer"]
    out = subprocess.run([*cmd, *args, "--format", "csv"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, check=False)
    assert out.returncode in (0, 1), out.stderr
    return list(csv.DictReader(io.StringIO(out.stdout)))


@pytest.mark.parametrize("command,path", CASES, ids=[f"{c}-{Path(p).stem}" for c, p in CASES])
def test_no_scientific_notation_and_money_to_the_cent(command, path):
    rows = run_csv(command, path)
    assert rows
    for row in rows:
        for key, value in row.items():
            assert not SCIENTIFIC.match(value or ""), (key, value)
            if key in ("spend", "net_value", "budget", "current_spend") and value:
                assert re.fullmatch(r"-?\d+\.\d\d", value), (key, value)


def test_structured_cells_are_json():
    rows = run_csv("plan", "scenarios/b2b_saas_q1.yaml")
    detail = json.loads(rows[0]["why_detail"])
    assert detail["code"] and isinstance(detail["constraints"], list)


def test_cells_by_hand():
    assert number_text(130000.0000000007) == "130000"
    assert number_text(-1.16e-10) == "0"
    assert number_text(1.5e-05) == "0.000015"
    assert number_text(1234567.891, money=True) == "1234567.89"
    assert number_text(-0.001, money=True) == "0.00"
    assert cell_text(3.5e12) == "3500000000000"
    assert cell_text("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert cell_text("-1+1") == "'-1+1"
    assert cell_text("@SUM(A1)") == "'@SUM(A1)"
    assert cell_text("SEO/Content") == "SEO/Content"
    assert cell_text(True) == "true"
