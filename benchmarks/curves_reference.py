"""The exact smooth optimum of a separable curve problem under one budget, for benchmarks.

maximise sum_i v_i f_i(s_i) - s_i  subject to  sum_i s_i <= B,  0 <= s_i <= u_i,
with f_i exponential or hill of shape 1 (concave), v_i = lead_to_close x CLV.
Optimality (KKT): every channel's marginal return v_i f_i'(s_i) equals 1 + lambda
where 0 < s_i < u_i, with lambda = 0 when the budget is not used up. For a given
lambda, s_i(lambda) is the curve's inverse slope at (1 + lambda) / v_i, clipped to its
bounds; total spend decreases in lambda, so lambda is found by bisection to machine
precision. Written from docs/model.md and the curve formulas alone; it imports nothing
of the planner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Curve:
    kind: str  # "exponential" or "hill" (shape 1)
    max_leads: float
    scale: float
    value_per_lead: float
    upper: float  # most the channel may spend


def leads(c: Curve, s: np.ndarray | float) -> np.ndarray:
    s = np.maximum(np.asarray(s, dtype=float), 0.0)
    if c.kind == "exponential":
        return c.max_leads * -np.expm1(-s / c.scale)
    return c.max_leads * s / (c.scale + s)


def _spend_at(c: Curve, lam: float) -> float:
    m = (1.0 + lam) / c.value_per_lead  # leads per dollar wanted
    L, k = c.max_leads, c.scale
    s = -k * math.log(m * k / L) if c.kind == "exponential" else math.sqrt(L * k / m) - k
    return min(max(s, 0.0), c.upper)


def optimum(curves: list[Curve], budget: float) -> tuple[float, np.ndarray]:
    """(best objective, spend per channel)."""
    def spend(lam: float) -> np.ndarray:
        return np.array([_spend_at(c, lam) for c in curves])

    lam_lo, lam_hi = 0.0, 1.0
    if spend(0.0).sum() > budget:
        while spend(lam_hi).sum() > budget:
            lam_hi *= 2.0
        for _ in range(200):
            mid = 0.5 * (lam_lo + lam_hi)
            if spend(mid).sum() > budget:
                lam_lo = mid
            else:
                lam_hi = mid
        s = spend(lam_hi)
    else:
        s = spend(0.0)
    return objective(curves, s), s


def objective(curves: list[Curve], s: np.ndarray) -> float:
    return float(sum(c.value_per_lead * leads(c, x) - x for c, x in zip(curves, s, strict=True)))
