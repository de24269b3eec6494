"""`chanopt report`: self-contained HTML (checked in headless Chromium), Excel, Markdown+PNG."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from optimizer import load_scenario, optimize
from optimizer.cli import main

from .conftest import SCENARIOS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    result = CliRunner().invoke(main, ["report", str(SCENARIOS / "b2b_saas_q1.yaml"),
                                       "--out", str(out), "--points", "12"])
    assert result.exit_code == 0, result.output
    return out


def test_report_writes_every_output(report_dir):
    names = {p.relative_to(report_dir).as_posix() for p in report_dir.rglob("*") if p.is_file()}
    assert {"report.html", "report.xlsx", "report.md", "plan.json", "charts/spend.png",
            "charts/operational.png", "charts/strategic.png", "charts/comparison.png",
            "charts/frontier.png", "charts/response.png"} <= names


def test_html_is_self_contained(report_dir):
    html = (report_dir / "report.html").read_text()
    assert "<script" not in html and "<link" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from a network
    for section in ("Operational view", "Strategic view", "Scenario comparison",
                    "Budget frontier", "Sensitivity", "Inputs"):
        assert section in html
    assert html.count("<svg") == 6  # spend, response, operational, strategic, comparison, frontier
    assert load_scenario(SCENARIOS / "b2b_saas_q1.yaml").input_hash in html
    assert "excluded: CLV:CPA 1.50 is below the 3.0 floor" in html


def test_markdown_links_existing_pngs(report_dir):
    text = (report_dir / "report.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 6
    for link in links:
        data = (report_dir / link).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000


def test_workbook_opens_with_every_sheet(report_dir):
    book = load_workbook(report_dir / "report.xlsx", read_only=True)
    assert {"Allocation", "Current plan", "Comparison", "Spend by scenario", "Constraints",
            "Frontier", "Sensitivity inputs", "Shadow price ranges", "Inputs",
            "About"} <= set(book.sheetnames)
    rows = list(book["Allocation"].iter_rows(values_only=True))
    assert rows[0][0] == "channel" and len(rows) == 7
    book.close()


def test_infeasible_report_lists_repairs(tmp_path):
    result = CliRunner().invoke(main, ["report", str(SCENARIOS / "whatif_ppc_cpl_shock.yaml"),
                                       "--variant", "PPC CPL +50%", "--out", str(tmp_path)])
    assert result.exit_code == 1
    html = (tmp_path / "report.html").read_text()
    assert "No plan satisfies every constraint" in html
    assert "lower PPC min_spend from $20,000 to $0" in html
    assert "no feasible plan" in html  # the current plan is shown, never as an optimum
    assert "Repairs" in load_workbook(tmp_path / "report.xlsx", read_only=True).sheetnames


def test_plan_out_writes_a_workbook(tmp_path):
    result = CliRunner().invoke(main, ["plan", str(SCENARIOS / "b2b_saas_q1.yaml"),
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert "Allocation" in load_workbook(tmp_path / "plan.xlsx", read_only=True).sheetnames


def test_channels_from_an_xlsx_sheet(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Q1"
    sheet.append(["name", "cpl", "lead_to_close", "clv", "current_spend"])
    sheet.append(["PPC", 50, 0.05, 4000, 2000])
    sheet.append(["Email", 20, "4%", 2000, None])
    bad = book.create_sheet("Bad")
    bad.append(["name", "cpl", "lead_to_close", "clv"])
    bad.append(["PPC", 50, 5, 4000])
    book.save(tmp_path / "channels.xlsx")
    (tmp_path / "a.yaml").write_text("name: A\nbudget: 5000\nchannels: channels.xlsx\n")
    sc = load_scenario(tmp_path / "a.yaml")
    assert sc.channel("Email").lead_to_close == pytest.approx(0.04)
    assert optimize(sc).is_optimal
    (tmp_path / "b.yaml").write_text("name: B\nbudget: 5000\nchannels: 'channels.xlsx#Bad'\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "b.yaml")])
    assert result.exit_code == 2
    assert "channels.xlsx[Bad]: row 2 (PPC), column lead_to_close" in result.stderr
    assert "did you mean 0.05?" in result.stderr


def _non_blank(png: bytes) -> float:
    """Share of pixels that differ clearly from the background (white)."""
    import matplotlib.image as mpimg

    pixels = mpimg.imread(io.BytesIO(png), format="png")[..., :3]
    return float((pixels.min(axis=2) < 0.85).mean())


def chromium() -> str:
    """Debian's chromium, for tests in a real headless browser (skipped without it, except
    under CI=true, where .ci/run installs it)."""
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must install Debian's chromium (see .ci/run)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@contextlib.contextmanager
def browser_page(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A page of Debian's chromium in headless mode, driven by Playwright (no browser
    download), closed at the end of the block; skipped as `chromium()` says."""
    executable = chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=BROWSER_FLAGS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def test_report_in_headless_chromium(report_dir):
    with browser_page() as page:
        console, errors, requests = [], [], []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto((report_dir / "report.html").as_uri())
        page.wait_for_load_state("load")
        assert errors == [] and [m for m in console if m.startswith("error")] == []
        assert all(url.startswith("file://") for url in requests)
        charts = page.locator("figure.chart")
        assert charts.count() == 6
        for k in range(charts.count()):
            chart = charts.nth(k)
            box = chart.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 150
            assert _non_blank(chart.screenshot()) > 0.02, f"chart {k} looks blank"


