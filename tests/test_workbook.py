"""The Excel workbook as finance expects it, opened with openpyxl the way a reviewer would:
formats, rounding, headers, filters, panes, the chart, text that stays text, and an Inputs
sheet that plans to the same result when a scenario reads it back."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from optimizer import load_scenario, load_scenarios, optimize
from optimizer.cli import main

from .conftest import SCENARIOS

BUNDLED = sorted(p.name for p in SCENARIOS.glob("*.yaml"))


def plan_xlsx(path: Path, out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(main, ["plan", str(path), "--out", str(out), *extra])
    assert result.exit_code in (0, 1), result.output
    return out / "plan.xlsx"


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("wb")
    return load_workbook(plan_xlsx(SCENARIOS / "b2b_saas_q1.yaml", out))


def test_money_and_percent_formats_bold_headers_filters_and_panes(example):
    sheet = example["Allocation"]
    header = [c.value for c in sheet[1]]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}7"
    money = sheet.cell(2, header.index("spend") + 1)
    assert money.number_format.startswith('"$"#,##0.00')
    assert sheet.cell(2, header.index("share") + 1).number_format == "0.00%"
    assert sheet.cell(2, header.index("roi") + 1).number_format == "0.00%"


def test_values_are_rounded_to_cents_and_free_of_solver_noise(example):
    for name in ("Allocation", "Comparison", "Constraints", "Current plan"):
        sheet = example[name]
        header = [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2, values_only=True):
            for col, value in zip(header, row, strict=False):
                if isinstance(value, float):
                    assert value == 0 or abs(value) > 1e-9, (name, col, value)
                    if col in ("spend", "net_value", "value", "current_spend", "budget"):
                        assert round(value, 2) == value, (name, col, value)


def test_a_chart_of_current_vs_optimal_spend(example):
    charts = example["Allocation"]._charts
    assert len(charts) == 1
    assert len(charts[0].series) == 2


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    (tmp_path / "s.yaml").write_text(
        "name: t\nbudget: 1000\nchannels:\n"
        "  - {name: '=HYPERLINK(\"http://x\",\"y\")', cpl: 10, lead_to_close: 5%, clv: 1000}\n"
        "  - {name: B, cpl: 20, lead_to_close: 5%, clv: 1000}\n")
    book = load_workbook(plan_xlsx(tmp_path / "s.yaml", tmp_path / "out"))
    cell = book["Allocation"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


@pytest.mark.parametrize("name", BUNDLED)
def test_the_inputs_sheet_reads_back_to_the_same_plan(tmp_path, name):
    shutil.copytree(SCENARIOS, tmp_path, dirs_exist_ok=True)  # files extend each other
    xlsx = plan_xlsx(tmp_path / name, tmp_path / "out")
    again = tmp_path / "again.yaml"
    again.write_text(f"extends: {name}\nchannels: \"out/plan.xlsx#Inputs\"\n")
    before, after = load_scenarios(tmp_path / name)[:1], load_scenarios(again)[:1]
    for a, b in zip(before, after, strict=True):  # variants are YAML, not in the sheet
        assert [c.name for c in a.channels] == [c.name for c in b.channels]
        ra, rb = optimize(a), optimize(b)
        assert ra.status == rb.status
        if ra.is_optimal:
            assert rb.objective == pytest.approx(ra.objective, rel=1e-9, abs=1e-6)
            assert rb.channels["spend"].tolist() == pytest.approx(
                ra.channels["spend"].tolist(), rel=1e-6, abs=1e-3)
    assert xlsx.exists()


def test_tier_columns_in_a_table(tmp_path):
    (tmp_path / "ch.csv").write_text(
        "name,tier1_cpl,tier1_up_to,tier2_cpl,tier2_up_to,lead_to_close,clv\n"
        "PPC,95,40000,130,,3%,12000\n")
    (tmp_path / "s.yaml").write_text("name: t\nbudget: 100000\nchannels: ch.csv\n")
    ch = load_scenario(tmp_path / "s.yaml").channel("PPC")
    assert [(t.up_to, t.cpl) for t in ch.tiers] == [(40000, 95), (math.inf, 130)]
