"""README's quick-start commands are the ones CI runs and the files they name exist."""

from __future__ import annotations

import re

from .conftest import ROOT


def commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", quick)


def test_ci_runs_the_readme_test_command():
    _, tests = commands()
    assert "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()


def test_quick_start_names_a_bundled_scenario():
    plan, _ = commands()
    path = plan.rsplit(" ", 1)[1]
    assert (ROOT / path).is_file()
