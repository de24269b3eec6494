"""How a channel input may vary: a Beta for rates from counts, or a 90% interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

UNCERTAIN_FIELDS = ("cpl", "lead_to_close", "lead_to_sql", "clv")
Z90 = 1.6448536269514722  # the standard normal's 95th percentile: low/high are a 90% interval


@dataclass(frozen=True)
class Uncertainty:
    """How one channel input may vary.

    kind "beta" (rates from counts): Beta(a, b), e.g. a = customers + 1, b = leads -
    customers + 1 (a uniform prior updated by the counts).
    kind "interval": a 90% interval [a, b] = [low, high]; money fields vary log-normally
    and rates logit-normally between them (median at the interval's centre on that scale).
    """

    field: str
    kind: str
    a: float
    b: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The input's value at probabilities `u` (inverse CDF), vectorised."""
        if self.kind == "beta":
            from scipy.special import betaincinv

            return betaincinv(self.a, self.b, u)
        from scipy.special import ndtri

        z = np.asarray(ndtri(u), dtype=float)
        logs = self.field in ("cpl", "clv")
        lo, hi = (np.log(self.a), np.log(self.b)) if logs else (_logit(self.a), _logit(self.b))
        z *= hi - lo  # in place, in the order (lo + hi) / 2 + z * (hi - lo) / (2 * Z90) rounds
        z /= 2 * Z90
        z += (lo + hi) / 2
        if logs:
            return np.exp(z, out=z)
        return 1.0 / (1.0 + np.exp(-z))

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        tail = (1 - level) / 2
        lo, hi = self.ppf(np.array([tail, 1 - tail]))
        return float(lo), float(hi)


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))
