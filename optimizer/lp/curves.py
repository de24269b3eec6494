"""Smooth response curves as tiers, with a proven bound on what the linearisation costs.

A concave curve f (leads against spend) is replaced by two piecewise-linear functions on the
same breakpoints b_0 < ... < b_K:

- the chords between breakpoints lie below f: planning with them is a *restriction*, and
  its optimum is a lower bound LB of the smooth optimum (the plan it returns brings at
  least the leads it reports);
- the tangents at the breakpoints lie above f: planning with them is a *relaxation*, and
  its optimum is an upper bound UB.

So the smooth optimum lies in [LB, UB]. The first breakpoints put every chord within 5% of
the curve's maximum leads. Then each round solves both models and adds breakpoints where
the solution is (outer approximation): each model's spend on the channel, the spend where
the curve's slope equals the channel's marginal leads per dollar in that model (read from
its reduced costs; closed form for exponential and hill curves of shape 1), and the points
where the chords next to the chord plan's spend are furthest from the curve. Rounds stop
when (UB - LB) / |UB| is within the scenario's `curve_tolerance`. The plan returned is the
chord plan; the bound reported is the achieved (UB - LB) / |UB|. Capacity caps read "at
most" so that, as with tiers, unwanted leads need not be bought (free disposal): both
models then keep the smooth problem convex.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from ..scenario.model import Scenario, Tier
from .curve_arrays import Curves
from .program import LinearProgram

MAX_ROUNDS = 60
FIRST_GAP = 0.05  # first breakpoints of a fit: chords within 5% of the curve's maximum leads
PROVISIONAL_GAP = 0.01  # tiers for diagnosis and repairs: within 1%


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


@dataclass(frozen=True)
class Probe:
    """What one solve of a linearised model says about the curve channels, per (channel,
    period) group: where on the horizon's curve its spend is (the period's spend times the
    number of periods), and the curve's slope at which another dollar there would neither
    gain nor lose (nan where unknown)."""

    objective: float
    owner: np.ndarray  # position among the curve channels
    spend: np.ndarray
    slope: np.ndarray


@dataclass(frozen=True)
class Points:
    """Breakpoints of every curve channel, sorted by (owner, spend)."""

    owner: np.ndarray
    at: np.ndarray


def first_points(curves: Curves, gap: np.ndarray | None = None) -> Points:
    """Breakpoints from each curve's concave start to its domain's end, every chord within
    `gap` leads of the curve (default: FIRST_GAP of its maximum leads; segments halved,
    all of one level at once)."""
    n = len(curves.names)
    owner, at = np.repeat(np.arange(n), 2), np.c_[curves.start, curves.end].ravel()
    gap = FIRST_GAP * curves.max_leads if gap is None else gap
    tiny = 1e-9 * np.maximum(1.0, curves.end)
    for _ in range(64):
        same = owner[1:] == owner[:-1]
        o, a, b = owner[:-1][same], at[:-1][same], at[1:][same]
        split = (b - a > tiny[o]) & (curves.chord_error(o, a, b)[0] > gap[o])
        if not split.any():
            break
        owner, at = _sorted(np.r_[owner, o[split]], np.r_[at, 0.5 * (a + b)[split]])
    return Points(owner, at)


def _sorted(owner: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((at, owner))
    return owner[order], at[order]


# ------------------------------------------------------------------ tiers from breakpoints

class CurveTiers(Mapping[str, tuple[Tier, ...]]):
    """Tiers standing for each curve channel's response, by channel name; kept as flat
    arrays (`arrays(name)`: ends and CPLs), as Tier tuples on demand."""

    def __init__(self, names: tuple[str, ...] = (), owner: np.ndarray | None = None,
                 up: np.ndarray | None = None, cpl: np.ndarray | None = None) -> None:
        self._names = names
        owner = np.zeros(0, np.int64) if owner is None else owner
        cuts = np.searchsorted(owner, np.arange(len(names) + 1))
        self._slices = {name: slice(int(cuts[i]), int(cuts[i + 1]))
                        for i, name in enumerate(names)}
        self._up = np.zeros(0) if up is None else up
        self._cpl = np.zeros(0) if cpl is None else cpl

    def arrays(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        where = self._slices[name]
        return self._up[where], self._cpl[where]

    def __getitem__(self, name: str) -> tuple[Tier, ...]:
        up, cpl = self.arrays(name)
        return tuple(Tier(u, c) for u, c in zip(up.tolist(), cpl.tolist(), strict=True))

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def sizes(self) -> dict[str, int]:
        return {name: where.stop - where.start for name, where in self._slices.items()}


def chord_tiers(curves: Curves, points: Points) -> CurveTiers:
    """Tiers whose leads equal the curve at every breakpoint (inner model)."""
    o, s = points.owner, points.at
    f = curves.leads(o, s)
    same = o[1:] == o[:-1]
    gained, width = (f[1:] - f[:-1])[same], (s[1:] - s[:-1])[same]
    with np.errstate(divide="ignore", invalid="ignore"):
        cpl = np.where(gained > 0, width / gained, math.inf)
    return _tiers(curves, o[1:][same], s[1:][same], cpl)


def tangent_tiers(curves: Curves, points: Points) -> CurveTiers:
    """Tiers following the tangents at the breakpoints (outer model: never fewer leads)."""
    o, s = points.owner, points.at
    f, g = curves.leads(o, s), curves.slope(o, s)
    same = o[1:] == o[:-1]
    b0, f0, g0 = s[:-1][same], f[:-1][same], g[:-1][same]
    b1, f1, g1 = s[1:][same], f[1:][same], g[1:][same]
    apart = g0 - g1 > 1e-15 * np.maximum(g0, 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        # where the tangents at b_k and b_k+1 cross
        t = (f1 - f0 + g0 * b0 - g1 * b1) / np.where(apart, g0 - g1, 1.0)
    t = np.where(apart, np.clip(t, b0, b1), b0)
    last = np.r_[~same, True]  # each owner's last breakpoint
    ends = np.empty(s.size)
    ends[~last] = t
    ends[last] = s[last]
    with np.errstate(divide="ignore", over="ignore"):
        cpls = np.where(g > 0, 1.0 / np.where(g > 0, g, 1.0), math.inf)
    return _tiers(curves, o, ends, cpls)


def _tiers(curves: Curves, owner: np.ndarray, ends: np.ndarray, cpls: np.ndarray
           ) -> CurveTiers:
    """The tiers of every curve, a hill curve's convex start (the line from the origin to
    its concave start) first; empty tiers dropped and CPLs rounded up to be
    non-decreasing (float noise only)."""
    convex = np.flatnonzero(curves.start > 0)
    if convex.size:
        st = curves.start[convex]
        owner, ends = np.r_[convex, owner], np.r_[st, ends]
        cpls = np.r_[st / curves.leads(convex, st), cpls]
        order = np.argsort(owner, kind="stable")
        owner, ends, cpls = owner[order], ends[order], cpls[order]
    first = np.r_[True, owner[1:] != owner[:-1]]
    prev = np.where(first, 0.0, np.r_[0.0, ends[:-1]])
    keep = ends > prev * (1 + 1e-12) + 1e-12
    owner, ends, cpls = owner[keep], ends[keep], cpls[keep]
    first = np.r_[True, owner[1:] != owner[:-1]]
    for _ in range(ends.size):
        lower = ~first & (cpls < np.r_[-np.inf, cpls[:-1]])
        if not lower.any():
            break
        cpls = np.where(lower, np.r_[-np.inf, cpls[:-1]], cpls)
    return CurveTiers(curves.names, owner, ends, cpls)


def provisional_tiers(scenario: Scenario) -> CurveTiers:
    """Fixed chords within 1% of each curve's maximum leads: the curves' tiers wherever a
    program is needed without solving it to the tolerance (diagnosis, repairs)."""
    curves = Curves.of(scenario)
    return chord_tiers(curves, first_points(curves, PROVISIONAL_GAP * curves.max_leads))


# ------------------------------------------------------------------ refinement

def refine(curves: Curves, points: Points, inner: Probe, outer: Probe) -> Points:
    """The breakpoints with those both models' solutions ask for: each model's spends,
    the spends where the curve's slope is the model's marginal leads per dollar, and the
    worst points of the chords either side of the chord plan's spends."""
    owners, ats = [inner.owner, outer.owner], [inner.spend, outer.spend]
    for pr in (inner, outer):
        known = np.isfinite(pr.slope) & (pr.slope > 0)
        owners.append(pr.owner[known])
        ats.append(curves.spend_at_slope(pr.owner[known], pr.slope[known]))
    # the chords next to the chord plan's spends
    span = np.maximum(curves.end - curves.start, 1e-300)
    po = points.owner
    key = po + np.clip((points.at - curves.start[po]) / span[po], 0.0, 0.5)
    o = inner.owner
    k = np.searchsorted(key, o + np.clip((inner.spend - curves.start[o]) / span[o], 0, 0.5))
    first = np.searchsorted(po, o)
    last = np.searchsorted(po, o, side="right") - 1
    for lo in (np.maximum(k - 1, first), k):
        ok = lo + 1 <= last
        owners.append(o[ok])
        ats.append(curves.chord_error(o[ok], points.at[lo[ok]], points.at[lo[ok] + 1])[1])
    o, at = np.concatenate(owners), np.concatenate(ats)
    tiny = 1e-12 * np.maximum(1.0, curves.end)
    inside = np.isfinite(at) & (at > curves.start[o] + tiny[o]) & (at < curves.end[o] - tiny[o])
    o, at = np.r_[po, o[inside]], np.r_[points.at, at[inside]]
    new = np.r_[np.zeros(points.at.size, bool), np.ones(int(inside.sum()), bool)]
    order = np.lexsort((new, at, o))  # by owner, then spend, a known point before a new one
    o, at, new = o[order], at[order], new[order]
    # keep a new point only if it is apart from the point before it
    close = np.r_[False, (o[1:] == o[:-1]) & (at[1:] - at[:-1] <= tiny[o[1:]])]
    keep = ~(close & new)
    return Points(o[keep], at[keep])