def test_infeasible_variants_say_why_and_how_to_repair_in_html_and_markdown(report_dir):
    """The example's 'Cautious (max 30% change)' variant cannot be planned: every view
    states the conflict and the repairs, not only the terminal."""
    html = (report_dir / "report.html").read_text()
    md = (report_dir / "report.md").read_text()
    why = "Social Media Ads must spend at least $31,500 (max_change)"
    fix = "let Social Media Ads change by up to 100% instead of 30%"
    for text in (html, md):
        assert "Cautious (max 30% change) is infeasible" in text
        assert why in text and fix in text and "makes it feasible" in text


@pytest.fixture(scope="module")
def uncertain_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("uncertain")
    result = CliRunner().invoke(main, ["report", str(SCENARIOS / "uncertain_q1.yaml"),
                                       "--out", str(out), "--points", "8"])
    assert result.exit_code == 0, result.output
    return out


def test_uncertain_inputs_get_a_risk_section(uncertain_report):
    html = (uncertain_report / "report.html").read_text()
    assert 'id="risk"' in html and "Net value under uncertainty" in html
    assert "P(channel keeps" in html or "keeps its CLV:CPA floor" in html
    assert "Net value P10" in html
    md = (uncertain_report / "report.md").read_text()
    assert "## Risk profile" in md and "charts/risk.png" in md
    assert (uncertain_report / "charts" / "risk.png").read_bytes().startswith(b"\x89PNG")


def test_certain_inputs_have_no_risk_section(report_dir):
    assert 'id="risk"' not in (report_dir / "report.html").read_text()


def test_response_chart_marks_current_and_optimal_spend(report_dir):
    from optimizer.render import charts

    result = optimize(load_scenario(SCENARIOS / "b2b_saas_q1.yaml"))
    fig = charts.response_chart(result)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == [c.name for c in result.scenario.channels]
    for ax, ch in zip(axes, result.scenario.channels, strict=True):
        marks = sorted(line.get_xdata()[0] for line in ax.get_lines()[1:])
        expected = sorted([result.current_channels.loc[ch.name, "spend"],
                           result.channels.loc[ch.name, "spend"]])
        assert marks == pytest.approx(expected)
        ticks = ax.xaxis.get_major_locator()()
        labels = [ax.xaxis.get_major_formatter()(v, k) for k, v in enumerate(ticks)]
        assert len(ticks) <= 5 and all(lbl.startswith(("$", "-$")) for lbl in labels), labels
