"""An independent reference model: docs/model.md written again, on its own arrays.

It reads only the data fields of a loaded `Scenario` (budget, channels, constraints,
periods...) and never imports the planner, the LP builder, the backends or the model's helper
methods (`spend_bounds`, `floor_of`, ...): every rule of docs/model.md (bounds from min/max
spend, max_change and tiers; inherited floors; per-period capacities; integer links;
objectives) is restated here. It is solved with `scipy.optimize.linprog`/`milp`.

Response curves are bracketed rather than copied: `curves="chord"` plans on fine chords of
the curve (a restriction: a lower bound of the smooth optimum) and `curves="tangent"` on the
left-end tangent of each segment (a relaxation: an upper bound).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

INHERIT = "inherit"
CURVE_SEGMENTS = 120


@dataclass
class RefSolution:
    status: str  # optimal | infeasible | unbounded | error
    objective: float | None = None  # in the scenario's objective (spend for min_spend)
    media: np.ndarray | None = None  # (periods, channels) media spend
    fixed: np.ndarray | None = None  # (channels,) fixed cost paid
    shape: tuple | None = None  # each column empty/full/partial, and the rows held tight

    @property
    def spend(self) -> np.ndarray | None:
        if self.media is None or self.fixed is None:
            return None
        return self.media.sum(axis=0) + self.fixed


@dataclass
class _Cols:
    """Column data of the reference program (built incrementally)."""

    ub: list[float] = field(default_factory=list)
    cpl: list[float] = field(default_factory=list)
    channel: list[int] = field(default_factory=list)
    period: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)  # seg | active | units
    spend: list[float] = field(default_factory=list)  # dollars counted as spend per unit


def _inherit(own: object, scenario_value: object) -> object:
    return scenario_value if own == INHERIT else own


def _curve_leads(resp, s: np.ndarray) -> np.ndarray:
    s = np.maximum(s, 0.0)
    if resp.curve == "exponential":
        return resp.max_leads * (1.0 - np.exp(-s / resp.scale))
    r = (s / resp.scale) ** resp.shape
    return resp.max_leads * r / (1.0 + r)


def _curve_slope(resp, s: np.ndarray) -> np.ndarray:
    if resp.curve == "exponential":
        return resp.max_leads / resp.scale * np.exp(-s / resp.scale)
    n, k, L = resp.shape, resp.scale, resp.max_leads
    s = np.maximum(s, 1e-300)
    r = (s / k) ** n
    return L * n * r / (s * (1.0 + r) ** 2)


def curve_start(resp) -> float:
    """Where an S-shaped hill curve's line from the origin touches it (0 otherwise)."""
    if resp.curve == "hill" and resp.shape > 1:
        return resp.scale * (resp.shape - 1.0) ** (1.0 / resp.shape)
    return 0.0


