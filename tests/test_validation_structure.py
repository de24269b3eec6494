"""Bad input in objectives, periods, curves and commitments: located, with a fix."""

from __future__ import annotations

import pytest

from optimizer import load_scenario

from .test_validation import BASE, problems, write


@pytest.mark.parametrize("extra, expected", [
    ("objective: customer\n", "unknown objective 'customer'; did you mean 'customers'?"),
    ("objective: min_spend\n", "objective min_spend needs a target"),
    ("target: {customers: 10}\n", "a target goes with objective min_spend"),
    ("objective: min_spend\ntarget: {custmers: 10}\n", "did you mean 'customers'?"),
    ("objective: min_spend\ntarget: {customers: -3}\n", "target"),
    ("periods: [Jan, Jan]\n", "period 'Jan' is listed twice"),
    ("periods: [{name: Jan, budgett: 5}]\n", "did you mean 'budget'?"),
    ("periods: [{name: Jan, channels: {PPCC: {max_spend: 5}}}]\n",
     "no channel named 'PPCC'; did you mean 'PPC'?"),
    ("periods: [{name: Jan, cpl_multiplier: {Email: 0}}]\n", "must lie between 0.001 and 1000"),
    ("constraints: {max_period_change: 0.3}\n", "add a `periods:` list"),
    ("constraints: {max_active_channels: 1.5}\n", "must be a whole number"),
    ("curve_tolerance: 0.9\n", "give a small fraction such as 0.001"),
    ("curve_tolerance: 1e-12\n", "below what the LP solver's own precision can prove; give "
                                 "1e-9 or more"),
])
def test_structure_problems_name_the_field_and_the_fix(tmp_path, extra, expected):
    assert expected in problems(tmp_path, BASE + extra)


@pytest.mark.parametrize("channel, expected", [
    ("{name: SEO, response: {curve: exponentail, max_leads: 900, scale: 40000}, "
     "lead_to_close: 0.04, clv: 9000}", "did you mean 'exponential'?"),
    ("{name: SEO, response: {curve: hill, max_leads: 900, scale: 40000, shape: 0.5}, "
     "lead_to_close: 0.04, clv: 9000}", "shape below 1 has an infinite return"),
    ("{name: SEO, response: {curve: exponential, max_leads: 900}, lead_to_close: 0.04, "
     "clv: 9000}", "missing scale"),
    ("{name: SEO, cpl: 50, response: {curve: exponential, max_leads: 900, scale: 4}, "
     "lead_to_close: 0.04, clv: 9000}", "not cpl and response"),
    ("{name: SEO, cpl: 50, lead_to_close: 0.04, clv: 9000, min_buy: 900, max_spend: 500}",
     "min_buy 900 is above max_spend 500"),
    ("{name: SEO, cpl: 50, lead_to_close: 0.04, clv: 9000, unit: 900, max_spend: 500}",
     "one unit (900) costs more than max_spend 500"),
    ("{name: SEO, cpl: 50, lead_to_close: 0.04, clv: 9000, fixed_cots: 900}",
     "did you mean 'fixed_cost'?"),
])
def test_channel_structure_problems(tmp_path, channel, expected):
    assert expected in problems(tmp_path, BASE + f"  - {channel}\n")


def test_period_budgets_make_the_total_and_csv_takes_response_columns(tmp_path):
    (tmp_path / "ch.csv").write_text(
        "name,response_curve,response_max_leads,response_scale,response_shape,lead_to_close,clv\n"
        "SEO,hill,900,40000,2,0.04,9000\n"
        "Email,,,,,0.02,5000\n")
    text = """
name: Months
periods: [{name: Jan, budget: 1000}, {name: Feb, budget: 2000}]
channels: ch.csv
"""
    path = write(tmp_path, text)
    msg = problems(tmp_path, text)
    assert "Email" in msg and "missing cpl" in msg  # the row without a curve needs a cpl
    (tmp_path / "ch.csv").write_text(
        "name,response_curve,response_max_leads,response_scale,response_shape,lead_to_close,clv,cpl\n"
        "SEO,hill,900,40000,2,0.04,9000,\n"
        "Email,,,,,0.02,5000,40\n")
    sc = load_scenario(path)
    assert sc.budget == 3000
    seo = sc.channel("SEO")
    assert seo.response.curve == "hill" and seo.response.shape == 2
    assert seo.effective_min_buy == pytest.approx(40000.0)  # k * (n - 1)^(1/n)
