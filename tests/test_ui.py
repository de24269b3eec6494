"""The planner in the browser (`chanopt ui`): its pure functions without a browser, then the
app started as users start it (`chanopt ui FILE --no-browser`, a real process) and driven in
Debian's chromium by Playwright. Every number the page shows is compared with what
`chanopt plan --format json` prints for the same inputs written as a what-if file."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from optimizer import fmt
from optimizer.errors import OutputError
from optimizer.ui import state as S
from optimizer.ui import whatif as W

from .conftest import SCENARIOS
from .test_cli_process import chanopt
from .test_report import browser_page

pytest.importorskip("shiny")

BASE = SCENARIOS / "b2b_saas_q1.yaml"
PPC = 3  # PPC's row in the bundled example's channel table


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the bundled scenarios: saved what-ifs land here, never in the repository."""
    out = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, out, ignore=shutil.ignore_patterns("olist", "grids"))
    return out


def cli_plan(path: Path, *args: str) -> dict:
    run = chanopt("plan", str(path), "--format", "json", *args, cwd=path.parent)
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


def write_whatif(folder: Path, name: str, overrides: dict, extends: str = BASE.name) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"extends": extends, "name": name, **overrides},
                                   sort_keys=False))
    return path


# ------------------------------------------------------------------- pure functions


def start(folder: Path, variant: str | None = None) -> W.Start:
    return W.load_start(folder / BASE.name, variant)


def test_an_unchanged_page_is_no_change(folder):
    st = start(folder)
    sc = st.scenario
    state = S.PageState(
        budget=sc.budget, limits={k: S.number_text(getattr(sc.constraints, k))
                                  if getattr(sc.constraints, k) is not None else None
                                  for k in S.LIMITS},
        groups={g.name: (None, "0.6") for g in sc.constraints.groups},
        channels={c.name: {col: S.start_text(c, col) for col in S.CHANNEL_COLUMNS}
                  for c in sc.channels},
        shocks={c.name: {"cpl": 0.0} for c in sc.channels})
    assert S.changes(sc, state) == {}


def test_changes_are_written_as_a_what_if_file_says_them(folder):
    sc = start(folder).scenario
    state = S.PageState(
        budget="300000", limits={"min_blended_clv_to_cpa": None, "max_sqls": "400"},
        groups={"Paid media": ("10%", "0.5")},
        channels={"PPC": {"cpl": "80", "lead_to_close": "4%", "clv": "12000"},
                  "Email": {"max_spend": ""}},
        shocks={"Email": {"clv": 10.0}, "PPC": {"cpl": 25.0}})
    assert S.changes(sc, state) == {
        "budget": 300000,
        "constraints": {"min_blended_clv_to_cpa": None, "max_sqls": 400,
                        "groups": [{"name": "Paid media",
                                    "channels": ["Social Media Ads", "PPC", "LinkedIn Ads"],
                                    "min_share": "10%", "max_share": 0.5}]},
        # an edited value with a shock is the shocked value; a shock alone stays relative
        "channels": {"Email": {"max_spend": None, "clv": "+10%"},
                     "PPC": {"cpl": 100.0, "lead_to_close": "4%"}}}


def test_tier_cpls_are_edited_together_and_shocked_alike(folder):
    st = start(folder, "Growth mode, PPC diminishing returns")
    ppc = st.scenario.channel("PPC")
    assert S.start_text(ppc, "cpl") == "95 / 130 / 180"
    edits = S.changes(st.scenario, S.PageState(
        budget=st.scenario.budget, channels={"PPC": {"cpl": "90 / 130 / 200"}},
        shocks={"PPC": {"cpl": 10.0}}))
    assert edits == {"channels": {"PPC": {"tiers": [
        {"up_to": 40000.0, "cpl": 99.0}, {"up_to": 80000.0, "cpl": 143.0}, {"cpl": 220.0}]}}}
    with pytest.raises(S.PageProblem, match="PPC has 3 tiers: give 3 CPLs"):
        S.changes(st.scenario, S.PageState(budget=1, channels={"PPC": {"cpl": "90 / 130"}}))


