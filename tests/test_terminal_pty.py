"""What a person sees in a terminal: each command run as a real process in a pseudo-terminal
of 80, 100 and 200 columns. No line is wider than the terminal, no value is cut to "…", and
every number the JSON output holds is printed whole."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from optimizer import fmt

from .conftest import ROOT

WIDTHS = (80, 100, 200)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def chanopt_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("chanopt")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "optimizer"]


def in_pty(args: list[str], columns: int, cwd: Path = ROOT) -> tuple[int, str]:
    """Run `args` with stdin, stdout and stderr on a terminal of `columns` columns."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                            close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(master)
    text = b"".join(chunks).decode("utf-8", "replace")
    return proc.returncode, ANSI.sub("", text).replace("\r", "")


def json_of(*args: str) -> dict:
    out = subprocess.run([*chanopt_cmd(), *args, "--format", "json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, check=False)
    return json.loads(out.stdout)


def assert_fits(text: str, columns: int) -> None:
    lines = text.splitlines()
    wide = [line for line in lines if len(line) > columns]
    assert not wide, f"{len(wide)} lines wider than {columns}: {wide[0]!r}"
    assert "…" not in text and "$…" not in text


COMMANDS = [("plan", "scenarios/b2b_saas_q1.yaml"), ("plan", "scenarios/quarter_by_month.yaml"),
            ("compare", "scenarios/b2b_saas_q1.yaml"), ("frontier", "scenarios/b2b_saas_q1.yaml"),
            ("sensitivity", "scenarios/b2b_saas_q1.yaml"), ("risk", "scenarios/uncertain_q1.yaml")]


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("command,path", COMMANDS, ids=[f"{c}-{Path(p).stem}" for c, p in COMMANDS])
def test_output_fits_the_terminal(command, path, columns):
    rc, text = in_pty([*chanopt_cmd(), command, path], columns)
    assert rc in (0, 1), text[-2000:]
    assert "Traceback" not in text
    assert_fits(text, columns)


@pytest.mark.parametrize("columns", WIDTHS)
def test_every_plan_number_is_printed_whole(columns):
    data = json_of("plan", "scenarios/b2b_saas_q1.yaml")
    rc, text = in_pty([*chanopt_cmd(), "plan", "scenarios/b2b_saas_q1.yaml"], columns)
    assert rc == 0
    cur = data["scenario"]["currency"]
    for ch in data["channels"]:
        for key in ("spend", "current_spend", "net_value"):
            assert fmt.money(ch[key], cur) in text, (ch["name"], key)
        assert fmt.money(ch["cpl"], cur, 2) in text or ch["cpl"] is None
        assert ch["why"].split()[0] in text
    for key in ("net_value", "value", "spend"):
        assert fmt.money(data["totals"][key], cur) in text
    assert data["headline"].split(":")[0].split()[-1] in text


@pytest.mark.parametrize("columns", WIDTHS)
def test_comparison_numbers_are_printed_whole(columns):
    data = json_of("compare", "scenarios/b2b_saas_q1.yaml")
    rc, text = in_pty([*chanopt_cmd(), "compare", "scenarios/b2b_saas_q1.yaml"], columns)
    assert rc in (0, 1)
    for row in data["comparison"]:
        assert fmt.money(row["budget"], "USD") in text
        if row["net_value"] is not None:
            assert fmt.money(row["net_value"], "USD") in text


@pytest.mark.parametrize("columns", WIDTHS)
def test_report_reads_well(tmp_path, columns):
    rc, text = in_pty([*chanopt_cmd(), "report", str(ROOT / "scenarios" / "b2b_saas_q1.yaml"),
                       "--out", str(tmp_path / "out"), "--points", "8"], columns, cwd=tmp_path)
    assert rc == 0, text
    assert_fits(text, columns)
    assert "report.html" in text and (tmp_path / "out" / "report.html").exists()


def test_wide_prints_tables_whole():
    rc, text = in_pty([*chanopt_cmd(), "plan", "scenarios/b2b_saas_q1.yaml", "--wide"], 80)
    assert rc == 0
    assert "(continued)" not in text
    header = next(line for line in text.splitlines() if "Channel" in line and "ROI" in line)
    assert len(header) > 80  # one table, wider than the terminal, as asked


CRM = ROOT / "examples" / "crm"
ESTIMATE = ["estimate", "--leads", str(CRM / "leads.csv"), "--deals", str(CRM / "deals.csv"),
            "--spend", str(CRM / "spend.csv"), "--map", str(CRM / "mapping.yaml"),
            "--as-of", "2027-01-31"]


@pytest.mark.parametrize("columns", WIDTHS)
def test_estimate_with_close_lags_reads_whole(tmp_path, columns):
    """`chanopt estimate` with close dates and --pipeline: fits the terminal, every channel
    name printed whole in each of its tables (none cut to "Conte"), each close lag's first
    shares, closes and the pipeline's open leads as the JSON gives them."""
    data = json.loads(subprocess.run(
        [*chanopt_cmd(), *ESTIMATE, "-o", str(tmp_path / "j.csv"), "--pipeline",
         str(tmp_path / "jp.csv"), "--format", "json"], cwd=tmp_path, capture_output=True,
        text=True, timeout=300, check=True).stdout)
    rc, text = in_pty([*chanopt_cmd(), *ESTIMATE, "-o", "c.csv", "--pipeline", "p.csv"],
                      columns, cwd=tmp_path)
    assert rc == 0, text[-2000:]
    assert_fits(text, columns)
    rows = [line for line in text.splitlines() if line.startswith("│")]
    for fit in data["lags"]["channels"]:
        name = fit["channel"]
        assert sum(1 for r in rows if r.startswith(f"│ {name} ")) >= 4, name
        shares = [float(v) for v in fit["close_lag"].split(";")]
        head = ", ".join(fmt.pct(v, 0) for v in shares[:2])
        section = text[text.index("Close lags"):text.index("Pipeline of open leads")]
        lag_row = next(r for r in section.splitlines() if r.startswith(f"│ {name} "))
        assert head in lag_row, (name, lag_row)
        assert ("pooled" if fit["pooled"] else f" {fit['closes']} ") in lag_row
    opened: dict[str, int] = {}
    for entry in data["lags"]["pipeline"]:
        opened[entry["channel"]] = opened.get(entry["channel"], 0) + entry["open_leads"]
    for name, n in opened.items():
        assert any(r.startswith(f"│ {name} ") and f" {fmt.num(n)} " in r for r in rows), name
