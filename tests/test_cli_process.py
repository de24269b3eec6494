"""`chanopt` as a real process: every command's JSON and CSV parse with json.loads and the
csv module, nothing but the output reaches stdout (no solver banner), and the solve options
reach every program a command solves."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import optimizer.backends as backends
from optimizer.cli import main

from .conftest import ROOT, SCENARIOS

BASE = "scenarios/b2b_saas_q1.yaml"
MONTHS = "scenarios/quarter_by_month.yaml"


def chanopt(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("chanopt")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "optimizer"]
    env = {**{k: v for k, v in os.environ.items() if k != "COLUMNS"}, **(env or {})}
    return subprocess.run([*cmd, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


COMMANDS = [("plan", BASE), ("compare", BASE), ("frontier", BASE), ("sensitivity", BASE),
            ("risk", "scenarios/uncertain_q1.yaml"), ("plan", MONTHS), ("frontier", MONTHS)]


@pytest.mark.parametrize("command,path", COMMANDS, ids=[f"{c}-{Path(p).stem}" for c, p in COMMANDS])
def test_json_parses_and_stderr_is_quiet(command, path):
    proc = chanopt(command, path, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout)
    assert data["schema_version"] == 1
    assert "HiGHS" not in proc.stderr and "Welcome to the CBC" not in proc.stderr


@pytest.mark.parametrize("command,path", COMMANDS, ids=[f"{c}-{Path(p).stem}" for c, p in COMMANDS])
def test_csv_parses(command, path):
    proc = chanopt(command, path, "--format", "csv")
    assert proc.returncode in (0, 1), proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows)
    assert not any(cell.startswith("Running HiGHS") for row in rows for cell in row)


def test_validate_and_estimate_json(tmp_path):
    data = json.loads(chanopt("validate", BASE, "--format", "json").stdout)
    assert data["valid"] and data["scenarios"][0]["input_hash"] == "e27566d4e7e8"
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,channel,created\n" +
                     "".join(f"L{i},{'Email' if i % 2 else 'PPC'},2018-0{1 + i % 3}-05\n"
                             for i in range(40)))
    (tmp_path / "spend.csv").write_text("channel,period,spend\nEmail,2018-01,1000\nPPC,2018-01,2000\n")
    proc = chanopt("estimate", "--leads", str(leads), "--spend", str(tmp_path / "spend.csv"),
                   "-o", str(tmp_path / "out.csv"), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert {c["name"] for c in json.loads(proc.stdout)["channels"]} == {"Email", "PPC"}
    with (tmp_path / "out.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["name"] for r in rows} == {"Email", "PPC"}


def test_verbose_sends_the_solver_log_to_stderr_only():
    proc = chanopt("plan", "scenarios/seed_tale_of_two_channels.yaml", "--format", "json",
                   "--verbose")
    assert json.loads(proc.stdout)["status"] == "optimal"
    assert "HiGHS" in proc.stderr


def test_every_scenario_prints_the_hash_validate_prints():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        rel = str(path.relative_to(ROOT))
        hashes = [s["input_hash"] for s in json.loads(chanopt("validate", rel, "--format",
                                                               "json").stdout)["scenarios"]]
        plan = json.loads(chanopt("plan", rel, "--format", "json").stdout)
        planned = [plan["scenario"]["input_hash"]] + [v["scenario"]["input_hash"]
                                                      for v in plan.get("variants", [])]
        assert planned == hashes, rel


def test_help_is_fast_to_load():
    proc = chanopt("--help")
    assert proc.returncode == 0 and "plan" in proc.stdout
    code = ("import sys; import optimizer.cli; "
            "print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'rich', 'yaml') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------ options reach every solve


@pytest.fixture
def spy(monkeypatch):
    """Every (backend, options) that a command's solves use."""
    seen: list[backends.SolveOptions] = []
    for name, real in list(backends.BACKENDS.items()):
        def record(lp, options, real=real):
            seen.append(options)
            return real(lp, options)
        monkeypatch.setitem(backends.BACKENDS, name, record)
    return seen


def test_variants_get_the_time_limit_and_mip_gap(spy):
    result = CliRunner().invoke(main, ["plan", str(ROOT / MONTHS), "--time-limit", "60",
                                       "--mip-gap", "0.001", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["variants"]) == 3
    mips = [o for o in spy if o.time_limit is not None]
    assert mips and all(o.time_limit == 60 and o.mip_rel_gap == 0.001 for o in mips)
    assert all(o.mip_rel_gap == 0.001 for o in spy)


@pytest.mark.parametrize("command", ["frontier", "plan"])
def test_cbc_is_used_for_every_solve(spy, command):
    args = [command, str(SCENARIOS / "b2b_saas_q1.yaml"), "--solver", "cbc", "--format", "json"]
    if command == "frontier":
        args += ["--points", "4"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    assert spy and {o.solver for o in spy} == {"cbc"}
    if command == "frontier":
        assert json.loads(result.stdout)["solver"] == "cbc"


def test_repairs_use_the_chosen_solver(spy):
    result = CliRunner().invoke(main, ["plan", str(SCENARIOS / "b2b_saas_q1.yaml"), "--variant",
                                       "Cautious (max 30% change)", "--solver", "cbc",
                                       "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["repairs"]
    assert {o.solver for o in spy} == {"cbc"}


def test_sensitivity_refuses_cbc_with_the_reason():
    result = CliRunner().invoke(main, ["sensitivity", str(SCENARIOS / "b2b_saas_q1.yaml"),
                                       "--solver", "cbc"])
    assert result.exit_code == 2
    assert "only the HiGHS backend exposes" in result.stderr


def test_variant_by_case_insensitive_unambiguous_prefix():
    path = str(SCENARIOS / "b2b_saas_q1.yaml")
    out = chanopt("plan", path, "--variant", "sdr", "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["scenario"]["name"] == "SDR capacity 400 SQLs"
    exact = chanopt("plan", path, "--variant", "SDR capacity 400 SQLs", "--format", "json")
    assert json.loads(exact.stdout)["scenario"]["input_hash"] == \
        json.loads(out.stdout)["scenario"]["input_hash"]
    ambiguous = chanopt("plan", path, "--variant", "growth")
    assert ambiguous.returncode == 2 and "Traceback" not in ambiguous.stderr
    assert "fits 2 variants" in ambiguous.stderr
    assert "'Growth mode ($400k, floor 1.5:1)'" in ambiguous.stderr
    unknown = chanopt("plan", path, "--variant", "Drop LinkedIn Adz")
    assert unknown.returncode == 2
    assert "did you mean 'Drop LinkedIn Ads'?" in unknown.stderr