def test_the_page_plans_what_the_cli_plans_for_the_same_what_if(folder):
    from optimizer.ui.views import plan_page

    overrides = {"budget": 310000, "constraints": {"max_sqls": 500},
                 "channels": {"PPC": {"cpl": 80}, "Email": {"clv": "+20%"}}}
    state = S.PageState(budget="310000", limits={"max_sqls": "500"},
                        channels={"PPC": {"cpl": "80"}}, shocks={"Email": {"clv": 20.0}})
    page = plan_page(start(folder), state)
    assert page.overrides == overrides
    cli = cli_plan(write_whatif(folder, "same", overrides))
    assert page.doc["totals"]["net_value"] == pytest.approx(cli["totals"]["net_value"],
                                                            rel=1e-9)
    assert [c["spend"] for c in page.doc["channels"]] == pytest.approx(
        [c["spend"] for c in cli["channels"]], rel=1e-9, abs=1e-6)
    assert page.net_value == fmt.money(cli["totals"]["net_value"], "USD")
    assert page.doc["headline"] == cli["headline"]


@pytest.mark.parametrize("variant", [None, "Growth mode, PPC diminishing returns",
                                     "Drop LinkedIn Ads"])
def test_a_saved_what_if_plans_what_the_page_showed(folder, variant):
    from optimizer.ui.views import plan_page

    st = start(folder, variant)
    state = S.PageState(budget="320000", channels={"PPC": {"min_spend": "25000"}},
                        shocks={"PPC": {"cpl": 10.0}, "Email": {"lead_to_close": -20.0}})
    page = plan_page(st, state)
    assert page.ok
    path = W.save_whatif(st, page.overrides, "Saved from the page", page.scenario)
    assert path.parent == folder and path.name == "Saved_from_the_page.yaml"
    text = path.read_text()
    assert yaml.safe_load(text)["extends"] == BASE.name
    cli = cli_plan(path)
    assert cli["scenario"]["input_hash"] == replace(page.scenario,
                                                    name="Saved from the page").input_hash
    assert cli["totals"]["net_value"] == pytest.approx(page.doc["totals"]["net_value"],
                                                       rel=1e-9)
    # never over an existing file, whatever is in it
    with pytest.raises(OutputError, match="exists; chanopt never overwrites"):
        W.save_whatif(st, page.overrides, "Saved from the page", page.scenario)
    assert path.read_text() == text


def test_a_what_if_name_never_leaves_the_folder(folder):
    st = start(folder)
    for name in ("../../etc/passwd", "/tmp/x", "a/b\\c", "..", "  "):
        path = W.whatif_path(st, name)
        assert path.parent == folder and path.suffix == ".yaml", name


def test_saving_never_writes_through_a_link(folder, tmp_path):
    from optimizer.ui.views import plan_page

    st = start(folder)
    outside = tmp_path / "outside.yaml"
    outside.write_text("keep\n")
    (folder / "linked.yaml").symlink_to(outside)
    page = plan_page(st, S.PageState(budget="300000"))
    with pytest.raises(OutputError):
        W.save_whatif(st, page.overrides, "linked", page.scenario)
    assert outside.read_text() == "keep\n"


