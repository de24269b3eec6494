"""Bad input: every problem at once, with file, field, value and a fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from optimizer import ScenarioError, load_scenario, load_scenarios

BASE = """
name: Base
budget: 10000
channels:
  - {name: PPC, cpl: 50, lead_to_close: 0.05, clv: 4000, current_spend: 2000}
  - {name: Email, cpl: 20, lead_to_close: "4%", clv: 2000, current_spend: 1000}
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problems(tmp_path: Path, text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenarios(write(tmp_path, text))
    return str(info.value)


def test_valid_file_with_percent_rates(tmp_path):
    sc = load_scenario(write(tmp_path, BASE))
    assert sc.channel("Email").lead_to_close == pytest.approx(0.04)
    assert sc.constraints.min_clv_to_cpa == 3.0  # the default floor


def test_rate_above_one_suggests_fraction(tmp_path):
    msg = problems(tmp_path, BASE.replace("lead_to_close: 0.05", "lead_to_close: 5"))
    assert "s.yaml" in msg
    assert "channels['PPC'].lead_to_close" in msg
    assert "did you mean 0.05?" in msg


def test_unknown_keys_get_did_you_mean(tmp_path):
    text = BASE.replace("budget:", "budjet:").replace("clv: 4000", "clv: 4000, lead_to_clos: 1")
    msg = problems(tmp_path, text)
    assert "budjet: unknown key; did you mean 'budget'?" in msg
    assert "lead_to_clos: unknown key; did you mean 'lead_to_close'?" in msg


def test_every_problem_reported_at_once(tmp_path):
    text = BASE.replace("cpl: 50", "cpl: -50").replace("clv: 2000", "clv: .nan") \
        .replace("current_spend: 1000", "current_spend: 1000, min_spend: 500, max_spend: 100")
    with pytest.raises(ScenarioError) as info:
        load_scenarios(write(tmp_path, text))
    msgs = [str(p) for p in info.value.problems]
    assert len(msgs) == 3, "\n".join(msgs)
    assert any("cpl is -50; money cannot be negative" in m for m in msgs)
    assert any("clv is NaN" in m for m in msgs)
    assert any("min_spend 500 is above max_spend 100" in m for m in msgs)


def test_duplicate_channel_names(tmp_path):
    text = BASE + "  - {name: PPC, cpl: 60, lead_to_close: 0.05, clv: 4000}\n"
    assert "duplicate channel name 'PPC'" in problems(tmp_path, text)


def test_tiers_must_rise(tmp_path):
    text = BASE.replace("cpl: 50,", "tiers: [{up_to: 1000, cpl: 50}, {up_to: 800, cpl: 40}],")
    msg = problems(tmp_path, text)
    assert "up_to 800 is not above the previous tier's 1,000" in msg
    assert "tier CPLs must not decrease" in msg


def test_cpl_and_tiers_are_exclusive_and_one_required(tmp_path):
    msg = problems(tmp_path, BASE.replace("cpl: 50,", "tiers: [{cpl: 50}], cpl: 50,")
                   .replace("cpl: 20,", ""))
    assert "give one of cpl (a flat cost per lead), tiers or response, not cpl and tiers" in msg
    assert "missing cpl (cost per lead, e.g. 50), tiers or response" in msg


def test_unknown_channel_in_variant_and_group(tmp_path):
    text = BASE + """
constraints:
  groups:
    - {name: Paid, channels: [PPCC], max_share: 0.5}
scenarios:
  - name: Shock
    channels:
      Emial: {cpl: "+25%"}
"""
    msg = problems(tmp_path, text)
    assert "no channel named 'PPCC'; did you mean 'PPC'?" in msg
    assert "scenarios['Shock'].channels['Emial']: no channel named 'Emial'; did you mean 'Email'?" in msg


def test_variants_relative_changes_and_removal(tmp_path):
    text = BASE + """
scenarios:
  - name: Cut
    budget: "-20%"
  - name: Shock
    channels:
      PPC: {cpl: "+25%", lead_to_close: "-10%"}
  - name: No email
    remove_channels: [Email]
  - name: New channel
    add_channels:
      - {name: Webinars, cpl: 150, lead_to_close: 0.08, clv: 12000}
"""
    base, cut, shock, no_email, new = load_scenarios(write(tmp_path, text))
    assert cut.budget == pytest.approx(8000) and cut.variant_of == "Base"
    assert shock.channel("PPC").cpl == pytest.approx(62.5)
    assert shock.channel("PPC").lead_to_close == pytest.approx(0.045)
    assert no_email.channel_names == ("PPC",)
    assert new.channel_names == ("PPC", "Email", "Webinars")
    assert base.input_hash != cut.input_hash


def test_relative_cpl_scales_every_tier(tmp_path):
    text = BASE.replace("cpl: 50,", "tiers: [{up_to: 1000, cpl: 50}, {cpl: 80}],") + """
scenarios:
  - name: Shock
    channels:
      PPC: {cpl: "+10%"}
  - name: Flat
    channels:
      PPC: {cpl: 60}
"""
    msg = problems(tmp_path, text)
    assert "this channel has tiers; give new `tiers`" in msg
    text = text.split("  - name: Flat")[0]
    shock = load_scenarios(write(tmp_path, text))[1]
    assert [t.cpl for t in shock.channel("PPC").tiers] == pytest.approx([55, 88])


def test_extends_and_cycle(tmp_path):
    base = write(tmp_path, BASE, "base.yaml")
    child = write(tmp_path, """
        extends: base.yaml
        name: Child
        budget: "+50%"
        channels:
          PPC: {max_spend: 4000}
    """, "child.yaml")
    sc = load_scenario(child)
    assert sc.name == "Child" and sc.budget == pytest.approx(15000)
    assert sc.channel("PPC").max_spend == 4000
    assert set(sc.inputs) == {base.resolve(), child.resolve()}
    write(tmp_path, "extends: b.yaml\nname: A\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\nname: B\n", "b.yaml")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenarios(tmp_path / "a.yaml")


def test_csv_channel_table(tmp_path):
    (tmp_path / "ch.csv").write_text(
        "name,cpl,lead_to_close,clv,current_spend,max_spnd\n"
        "PPC,50,5,4000,2000,\n"
        "Email,20,4%,2000,1000,\n")
    path = write(tmp_path, "name: T\nbudget: 5000\nchannels: ch.csv\n")
    with pytest.raises(ScenarioError) as info:
        load_scenarios(path)
    msg = str(info.value)
    assert "ch.csv: column 'max_spnd': unknown column; did you mean 'max_spend'?" in msg
    assert "ch.csv: row 2 (PPC), column lead_to_close: lead_to_close is '5', above 1" in msg
    assert "did you mean 0.05?" in msg
    (tmp_path / "ch.csv").write_text(
        "channel,cpl,lead_to_close,clv,current_spend\nPPC,50,0.05,\"$4,000\",2k\n")
    sc = load_scenario(path)
    assert sc.channel("PPC").clv == 4000 and sc.channel("PPC").current_spend == 2000


def test_max_sqls_needs_lead_to_sql(tmp_path):
    msg = problems(tmp_path, BASE + "constraints: {max_sqls: 100}\n")
    assert "max_sqls needs lead_to_sql on every channel; missing on PPC, Email" in msg


def test_lead_to_sql_below_close_rate(tmp_path):
    msg = problems(tmp_path, BASE.replace("clv: 4000", "clv: 4000, lead_to_sql: 0.01"))
    assert "lead_to_sql 0.01 is below lead_to_close 0.05" in msg


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenarios(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match="line 3, column 1: not valid YAML"):
        load_scenarios(write(tmp_path, "name: x\nbudget: [1,\n"))


def test_unknown_variant_name(tmp_path):
    path = write(tmp_path, BASE + "scenarios:\n  - {name: Cut, budget: 5000}\n")
    with pytest.raises(ScenarioError, match="did you mean 'Cut'"):
        load_scenario(path, variant="Cutt")


def test_dates_and_numbers_as_text(tmp_path):
    text = BASE.replace("name: Base", "name: Base\nperiod: 2027-01-01").replace(
        "name: Email", "name: 2024")
    sc = load_scenario(write(tmp_path, text))
    assert sc.period == "2027-01-01"
    assert sc.channel_names == ("PPC", "2024")
