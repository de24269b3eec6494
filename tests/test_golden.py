"""Every command x every format on every bundled scenario prints exactly its golden output
(run as a real process; see tests/golden.py, and `python -m tests.golden --update`)."""

from __future__ import annotations

import difflib

import pytest

from .golden import Case, cases, expected, run_all, same

CASES = cases()


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    return run_all(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Case, outputs: dict[str, str]) -> None:
    want = expected(case)
    assert want is not None, f"no golden file for {case.name}: python -m tests.golden --update"
    got = outputs[case.name]
    if not same(want, got):
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            "golden", "now", n=2))
        pytest.fail(f"{case.name} differs from its golden output:\n{diff[:6000]}")