def test_bad_values_get_the_message_the_cli_gives(folder):
    from optimizer.ui.app import field_id
    from optimizer.ui.views import plan_page

    st = start(folder)
    # the file holds what YAML reads from the same text: 1.5 a number, "lots" a string
    cases = [({"channels": {"PPC": {"lead_to_close": 1.5}}}, "ch3_lead_to_close",
              S.PageState(budget=250000, channels={"PPC": {"lead_to_close": "1.5"}})),
             ({"channels": {"Email": {"clv": "lots"}}}, "ch1_clv",
              S.PageState(budget=250000, channels={"Email": {"clv": "lots"}})),
             ({"budget": -5}, "budget", S.PageState(budget=-5)),
             ({"budget": 0}, "budget", S.PageState(budget="0")),
             ({"constraints": {"max_leads": "abc"}}, "c_max_leads",
              S.PageState(budget=250000, limits={"max_leads": "abc"}))]
    for overrides, fid, state in cases:
        page = plan_page(st, state)
        assert not page.ok and len(page.problems) == 1
        problem = page.problems[0]
        assert field_id(st, page.overrides, problem) == fid
        run = chanopt("plan", str(write_whatif(folder, "bad", overrides)), cwd=folder)
        assert run.returncode == 2
        assert f"{problem.path}: {problem.message}" in run.stderr, run.stderr
        (folder / "bad.yaml").unlink()


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_every_bundled_scenario_opens_in_the_planner_as_the_cli_plans_it(folder, name):
    from optimizer.ui.app import build_app
    from optimizer.ui.views import plan_page

    path = folder / name
    build_app(path)  # the app is made before a server starts
    st = W.load_start(path)
    page = plan_page(st, S.PageState(budget=st.scenario.budget))
    cli = cli_plan(path)
    assert page.ok and page.doc["status"] == cli["status"]
    assert page.net_value == fmt.money(cli["totals"]["net_value"], st.scenario.currency)
    assert page.doc["headline"] == cli["headline"]


def test_the_risk_fan_is_the_cli_risk_of_the_page_plan(folder):
    from optimizer.ui.views import RISK_DRAWS, plan_page

    st = W.load_start(folder / "uncertain_q1.yaml")
    page = plan_page(st, S.PageState(budget=st.scenario.budget))
    run = chanopt("risk", str(folder / "uncertain_q1.yaml"), "--draws", str(RISK_DRAWS),
                  "--format", "json", cwd=folder)
    plans = {p["plan"]: p for p in json.loads(run.stdout)["plans"]}
    for kind in ("current plan", st.scenario.name):
        for q in (10, 50, 90):
            assert fmt.money(plans[kind][f"net_value_p{q}"], "USD") in page.html["risk"]
    assert f"{RISK_DRAWS:,} draws" in page.html["risk"]
    # no uncertainty, no fan
    assert plan_page(start(folder), S.PageState(budget=250000)).html["risk"] == ""


def _cohort_cells(cli: dict) -> list[list[str]]:
    """The cohort rows as the page prints them, from `chanopt plan --format json`."""
    from optimizer.render.cells import cohort_cells

    return cohort_cells(cli, "USD")


def test_the_cohort_table_is_the_cli_cohort_table(folder):
    """quarter_with_lag.yaml (lags, a pipeline, in_window): the page shows when customers
    close, every cell as `chanopt plan --format json` gives it, and again after a budget
    move; a file without timing has no such table."""
    from optimizer.ui.views import plan_page

    path = folder / "quarter_with_lag.yaml"
    st = W.load_start(path)
    for budget in (st.scenario.budget, 180000):
        page = plan_page(st, S.PageState(budget=budget))
        cli = cli_plan(path) if budget == st.scenario.budget else cli_plan(
            write_whatif(folder, "lag180", {"budget": budget}, extends=path.name))
        html = page.html["cohorts"]
        assert cli["cohorts"] and "When" not in html  # the card's title is the layout's
        rows = _cohort_cells(cli)
        assert [r[0] for r in rows] == ["Jan", "Feb", "Mar", "after"]
        for row in rows:
            assert (f'<tr><td class="text">{row[0]}</td>'
                    + "".join(f"<td>{cell}</td>" for cell in row[1:]) + "</tr>") in html, row
    assert plan_page(start(folder), S.PageState(budget=250000)).html["cohorts"] == ""


