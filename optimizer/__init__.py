"""chanopt: the provably optimal reallocation of a marketing budget across channels.

    >>> import optimizer as co
    >>> scenario = co.load_scenario("scenarios/b2b_saas_q1.yaml")
    >>> result = co.optimize(scenario)
    >>> result.channels  # pandas DataFrame of spend and KPIs per channel
"""

from ._version import __version__
from .compare import Comparison, compare
from .errors import (
    ChanoptError,
    InfeasiblePlanError,
    OutputError,
    Problem,
    ScenarioError,
    SolverError,
)
from .frontier import Frontier, TargetPlan, budget_for_target, budget_frontier
from .curves import CurveFit
from .model import Channel, Constraints, Group, Period, Response, Scenario, Tier
from .planner import PlanResult, optimize
from .ranging import Ranging, ranging
from .reader import load_scenario, load_scenarios, scenario_from_dict
from .repair import Suggestion, suggest_repairs
from .status import Status

__all__ = [
    "Channel",
    "ChanoptError",
    "Comparison",
    "Constraints",
    "CurveFit",
    "Frontier",
    "Group",
    "InfeasiblePlanError",
    "OutputError",
    "Period",
    "PlanResult",
    "Problem",
    "Ranging",
    "Response",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "Status",
    "Suggestion",
    "TargetPlan",
    "Tier",
    "__version__",
    "budget_for_target",
    "budget_frontier",
    "compare",
    "load_scenario",
    "load_scenarios",
    "optimize",
    "ranging",
    "scenario_from_dict",
    "suggest_repairs",
]
