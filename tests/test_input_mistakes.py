"""Input mistakes a new user makes, each caught at its source with one message and its fix
(issue: "Input mistakes caught, each with the fix")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from optimizer import load_scenario, load_scenarios, optimize
from optimizer.errors import ScenarioError

TABLE = """name,cpl,lead_to_sql,lead_to_close,clv,current_spend
SEO,45,12%,{ltc},9000,30000
PPC,95,10%,3%,10000,70000
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def scenario_file(folder: Path, body: str, table: str = "ch.csv") -> Path:
    return write(folder, "s.yaml", f"name: t\nbudget: 100000\nchannels: {table}\n{body}")


def chanopt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("chanopt")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "optimizer"]
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        load_scenarios(path)
    return [p.message for p in err.value.problems]


@pytest.mark.parametrize("variants", ["", "scenarios:\n  - {name: more, budget: 120000}\n"])
def test_percent_typo_in_a_table_is_one_message_with_or_without_variants(tmp_path, variants):
    write(tmp_path, "ch.csv", TABLE.format(ltc="2.5"))
    path = scenario_file(tmp_path, variants)
    found = problems(path)
    assert len(found) == 1 and "did you mean 0.025?" in found[0]
    proc = chanopt("plan", "s.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "lead_to_close is '2.5'" in proc.stderr


def test_bare_max_change_above_one_is_ambiguous(tmp_path):
    write(tmp_path, "ch.csv", TABLE.format(ltc="2.5%"))
    found = problems(scenario_file(tmp_path, "constraints: {max_change: 30}\n"))
    assert found == ['max_change is 30: did you mean 30% (0.3)? Write "3000%" if you mean it']
    ok = load_scenario(scenario_file(tmp_path, 'constraints: {max_change: "3000%"}\n'))
    assert ok.constraints.max_change == pytest.approx(30.0)
    assert load_scenario(scenario_file(tmp_path, "constraints: {max_change: 0.3}\n")
                         ).constraints.max_change == pytest.approx(0.3)


def test_a_formula_cell_without_a_saved_value_is_an_error(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Channels"
    sheet.append(["name", "cpl", "lead_to_close", "clv", "current_spend"])
    sheet.append(["SEO", 45, 0.025, 9000, "=10000*3"])  # openpyxl saves no computed value
    sheet.append(["PPC", 95, 0.03, 10000, 70000])
    book.save(tmp_path / "plan.xlsx")
    found = problems(scenario_file(tmp_path, "", table="plan.xlsx"))
    assert len(found) == 1
    assert "'=10000*3'" in found[0] and "no saved value" in found[0]
    proc = chanopt("plan", "s.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and "plan.xlsx[Channels]: cell E2" in proc.stderr


def test_european_excel_csv_reads_like_the_plain_one(tmp_path):
    write(tmp_path, "ch.csv", TABLE.format(ltc="2.5%"))
    plain = optimize(load_scenario(scenario_file(tmp_path, "")))
    euro = ("\ufeffname;cpl;lead_to_sql;lead_to_close;clv;current_spend\r\n"
            "SEO;45,00;12%;2,5%;9.000;30.000\r\nPPC;95;10%;3%;10.000,00;70.000\r\n")
    (tmp_path / "eu.csv").write_bytes(euro.encode("utf-8"))
    sc = load_scenario(scenario_file(tmp_path, "", table="eu.csv"))
    assert [c.current_spend for c in sc.channels] == [30000, 70000]
    assert sc.channel("SEO").lead_to_close == pytest.approx(0.025)
    assert sc.channel("PPC").clv == 10000
    assert optimize(sc).objective == pytest.approx(plain.objective)


def test_a_rate_with_a_leading_zero_is_not_a_thousands_group(tmp_path):
    (tmp_path / "eu.csv").write_text("name;cpl;lead_to_close;clv\nSEO;45;0.025;9000\n")
    sc = load_scenario(scenario_file(tmp_path, "", table="eu.csv"))
    assert sc.channel("SEO").lead_to_close == pytest.approx(0.025)


def test_a_table_that_is_not_utf8_says_how_to_save_it(tmp_path):
    (tmp_path / "ch.csv").write_bytes(b"name,cpl,lead_to_close,clv\nSEO,45,2%,9\xff000\n")
    found = problems(scenario_file(tmp_path, ""))
    assert len(found) == 1 and "not UTF-8" in found[0] and "CSV UTF-8" in found[0]


def test_one_bad_budget_is_one_message_however_many_variants(tmp_path):
    write(tmp_path, "ch.csv", TABLE.format(ltc="2.5%"))
    body = "".join(f"  - {{name: v{i}}}\n" for i in range(5))
    path = write(tmp_path, "s.yaml", "name: t\nbudget: three hundred thousand\n"
                                     f"channels: ch.csv\nscenarios:\n{body}")
    found = problems(path)
    assert len(found) == 1 and "three hundred thousand" in found[0]


def test_a_negative_budget_is_not_advised_to_be_zero(tmp_path):
    write(tmp_path, "ch.csv", TABLE.format(ltc="2.5%"))
    path = write(tmp_path, "s.yaml", "name: t\nbudget: -340000\nchannels: ch.csv\n")
    found = problems(path)
    assert len(found) == 1 and "use 0" not in found[0] and "above 0" in found[0]


def test_unknown_columns_list_the_real_table_columns_and_bookkeeping_is_kept_out(tmp_path):
    write(tmp_path, "ch.csv", "name,cpl,lead_to_close,clv,current_spend,owner,start date\n"
                              "SEO,45,2.5%,9000,30000,ana,2027-01-01\n")
    found = problems(scenario_file(tmp_path, ""))
    assert len(found) == 1
    listed = found[0].split("reads are: ", 1)[1].split(", ")
    assert "response_curve" in listed and "cpl" in listed and "current_spend" in listed
    assert not {"tiers", "response", "uncertainty"} & set(listed)
    assert "#owner" in found[0]
    write(tmp_path, "ch.csv", "name,cpl,lead_to_close,clv,current_spend,#owner,_start date\n"
                              "SEO,45,2.5%,9000,30000,ana,2027-01-01\n")
    sc = load_scenario(scenario_file(tmp_path, ""))
    assert sc.channel("SEO").current_spend == 30000


def test_a_misspelt_column_gets_a_did_you_mean(tmp_path):
    write(tmp_path, "ch.csv", "name,cpl,lead_to_close,clv,curent_spend\nSEO,45,2%,9000,1\n")
    assert problems(scenario_file(tmp_path, "")) == [
        "unknown column; did you mean 'current_spend'?"]