def test_the_frontier_kept_across_budget_moves_is_the_fresh_one(folder):
    import pandas as pd

    from optimizer.analysis.frontier import budget_frontier
    from optimizer.ui.views import FRONTIER_POINTS, plan_page

    st = start(folder)
    for budget in (250000, 280000, 600000, 250000):  # 600k: past 2x, the range doubles
        page = plan_page(st, S.PageState(budget=budget))
        stop = 2 * 250000 * (2 if budget > 500000 else 1)
        fresh = budget_frontier(page.scenario, start=62500, stop=stop, points=FRONTIER_POINTS)
        pd.testing.assert_frame_equal(page.frontier.points, fresh.points)
        assert page.frontier.scenario.budget == budget
        assert page.frontier.saturation_budget == fresh.saturation_budget
    edited = plan_page(st, S.PageState(budget=250000, channels={"PPC": {"cpl": "70"}}))
    fresh = budget_frontier(edited.scenario, start=62500, stop=500000, points=FRONTIER_POINTS)
    pd.testing.assert_frame_equal(edited.frontier.points, fresh.points)


def test_a_curve_channel_has_no_cpl_input_and_its_problems_are_listed(folder):
    from optimizer.ui.fields import field_id
    from optimizer.ui.views import plan_page

    st = W.load_start(folder / "quarter_by_month.yaml")
    seo = st.scenario.channel("SEO/Content")
    assert seo.response is not None and S.start_text(seo, "cpl") == ""
    page = plan_page(st, S.PageState(budget=250000, shocks={"SEO/Content": {"cpl": 10.0}}))
    assert not page.ok and field_id(st, page.overrides, page.problems[0]) is None
    page = plan_page(st, S.PageState(budget=250000, channels={"SEO/Content": {
        "clv": "-1"}}))
    assert field_id(st, page.overrides, page.problems[0]) == "ch0_clv"


def test_an_emptied_budget_says_so(folder):
    from optimizer.ui.fields import field_id
    from optimizer.ui.views import plan_page

    for empty in (None, "", "  "):
        page = plan_page(start(folder), S.PageState(budget=empty))
        assert [(p.path, p.message) for p in page.problems] == [
            ("budget", "empty; give the total budget, e.g. 250000")]
        assert field_id(start(folder), page.overrides, page.problems[0]) == "budget"


def test_every_repair_has_an_input_or_is_kept_as_a_change(folder):
    from optimizer.analysis.repair import suggest_repairs
    from optimizer.ui.app import repair_input

    st = start(folder)
    found = suggest_repairs(st.scenario.with_budget(1000))
    assert found and found[0].path == ("budget",)
    assert repair_input(st, ("budget",)) == ("numeric", "budget")
    assert repair_input(st, ("constraints", "max_sqls")) == ("limit", "c_max_sqls")
    assert repair_input(st, ("constraints", "min_clv_to_cpa")) == ("limit", "floor")
    assert repair_input(st, ("channels", "PPC", "min_spend")) == ("text", "ch3_min_spend")
    assert repair_input(st, ("constraints", "groups", "Paid media", "max_share")) == (
        "text", "group0_max_share")
    assert repair_input(st, ("channels", "PPC", "max_change")) is None
    # without an input, the repair's value is kept as a change of the page
    edits = S.changes(st.scenario, S.PageState(budget=250000, extra={
        ("channels", "PPC", "max_change"): 1.0, ("use_full_budget",): False}))
    assert edits == {"use_full_budget": False, "channels": {"PPC": {"max_change": 1.0}}}


# ------------------------------------------------------------- the app, as users run it


class Server:
    def __init__(self, proc: subprocess.Popen[str], url: str, lines: list[str]) -> None:
        self.proc, self.url, self.lines = proc, url, lines


