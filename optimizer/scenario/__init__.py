"""The user's files -> a frozen `Scenario`.

`load` is the entry point; `files` is the only code that opens scenario inputs; `merge`
follows `extends` and applies variants with provenance; `channels`, `constraints`,
`structured` and `response` parse fields; `build` cross-checks and freezes. No
linearisation happens here: `Scenario.input_hash` covers what the user wrote.
"""

from .load import load_scenario, load_scenarios, scenario_from_dict
from .model import (
                    INHERIT,
                    Channel,
                    Constraints,
                    Group,
                    Period,
                    Response,
                    Scenario,
                    Tier,
                    Uncertainty,
                    replace_constraints,
)

__all__ = ["INHERIT", "Channel", "Constraints", "Group", "Period", "Response", "Scenario",
           "Tier", "Uncertainty", "load_scenario", "load_scenarios", "replace_constraints",
           "scenario_from_dict"]
