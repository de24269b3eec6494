"""The public API is small, sorted and importable; the library never prints."""

from __future__ import annotations

import optimizer


def test_all_is_sorted_and_complete():
    names = optimizer.__all__
    assert names == sorted(names)
    for name in names:
        assert hasattr(optimizer, name)
    public = {n for n in dir(optimizer) if not n.startswith("_")}
    modules = {"backends", "charts", "cli", "compare", "htmlreport", "workbook", "constraints", "curves", "dates", "diagnose", "estimate", "risk", "riskreport", "robust", "errors", "explain", "fmt", "frontier", "kpis", "lp",
               "model", "outputs", "planner", "ranging", "reader", "repair", "report", "status", "synthetic",
               "values"}
    assert public - set(names) <= modules


def test_library_never_prints(capsys):
    from .conftest import SCENARIOS

    results = [optimizer.optimize(s, solver=solver)
               for s in optimizer.load_scenarios(SCENARIOS / "b2b_saas_q1.yaml")
               for solver in ("highs", "cbc")]
    optimizer.compare(results)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_results_carry_provenance():
    from .conftest import SCENARIOS

    result = optimizer.optimize(optimizer.load_scenario(SCENARIOS / "b2b_saas_q1.yaml"))
    assert result.name == "Q1 2027 plan"
    assert result.solver == "highs"
    assert result.package_version == optimizer.__version__
    assert result.input_hash == result.scenario.input_hash
    assert result.channels.index.name == "channel"