def start_server(path: Path, *args: str) -> Server:
    exe = Path(sys.executable).with_name("chanopt")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "optimizer"]
    proc = subprocess.Popen([*cmd, "ui", str(path), "--port", "0", "--no-browser", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=path.parent, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Ctrl-C stops it"):
            found = re.search(r"(http://\S+)", "".join(lines))
            assert found, lines
            return Server(proc, found.group(1), lines)
    proc.kill()
    proc.wait()
    with proc.stdout, proc.stderr:  # type: ignore[union-attr]
        raise AssertionError(f"no URL printed: {lines} {proc.stderr.read()}")


def stop(server: Server) -> tuple[int, str, str]:
    server.proc.send_signal(signal.SIGINT)
    code = server.proc.wait(timeout=30)
    assert server.proc.stdout is not None and server.proc.stderr is not None
    with server.proc.stdout, server.proc.stderr:
        return code, server.proc.stdout.read(), server.proc.stderr.read()


@pytest.fixture
def app(folder) -> Iterator[Server]:
    server = start_server(folder / BASE.name)
    yield server
    if server.proc.poll() is None:
        stop(server)


@pytest.fixture
def page(app):
    with browser_page(1400, 1000) as tab:
        tab.goto(app.url)
        tab.wait_for_function("document.querySelector('#net_value')"
                              " && document.querySelector('#net_value').innerText",
                              timeout=30_000)
        yield tab


def wait_change(tab, selector: str, before: str) -> str:
    tab.wait_for_function(
        "([s, b]) => { const e = document.querySelector(s); return e && e.innerText && "
        "e.innerText !== b; }", arg=[selector, before], timeout=30_000)
    return tab.inner_text(selector)


def type_into(tab, selector: str, text: str) -> None:
    tab.fill(selector, text)
    tab.press(selector, "Tab")


def plan_rows(tab) -> list[list[str]]:
    return [[c.strip() for c in row.split("\t")]
            for row in tab.inner_text("#plan_table tbody").strip().split("\n")]


def test_the_page_shows_the_cli_plan_and_follows_the_budget(app, page, folder):
    cli = cli_plan(folder / BASE.name)
    assert page.inner_text("#net_value") == fmt.money(cli["totals"]["net_value"], "USD")
    assert page.inner_text("#headline") == cli["headline"]
    assert re.fullmatch(r"solved in \d+ ms", page.inner_text("#solve_time"))
    for element in ("spend_chart", "frontier_chart", "response_chart", "comparison",
                    "binding", "kpis"):
        assert page.locator(f"#{element}").inner_html().strip(), element
    before = page.inner_text("#net_value")
    type_into(page, "#budget", "300000")
    shown = wait_change(page, "#net_value", before)
    cli = cli_plan(write_whatif(folder, "b300", {"budget": 300000}))
    assert shown == fmt.money(cli["totals"]["net_value"], "USD")
    spends = [row[2] for row in plan_rows(page)]
    assert spends == [fmt.money(c["spend"], "USD") for c in cli["channels"]]
    assert page.inner_text("#headline") == cli["headline"]


def test_starting_from_a_variant_and_switching_a_constraint_off(app, page, folder):
    variant = "Growth mode, PPC diminishing returns"
    page.select_option("#variant", variant)
    page.wait_for_function("document.querySelector('#budget').value === '400000'",
                           timeout=30_000)
    page.wait_for_function("document.querySelector('#ch3_cpl') && "
                           "document.querySelector('#ch3_cpl').value === '95 / 130 / 180'",
                           timeout=30_000)
    cli = cli_plan(folder / BASE.name, "--variant", variant)
    want = fmt.money(cli["totals"]["net_value"], "USD")
    page.wait_for_function("w => document.querySelector('#net_value').innerText === w",
                           arg=want, timeout=30_000)
    before = page.inner_text("#net_value")
    page.uncheck("#on_group0")  # Paid media's max share binds in this variant
    shown = wait_change(page, "#net_value", before)
    doc = W.whatif_document(W.load_start(folder / BASE.name, variant),
                            {"constraints": {"groups": []}}, "off")
    path = folder / "off.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    assert shown == fmt.money(cli_plan(path)["totals"]["net_value"], "USD")


def test_a_timed_plan_shows_when_its_customers_close(folder):
    """`chanopt ui` on quarter_with_lag.yaml: the cohort card lists the CLI's cohort table,
    and follows a budget change as `chanopt plan` on the same what-if."""
    path = folder / "quarter_with_lag.yaml"
    server = start_server(path)
    try:
        with browser_page(1400, 1000) as tab:
            tab.goto(server.url)
            tab.wait_for_selector("#cohorts tbody tr", timeout=30_000)

            def shown() -> list[list[str]]:
                return [[c.strip() for c in row.split("\t")]
                        for row in tab.inner_text("#cohorts tbody").strip().split("\n")]

            assert shown() == _cohort_cells(cli_plan(path))
            before = tab.inner_text("#net_value")
            type_into(tab, "#budget", "180000")
            wait_change(tab, "#net_value", before)
            want = _cohort_cells(cli_plan(write_whatif(folder, "lag180", {"budget": 180000},
                                                       extends=path.name)))
            tab.wait_for_function("n => document.querySelector('#cohorts tbody').innerText"
                                  ".includes(n)", arg=want[0][1], timeout=30_000)
            assert shown() == want
    finally:
        if server.proc.poll() is None:
            stop(server)


def test_the_slider_and_the_budget_move_together(app, page, folder):
    before = page.inner_text("#net_value")
    box = page.locator(".irs-handle.single").bounding_box()  # drag it, as users do
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y, steps=5)
    page.mouse.up()
    page.wait_for_function("document.querySelector('#budget').value !== '250000'",
                           timeout=30_000)
    budget = int(page.input_value("#budget"))
    assert budget > 250000
    shown = wait_change(page, "#net_value", before)
    page.wait_for_function("w => document.querySelector('#net_value').innerText === w",
                           arg=fmt.money(cli_plan(write_whatif(folder, "slid", {
                               "budget": budget}))["totals"]["net_value"], "USD"),
                           timeout=30_000)
    assert shown
    type_into(page, "#budget", "300000")  # and typing moves the slider
    page.wait_for_function("document.querySelector('#budget_slider').value === '300000'",
                           timeout=30_000)


def test_the_page_previews_its_what_if_and_resets_to_the_file(app, page, folder):
    base = page.inner_text("#net_value")
    assert page.inner_text("#whatif_yaml") == "No changes from the file yet."
    type_into(page, "#budget", "300000")
    type_into(page, f"#ch{PPC}_cpl", "60")
    page.wait_for_function("document.querySelector('#whatif_yaml').textContent"
                           ".includes('cpl: 60')", timeout=30_000)
    preview = yaml.safe_load(page.text_content("#whatif_yaml"))
    assert preview == {"extends": BASE.name, "name": "(its name)", "budget": 300000,
                       "channels": {"PPC": {"cpl": 60}}}
    page.click("#reset")
    page.wait_for_function("document.querySelector('#budget').value === '250000' && "
                           f"document.querySelector('#ch{PPC}_cpl').value === '95'",
                           timeout=30_000)
    page.wait_for_function("b => document.querySelector('#net_value').innerText === b",
                           arg=base, timeout=30_000)
    page.wait_for_function("document.querySelector('#whatif_yaml').textContent === "
                           "'No changes from the file yet.'", timeout=30_000)


def test_editing_a_cpl_in_the_table_replans(app, page, folder):
    before = page.inner_text("#net_value")
    type_into(page, f"#ch{PPC}_cpl", "60")
    shown = wait_change(page, "#net_value", before)
    cli = cli_plan(write_whatif(folder, "ppc60", {"channels": {"PPC": {"cpl": 60}}}))
    assert shown == fmt.money(cli["totals"]["net_value"], "USD")
    ppc = next(r for r in plan_rows(page) if r[0] == "PPC")
    assert ppc[2] == fmt.money(cli["channels"][PPC]["spend"], "USD")


def test_an_infeasible_page_shows_its_conflict_and_a_repair_applies_in_one_click(app, page):
    type_into(page, "#budget", "1000")
    page.wait_for_selector("#infeasible h3", timeout=30_000)
    text = page.inner_text("#infeasible")
    assert "minimum spends total $40,000 but the budget is $1,000" in text
    assert "raise the budget from $1,000 to $40,000" in text
    page.click("#repair_0")
    page.wait_for_function("document.querySelector('#budget').value === '40000'",
                           timeout=30_000)
    page.wait_for_function("!document.querySelector('#infeasible h3')", timeout=30_000)
    assert page.inner_text("#net_value").startswith("$")


def test_a_bad_value_is_marked_at_its_field_and_the_last_plan_stays(app, page, folder):
    before = page.inner_text("#net_value")
    type_into(page, f"#ch{PPC}_lead_to_close", "1.5")
    page.wait_for_selector(f"#err_ch{PPC}_lead_to_close", timeout=30_000)
    message = page.inner_text(f"#err_ch{PPC}_lead_to_close")
    run = chanopt("plan", str(write_whatif(folder, "bad", {"channels": {
        "PPC": {"lead_to_close": 1.5}}})), cwd=folder)
    assert run.returncode == 2 and message in run.stderr and "did you mean 0.015" in message
    assert page.is_visible("#stale_note")
    assert page.inner_text("#net_value") == before
    type_into(page, f"#ch{PPC}_lead_to_close", "0.03")
    page.wait_for_selector(f"#err_ch{PPC}_lead_to_close", state="detached", timeout=30_000)
    assert not page.is_visible("#stale_note")


def test_save_as_what_if_writes_a_file_the_cli_plans_alike(app, page, folder):
    before = page.inner_text("#net_value")
    type_into(page, "#budget", "275000")
    shown = wait_change(page, "#net_value", before)
    page.fill("#whatif_name", "Budget 275k")
    page.click("#save_whatif")
    page.wait_for_selector("#save_message", timeout=30_000)
    assert "Saved Budget_275k.yaml" in page.inner_text("#save_message")
    saved = folder / "Budget_275k.yaml"
    assert yaml.safe_load(saved.read_text())["budget"] == 275000
    cli = cli_plan(saved)
    assert fmt.money(cli["totals"]["net_value"], "USD") == shown
    page.click("#save_whatif")  # again: refused, the file is kept
    page.wait_for_function("document.querySelector('#save_message').innerText"
                           ".includes('never overwrites')", timeout=30_000)


def test_downloads_are_the_workbook_and_report_of_the_page(app, page, tmp_path):
    import openpyxl

    type_into(page, "#budget", "300000")
    page.wait_for_function("document.querySelector('#net_value').innerText === '$1,311,148'",
                           timeout=30_000)
    with page.expect_download() as got:
        page.click("#download_xlsx")
    target = tmp_path / "plan.xlsx"
    got.value.save_as(target)
    book = openpyxl.load_workbook(target)
    assert book.sheetnames
    with page.expect_download() as got:
        page.click("#download_html")
    html = tmp_path / "plan.html"
    got.value.save_as(html)
    assert "$1,311,148" in html.read_text()


# ------------------------------------------------------------------- the server itself


def test_ctrl_c_stops_the_server_cleanly(folder):
    server = start_server(folder / BASE.name)
    with urllib.request.urlopen(server.url, timeout=30) as reply:
        assert reply.status == 200
    code, out, err = stop(server)
    assert code == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_off_loopback_every_request_needs_the_token(folder):
    server = start_server(folder / BASE.name, "--host", "0.0.0.0", "--token", "s3cret-token")
    try:
        bare = server.url.split("?")[0].replace("0.0.0.0", "127.0.0.1")
        assert "?token=s3cret-token" in server.url
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bare, timeout=30)
        assert refused.value.code == 403
        refused.value.close()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bare + "?token=wrong", timeout=30)
        refused.value.close()
        with urllib.request.urlopen(bare + "?token=s3cret-token", timeout=30) as reply:
            assert reply.status == 200
            cookie = reply.headers["set-cookie"].split(";")[0]
        request = urllib.request.Request(bare, headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=30) as reply:
            assert reply.status == 200
    finally:
        stop(server)