def linearise(scenario: Scenario, solve: Callable[[CurveTiers], Probe | None]
              ) -> tuple[CurveTiers, CurveFit | None]:
    """Refine the curve channels' tiers until the chord and tangent models' optima are
    within `scenario.curve_tolerance` of each other.

    `solve` returns what the optimum of the scenario with the given curve tiers says
    (`probe`; None if it has no optimum). Returns the chord tiers and the fit (None when
    the scenario has no curves, or when the chord model has no optimum even on the
    breakpoints the tangent model's optimum asks for: its status is then the answer).
    A fit that stops short of the tolerance (no breakpoint left to add in floating point,
    or MAX_ROUNDS) says so: `met` is False."""
    if not scenario.has_curves:
        return CurveTiers(), None
    curves = Curves.of(scenario)
    points = first_points(curves)
    best: tuple[CurveTiers, CurveFit] | None = None
    for rounds in range(1, MAX_ROUNDS + 1):
        inner = chord_tiers(curves, points)
        low = solve(inner)
        high = solve(tangent_tiers(curves, points))
        if low is None:
            # chords bring fewer leads than the curve: a target or floor they cannot reach
            # may still be reachable. Only the relaxation failing too proves it is not.
            if high is None or rounds == MAX_ROUNDS:
                return inner, None
            finer = refine(curves, points, high, high)
            if finer.at.size == points.at.size:
                return inner, None
            points = finer
            continue
        lower = low.objective
        upper = lower if high is None else max(high.objective, lower)
        bound = (upper - lower) / max(abs(upper), abs(lower), 1e-9)
        tol = scenario.curve_tolerance
        fit = CurveFit(bound=bound, tolerance=tol, lower=lower, upper=upper,
                       segments=inner.sizes(), rounds=rounds, met=bound <= tol)
        best = (inner, fit)
        if fit.met or high is None:
            break
        finer = refine(curves, points, low, high)
        if finer.at.size == points.at.size:
            break  # no breakpoint left to add: the bound is what floating point allows
        points = finer
    assert best is not None
    return best


