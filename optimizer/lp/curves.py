"""Smooth response curves as tiers, with a proven bound on what the linearisation costs.

A concave curve f (leads against spend) is replaced by two piecewise-linear functions on the
same breakpoints b_0 < ... < b_K:

- the chords between breakpoints lie below f: planning with them is a *restriction*, and
  its optimum is a lower bound LB of the smooth optimum (the plan it returns brings at
  least the leads it reports);
- the tangents at the breakpoints lie above f: planning with them is a *relaxation*, and
  its optimum is an upper bound UB.

So the smooth optimum lies in [LB, UB]. Breakpoints are placed so that each chord is within
`max_gap` leads of the curve, and `max_gap` shrinks until (UB - LB) / |UB| is within the
scenario's `curve_tolerance`. The plan returned is the chord plan; the bound reported is the
achieved (UB - LB) / |UB|. Capacity caps read "at most" so that, as with tiers, unwanted
leads need not be bought (free disposal): both models then keep the smooth problem convex.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..scenario.model import Channel, Response, Scenario, Tier

CurveTiers = dict[str, tuple[Tier, ...]]
"""Tiers standing for each curve channel's response, by channel name."""

MAX_ROUNDS = 8
MAX_SEGMENTS = 400  # per channel


@dataclass(frozen=True)
class CurveFit:
    """How the curves of a scenario were linearised."""

    bound: float  # achieved relative gap (UB - LB) / |UB| between the two models
    tolerance: float
    lower: float  # objective of the chord (inner) model: the plan's objective
    upper: float  # objective of the tangent (outer) model: no smooth plan does better
    segments: dict[str, int]  # tiers per curve channel
    rounds: int
    met: bool  # bound <= tolerance


def domain_end(scenario: Scenario, channel: Channel) -> float:
    """Most the curve is ever asked about: the channel's own limits, else the budget."""
    limit = min(channel.max_spend, scenario.budget)
    return max(limit, channel.response.concave_from() if channel.response else 0.0)


def _first_gap(scenario: Scenario) -> dict[str, float]:
    return {c.name: 0.01 * c.response.max_leads for c in scenario.channels
            if c.response is not None}


def _chord_error(resp: Response, a: float, b: float) -> float:
    """Largest gap between the curve and its chord on [a, b] (at the point where the
    curve's slope equals the chord's, found by bisection: the slope decreases there)."""
    fa, fb = resp.leads(a), resp.leads(b)
    m = (fb - fa) / (b - a)
    lo, hi = a, b
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if resp.slope(mid) > m:
            lo = mid
        else:
            hi = mid
    s = 0.5 * (lo + hi)
    return float(resp.leads(s) - (fa + m * (s - a)))


def breakpoints(resp: Response, end: float, max_gap: float) -> np.ndarray:
    """Breakpoints from the curve's concave start to `end`, each chord within `max_gap`."""
    start = resp.concave_from()
    points = [start, end]
    i = 0
    while i < len(points) - 1 and len(points) <= MAX_SEGMENTS:
        a, b = points[i], points[i + 1]
        if b - a > 1e-9 * max(1.0, end) and _chord_error(resp, a, b) > max_gap:
            points.insert(i + 1, 0.5 * (a + b))
        else:
            i += 1
    return np.asarray(points)


def chord_tiers(resp: Response, points: np.ndarray) -> tuple[Tier, ...]:
    """Tiers whose leads equal the curve at every breakpoint (inner model)."""
    f = resp.leads(points)
    tiers = []
    if points[0] > 0:  # a hill curve's convex start: the line from the origin
        tiers.append(Tier(float(points[0]), float(points[0] / f[0])))
    for k in range(1, points.size):
        gained = f[k] - f[k - 1]
        width = points[k] - points[k - 1]
        tiers.append(Tier(float(points[k]), float(width / gained) if gained > 0 else math.inf))
    return _monotone(tiers)