def test_a_generated_token_is_printed_off_loopback(folder):
    server = start_server(folder / BASE.name, "--host", "0.0.0.0")
    try:
        token = server.url.split("?token=")[1]
        assert len(token) >= 24
    finally:
        _, out, _ = stop(server)
    assert f"token (required on every request off loopback): {token}" in \
        "".join(server.lines) + out


def test_a_bad_file_is_the_cli_error_and_no_server(folder, tmp_path):
    (folder / "broken.yaml").write_text("extends: b2b_saas_q1.yaml\nbudget: -5\n")
    run = chanopt("ui", str(folder / "broken.yaml"), "--no-browser", cwd=folder)
    assert run.returncode == 2 and "budget" in run.stderr and "Traceback" not in run.stderr
    outside = tmp_path / "elsewhere.yaml"
    shutil.copy(BASE, outside)
    (folder / "escapes.yaml").write_text("extends: ../elsewhere.yaml\nname: x\n")
    run = chanopt("ui", str(folder / "escapes.yaml"), "--no-browser", cwd=folder)
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr


# -------------------------------------------------- whatever is typed: a plan or a message

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TYPED = st.one_of(
    st.sampled_from(["", " ", "0", "-1", "1e400", "nan", "inf", "5%", "150%", "-10%", "+10%",
                     "$20k", "1,000", "abc", "=SUM(A1)", "0.05", "95 / 130", "1/2/3/4",
                     "1_000", "  42  ", "0x10", "true", "null", "~", "[1]", "{a: 1}"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**12, 10**12).map(str),
    st.text(max_size=12))
SHOCK = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True),
                  st.integers(-200, 200).map(float))