def probe(scenario: Scenario, lp: LinearProgram, objective: float, x: np.ndarray,
          reduced: np.ndarray | None) -> Probe:
    """Per (curve channel, period): its spend in a solution of `lp` on the horizon's curve
    (times the number of periods, as each period holds 1/n of every tier), and, from the
    reduced costs of its tier columns, which are affine in their leads per dollar
    (d_j = a / cpl_j - b, fitted by least squares and checked), the leads per dollar at
    which another dollar would neither gain nor lose (b / a), on the horizon's curve
    (times the period's CPL multiplier). No slopes without reduced costs (a
    mixed-integer solve)."""
    curve = np.array([c.response is not None for c in scenario.channels], dtype=bool)
    local = np.cumsum(curve) - 1
    n, P = int(curve.sum()), scenario.n_periods
    cols = np.flatnonzero((lp.col_tier >= 0) & curve[lp.col_channel])
    g = local[lp.col_channel[cols]] * P + np.maximum(lp.col_period[cols], 0)
    owner = np.repeat(np.arange(n), P)
    spend = P * np.bincount(g, x[cols], minlength=n * P)
    if reduced is None:
        return Probe(objective, owner, spend, np.full(n * P, np.nan))
    lead = 1.0 / lp.col_cpl[cols]
    use = np.isfinite(lead) & (lead > 0)
    g, lead, d = g[use], lead[use], reduced[cols][use]
    count = np.bincount(g, minlength=n * P).astype(float)

    def mean(v: np.ndarray) -> np.ndarray:
        return np.bincount(g, v, minlength=n * P) / np.maximum(count, 1.0)

    ml, md = mean(lead), mean(d)
    lc = lead - ml[g]
    var = mean(lc * lc)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = mean(lc * (d - md[g])) / var
        b = a * ml - md
        slope = b / a
        size = mean(np.abs(d)) + 1e-12
        off = np.nan_to_num(np.abs(a[g] * lead - b[g] - d) / size[g], nan=np.inf)
    worst = np.zeros(n * P)
    np.maximum.at(worst, g, off)
    good = (count >= 2) & (var > 1e-12 * ml * ml) & np.isfinite(slope) & (worst < 1e-6)
    names = [c.name for c in scenario.channels if c.response is not None]
    mult = np.array([[p.cpl_multiplier_of(name) for p in scenario.periods] or [1.0]
                     for name in names]).ravel()
    return Probe(objective, owner, spend, np.where(good, slope * mult, np.nan))
