"""A scenario's response curves as arrays, for the linearisation (`lp/curves.py`): leads,
slopes, the spend at a slope (closed form where one exists) and chords' worst points,
vectorised over every curve channel at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.model import Channel, Scenario


def domain_end(scenario: Scenario, channel: Channel) -> float:
    """Most the curve is ever asked about: the channel's own limits, else the budget."""
    limit = min(channel.max_spend, scenario.budget)
    return max(limit, channel.response.concave_from() if channel.response else 0.0)


@dataclass(frozen=True)
class Curves:
    """Every curve channel's parameters as arrays; each method takes an `owner` array
    (position among the curve channels) beside the spends it evaluates."""

    names: tuple[str, ...]
    exponential: np.ndarray  # bool
    max_leads: np.ndarray
    scale: np.ndarray
    shape: np.ndarray
    start: np.ndarray  # concave_from
    end: np.ndarray  # domain_end

    @classmethod
    def of(cls, scenario: Scenario) -> Curves:
        chans = [c for c in scenario.channels if c.response is not None]
        resp = [c.response for c in chans if c.response is not None]
        return cls(tuple(c.name for c in chans),
                   np.array([r.curve == "exponential" for r in resp], dtype=bool),
                   np.array([r.max_leads for r in resp], dtype=float),
                   np.array([r.scale for r in resp], dtype=float),
                   np.array([r.shape for r in resp], dtype=float),
                   np.array([r.concave_from() for r in resp], dtype=float),
                   np.array([domain_end(scenario, c) for c in chans], dtype=float))

    def leads(self, o: np.ndarray, s: np.ndarray) -> np.ndarray:
        s = np.maximum(s, 0.0)
        L, k, n = self.max_leads[o], self.scale[o], self.shape[o]
        r = (s / k) ** n
        return np.where(self.exponential[o], L * -np.expm1(-s / k), L * r / (1.0 + r))

    def slope(self, o: np.ndarray, s: np.ndarray) -> np.ndarray:
        s = np.maximum(s, 0.0)
        L, k, n = self.max_leads[o], self.scale[o], self.shape[o]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            r = (s / k) ** n
            hill = np.where(s > 0, L * n * r / (s * (1.0 + r) ** 2),
                            np.where(n == 1, L / k, 0.0))
        return np.where(self.exponential[o], L / k * np.exp(-s / k), hill)

    def spend_at_slope(self, o: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Spend on the concave part where the slope is `m` leads per dollar: the start
        where m is above every slope there, inf where m <= 0. Closed form for exponential
        (s = -k ln(m k / L)) and hill of shape 1 (s = sqrt(L k / m) - k); bisection on the
        decreasing slope for other hills."""
        L, k, n, start = self.max_leads[o], self.scale[o], self.shape[o], self.start[o]
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(self.exponential[o], -k * np.log(m * k / L), np.sqrt(L * k / m) - k)
        other = ~self.exponential[o] & (n != 1) & (m > 0)
        if other.any():
            s[other] = self._bisect(o[other], m[other])
        s = np.where(m > 0, s, np.inf)
        return np.where(np.isnan(s), start, np.maximum(s, start))

    def _bisect(self, o: np.ndarray, m: np.ndarray) -> np.ndarray:
        lo = self.start[o].copy()
        hi = np.maximum(lo, self.scale[o])
        for _ in range(200):  # grow until the slope there is below m
            low = self.slope(o, hi) < m
            if low.all():
                break
            hi = np.where(low, hi, 2.0 * hi)
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            up = self.slope(o, mid) > m
            lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
        return 0.5 * (lo + hi)

    def chord_error(self, o: np.ndarray, a: np.ndarray, b: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        """(largest gap between the curve and its chord on each [a, b], where it is): at
        the point where the curve's slope equals the chord's."""
        fa, fb = self.leads(o, a), self.leads(o, b)
        m = (fb - fa) / np.maximum(b - a, 1e-300)
        s = np.clip(self.spend_at_slope(o, m), a, b)
        return self.leads(o, s) - (fa + m * (s - a)), s
