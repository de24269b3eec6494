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
from .estimate import EstimateResult, estimate, load_mapping
from .frontier import Frontier, TargetPlan, budget_for_target, budget_frontier
from .curves import CurveFit
from .model import (Channel, Constraints, Group, Period, Response, Scenario, Tier,
                    Uncertainty)
from .planner import PlanResult, optimize
from .ranging import Ranging, ranging
from .reader import load_scenario, load_scenarios, scenario_from_dict
from .risk import RiskProfile, risk_profile
from .robust import RobustPlan, robust_optimize
from .repair import Suggestion, suggest_repairs
from .status import Status

__all__ = [
    "Channel",
    "ChanoptError",
    "Comparison",
    "Constraints",
    "CurveFit",
    "EstimateResult",
    "Frontier",
    "Group",
    "InfeasiblePlanError",
    "OutputError",
    "Period",
    "PlanResult",
    "Problem",
    "Ranging",
    "Response",
    "RiskProfile",
    "RobustPlan",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "Status",
    "Suggestion",
    "TargetPlan",
    "Tier",
    "Uncertainty",
    "__version__",
    "budget_for_target",
    "budget_frontier",
    "compare",
    "estimate",
    "load_mapping",
    "load_scenario",
    "load_scenarios",
    "optimize",
    "ranging",
    "risk_profile",
    "robust_optimize",
    "scenario_from_dict",
    "suggest_repairs",
]
