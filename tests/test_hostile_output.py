"""Outputs that cannot be turned against the user (issue #11): names that look like
formulas stay text in CSV and Excel, names cannot inject Markdown, outputs are never
written through a link, a folder that cannot be written is a message (exit 3) with nothing
changed, and identical runs give byte-identical files."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pytest

from optimizer.errors import OutputError
from optimizer.writing import write_outputs

from .conftest import SCENARIOS

PAYLOADS = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3",
            "\tTab"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def chanopt(*args: str, cwd: Path, user: int | None = None) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("chanopt")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "optimizer"]
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          check=False, preexec_fn=(lambda: os.setuid(user)) if user else None)




def _yaml_quote(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    rows = "".join(f"  - {{name: {_yaml_quote(n)}, cpl: {40 + 10 * i}, lead_to_close: 0.05, "
                   f"clv: 9000, current_spend: 10000, max_spend: 60000}}\n"
                   for i, n in enumerate(PAYLOADS))
    (folder / "s.yaml").write_text(
        "name: Hostile\nbudget: 100000\nconstraints: {min_clv_to_cpa: 3}\nchannels:\n" + rows
        + "scenarios:\n  - {name: '=1+1', budget: 80000}\n", encoding="utf-8")
    for command, out in (("plan", "plan"), ("report", "report")):
        run = chanopt(command, "s.yaml", "--out", out, cwd=folder)
        assert run.returncode == 0, run.stderr
    return folder


def test_formula_like_names_stay_text_in_excel(hostile):
    checked = 0
    for book_path in (hostile / "plan" / "plan.xlsx", hostile / "report" / "report.xlsx"):
        book = openpyxl.load_workbook(book_path)  # formulas, not cached values
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (book_path.name, sheet.title, cell.coordinate)
                    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                        assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                        checked += 1
    assert checked >= 2 * len(PAYLOADS)  # the names were written, as quoted text


def test_formula_like_names_are_neutralised_in_csv(hostile):
    cells = 0
    for path in [*(hostile / "plan").glob("*.csv"), *(hostile / "report").glob("*.csv")]:
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
            for cell in row:
                if cell.startswith(FORMULA_START):
                    # a negative number is a number; anything else must be quoted away
                    assert re.fullmatch(r"-\d+(\.\d+)?", cell), (path.name, cell)
                if cell.lstrip("'") in PAYLOADS:
                    assert cell.startswith("'"), (path.name, cell)
                    cells += 1
    assert cells >= len(PAYLOADS)


def test_names_cannot_inject_markdown(tmp_path):
    names = ["A|B", "<script>alert(1)</script>", "[x](javascript:alert(1))",
             "![i](http://evil.example/x.png)"]
    rows = "".join(f"  - {{name: {_yaml_quote(n)}, cpl: {40 + 10 * i}, lead_to_close: 0.05, "
                   "clv: 9000, max_spend: 60000}\n" for i, n in enumerate(names))
    (tmp_path / "s.yaml").write_text("name: '<b>x</b>'\nbudget: 100000\nchannels:\n" + rows)
    run = chanopt("plan", "s.yaml", "--format", "markdown", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    text = run.stdout
    assert "<script>" not in text and "<b>" not in text
    assert "](javascript:" not in text.replace("\\](javascript:", "")
    assert "![" not in text.replace("\\!\\[", "")
    # every table keeps its column count: a | in a name is escaped
    for block in re.split(r"\n\n", text):
        lines = [line for line in block.splitlines() if line.startswith("|")]
        if lines:
            widths = {len(re.split(r"(?<!\\)\|", line)) for line in lines}
            assert len(widths) == 1, block


def test_outputs_are_never_written_through_a_link(tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").symlink_to(elsewhere)
    shutil.copy(SCENARIOS / "b2b_saas_q1.yaml", tmp_path / "s.yaml")
    shutil.copy(SCENARIOS / "b2b_channels.csv", tmp_path / "b2b_channels.csv")
    model = tmp_path / "model.lp"
    model.symlink_to(elsewhere)
    run = chanopt("plan", "s.yaml", "--out", "out", "--export-model", "model.lp", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert elsewhere.read_text() == "precious"
    assert not (out / "plan.json").is_symlink() and (out / "plan.json").stat().st_size > 100
    assert not model.is_symlink() and "Subject To" in model.read_text()


def test_a_linked_folder_inside_the_output_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "charts").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputError, match="symbolic link"):
        write_outputs(out, {"report.html": "x", "charts/a.png": b"png"})
    assert not list(elsewhere.iterdir()) and not (out / "report.html").exists()


def test_nothing_is_written_when_one_output_cannot_be(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "charts").write_text("a file where the charts folder must go")
    with pytest.raises(OutputError, match="nothing was written"):
        write_outputs(out, {"report.html": "x", "charts/a.png": b"png"})
    assert sorted(p.name for p in out.iterdir()) == ["charts"]  # no report.html, no temps


def test_a_read_only_folder_is_a_message_and_exit_3(tmp_path):
    if os.geteuid() == 0 and not hasattr(os, "setuid"):
        pytest.skip("needs a user that permissions apply to")
    work = Path(tempfile.mkdtemp(prefix="chanopt-ro-"))
    try:
        os.chmod(work, 0o755)
        shutil.copy(SCENARIOS / "b2b_saas_q1.yaml", work / "s.yaml")
        shutil.copy(SCENARIOS / "b2b_channels.csv", work / "b2b_channels.csv")
        locked = work / "locked"
        locked.mkdir()
        os.chmod(locked, 0o555)
        for p in work.iterdir():
            if p.is_file():
                os.chmod(p, 0o644)
        user = 65534 if os.geteuid() == 0 else None  # root ignores permissions: nobody
        if user is not None and not os.access(sys.executable, os.X_OK):
            pytest.skip("the interpreter is not usable by another user")
        for command in ("plan", "report"):
            try:
                run = chanopt(command, "s.yaml", "--out", "locked/q1", cwd=work, user=user)
            except PermissionError:
                pytest.skip("the virtual environment is not usable by another user")
            assert run.returncode == 3, (command, run.stderr)
            assert "Traceback" not in run.stderr and "cannot write to locked/q1" in run.stderr
            assert "no permission" in run.stderr and "nothing was written" in run.stderr
            assert not (locked / "q1").exists()
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_a_folder_the_system_refuses_is_a_message_and_exit_3(tmp_path):
    # sysfs refuses new folders even to root: a read-only place every test machine has
    shutil.copy(SCENARIOS / "b2b_saas_q1.yaml", tmp_path / "s.yaml")
    shutil.copy(SCENARIOS / "b2b_channels.csv", tmp_path / "b2b_channels.csv")
    for command in ("plan", "report"):
        run = chanopt(command, "s.yaml", "--out", "/sys/chanopt-q1", cwd=tmp_path)
        assert run.returncode == 3, (command, run.stderr)
        assert "Traceback" not in run.stderr and "cannot write to /sys/chanopt-q1" in run.stderr
    assert not Path("/sys/chanopt-q1").exists()


def test_a_file_in_the_way_is_a_message_and_exit_3(tmp_path):
    shutil.copy(SCENARIOS / "b2b_saas_q1.yaml", tmp_path / "s.yaml")
    shutil.copy(SCENARIOS / "b2b_channels.csv", tmp_path / "b2b_channels.csv")
    (tmp_path / "taken").write_text("a file, not a folder")
    for command in ("plan", "report"):
        run = chanopt(command, "s.yaml", "--out", "taken/q1", cwd=tmp_path)
        assert run.returncode == 3, (command, run.stderr)
        assert "Traceback" not in run.stderr and "nothing was written" in run.stderr
    assert (tmp_path / "taken").read_text() == "a file, not a folder"


def test_a_full_disk_leaves_everything_as_it_was(tmp_path, monkeypatch):
    import errno

    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("last quarter's report")
    real = os.fsync
    calls = []

    def fsync(fd: int) -> None:  # the disk fills up at the second file (no test machine can)
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OutputError, match=r"the disk is full.*nothing was written"):
        write_outputs(out, {"report.html": "new", "charts/a.png": b"png", "x.csv": "1"})
    assert (out / "report.html").read_text() == "last quarter's report"
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]  # no temps, no charts/


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_identical_runs_give_identical_bytes(tmp_path):
    shutil.copy(SCENARIOS / "b2b_saas_q1.yaml", tmp_path / "s.yaml")
    shutil.copy(SCENARIOS / "b2b_channels.csv", tmp_path / "b2b_channels.csv")
    runs = []
    for k in range(2):
        out = tmp_path / f"r{k}"
        assert chanopt("report", "s.yaml", "--out", str(out), "--points", "8",
                       cwd=tmp_path).returncode == 0
        assert chanopt("plan", "s.yaml", "--out", str(out / "plan"), cwd=tmp_path).returncode == 0
        runs.append(_digests(out))
    assert runs[0] == runs[1]
    assert {"report.html", "report.xlsx", "plan/plan.xlsx"} <= set(runs[0])
