"""chanopt: the provably optimal reallocation of a marketing budget across channels.

    >>> import optimizer as co
    >>> scenario = co.load_scenario("scenarios/b2b_saas_q1.yaml")
    >>> result = co.optimize(scenario)
    >>> result.channels  # pandas DataFrame of spend and KPIs per channel

The package is laid out as its pipeline (docs/architecture.md): `scenario` (files -> a
frozen Scenario), `lp` (Scenario -> arrays), `backends` (arrays -> a Solution), `results`
(optimize, PlanResult), `analysis` (compare, frontier, ranging, repair, risk, robust),
`estimate` (CRM exports -> channel tables), `render` (records, cells, views), `cli`.
Names are imported on first use, so `import optimizer` loads almost nothing.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._version import __version__
from .errors import (
    ChanoptError,
    InfeasiblePlanError,
    OutputError,
    Problem,
    ScenarioError,
    SolverError,
)
from .status import Status

_LAZY = {
    "Channel": "scenario.model", "Constraints": "scenario.model", "Group": "scenario.model",
    "Period": "scenario.model", "Response": "scenario.model", "Scenario": "scenario.model",
    "Tier": "scenario.model", "Uncertainty": "scenario.model",
    "load_scenario": "scenario.load", "load_scenarios": "scenario.load",
    "scenario_from_dict": "scenario.load",
    "PlanResult": "results.plan", "optimize": "results.plan",
    "Comparison": "analysis.compare", "compare": "analysis.compare",
    "Frontier": "analysis.frontier", "TargetPlan": "analysis.frontier",
    "budget_for_target": "analysis.frontier", "budget_frontier": "analysis.frontier",
    "Ranging": "analysis.ranging", "ranging": "analysis.ranging",
    "Suggestion": "analysis.repair", "suggest_repairs": "analysis.repair",
    "RiskProfile": "analysis.risk", "risk_profile": "analysis.risk",
    "RobustPlan": "analysis.robust", "robust_optimize": "analysis.robust",
    "CurveFit": "lp.curves",
    "sweep": "analysis.sweep", "tornado": "analysis.tornado",
    "EstimateResult": "estimation", "estimate": "estimation", "load_mapping": "estimation",
}
_MODULES = {"charts": "render.charts"}  # modules reachable as attributes (`from optimizer import charts`)

__all__ = [
    "Channel", "ChanoptError", "Comparison", "Constraints", "CurveFit", "EstimateResult",
    "Frontier", "Group", "InfeasiblePlanError", "OutputError", "Period", "PlanResult",
    "Problem", "Ranging", "Response", "RiskProfile", "RobustPlan", "Scenario", "ScenarioError",
    "SolverError", "Status", "Suggestion", "TargetPlan", "Tier", "Uncertainty", "__version__",
    "budget_for_target", "budget_frontier", "compare", "estimate", "load_mapping",
    "load_scenario", "load_scenarios", "optimize", "ranging", "risk_profile", "robust_optimize",
    "scenario_from_dict", "suggest_repairs", "sweep", "tornado"]


def __getattr__(name: str) -> _Any:
    if name in _LAZY:
        value = getattr(_importlib.import_module(f".{_LAZY[name]}", __name__), name)
    elif name in _MODULES:
        value = _importlib.import_module(f".{_MODULES[name]}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_MODULES})


if _TYPE_CHECKING:
    from .analysis.compare import Comparison, compare
    from .analysis.frontier import Frontier, TargetPlan, budget_for_target, budget_frontier
    from .analysis.ranging import Ranging, ranging
    from .analysis.repair import Suggestion, suggest_repairs
    from .analysis.risk import RiskProfile, risk_profile
    from .analysis.robust import RobustPlan, robust_optimize
    from .analysis.sweep import sweep
    from .analysis.tornado import tornado
    from .estimation import EstimateResult, estimate, load_mapping
    from .lp.curves import CurveFit
    from .results.plan import PlanResult, optimize
    from .scenario.load import load_scenario, load_scenarios, scenario_from_dict
    from .scenario.model import (
        Channel,
        Constraints,
        Group,
        Period,
        Response,
        Scenario,
        Tier,
        Uncertainty,
    )
