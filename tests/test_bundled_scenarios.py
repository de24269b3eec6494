"""Every bundled scenario file loads, and the example plans as documented."""

from __future__ import annotations

import pytest

from optimizer import compare, load_scenario, load_scenarios, optimize

from .conftest import SCENARIOS

FILES = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_bundled_file_is_valid_and_its_base_is_optimal(path):
    scenarios = load_scenarios(path)
    assert optimize(scenarios[0]).is_optimal


def test_whatif_files_extend_the_base():
    base = load_scenario(SCENARIOS / "b2b_saas_q1.yaml")
    cut = load_scenario(SCENARIOS / "whatif_budget_cut.yaml")
    shock = load_scenario(SCENARIOS / "whatif_ppc_cpl_shock.yaml")
    assert cut.budget == pytest.approx(0.8 * base.budget)
    assert shock.channel("PPC").cpl == pytest.approx(1.25 * base.channel("PPC").cpl)
    assert cut.channels == base.channels
    shock50 = load_scenario(SCENARIOS / "whatif_ppc_cpl_shock.yaml", variant="PPC CPL +50%")
    assert shock50.channel("PPC").cpl == pytest.approx(1.5 * base.channel("PPC").cpl)


def test_example_reallocates_away_from_social_ads():
    comparison = compare(load_scenarios(SCENARIOS / "b2b_saas_q1.yaml"))
    table = comparison.table.set_index("scenario")
    assert table.loc["current plan", "plan"] == "current"
    assert table.index[0] == "current plan"
    assert table.loc["Q1 2027 plan", "net_value"] > table.loc["current plan", "net_value"]
    assert comparison.spend.loc["Social Media Ads", "Q1 2027 plan"] == pytest.approx(0)
    # growth mode with a lower floor funds Social Media Ads until the paid-media share binds
    assert comparison.spend.loc["Social Media Ads", "Growth mode ($400k, floor 1.5:1)"] > 0
    growth = next(r for r in comparison.results if r.name.startswith("Growth mode ("))
    assert "group_max_share[Paid media]" in set(growth.binding["constraint"])
    assert table.loc["Cautious (max 30% change)", "status"] == "infeasible"
    assert list(comparison.spend.index) == list(load_scenario(
        SCENARIOS / "b2b_saas_q1.yaml").channel_names)
