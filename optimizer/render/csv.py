"""Results -> CSV text (pandas writes it; loaded only when CSV is asked for)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..results.constraints import CONSTRAINT_FIELDS

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.compare import Comparison
    from ..analysis.frontier import Frontier
    from ..analysis.ranging import Ranging
    from ..analysis.risk import RiskProfile
    from ..estimation import EstimateResult
    from ..results.plan import PlanResult

FLOAT_FORMAT = "%.6g"


def frame_csv(frame: pd.DataFrame, index: bool = False) -> str:
    if index:
        frame = frame.reset_index()
    return frame.to_csv(index=False, float_format=FLOAT_FORMAT)


def channels_csv(result: PlanResult) -> str:
    frame = result.channels if result.channels is not None else result.current_channels.iloc[0:0]
    return frame_csv(frame, index=True)


def current_csv(result: PlanResult) -> str:
    return frame_csv(result.current_channels, index=True)


def constraints_csv(result: PlanResult) -> str:
    if result.constraints is None:
        return ",".join(CONSTRAINT_FIELDS) + "\n"
    return frame_csv(result.constraints)


def comparison_csv(comparison: Comparison) -> str:
    return frame_csv(comparison.table)


def spend_csv(comparison: Comparison) -> str:
    return frame_csv(comparison.spend, index=True)


def frontier_csv(front: Frontier) -> str:
    return frame_csv(front.points)


def sensitivity_inputs_csv(rng: Ranging) -> str:
    return frame_csv(rng.inputs)


def sensitivity_constraints_csv(rng: Ranging) -> str:
    return frame_csv(rng.constraints)


def risk_csv(profile: RiskProfile) -> str:
    return frame_csv(profile.summary)


def estimate_csv(result: EstimateResult) -> str:
    return result.to_csv()
