"""What the first hour's outputs say, read from the real process (issue #10, "Output that
reads well and parses"): a headline on top of every view, totals with their change, SQLs
when known, customers labelled expected, never "-$0", infeasible rows with their budget,
prices of shares and counts in words."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import SCENARIOS
from .test_cli_process import chanopt

EXAMPLE = str(SCENARIOS / "b2b_saas_q1.yaml")
NEG_ZERO = re.compile(r"-\$0(?:\.0+)?(?![\d.,]*\d)")  # "-$0" or "-$0.00", not "-$0.21"


@pytest.fixture(scope="module")
def plan_json() -> dict:
    return json.loads(chanopt("plan", EXAMPLE, "--format", "json").stdout)


def test_headline_opens_terminal_and_markdown(plan_json):
    headline = plan_json["headline"]
    # derived from the plan: the money moved and the gain are the JSON's own numbers
    moved = sum(max(0.0, c["current_spend"] - c["spend"]) for c in plan_json["channels"])
    gain = plan_json["totals"]["net_value"] - plan_json["current"]["totals"]["net_value"]
    assert headline.startswith(f"Move ${moved:,.0f} from ")
    assert f"+${gain:,.0f} net value" in headline
    table = chanopt("plan", EXAMPLE, env={"COLUMNS": "200"}).stdout
    assert " ".join(table.split("\n")[:2]).startswith(headline[:60])
    markdown = chanopt("plan", EXAMPLE, "--format", "markdown").stdout
    assert headline in " ".join(markdown.split("\n")[:6])


def test_totals_have_change_sqls_and_expected_customers():
    out = chanopt("plan", EXAMPLE, env={"COLUMNS": "200"}).stdout
    totals = out[out.index("Totals"):]
    header = totals.split("\n")[2]
    assert [h.strip() for h in header.split("┃")][2:5] == ["Optimal", "Current", "Change"]
    assert re.search(r"│ SQLs\s+│\s+479\.5 │\s+392\.3 │\s+\+87\.3 │", totals)
    assert re.search(r"│ Expected customers\s+│", totals)
    assert "│ Customers " not in out


def test_no_negative_zero_anywhere():
    for name in ("b2b_saas_q1", "quarter_by_month", "seed_tale_of_two_channels",
                 "whatif_budget_cut"):
        for fmt in ("table", "markdown", "csv"):
            out = chanopt("plan", str(SCENARIOS / f"{name}.yaml"), "--format", fmt,
                          env={"COLUMNS": "200"}).stdout
            assert not NEG_ZERO.search(out), (name, fmt, NEG_ZERO.search(out))


def test_infeasible_rows_show_their_budget_and_no_bare_objective():
    out = chanopt("compare", EXAMPLE, env={"COLUMNS": "250"}).stdout
    row = next(line for line in out.splitlines() if "Cautious" in line and "infeasible" in line)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells[1:3] == ["infeasible", "$250,000"]
    assert cells[-1] == "net value n/a"


def test_prices_of_shares_and_counts_in_words():
    growth = chanopt("plan", EXAMPLE, "--variant", "growth mode ($400k", env={"COLUMNS": "200"})
    assert re.search(r"Group Paid media: maximum share\s+│\s+60\.0% │\s+\+\$[\d,]+ per "
                     r"percentage point of max_share", growth.stdout)
    sdr = chanopt("plan", EXAMPLE, "--variant", "sdr", env={"COLUMNS": "200"})
    assert re.search(r"Sales capacity \(SQLs, max_sqls\)\s+│\s+400 SQLs │\s+\+\$[\d,]+ per "
                     r"extra SQL of capacity", sdr.stdout)