def tangent_tiers(resp: Response, points: np.ndarray) -> tuple[Tier, ...]:
    """Tiers following the tangents at the breakpoints (outer model: never fewer leads)."""
    f, g = resp.leads(points), resp.slope(points)
    tiers = []
    if points[0] > 0:
        tiers.append(Tier(float(points[0]), float(points[0] / f[0])))
    for k in range(points.size):
        if k + 1 < points.size and g[k] - g[k + 1] > 1e-15 * max(g[k], 1e-300):
            # where the tangents at b_k and b_k+1 cross
            t = (f[k + 1] - f[k] + g[k] * points[k] - g[k + 1] * points[k + 1]) / (g[k] - g[k + 1])
            t = float(min(max(t, points[k]), points[k + 1]))
        else:
            t = float(points[k]) if k + 1 < points.size else float(points[-1])
        end = t if k + 1 < points.size else float(points[-1])
        tiers.append(Tier(end, 1.0 / g[k] if g[k] > 0 else math.inf))
    return _monotone(tiers)


def _monotone(tiers: list[Tier]) -> tuple[Tier, ...]:
    """Drop empty tiers and round CPLs up to be non-decreasing (float noise only)."""
    out: list[Tier] = []
    prev_end = 0.0
    for t in tiers:
        if t.up_to <= prev_end * (1 + 1e-12) + 1e-12:
            continue
        cpl = max(t.cpl, out[-1].cpl) if out else t.cpl
        out.append(Tier(t.up_to, cpl))
        prev_end = t.up_to
    return tuple(out)


def curve_tiers(scenario: Scenario, max_gap: dict[str, float], outer: bool = False
                ) -> CurveTiers:
    """Each curve channel's tiers built at its `max_gap` (leads): chords, or tangents."""
    out: CurveTiers = {}
    for ch in scenario.channels:
        if ch.response is None:
            continue
        points = breakpoints(ch.response, domain_end(scenario, ch), max_gap[ch.name])
        out[ch.name] = (tangent_tiers(ch.response, points) if outer
                        else chord_tiers(ch.response, points))
    return out


def provisional_tiers(scenario: Scenario) -> CurveTiers:
    """The chords of the first refinement round: the curves' tiers wherever a program is
    needed without solving it to the tolerance (diagnosis, repairs, current plans)."""
    return curve_tiers(scenario, _first_gap(scenario))


def linearise(scenario: Scenario, solve: Callable[[CurveTiers], float | None]
              ) -> tuple[CurveTiers, CurveFit | None]:
    """Refine the curve channels' tiers until the chord and tangent models' optima are
    within `scenario.curve_tolerance` of each other.

    `solve` returns the optimal objective of the scenario with the given curve tiers (None
    if it has no optimum). Returns the chord tiers and the fit (None when the scenario has
    no curves, or when the chord model has no optimum: its status is then the answer)."""
    if not scenario.has_curves:
        return {}, None
    tol = scenario.curve_tolerance
    gap = _first_gap(scenario)
    best: tuple[CurveTiers, CurveFit] | None = None
    for rounds in range(1, MAX_ROUNDS + 1):
        inner = curve_tiers(scenario, gap)
        lower = solve(inner)
        if lower is None:
            return inner, None
        upper = solve(curve_tiers(scenario, gap, outer=True))
        upper = lower if upper is None else max(upper, lower)
        scale = max(abs(upper), abs(lower), 1e-9)
        bound = (upper - lower) / scale
        fit = CurveFit(bound=bound, tolerance=tol, lower=lower, upper=upper,
                       segments={name: len(tiers) for name, tiers in inner.items()},
                       rounds=rounds, met=bound <= tol)
        best = (inner, fit)
        if fit.met or max(fit.segments.values()) >= MAX_SEGMENTS:
            break
        # chord errors shrink with the square of the segment width and the gap with them:
        # aim a little below the tolerance, at least halving and at most a 100-fold step
        factor = min(0.5, max(0.01, 0.7 * tol / max(bound, 1e-300)))
        gap = {k: v * factor for k, v in gap.items()}
    assert best is not None
    return best
