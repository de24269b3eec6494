"""The public API is a contract: the same sorted `__all__`, every name importable, nothing
heavy loaded by `import optimizer`, and the library never prints."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import optimizer

from .conftest import SCENARIOS

PUBLIC = [
    "Channel", "ChanoptError", "Comparison", "Constraints", "CurveFit", "EstimateResult",
    "Frontier", "Group", "InfeasiblePlanError", "OutputError", "Period", "PlanResult",
    "Problem", "Ranging", "Response", "RiskProfile", "RobustPlan", "Scenario", "ScenarioError",
    "SolverError", "Status", "Suggestion", "TargetPlan", "Tier", "Uncertainty", "__version__",
    "budget_for_target", "budget_frontier", "compare", "estimate", "load_mapping",
    "load_scenario", "load_scenarios", "optimize", "ranging", "risk_profile", "robust_optimize",
    "scenario_from_dict", "suggest_repairs", "sweep", "tornado"]
PACKAGES = {"analysis", "backends", "charts", "cli", "errors", "estimation", "fmt", "lp",
            "render", "results", "scenario", "status", "ui", "writing"}


def test_all_is_the_contract_sorted_and_importable():
    assert optimizer.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(optimizer, name) is not None
    public = {n for n in dir(optimizer) if not n.startswith("_")}
    assert public - set(PUBLIC) <= PACKAGES


def test_import_loads_only_what_it_uses():
    code = ("import sys, json, optimizer; "
            "print(json.dumps(sorted(m for m in ('numpy', 'pandas', 'scipy', 'yaml', 'rich', "
            "'highspy', 'pulp', 'matplotlib') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout) == []


def test_library_never_prints(capfd):
    # capfd reads file descriptors 1 and 2: what C libraries (HiGHS, CBC) write shows too
    results = [optimizer.optimize(s, solver=solver)
               for path in ("b2b_saas_q1.yaml", "quarter_by_month.yaml")
               for s in optimizer.load_scenarios(SCENARIOS / path)
               for solver in ("highs", "cbc")]
    optimizer.compare(results)
    optimizer.budget_frontier(results[0].scenario, points=5)
    optimizer.ranging(results[0].scenario)
    optimizer.risk_profile(results[:1], draws=100)
    optimizer.robust_optimize(results[0].scenario, draws=50)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_results_carry_provenance():
    result = optimizer.optimize(optimizer.load_scenario(SCENARIOS / "b2b_saas_q1.yaml"))
    assert result.name == "Q1 2027 plan"
    assert result.solver == "highs"
    assert result.package_version == optimizer.__version__
    assert result.input_hash == result.scenario.input_hash
    assert result.channels.index.name == "channel"


def test_the_result_holds_the_scenario_that_was_loaded():
    for path in sorted(SCENARIOS.glob("*.yaml")):
        for scenario in optimizer.load_scenarios(path):
            assert optimizer.optimize(scenario).scenario is scenario


def test_load_scenario_variant_prefix():
    from optimizer import load_scenario
    from optimizer.errors import ScenarioError

    path = SCENARIOS / "b2b_saas_q1.yaml"
    assert load_scenario(path, variant="drop").name == "Drop LinkedIn Ads"
    with pytest.raises(ScenarioError, match="fits 2 variants"):
        load_scenario(path, variant="Growth")
