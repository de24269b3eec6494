"""`chanopt sweep` and `optimizer.sweep`: grids of what-ifs, draws, the tornado, executors.

Cells are checked against what does not share the sweep's code path: `chanopt plan` run as
a real process on a what-if file holding the cell's overrides, and plain `optimize()` on
scenarios changed field by field with `with_field` (values computed here)."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from optimizer import ScenarioError, load_scenario, optimize
from optimizer.analysis.sweep import make_plan, sweep
from optimizer.analysis.tornado import tornado
from optimizer.render.sweep import write_sweep
from optimizer.scenario.edit import with_field

from .conftest import ROOT, SCENARIOS

B2B = SCENARIOS / "b2b_saas_q1.yaml"
UNCERTAIN = SCENARIOS / "uncertain_q1.yaml"
GRID = {
    "grid": {
        "budget": [150000, 200000, 250000, 300000, 350000],
        "channels": {"PPC": {"cpl": ["-20%", "-10%", "+10%", "+25%"]},
                     "Email": {"lead_to_close": ["-20%", "+0%"]}},
        "constraints": {"min_clv_to_cpa": [2.5, 3.0, 3.5, 4.0, 4.5]},
    },
}  # 5 x 4 x 2 x 5 = 200 cells, some infeasible (Email's $5,000 minimum under a 4.5 floor)
CHANNELS = [c.name for c in load_scenario(B2B).channels]


def chanopt(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=600, **kw)


def write_grid(tmp_path: Path, grid: dict, name: str = "grid.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(grid, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def serial() -> pd.DataFrame:
    return sweep(B2B, GRID)


# ------------------------------------------------------------------------ grid files


def test_grid_problems_are_reported_all_at_once_with_did_you_mean(tmp_path):
    path = write_grid(tmp_path, {
        "grid": {"budgt": [1], "channels": {"PCC": {"cpl": ["+10%"]},
                                            "Email": {"lead_to_clse": [0.1]}},
                 "constraints": {"min_clv_to_cap": [3]}, "periods": [1]},
        "mode": "zipp", "samples": 10, "sed": 3})
    with pytest.raises(ScenarioError) as err:
        make_plan(B2B, path)
    text = str(err.value)
    for expected in ("grid.budgt: unknown key; did you mean 'budget'?",
                     "grid.channels['PCC']: no channel named 'PCC'; did you mean 'PPC'?",
                     "grid.channels['Email'].lead_to_clse: unknown channel field; did you "
                     "mean 'lead_to_close'?",
                     "grid.constraints.min_clv_to_cap: unknown constraint; did you mean "
                     "'min_clv_to_cpa'?",
                     "grid.periods: cannot be swept",
                     "mode: unknown mode 'zipp'; did you mean 'zip'?",
                     "sed: unknown key; did you mean 'seed'?",
                     "samples: applies to mode: random only"):
        assert expected in text, text
    assert str(path) in text
    assert len(err.value.problems) == 8


def test_grid_shapes_are_checked(tmp_path):
    cases = [
        ({"grid": {"budget": 200000}}, "grid.budget: must be a list of values"),
        ({"grid": {"budget": [1, 2], "constraints": {"min_clv_to_cpa": [3]}}, "mode": "zip"},
         "lists need one length; they have budget: 2, constraints.min_clv_to_cpa: 1"),
        ({"grid": {"budget": [1]}, "mode": "random"}, "samples: mode: random needs the number"),
        ({"grid": {"budget": {"uniform": [5, 1]}}, "mode": "random", "samples": 3},
         "low 5 is above high 1"),
        ({"grid": {"budget": {"unifrom": [1, 5]}}, "mode": "random", "samples": 3},
         "did you mean 'uniform'?"),
        ({"grid": {}}, "grid: missing or empty"),
        ({"grid": {"budget": [[1, 2]]}}, "grid.budget[0]: must be one value"),
    ]
    for i, (grid, message) in enumerate(cases):
        with pytest.raises(ScenarioError) as err:
            make_plan(B2B, write_grid(tmp_path, grid, f"g{i}.yaml"))
        assert message in str(err.value), (grid, str(err.value))


def test_cli_invalid_grid_exits_2_naming_the_file_and_field(tmp_path):
    path = write_grid(tmp_path, {"grid": {"channels": {"PCC": {"cpl": ["+10%"]}}}})
    out = tmp_path / "out"
    run = chanopt("sweep", str(B2B), "--grid", str(path), "--out", str(out))
    assert run.returncode == 2, run.stderr
    assert f"{path}: grid.channels['PCC']: no channel named 'PCC'; did you mean 'PPC'?" \
        in run.stderr
    assert "Traceback" not in run.stderr and not out.exists()


# ------------------------------------------------------------------------ cells


def test_rows_have_the_documented_columns_in_cell_order(serial):
    assert list(serial.columns) == [
        "cell", "budget", "channels.PPC.cpl", "channels.Email.lead_to_close",
        "constraints.min_clv_to_cpa", "status", "objective_value", "net_value", "customers",
        "blended_cpa", "blended_clv_to_cpa", *(f"spend[{c}]" for c in CHANNELS), "binding",
        "conflicts", "message"]
    assert len(serial) == 200 and list(serial["cell"]) == [f"{i:04d}" for i in range(200)]
    # product order: the last field varies fastest
    assert list(serial["constraints.min_clv_to_cpa"][:5]) == [2.5, 3.0, 3.5, 4.0, 4.5]
    assert set(serial["status"]) == {"optimal", "infeasible"}


def _what_if(tmp_path: Path, row: pd.Series, name: str) -> Path:
    changes: dict = {"extends": str(B2B), "name": name}
    for column in ("budget", "channels.PPC.cpl", "channels.Email.lead_to_close",
                   "constraints.min_clv_to_cpa"):
        node = changes
        parts = column.split(".")
        for key in parts[:-1]:
            node = node.setdefault(key, {})
        value = row[column]
        node[parts[-1]] = value.item() if hasattr(value, "item") else value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(changes, sort_keys=False))
    return path


def test_cells_equal_chanopt_plan_on_the_same_overrides(serial, tmp_path):
    """Each sampled cell, written as a what-if file and planned by the CLI (a separate
    process, cold solve): the same status, objective, KPIs, spend and binding constraints."""
    picks = [0, 37, 74, 111, 148, 199]
    picks += list(serial.index[serial["status"] == "infeasible"][:2])
    for i in picks:
        row = serial.iloc[i]
        run = chanopt("plan", str(_what_if(tmp_path, row, f"cell{i}")), "--format", "json")
        doc = json.loads(run.stdout)
        assert doc["status"] == row["status"], (i, run.stderr)
        if row["status"] != "optimal":
            assert run.returncode == 1
            assert "; ".join(doc["conflicts"]) == row["conflicts"]
            assert all(math.isnan(row[f"spend[{c}]"]) for c in CHANNELS)
            continue
        assert run.returncode == 0
        assert row["objective_value"] == pytest.approx(doc["objective_value"], rel=1e-9)
        for key in ("net_value", "customers", "blended_cpa", "blended_clv_to_cpa"):
            assert row[key] == pytest.approx(doc["totals"][key], rel=1e-9), key
        spend = {c["name"]: c["spend"] for c in doc["channels"]}
        for c in CHANNELS:
            assert row[f"spend[{c}]"] == pytest.approx(spend[c], rel=1e-9, abs=1e-6), (i, c)
        binding = [b["name"] for b in doc["binding"]]
        assert row["binding"] == "; ".join(binding)


def test_a_failing_cell_is_reported_in_its_row_and_the_sweep_completes(tmp_path):
    grid = {"grid": {"channels": {"PPC": {"cpl": ["+10%", "-100%", "abc", "+20%"]}},
                     "constraints": {"min_clv_to_cpa": [3, 20]}}}
    rows = sweep(B2B, grid)
    by = {(r["channels.PPC.cpl"], r["constraints.min_clv_to_cpa"]): r for _, r in rows.iterrows()}
    assert by[("+10%", 3)]["status"] == "optimal" and by[("+20%", 3)]["status"] == "optimal"
    bad = by[("-100%", 3)]
    assert bad["status"] == "invalid"
    assert "<grid>: grid.channels['PPC'].cpl: -100% takes cpl to 0% of its value" in bad["message"]
    assert by[("abc", 3)]["status"] == "invalid"
    assert "grid.channels['PPC'].cpl" in by[("abc", 3)]["message"]
    assert by[("+10%", 20)]["status"] == "infeasible"
    assert "below the 20.0 floor" in by[("+10%", 20)]["conflicts"]
    assert math.isnan(bad["net_value"])


def test_random_cells_depend_only_on_seed_and_cell():
    grid = {"grid": {"budget": {"uniform": [200000, 300000]},
                     "channels": {"PPC": {"cpl": {"uniform": ["-10%", "+30%"]}}},
                     "constraints": {"min_clv_to_cpa": [2.5, 3]}},
            "mode": "random", "samples": 30, "seed": 7}
    one = make_plan(B2B, grid)
    cells = list(one.cells())
    assert [c.id for c in cells] == [f"{i:04d}" for i in range(30)]
    again = list(make_plan(B2B, grid).cells())
    assert cells == again
    budgets = [c.columns["budget"] for c in cells]
    assert all(200000 <= b <= 300000 for b in budgets) and len(set(budgets)) == 30
    pct = [float(c.columns["channels.PPC.cpl"].rstrip("%")) for c in cells]
    assert all(-10 <= p <= 30 for p in pct)
    other = list(make_plan(B2B, {**grid, "seed": 8}).cells())
    assert [c.columns["budget"] for c in other] != budgets
    # a longer run of the same seed starts with the same cells
    longer = list(make_plan(B2B, {**grid, "samples": 60}).cells())
    assert [c.columns for c in longer[:30]] == [c.columns for c in cells]


def test_zip_pairs_the_values():
    grid = {"grid": {"budget": [200000, 300000], "constraints": {"min_clv_to_cpa": [2.5, 4]}},
            "mode": "zip"}
    rows = sweep(B2B, grid, tornado=None)
    assert list(zip(rows["budget"], rows["constraints.min_clv_to_cpa"], strict=True)) == \
        [(200000, 2.5), (300000, 4)]


# ------------------------------------------------------------------------ draws


def test_draws_are_re_optimised_plans_on_the_risk_draws():
    from optimizer.analysis.risk import draw_inputs

    base = load_scenario(UNCERTAIN)
    rows = sweep(UNCERTAIN, draws=40, seed=3)
    assert list(rows["cell"][:3]) == ["d0000", "d0001", "d0002"]
    draws = draw_inputs(base, 40, seed=3)
    for j in (0, 17, 39):
        changed = base
        for i, ch in enumerate(base.channels):
            for u in ch.uncertainty:
                if u.field == "lead_to_close":
                    changed = with_field(changed, ("channels", ch.name, "lead_to_close"),
                                         float(draws.lead_to_close[j, i]))
                elif u.field == "clv":
                    changed = with_field(changed, ("channels", ch.name, "clv"),
                                         float(draws.clv[j, i]))
                elif u.field == "cpl":
                    from dataclasses import replace

                    from optimizer import Tier
                    c = next(c for c in changed.channels if c.name == ch.name)
                    tiers = tuple(Tier(t.up_to, t.cpl * draws.cpl_factor[j, i]) for t in c.tiers)
                    changed = replace(changed, channels=tuple(
                        replace(x, tiers=tiers) if x.name == ch.name else x
                        for x in changed.channels))
        plain = optimize(changed)
        row = rows.iloc[j]
        assert row["status"] == str(plain.status)
        assert row["net_value"] == pytest.approx(plain.totals["net_value"], rel=1e-9)


def test_draws_summary_gives_spend_quantiles_and_funding_probability(tmp_path):
    out = tmp_path / "draws"
    sweep(UNCERTAIN, draws=200, seed=1, out=out, tornado=None)
    rows = pd.read_parquet(out / "sweep.parquet")
    md = (out / "summary.md").read_text()
    assert "200 draws of the uncertain inputs (seed 1)" in md
    ok = rows[rows["status"] == "optimal"]
    for ch in load_scenario(UNCERTAIN).channels:
        spend = ok[f"spend[{ch.name}]"].to_numpy()
        p10, p50, p90 = np.quantile(spend, [0.1, 0.5, 0.9])
        funded = f"{np.mean(spend > 0.005) * 100:.0f}%"
        line = next(line for line in md.splitlines() if f"| all | {ch.name} |" in line)
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[2:] == [f"${p10:,.0f}", f"${p50:,.0f}", f"${p90:,.0f}", funded], line


def test_draws_need_uncertain_inputs():
    with pytest.raises(ScenarioError, match="draws need uncertain inputs"):
        make_plan(B2B, draws=10)


# ------------------------------------------------------------------------ tornado


def test_tornado_extremes_equal_plain_re_solves():
    table = tornado(B2B, 0.1)
    base = load_scenario(B2B)
    assert table["input"].iloc[0] == "budget"  # the budget moves the value most
    assert list(table["range"]) == sorted(table["range"], reverse=True)
    for _, row in table.head(8).iterrows():
        path = ("channels", *row["input"][len("channels."):].rsplit(".", 1)) \
            if row["input"].startswith("channels.") else (row["input"],)
        for side, factor in (("low", 0.9), ("high", 1.1)):
            if path == ("budget",):
                changed = base.with_budget(base.budget * factor)
            else:
                ch = next(c for c in base.channels if c.name == path[1])
                field = "tiers" if path[2] == "cpl" else path[2]
                if field == "tiers":
                    from dataclasses import replace

                    from optimizer import Tier
                    tiers = tuple(Tier(t.up_to, t.cpl * factor) for t in ch.tiers)
                    changed = replace(base, channels=tuple(
                        replace(c, tiers=tiers) if c.name == ch.name else c
                        for c in base.channels))
                else:
                    changed = with_field(base, path, getattr(ch, field) * factor)
            plain = optimize(changed)
            assert row[f"net_value_{side}"] == pytest.approx(plain.totals["net_value"],
                                                             rel=1e-9), (row["input"], side)
            for c in CHANNELS:
                assert row[f"spend_{side}[{c}]"] == pytest.approx(
                    float(plain.spend[c]), rel=1e-9, abs=1e-6)
        moved = sum(abs(row[f"spend_high[{c}]"] - row[f"spend_low[{c}]"]) for c in CHANNELS) / 2
        assert row["spend_moved"] == pytest.approx(moved)


def test_uncertain_inputs_move_across_their_interval():
    table = tornado(UNCERTAIN, 0.1).set_index("input")
    base = load_scenario(UNCERTAIN)
    ch = next(c for c in base.channels if any(u.field == "clv" for u in c.uncertainty))
    u = next(u for u in ch.uncertainty if u.field == "clv")
    lo, hi = u.interval(0.9)
    row = table.loc[f"channels.{ch.name}.clv"]
    assert row["how"] == "90% interval" and row["low"] == lo and row["high"] == hi
    plain = optimize(with_field(base, ("channels", ch.name, "clv"), hi))
    assert row["net_value_high"] == pytest.approx(plain.totals["net_value"], rel=1e-9)


# ------------------------------------------------------------------------ executors, files


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sweeps")
    outs = {}
    for executor, workers in (("serial", None), ("processes", 2), ("dask", 2)):
        out = root / executor
        sweep(B2B, GRID, executor=executor, workers=workers, out=out)
        outs[executor] = out
    return outs


def test_serial_processes_and_a_dask_local_cluster_write_identical_files(written, serial):
    names = sorted(p.relative_to(written["serial"]).as_posix()
                   for p in written["serial"].rglob("*") if p.is_file())
    assert names == ["charts/spend.png", "charts/tornado.png", "summary.html", "summary.md",
                     "sweep.csv", "sweep.parquet", "tornado.csv"]
    for executor in ("processes", "dask"):
        for name in names:
            a = (written["serial"] / name).read_bytes()
            b = (written[executor] / name).read_bytes()
            assert a == b, f"{name} differs between serial and {executor}"
    pd.testing.assert_frame_equal(pd.read_parquet(written["serial"] / "sweep.parquet"), serial)


def test_csv_opens_as_written_with_formula_like_text_quoted(written):
    import csv

    with open(written["serial"] / "sweep.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 200
    assert rows[0]["channels.PPC.cpl"] == "'-20%"  # never run as a formula by a spreadsheet
    assert rows[0]["budget"] == "150000"
    parquet = pd.read_parquet(written["serial"] / "sweep.parquet")
    for got, want in zip(rows, parquet.itertuples(index=False), strict=True):
        if want.status == "optimal":
            assert float(got["net_value"]) == pytest.approx(want.net_value, abs=0.006)


def test_summary_html_in_headless_chromium(written):
    from .test_report import browser_page

    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((written["serial"] / "summary.html").as_uri())
        assert errors == []
        assert "200 cells of 'Q1 2027 plan'" in page.locator("#summary").inner_text()
        for chart in ("tornado", "spend"):
            box = page.locator(f"#chart-{chart} svg").bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 150
        first = page.locator("#tornado tbody tr").first.inner_text()
        assert first.startswith("budget")


def test_interrupted_sweep_leaves_no_output(tmp_path):
    plan = make_plan(B2B, GRID)
    out = tmp_path / "out"

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_sweep(plan, out, progress=stop)
    assert not out.exists()
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "sweep.csv").write_text("an earlier sweep\n")
    with pytest.raises(KeyboardInterrupt):
        write_sweep(plan, tmp_path / "kept", progress=stop)
    assert [p.name for p in (tmp_path / "kept").iterdir()] == ["sweep.csv"]
    assert (tmp_path / "kept" / "sweep.csv").read_text() == "an earlier sweep\n"


def test_ctrl_c_on_the_cli_leaves_no_partial_files(tmp_path):
    grid = write_grid(tmp_path, {"grid": {"budget": list(range(100000, 400000, 10)),
                                          "constraints": {"min_clv_to_cpa": [2.5, 3]}}})
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "optimizer", "sweep", str(B2B), "--grid",
                             str(grid), "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(out.glob(".sweep.csv.*")):
        time.sleep(0.05)  # the staged files appear when the cells start running
    assert any(out.glob(".sweep.csv.*")), "the sweep did not start"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted: no output was written" in err and "Traceback" not in err
    assert not out.exists() or list(out.iterdir()) == []


def test_cli_sweep_prints_the_summary_and_writes_the_files(tmp_path):
    grid = write_grid(tmp_path, GRID)
    out = tmp_path / "out"
    run = chanopt("sweep", str(B2B), "--grid", str(grid), "--out", str(out), "--format", "json")
    assert run.returncode == 1  # some cells have no plan
    doc = json.loads(run.stdout)
    rows = pd.read_parquet(out / "sweep.parquet")
    assert doc["cells"] == 200 and doc["status"] == rows["status"].value_counts().to_dict()
    best = rows.loc[rows["net_value"].idxmax()]
    assert doc["net_value"]["best"]["cell"] == best["cell"]
    assert doc["net_value"]["max"] == best["net_value"]
    ok = rows[rows["status"] == "optimal"]
    assert doc["net_value"]["p50"] == pytest.approx(float(np.quantile(ok["net_value"], 0.5)))
    for effect in doc["effects"]:  # each swept value: its cells, against a pandas groupby
        these = rows[rows[effect["field"]] == effect["value"]]
        good = these[these["status"] == "optimal"]["net_value"]
        assert effect["cells"] == len(these) and effect["optimal"] == len(good)
        if good.empty:
            assert effect["mean_net_value"] is None and effect["max_net_value"] is None
            continue
        assert effect["mean_net_value"] == pytest.approx(good.mean(), rel=1e-12)
        assert effect["min_net_value"] == good.min() and effect["max_net_value"] == good.max()
    counts: dict[str, int] = {}
    for text in ok["binding"]:
        for name in text.split("; "):
            counts[name] = counts.get(name, 0) + 1
    for item in doc["binding"]:
        assert item["cells"] == counts[item["constraint"]]
        assert item["share"] == pytest.approx(counts[item["constraint"]] / len(ok))
    assert doc["first_failure"]["cell"] == rows[rows["status"] != "optimal"]["cell"].iloc[0]
    assert "200 cells in" in run.stderr and "cells/s, serial" in run.stderr
    text = chanopt("sweep", str(B2B), "--grid", str(grid), "--out", str(tmp_path / "o2"),
                   "--tornado", "off", env={**os.environ, "COLUMNS": "80"})
    assert f"Best cell {best['cell']}" in text.stdout
    assert all(len(line) <= 80 for line in text.stdout.splitlines())
    assert not (tmp_path / "o2" / "tornado.csv").exists()


def test_outputs_never_replace_an_input(tmp_path):
    grid = write_grid(tmp_path, {"grid": {"budget": [200000]}}, "sweep.csv")
    run = chanopt("sweep", str(B2B), "--grid", str(grid), "--out", str(tmp_path))
    assert run.returncode == 2 and "it is an input of this run" in run.stderr
    assert "budget" in grid.read_text()


@pytest.mark.parametrize("columns", [80, 100])
def test_in_a_terminal_the_summary_fits_and_long_sweeps_show_progress(tmp_path, columns):
    from .test_terminal_pty import in_pty

    grid = write_grid(tmp_path, {"grid": {"budget": list(range(150000, 450000, 500))},
                                 "description": "600 budgets"})
    code, text = in_pty([sys.executable, "-m", "optimizer", "sweep", str(B2B), "--grid",
                         str(grid), "--out", str(tmp_path / f"o{columns}")], columns)
    assert code == 0, text
    import re

    # the bar redraws itself in place: frames follow each other on one line
    frames = [f for line in text.splitlines() for f in re.split(r"(?=sweep ━)", line)]
    bars = [f for f in frames if f.startswith("sweep ━")]
    assert bars and all(re.search(r"\d+/639 ", f) for f in bars)  # cells done of all
    assert re.search(r"639/639 [\d,]+ cells/s 0:00:00", bars[-1])  # speed, time left
    lines = [f for f in frames if f.strip()]
    assert all(len(line) <= columns for line in lines), max(lines, key=len)
    assert any(line.startswith("600 cells of 'Q1 2027 plan'") for line in lines)
    assert any(line.startswith("600 cells in ") for line in lines)
    assert "…" not in text


def test_a_running_dask_scheduler_and_workers_started_as_users_do(tmp_path, serial):
    """`dask scheduler` and `dask worker` as separate processes; the sweep connects with
    --scheduler and writes the same files as the serial sweep."""
    bin_dir = Path(sys.executable).parent
    scheduler_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--scheduler-file",
                               str(scheduler_file), "--port", "0", "--dashboard-address", ":0",
                               "--host", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        procs.append(subprocess.Popen([str(bin_dir / "dask"), "worker", address, "--nthreads",
                                       "1", "--nworkers", "2", "--no-dashboard"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        grid = write_grid(tmp_path, GRID)
        run = chanopt("sweep", str(B2B), "--grid", str(grid), "--out", str(tmp_path / "d"),
                      "--executor", "dask", "--scheduler", address)
        assert run.returncode == 1, run.stderr  # some cells are infeasible
        assert "cells/s, dask" in run.stderr
        cluster = pd.read_parquet(tmp_path / "d" / "sweep.parquet")
        pd.testing.assert_frame_equal(cluster, serial)
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    grid = write_grid(tmp_path, {"grid": {"budget": [200000]}})
    run = chanopt("sweep", str(B2B), "--grid", str(grid), "--out", str(tmp_path / "o"),
                  "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert run.returncode == 2, run.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "o").exists()