# plausible values often (so plans are checked too), anything at all otherwise
PLAUSIBLE = st.floats(1e-3, 2e5).map(lambda v: f"{v:.6g}")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(budget=st.one_of(st.integers(30_000, 800_000), st.integers(30_000, 800_000), TYPED,
                        st.floats(-1e6, 1e12), st.none()),
       cell=st.tuples(st.integers(0, 5), st.sampled_from(S.CHANNEL_COLUMNS),
                      st.one_of(PLAUSIBLE, PLAUSIBLE, TYPED)),
       shock=st.tuples(st.integers(0, 5), st.sampled_from(S.SHOCKS),
                       st.one_of(st.integers(-50, 50).map(float), SHOCK)),
       limit=st.tuples(st.sampled_from(S.LIMITS),
                       st.one_of(st.none(), st.sampled_from(["2", "3", "0.5", "400"]), TYPED)))
def test_whatever_is_typed_the_page_plans_or_says_why(budget, cell, shock, limit):
    from optimizer.ui.fields import field_id
    from optimizer.ui.views import plan_page

    st_ = W.load_start(BASE)
    names = [c.name for c in st_.scenario.channels]
    state = S.PageState(
        budget=budget, limits={limit[0]: limit[1]},
        channels={names[cell[0]]: {cell[1]: cell[2]}},
        shocks={names[shock[0]]: {shock[1]: shock[2]}})
    page = plan_page(st_, state)  # never raises: a plan, or problems
    if not page.ok:
        assert page.problems
        for problem in page.problems:  # each one is shown: at an input or in the list
            assert problem.message
            field_id(st_, page.overrides, problem)
        return
    assert page.html["net_value"] and page.html["headline"]
    again = W.page_scenario(st_, page.overrides)  # the overrides say the same thing again
    assert again.input_hash == page.scenario.input_hash
