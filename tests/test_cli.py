"""The chanopt CLI, in-process: exit codes, formats, outputs written safely."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from optimizer.cli import main

from .conftest import SCENARIOS

BASE = str(SCENARIOS / "b2b_saas_q1.yaml")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_plan_table_prints_plan_and_comparison():
    result = run("plan", BASE)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Q1 2027 plan — optimal" in out
    assert "Binding constraints" in out
    assert "Scenario comparison" in out and "current plan" in out
    assert "Cautious (max 30% change) is infeasible" in out


def test_plan_json_schema():
    result = run("plan", BASE, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["status"] == "optimal"
    assert data["scenario"]["name"] == "Q1 2027 plan"
    assert len(data["scenario"]["input_hash"]) == 12
    for ch in data["channels"]:
        assert {"name", "spend", "current_spend", "leads", "customers", "value", "net_value",
                "cpa", "clv_to_cpa"} <= set(ch)
    assert {"spend", "unspent", "leads", "customers", "value", "net_value", "blended_cpl",
            "blended_cpa", "blended_clv_to_cpa"} <= set(data["totals"])
    assert data["binding"] and {"name", "shadow_price"} <= set(data["binding"][0])
    assert data["conflicts"] == []
    social = next(c for c in data["channels"] if c["name"] == "Social Media Ads")
    assert social["spend"] == 0 and social["cpa"] is None and social["clv_to_cpa"] is None
    assert social["why"] == "excluded: CLV:CPA 1.50 is below the 3.0 floor"
    assert data["comparison"][0]["scenario"] == "current plan"
    assert data["current"]["violations"]


def test_infeasible_variant_exits_1_with_explanation():
    result = run("plan", BASE, "--variant", "Cautious (max 30% change)", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["status"] == "infeasible"
    assert data["channels"] == [] and data["totals"] is None
    assert "Social Media Ads must spend at least $31,500" in data["conflicts"][0]


def test_invalid_input_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nbudget: 100\nchannels:\n  - {name: A, cpl: 10, lead_to_close: 5, clv: 1}\n")
    result = run("plan", str(bad))
    assert result.exit_code == 2
    assert "bad.yaml: channels['A'].lead_to_close" in result.stderr
    assert "did you mean 0.05?" in result.stderr
    assert run("plan", str(tmp_path / "missing.yaml")).exit_code == 2
    assert run("plan", BASE, "--variant", "nope").exit_code == 2


def test_validate():
    result = run("validate", BASE)
    assert result.exit_code == 0 and "valid" in result.stdout
    data = json.loads(run("validate", BASE, "--format", "json").stdout)
    assert data["valid"] and len(data["scenarios"]) == 6


@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_plan_other_formats(fmt):
    result = run("plan", BASE, "--format", fmt)
    assert result.exit_code == 0
    if fmt == "csv":
        assert result.stdout.splitlines()[0].startswith("channel,spend,current_spend")
        assert len(result.stdout.splitlines()) == 7
    else:
        assert result.stdout.startswith("# Plan: Q1 2027 plan")
        assert "## Scenario comparison" in result.stdout


def test_compare_several_files():
    files = [BASE, str(SCENARIOS / "whatif_budget_cut.yaml"),
             str(SCENARIOS / "whatif_ppc_cpl_shock.yaml")]
    result = run("compare", *files, "--format", "json")
    assert result.exit_code == 1  # the PPC +50% variant is infeasible
    data = json.loads(result.stdout)
    names = [row["scenario"] for row in data["comparison"]]
    assert names[0] == "current plan" and names.count("current plan") == 1
    assert {"Q1 2027 plan", "Budget cut 20%", "PPC CPL +25%", "PPC CPL +50%"} <= set(names)
    spends = {(r["channel"], r["scenario"]) for r in data["spend"]}
    assert ("PPC", "Budget cut 20%") in spends


def test_out_writes_reports_atomically(tmp_path):
    out = tmp_path / "q1"
    result = run("plan", BASE, "--out", str(out))
    assert result.exit_code == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"plan.json", "channels.csv", "current_channels.csv", "constraints.csv",
                     "report.md", "comparison.csv", "spend_by_scenario.csv", "plan.xlsx"}
    assert json.loads((out / "plan.json").read_text())["status"] == "optimal"
    assert (out / "report.md").read_text().startswith("# Plan: Q1 2027 plan")


def test_out_refuses_to_overwrite_an_input(tmp_path):
    shutil.copy(SCENARIOS / "b2b_saas_q1.yaml", tmp_path / "plan.yaml")
    shutil.copy(SCENARIOS / "b2b_channels.csv", tmp_path / "channels.csv")
    text = (tmp_path / "plan.yaml").read_text().replace("b2b_channels.csv", "channels.csv")
    (tmp_path / "plan.yaml").write_text(text)
    before = (tmp_path / "channels.csv").read_bytes()
    result = run("plan", str(tmp_path / "plan.yaml"), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "refusing to write" in result.stderr
    assert (tmp_path / "channels.csv").read_bytes() == before
    assert not (tmp_path / "plan.json").exists()  # nothing written at all


def test_export_model(tmp_path):
    for solver in ("cbc", "highs"):
        path = tmp_path / f"q1-{solver}.lp"
        assert run("plan", BASE, "--solver", solver, "--export-model", str(path)).exit_code == 0
        assert path.read_text().startswith("\\*")
    assert run("plan", BASE, "--export-model", BASE).exit_code == 2  # never over an input


def test_python_dash_m():
    proc = subprocess.run([sys.executable, "-m", "optimizer", "plan",
                           str(SCENARIOS / "seed_tale_of_two_channels.yaml"), "--format", "json"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "optimal"