def _curve_segments(resp, end: float, mode: str) -> list[tuple[float, float]]:
    """(width, cpl) segments of the curve over [0, end] for the whole horizon."""
    s0 = curve_start(resp)
    if end <= s0:
        return []
    out: list[tuple[float, float]] = []
    if s0 > 0:
        out.append((s0, s0 / float(_curve_leads(resp, np.array([s0]))[0])))
    # half geometric (fine near the start, where the curve bends most), half uniform
    geo = s0 + (end - s0) * (np.geomspace(1e-6, 1.0, CURVE_SEGMENTS // 2) - 1e-6) / (1 - 1e-6)
    uni = np.linspace(s0, end, CURVE_SEGMENTS // 2)
    points = np.unique(np.r_[geo, uni])
    f = _curve_leads(resp, points)
    g = _curve_slope(resp, points)
    if mode == "chord":
        widths = np.diff(points)
        gained = np.diff(f)
        for width, df in zip(widths, gained, strict=True):
            if width > 0:
                out.append((float(width), float(width / df) if df > 0 else math.inf))
        return out
    # tangent envelope: the tangent at b_j holds between its crossings with its neighbours
    cross = (f[1:] - f[:-1] + g[:-1] * points[:-1] - g[1:] * points[1:]) / np.where(
        g[:-1] > g[1:], g[:-1] - g[1:], np.nan)
    cross = np.where(np.isfinite(cross), np.clip(cross, points[:-1], points[1:]), points[1:])
    edges = np.r_[points[0], cross, points[-1]]
    for j in range(points.size):
        width = edges[j + 1] - edges[j]
        if width > 0:
            out.append((float(width), 1.0 / g[j] if g[j] > 0 else math.inf))
    return out


def _segments(scenario, ch, mode: str) -> list[tuple[float, float]]:
    if ch.response is not None:
        end = min(ch.max_spend, scenario.budget)
        return _curve_segments(ch.response, end, mode)
    out, prev = [], 0.0
    for tier in ch.tiers:
        out.append((tier.up_to - prev, tier.cpl))
        prev = tier.up_to
    return out


def bounds_of(scenario, ch) -> tuple[float, float]:
    """(lower, upper) of a channel's spend (fixed cost included), per docs/model.md."""
    change = _inherit(ch.max_change, scenario.constraints.max_change)
    lower, upper = ch.min_spend, ch.max_spend
    if ch.response is None and ch.tiers:
        upper = min(upper, ch.tiers[-1].up_to)
    if change is not None:
        lower = max(lower, ch.current_spend * max(0.0, 1.0 - change))
        upper = min(upper, ch.current_spend * (1.0 + change))
    return lower, upper


def floor_of(scenario, ch) -> float | None:
    return _inherit(ch.min_clv_to_cpa, scenario.constraints.min_clv_to_cpa)  # type: ignore[return-value]


def _multiplier(period, name: str) -> float:
    return dict(period.channel_cpl_multipliers).get(name, period.cpl_multiplier)


def _kernel(ch) -> list[float]:
    """Share of a period's spend's customers closing d periods later: each lead arriving
    k periods after the spend (carryover[k]) closes j periods after arriving (close_lag[j])."""
    carry = list(getattr(ch, "carryover", (1.0,)))
    lag = list(getattr(ch, "close_lag", (1.0,)))
    out = [0.0] * (len(carry) + len(lag) - 1)
    for k, ck in enumerate(carry):
        for j, wj in enumerate(lag):
            out[k + j] += ck * wj
    return out


def _years(scenario) -> float:
    return getattr(scenario, "period_days", 365.25 / 12) / 365.25


def _discount(scenario, t: float) -> float:
    r = getattr(scenario, "discount_rate", None)
    return 1.0 if r is None else (1.0 + r) ** (-t * _years(scenario))


def _timed(scenario) -> bool:
    """Whether capacities count arrivals and closes by period (lags, carry-over, pipeline)."""
    return bool(getattr(scenario, "pipeline", ())) or any(
        tuple(getattr(c, "close_lag", (1.0,))) != (1.0,) or
        tuple(getattr(c, "carryover", (1.0,))) != (1.0,) for c in scenario.channels)


def pipeline_flow(scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(leads, customers) arriving/closing per (channel, plan period) from the pipeline, and
    customers per channel closing after the window: leads L of age a close at plan period s
    with close_lag[a + s]; spend S of age a brings S / (first tier CPL) x carryover[a + u]
    leads at plan period u >= 0, which close by the close lag."""
    n, P = len(scenario.channels), max(1, len(scenario.periods))
    leads, customers, after = np.zeros((n, P)), np.zeros((n, P)), np.zeros(n)
    index = {c.name: i for i, c in enumerate(scenario.channels)}
    for e in getattr(scenario, "pipeline", ()):
        i = index[e.channel]
        ch = scenario.channels[i]
        lag, carry = list(ch.close_lag), list(ch.carryover)
        cpl = ch.tiers[0].cpl if ch.tiers else None
        for k, w in enumerate(lag):
            s = k - e.age  # the cohort arrived at plan period -age
            if s < 0:
                continue
            if s < P:
                customers[i, s] += e.leads * ch.lead_to_close * w
            else:
                after[i] += e.leads * ch.lead_to_close * w
        if e.spend:
            for k, c in enumerate(carry):
                u = k - e.age
                if u < 0:
                    continue
                arrived = e.spend / cpl * c
                if u < P:
                    leads[i, u] += arrived
                for j, w in enumerate(lag):
                    if u + j < P:
                        customers[i, u + j] += arrived * ch.lead_to_close * w
                    else:
                        after[i] += arrived * ch.lead_to_close * w
    return leads, customers, after


def _needs_active(scenario, ch) -> bool:
    start = curve_start(ch.response) if ch.response is not None else 0.0
    return (ch.fixed_cost > 0 or ch.min_buy > 0 or start > 0
            or scenario.constraints.max_active_channels is not None)


class _Program:
    def __init__(self, scenario, mode: str) -> None:
        self.sc = scenario
        self.n = len(scenario.channels)
        self.P = max(1, len(scenario.periods))
        self.cols = _Cols()
        self.rows: list[tuple[dict[int, float], float, float]] = []  # (coefs, low, high)
        self._columns(mode)

    def _columns(self, mode: str) -> None:
        sc, cols = self.sc, self.cols
        for p in range(self.P):
            for i, ch in enumerate(sc.channels):
                mult = _multiplier(sc.periods[p], ch.name) if sc.periods else 1.0
                for width, cpl in _segments(sc, ch, mode):
                    cols.ub.append(width / self.P)
                    cols.cpl.append(cpl * mult)
                    cols.channel.append(i)
                    cols.period.append(p)
                    cols.kind.append("seg")
                    cols.spend.append(1.0)
        self.active = {}
        for i, ch in enumerate(sc.channels):
            if _needs_active(sc, ch):
                self.active[i] = self._add_col(1.0, i, "active", ch.fixed_cost)
        self.units = {}
        for i, ch in enumerate(sc.channels):
            if ch.unit is not None:
                big = min(bounds_of(sc, ch)[1], sc.budget)
                self.units[i] = self._add_col(math.floor(big / ch.unit + 1e-9), i, "units", 0.0)

    def _add_col(self, ub: float, channel: int, kind: str, spend: float) -> int:
        c = self.cols
        c.ub.append(ub)
        c.cpl.append(math.inf)
        c.channel.append(channel)
        c.period.append(-1)
        c.kind.append(kind)
        c.spend.append(spend)
        return len(c.ub) - 1

    # ---- per-column quantities
    def arrays(self) -> dict[str, np.ndarray]:
        c = self.cols
        cpl = np.array(c.cpl)
        ch = np.array(c.channel)
        ltc = np.array([x.lead_to_close for x in self.sc.channels])
        lts = np.array([x.lead_to_sql if x.lead_to_sql is not None else 0.0
                        for x in self.sc.channels])
        clv = np.array([x.clv for x in self.sc.channels])
        seg = np.array([k == "seg" for k in c.kind])
        leads = np.where(seg, 1.0 / cpl, 0.0)
        sc = self.sc
        in_window = getattr(sc, "accounting", "cohort") == "in_window"
        counted = np.ones(len(c.ub))  # share of a column's customers that count
        discounted = np.ones(len(c.ub))  # the same, each at its close period's discount
        spend_discount = np.ones(len(c.ub))
        for j in range(len(c.ub)):
            if not seg[j]:
                continue
            t = c.period[j]
            h = _kernel(sc.channels[c.channel[j]])
            keep = [d for d in range(len(h)) if not in_window or t + d <= self.P - 1]
            counted[j] = sum(h[d] for d in keep)
            discounted[j] = sum(h[d] * _discount(sc, t + d) for d in keep)
            spend_discount[j] = _discount(sc, t)
        eventual = leads * ltc[ch]
        spend = np.array(c.spend)
        npv = eventual * clv[ch] * discounted - spend * np.where(seg, spend_discount, 1.0)
        margin = np.array([getattr(x, "monthly_margin", None) or 0.0 for x in self.sc.channels])
        return {"leads": leads, "sqls": leads * lts[ch], "customers": eventual * counted,
                "value": eventual * counted * clv[ch], "spend": spend,
                "eventual": eventual, "npv": npv, "margin": margin[ch],
                "channel": ch, "period": np.array(c.period), "seg": seg}

    def add(self, coefs: dict[int, float], low: float, high: float) -> None:
        self.rows.append((coefs, low, high))

    def build_rows(self) -> None:
        sc, a = self.sc, self.arrays()
        cons = sc.constraints
        m = len(self.cols.ub)
        spend_cols = {j: a["spend"][j] for j in range(m) if a["spend"][j] != 0}

        def channel_spend(i: int) -> dict[int, float]:
            return {j: w for j, w in spend_cols.items() if a["channel"][j] == i}

        budget = dict(spend_cols)
        self.add(budget, sc.budget if sc.use_full_budget else -math.inf, sc.budget)
        for i, ch in enumerate(sc.channels):
            low, high = bounds_of(sc, ch)
            own = channel_spend(i)
            if low > 0:
                self.add(own, low, math.inf)
            if math.isfinite(high):
                self.add(own, -math.inf, high)
            floor = floor_of(sc, ch)
            if floor is not None:
                self.add({j: a["value"][j] - floor * w for j, w in own.items()}, 0.0, math.inf)
        if cons.min_blended_clv_to_cpa is not None:
            f = cons.min_blended_clv_to_cpa
            self.add({j: a["value"][j] - f * w for j, w in spend_cols.items()}, 0.0, math.inf)
        if _timed(sc):
            self._timed_capacity_rows(a)
        for cap, what in ((cons.max_leads, "leads"), (cons.max_sqls, "sqls"),
                          (cons.max_customers, "customers")):
            if cap is None or _timed(sc):
                continue
            for p in range(self.P):
                mult = sc.periods[p].capacity_multiplier if sc.periods else 1.0
                coefs = {j: a[what][j] for j in range(m)
                         if a["seg"][j] and (not sc.periods or a["period"][j] == p)}
                self.add(coefs, -math.inf, cap / self.P * mult)
        index = {ch.name: i for i, ch in enumerate(sc.channels)}
        for g in cons.groups:
            members = {index[name] for name in g.channels}
            for share, sign in ((g.min_share, 1.0), (g.max_share, -1.0)):
                if share is None:
                    continue
                coefs = {j: sign * ((a["channel"][j] in members) - share) * w
                         for j, w in spend_cols.items()}
                self.add(coefs, 0.0, math.inf)
        if getattr(cons, "max_channel_share", None) is not None:
            y = cons.max_channel_share
            for i in range(self.n):
                self.add({j: y * w - (a["channel"][j] == i) * w for j, w in spend_cols.items()},
                         0.0, math.inf)
        self._payback_rows(a, spend_cols)
        self._period_rows(a, index)
        self._integer_rows(a)
        self._objective_row(a)

    def _timed_capacity_rows(self, a: dict[str, np.ndarray]) -> None:
        """Per period s: leads and SQLs arriving in s (carry-over), customers closing in s
        (carry-over and close lag), the pipeline's included, within cap / P x multiplier."""
        sc, cons = self.sc, self.sc.constraints
        m = len(self.cols.ub)
        pipe_leads, pipe_customers, _ = pipeline_flow(sc)
        lts = np.array([x.lead_to_sql or 0.0 for x in sc.channels])
        for cap, what in ((cons.max_leads, "leads"), (cons.max_sqls, "sqls"),
                          (cons.max_customers, "customers")):
            if cap is None:
                continue
            for s in range(self.P):
                mult = sc.periods[s].capacity_multiplier if sc.periods else 1.0
                coefs = {}
                for j in range(m):
                    if not a["seg"][j] or a["period"][j] > s:
                        continue
                    ch = sc.channels[a["channel"][j]]
                    d = s - a["period"][j]
                    if what == "customers":
                        h = _kernel(ch)
                        coefs[j] = a["eventual"][j] * (h[d] if d < len(h) else 0.0)
                    else:
                        carry = list(ch.carryover)
                        coefs[j] = a[what][j] * (carry[d] if d < len(carry) else 0.0)
                already = {"leads": pipe_leads[:, s].sum(),
                           "sqls": (pipe_leads[:, s] * lts).sum(),
                           "customers": pipe_customers[:, s].sum()}[what]
                self.add(coefs, -math.inf, cap / self.P * mult - already)

    def _payback_rows(self, a: dict[str, np.ndarray], spend_cols: dict[int, float]) -> None:
        """spend <= P x monthly margin x customers (as the accounting counts them), per channel
        with a margin under its own limit or the scenario's, and for the whole portfolio."""
        sc, cons = self.sc, self.sc.constraints
        for i, ch in enumerate(sc.channels):
            if getattr(ch, "monthly_margin", None) is None:
                continue
            limit = _inherit(ch.max_payback_months, getattr(cons, "max_payback_months", None))
            if limit is None:
                continue
            self.add({j: w - limit * ch.monthly_margin * a["customers"][j]
                      for j, w in spend_cols.items() if a["channel"][j] == i}, -math.inf, 0.0)
        blended = getattr(cons, "max_blended_payback_months", None)
        if blended is not None:
            self.add({j: w - blended * a["margin"][j] * a["customers"][j]
                      for j, w in spend_cols.items()}, -math.inf, 0.0)

    def _media(self, a: dict[str, np.ndarray], i: int, p: int | None) -> dict[int, float]:
        return {j: 1.0 for j in range(len(self.cols.ub))
                if a["seg"][j] and a["channel"][j] == i and (p is None or a["period"][j] == p)}

    def _period_rows(self, a: dict[str, np.ndarray], index: dict[str, int]) -> None:
        sc, cons = self.sc, self.sc.constraints
        if not sc.periods:
            return
        m = len(self.cols.ub)
        for p, period in enumerate(sc.periods):
            media_p = {j: 1.0 for j in range(m) if a["seg"][j] and a["period"][j] == p}
            if period.budget is not None:
                self.add(media_p, -math.inf, period.budget)
            for name, low, high in period.channel_bounds:
                own = self._media(a, index[name], p)
                self.add(own, low if low > 0 else -math.inf, high)
            if cons.max_period_share is not None:
                y = cons.max_period_share
                coefs = {j: -y * a["spend"][j] for j in range(m) if a["spend"][j] != 0}
                for j in media_p:
                    coefs[j] = coefs.get(j, 0.0) + 1.0
                self.add(coefs, -math.inf, 0.0)
        if cons.max_period_change is not None:
            up, down = 1 + cons.max_period_change, max(0.0, 1 - cons.max_period_change)
            for p in range(1, self.P):
                for i in range(self.n):
                    now, before = self._media(a, i, p), self._media(a, i, p - 1)
                    self.add({**dict.fromkeys(now, 1.0), **dict.fromkeys(before, -up)},
                             -math.inf, 0.0)
                    self.add({**dict.fromkeys(now, 1.0), **dict.fromkeys(before, -down)},
                             0.0, math.inf)

    def _integer_rows(self, a: dict[str, np.ndarray]) -> None:
        sc = self.sc
        for i, col in self.active.items():
            ch = sc.channels[i]
            media = self._media(a, i, None)
            big = min(bounds_of(sc, ch)[1], sc.budget)
            self.add({**media, col: -big}, -math.inf, 0.0)
            start = curve_start(ch.response) if ch.response is not None else 0.0
            threshold = max(ch.min_buy, start)
            if threshold > 0:
                self.add({**media, col: -threshold}, 0.0, math.inf)
        for i, col in self.units.items():
            self.add({**self._media(a, i, None), col: -sc.channels[i].unit}, 0.0, 0.0)
        if sc.constraints.max_active_channels is not None:
            self.add(dict.fromkeys(self.active.values(), 1.0), -math.inf,
                     sc.constraints.max_active_channels)

    def _objective_row(self, a: dict[str, np.ndarray]) -> None:
        sc = self.sc
        if sc.objective == "min_spend":
            metric, amount = sc.target
            self.add({j: a[metric][j] for j in range(len(self.cols.ub)) if a[metric][j]},
                     amount, math.inf)

    def objective(self) -> np.ndarray:
        a, kind = self.arrays(), self.sc.objective
        if kind == "net_value":
            return a["value"] - a["spend"]
        if kind == "min_spend":
            return -a["spend"]
        if kind == "npv":
            return a["npv"]
        return a[kind]


@functools.lru_cache(maxsize=256)
def solve(scenario, curves: str = "chord") -> RefSolution:
    """The optimum of the scenario's objective, per docs/model.md (cached: scenarios are
    frozen, and the tests ask for the same one from several backends)."""
    prog = _Program(scenario, curves)
    prog.build_rows()
    m = len(prog.cols.ub)
    rows, cols, vals = [], [], []
    low = np.empty(len(prog.rows))
    high = np.empty(len(prog.rows))
    for r, (coefs, lo, hi) in enumerate(prog.rows):
        rows += [r] * len(coefs)
        cols += list(coefs)
        vals += list(coefs.values())
        low[r], high[r] = lo, hi
    A = sp.csr_matrix((vals, (rows, cols)), shape=(len(prog.rows), m))
    c = prog.objective()
    ub = np.array(prog.cols.ub)
    integer = np.array([k != "seg" for k in prog.cols.kind], dtype=int)
    if integer.any():
        res = milp(-c, integrality=integer, bounds=Bounds(np.zeros(m), ub),
                   constraints=[LinearConstraint(A, low, high)],
                   options={"mip_rel_gap": 1e-9})
        x = res.x
        status = {0: "optimal", 2: "infeasible", 3: "unbounded"}.get(res.status, "error")
    else:
        le = np.isfinite(high)
        ge = np.isfinite(low) & ~np.isclose(low, high)
        eq = np.isclose(low, high)
        le &= ~eq
        A_ub = sp.vstack([A[le], -A[ge]])
        b_ub = np.r_[high[le], -low[ge]]
        some = A_ub.shape[0] > 0
        res = linprog(-c, A_ub=A_ub if some else None, b_ub=b_ub if some else None,
                      A_eq=A[eq] if eq.any() else None, b_eq=high[eq] if eq.any() else None,
                      bounds=np.column_stack([np.zeros(m), ub]), method="highs")
        x = res.x
        status = {0: "optimal", 2: "infeasible", 3: "unbounded"}.get(res.status, "error")
    if status != "optimal" or x is None:
        return RefSolution(status)
    a = prog.arrays()
    seg = a["seg"]
    media = np.zeros((prog.P, prog.n))
    np.add.at(media, (a["period"][seg], a["channel"][seg]), x[seg])
    fixed = np.zeros(prog.n)
    for i, col in prog.active.items():
        fixed[i] = round(x[col]) * scenario.channels[i].fixed_cost
    value = float(c @ x)
    return RefSolution(status, -value if scenario.objective == "min_spend" else value,
                       media, fixed, _shape(x, ub, A, low, high))


def _shape(x: np.ndarray, ub: np.ndarray, A: sp.csr_matrix, low: np.ndarray,
           high: np.ndarray, tol: float = 1e-7) -> tuple:
    """What a plan's shape is in docs/model.md (sensitivity ranging): which segments are
    empty, full or in between, and which constraints hold with equality because of the
    plan (not a row with no coefficients, which holds for any plan)."""
    scale = tol * np.maximum(1.0, np.where(np.isfinite(ub), ub, 1.0))
    cols = tuple(np.where(x <= scale, 0, np.where(x >= ub - scale, 2, 1)).tolist())
    ax = A @ x
    size = abs(A) @ np.abs(x)
    near = tol * (1.0 + size)
    tight = (np.isfinite(low) & (np.abs(ax - low) <= near + tol * np.abs(low))) | \
        (np.isfinite(high) & (np.abs(ax - high) <= near + tol * np.abs(high)))
    # a row whose coefficients are all zero (a channel exactly at its floor's ratio) holds
    # whatever the plan: not part of its shape
    tight &= np.asarray(abs(A).max(axis=1).todense()).ravel() > 1e-12 * (1.0 + np.abs(A).max())
    return cols, tuple(np.flatnonzero(tight).tolist())


# --------------------------------------------------------------------------- checking plans


def leads_of(scenario, ch, media: float, period: int = 0) -> float:
    """Leads a channel's media spend in one period buys, cheapest segments first (tiers;
    for a curve, the curve itself at the horizon-equivalent spend)."""
    P = max(1, len(scenario.periods))
    mult = _multiplier(scenario.periods[period], ch.name) if scenario.periods else 1.0
    if ch.response is not None:
        s0 = curve_start(ch.response)
        horizon = media * P
        if horizon < s0:  # along the line from the origin
            line = float(_curve_leads(ch.response, np.array([s0]))[0]) / s0 if s0 else 0.0
            return horizon * line / P / mult
        return float(_curve_leads(ch.response, np.array([horizon]))[0]) / P / mult
    leads, left, prev = 0.0, media, 0.0
    for tier in ch.tiers:
        take = min(left, (tier.up_to - prev) / P)
        leads += take / (tier.cpl * mult)
        left -= take
        prev = tier.up_to
        if left <= 0:
            break
    return leads


def plan_outcome(scenario, media: np.ndarray, fixed: np.ndarray) -> dict[str, float]:
    """Totals of a plan given its media spend per (period, channel) and fixed costs."""
    leads = np.array([[leads_of(scenario, ch, media[p, i], p)
                       for i, ch in enumerate(scenario.channels)] for p in range(media.shape[0])])
    ltc = np.array([c.lead_to_close for c in scenario.channels])
    clv = np.array([c.clv for c in scenario.channels])
    customers = leads.sum(axis=0) * ltc
    value = float((customers * clv).sum())
    spend = float(media.sum() + fixed.sum())
    return {"leads": float(leads.sum()), "customers": float(customers.sum()), "value": value,
            "spend": spend, "net_value": value - spend, "min_spend": spend}


def violations(scenario, media: np.ndarray, fixed: np.ndarray, tol: float = 1e-6,
               capacities: bool = True) -> list[str]:
    """Every rule of docs/model.md that a plan breaks (empty when it is feasible)."""
    sc, cons = scenario, scenario.constraints
    P, n = media.shape
    out: list[str] = []

    def over(a: float, b: float) -> bool:
        return a > b + tol * max(1.0, abs(b))

    leads = np.array([[leads_of(sc, ch, media[p, i], p) for i, ch in enumerate(sc.channels)]
                      for p in range(P)])
    ltc = np.array([c.lead_to_close for c in sc.channels])
    lts = np.array([c.lead_to_sql or 0.0 for c in sc.channels])
    clv = np.array([c.clv for c in sc.channels])
    spend = media.sum(axis=0) + fixed
    counted = counted_customers(sc, leads)  # every eventual one, or those inside (in_window)
    value = counted * clv
    total = float(spend.sum())
    if over(total, sc.budget) or (sc.use_full_budget and over(sc.budget, total)):
        out.append(f"budget: spend {total}")
    for i, ch in enumerate(sc.channels):
        low, high = bounds_of(sc, ch)
        if over(low, spend[i]) or over(spend[i], high):
            out.append(f"{ch.name}: spend {spend[i]} outside [{low}, {high}]")
        floor = floor_of(sc, ch)
        if floor is not None and spend[i] > tol and over(floor * spend[i], value[i]):
            out.append(f"{ch.name}: CLV:CPA {value[i] / spend[i]} below {floor}")
        media_i = media[:, i].sum()
        used = spend[i] > tol
        start = curve_start(ch.response) if ch.response is not None else 0.0
        threshold = max(ch.min_buy, start)
        if used and threshold > 0 and over(threshold, media_i):
            out.append(f"{ch.name}: media {media_i} below its minimum buy {threshold}")
        if ch.fixed_cost > 0 and media_i > tol and fixed[i] < ch.fixed_cost * (1 - 1e-9):
            out.append(f"{ch.name}: spends without paying its fixed cost")
        if ch.unit is not None and used:
            units = media_i / ch.unit
            if abs(units - round(units)) > 1e-6 * max(1.0, units):
                out.append(f"{ch.name}: {units} units is not whole")
    if cons.min_blended_clv_to_cpa is not None and total > tol and \
            over(cons.min_blended_clv_to_cpa * total, float(value.sum())):
        out.append("blended CLV:CPA below its floor")
    out += _payback_violations(sc, spend, counted, over)
    if capacities and _timed(sc):
        out += _timed_capacity_violations(sc, leads, over)
    elif capacities:
        for cap, per in ((cons.max_leads, np.ones(n)), (cons.max_sqls, lts),
                         (cons.max_customers, ltc)):
            if cap is None:
                continue
            for p in range(P):
                mult = sc.periods[p].capacity_multiplier if sc.periods else 1.0
                limit = cap / P * mult if sc.periods else cap
                got = float(leads[p] @ per) if sc.periods else float(leads.sum(axis=0) @ per)
                if over(got, limit):
                    out.append(f"capacity {cap}: {got} above {limit}")
                if not sc.periods:
                    break
    index = {ch.name: i for i, ch in enumerate(sc.channels)}
    for g in cons.groups:
        in_g = float(sum(spend[index[name]] for name in g.channels))
        if g.min_share is not None and over(g.min_share * total, in_g):
            out.append(f"group {g.name} below min_share")
        if g.max_share is not None and over(in_g, g.max_share * total):
            out.append(f"group {g.name} above max_share")
    share = getattr(cons, "max_channel_share", None)
    if share is not None:
        for i, ch in enumerate(sc.channels):
            if over(spend[i], share * total):
                out.append(f"{ch.name} above max_channel_share")
    if cons.max_active_channels is not None and \
            int((spend > tol).sum()) > cons.max_active_channels:
        out.append("too many active channels")
    out += _period_violations(sc, media, total, over, index)
    return out


def counted_customers(sc, leads: np.ndarray) -> np.ndarray:
    """Customers per channel as the accounting counts them, from leads bought per (period,
    channel): `cohort` every eventual one; `in_window` the share of each period's spend's
    customers closing by the last period (the kernel h = carry-over * close lag)."""
    P, n = leads.shape
    ltc = np.array([c.lead_to_close for c in sc.channels])
    if getattr(sc, "accounting", "cohort") != "in_window":
        return leads.sum(axis=0) * ltc
    out = np.zeros(n)
    for i, ch in enumerate(sc.channels):
        h = _kernel(ch)
        for p in range(P):
            out[i] += leads[p, i] * ltc[i] * sum(h[d] for d in range(len(h)) if p + d < P)
    return out


def _payback_violations(sc, spend: np.ndarray, customers: np.ndarray, over) -> list[str]:
    """spend <= P x monthly margin x counted customers: per channel with a margin and a limit
    (its own, else the scenario's), and over the portfolio (channels without a margin bring
    spend and no margin)."""
    cons, out = sc.constraints, []
    margin = np.array([getattr(c, "monthly_margin", None) or 0.0 for c in sc.channels])
    for i, ch in enumerate(sc.channels):
        if getattr(ch, "monthly_margin", None) is None:
            continue
        limit = _inherit(ch.max_payback_months, getattr(cons, "max_payback_months", None))
        if limit is not None and over(float(spend[i]), limit * margin[i] * customers[i]):
            out.append(f"{ch.name}: payback above {limit} months")
    blended = getattr(cons, "max_blended_payback_months", None)
    if blended is not None and over(float(spend.sum()), blended * float(margin @ customers)):
        out.append(f"blended payback above {blended} months")
    return out


def _timed_capacity_violations(sc, leads: np.ndarray, over) -> list[str]:
    """Per period s: leads arriving in s (spend in p brings carryover[s - p] of its leads),
    SQLs (lead_to_sql of them) and customers closing in s (kernel h[s - p]), the pipeline's
    included, each within cap / P x the period's capacity multiplier."""
    cons, out = sc.constraints, []
    P, n = leads.shape
    pipe_leads, pipe_customers, _ = pipeline_flow(sc)
    lts = np.array([c.lead_to_sql or 0.0 for c in sc.channels])
    arriving, closing = np.zeros((P, n)), np.zeros((P, n))
    for i, ch in enumerate(sc.channels):
        carry, h = list(ch.carryover), _kernel(ch)
        for p in range(P):
            for s in range(p, P):
                if s - p < len(carry):
                    arriving[s, i] += leads[p, i] * carry[s - p]
                if s - p < len(h):
                    closing[s, i] += leads[p, i] * ch.lead_to_close * h[s - p]
    arriving += pipe_leads.T[:P]
    closing += pipe_customers.T[:P]
    for cap, got in ((cons.max_leads, arriving.sum(axis=1)), (cons.max_sqls, arriving @ lts),
                     (cons.max_customers, closing.sum(axis=1))):
        if cap is None:
            continue
        for s in range(P):
            mult = sc.periods[s].capacity_multiplier if sc.periods else 1.0
            if over(float(got[s]), cap / P * mult):
                out.append(f"capacity {cap} in period {s}: {got[s]} above {cap / P * mult}")
    return out


def _period_violations(sc, media: np.ndarray, total: float, over, index) -> list[str]:
    cons, out = sc.constraints, []
    for p, period in enumerate(sc.periods):
        if period.budget is not None and over(float(media[p].sum()), period.budget):
            out.append(f"{period.name}: above its budget")
        for name, low, high in period.channel_bounds:
            s = media[p, index[name]]
            if over(low, s) or over(s, high):
                out.append(f"{period.name}: {name} outside its period bounds")
        if cons.max_period_share is not None and \
                over(float(media[p].sum()), cons.max_period_share * total):
            out.append(f"{period.name}: above max_period_share")
        if p and cons.max_period_change is not None:
            up, down = 1 + cons.max_period_change, max(0.0, 1 - cons.max_period_change)
            for i in range(media.shape[1]):
                if over(media[p, i], up * media[p - 1, i]) or \
                        over(down * media[p - 1, i], media[p, i]):
                    out.append(f"{period.name}: channel {i} breaks max_period_change")
    return out
