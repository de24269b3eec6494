"""Exact sensitivity ranging: how far inputs can move before the optimal plan changes shape.

A plan's shape is which columns (channels' tiers) are empty, full or partly funded and which
constraints hold with equality (`lp.basis.plan_shape`). Inside an input's range the same
shape stays optimal (spend of a partly funded channel may still move with the input, for
example one held at its floor); just outside it, it does not. A constraint's range is where
its shadow price holds; for a limit that moves a row's coefficients (a share, a floor) the
price itself moves with the limit, and the range states the price at both ends.

Every question is a direction of change of the program (`lp.basis`): a channel input or a
coefficient limit is a rank-1 change of the matrix and costs, a spend or capacity limit one
row's bound. The optimal basis gives an exact interval by a ratio test. A degenerate basis
can end where the basis changes although the plan (or the price) does not: each finite end
is then checked by solving just past it, and the range continues with the basis found
there, up to MAX_STEPS times; an end still unsettled after that is reported as "at least"
(`low_exact` / `high_exact` false) rather than as exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import fmt
from ..backends import SolveOptions
from ..backends.highs import HighsSession
from ..lp.basis import Basis, Bound, Direction, Rank1, plan_shape
from ..lp.build import build_lp
from ..lp.kinds import ROW_KINDS, Moves, Price
from ..lp.program import LinearProgram, channel_spend
from ..results.constraints import constraint_table, row_prices
from ..results.explain import explain_channels
from ..results.kpis import marginal_cpl
from ..results.tables import Table
from ..scenario.model import Channel, Scenario
from ..status import Status

MAX_STEPS = 8  # re-solves past a degenerate end before it is called "at least"
PROBE = 1e-6  # how far past an end (relative) a re-solve looks


@dataclass(frozen=True)
class Ranging:
    """`inputs`: per channel and input (cpl, lead_to_close, clv) the value and the interval
    that keeps the plan's shape; `constraints`: per binding constraint its shadow price, the
    interval of its limit over which that price holds (for a share or floor limit, over
    which the plan keeps its shape, with the price at both ends)."""

    scenario: Scenario
    inputs: pd.DataFrame
    constraints: pd.DataFrame


@dataclass(frozen=True)
class _Solved:
    lp: LinearProgram
    x: np.ndarray
    duals: np.ndarray
    reduced: np.ndarray
    basis: Basis


def _solve_lp(lp: LinearProgram, options: SolveOptions) -> _Solved | None:
    return _solution(lp, HighsSession(lp, options))


def _solution(lp: LinearProgram, session: HighsSession) -> _Solved | None:
    """Solve `session` (holding `lp`) and read its optimum and basis."""
    out = session.solve()
    if out.status is not Status.OPTIMAL or out.x is None or out.duals is None \
            or out.reduced_costs is None:
        return None
    return _Solved(lp, out.x, out.duals, out.reduced_costs,
                   Basis(lp, out.x, *session.basis()))


def _direction(lp: LinearProgram, scenario: Scenario, i: int, what: str) -> Rank1:
    """The rank-1 change of input `what` of channel i (see module doc): relative, mu = 0.1
    is +10% of CLV or lead-to-close, and CPL / 1.1."""
    ch = scenario.channels[i]
    cols = lp.col_channel == i
    v = np.zeros(lp.n_cols)
    # per lead of channel i, what each quantity a row reads is worth, and which of them the
    # input scales: CLV scales value; lead-to-close value and customers; CPL (mu = 1 / (1 +
    # t) - 1, all per-dollar quantities scale by 1 / (1 + t)) every one of them
    per_lead = {"value": ch.lead_to_close * ch.clv, "leads": 1.0,
                "sqls": ch.lead_to_sql or 0.0, "customers": ch.lead_to_close}
    scaled = {"clv": ("value",), "lead_to_close": ("value", "customers"),
              "cpl": ("value", "leads", "sqls", "customers")}[what]
    if what == "clv":
        v[cols] = lp.col_value_per_dollar[cols]
        per_lead = {"value": 1.0}
    else:
        v[cols] = 1.0 / lp.col_cpl[cols]
    u = np.zeros(lp.n_rows)
    for r, kind in enumerate(lp.row_kind):
        reads = ROW_KINDS[kind].reads
        if reads is not None and reads[0] in scaled and lp.row_channel[r] in (-1, i):
            u[r] = reads[1] * per_lead[reads[0]] * lp.row_scale[r]
    return Rank1(u, v, -per_lead["value"])


def _values(scenario: Scenario, i: int, what: str, lo: float, hi: float) -> tuple[float, float]:
    """The mu interval of input `what` of channel i as an interval of the input's value."""
    ch = scenario.channels[i]
    if what == "cpl":  # mu = 1/(1+t) - 1, CPL' = CPL / (1 + mu): decreasing in mu
        return (ch.cpl / (1 + hi) if hi < math.inf else 0.0,
                ch.cpl / (1 + lo) if lo > -1 else math.inf)
    base = ch.lead_to_close if what == "lead_to_close" else ch.clv
    return base * (1 + max(lo, -1.0)), base * (1 + hi)


def not_rangeable(scenario: Scenario, options: SolveOptions | None = None) -> str | None:
    """Why exact ranging does not apply to `scenario` (None when it does)."""
    if options is not None and options.solver != "highs":
        return (f"ranging reads the optimal basis, which only the HiGHS backend exposes "
                f"(asked for {options.solver}); use --solver highs")
    if scenario.is_mixed_integer:
        return ("it has integer choices (fixed costs, minimum buys, units or "
                "max_active_channels), whose optimum can jump rather than move smoothly")
    if scenario.has_curves:
        return "its response curves are re-linearised at each solve"
    if scenario.objective != "net_value":
        return f"its objective is {scenario.objective}"
    if scenario.has_timing:
        return ("its customers arrive over time (close lags, carry-over, a pipeline, "
                "in_window accounting or a discount rate), so an input moves each month's "
                "rows by a different amount; ranging covers plans without timing")
    if scenario.has_payback_limits:
        return ("it limits CAC payback, whose rows move with lead-to-close, CPL and the "
                "limit together; ranging covers plans without payback limits")
    return None


def ranging(scenario: Scenario, options: SolveOptions | None = None) -> Ranging:
    """Exact ranges for every channel input and every binding constraint's shadow price
    (HiGHS only: it reads the optimal basis)."""
    options = (options or SolveOptions()).unlimited
    if options.solver != "highs":
        raise ValueError(not_rangeable(scenario, options))
    why = not_rangeable(scenario)
    if why is not None:
        raise ValueError(f"exact ranging covers linear net-value plans; '{scenario.name}' is "
                         f"not one: {why}. Compare what-if variants instead (chanopt compare)")
    base = _solve_lp(build_lp(scenario), options)
    if base is None:
        raise ValueError(f"ranging needs an optimal plan; '{scenario.name}' is not optimal "
                         "(infeasible or unbounded)")
    lp, x = base.lp, base.x
    spend = channel_spend(lp, x)
    table = constraint_table(scenario, lp, x, base.duals, reduced=base.reduced)
    reasons = [r.text for r in explain_channels(scenario, lp, x, table,
                                                marginal_cpl(lp, x, len(scenario.channels)),
                                                base.duals, base.reduced)]
    ends = _Ends(scenario, base, options)
    rows = []
    for i, ch in enumerate(scenario.channels):
        for what in ("cpl", "lead_to_close", "clv"):
            direction = _direction(lp, scenario, i, what)
            (lo, lo_ok), (hi, hi_ok) = ends.range(direction, ends.same_shape, floor=-1.0)
            low, high = _values(scenario, i, what, lo, hi)
            if what == "cpl":  # CPL falls as mu grows
                lo_ok, hi_ok = hi_ok, lo_ok
            rows.append(_input_row(scenario, ch, what, (low, lo_ok), (high, hi_ok), spend[i],
                                   reasons[i]))
    return Ranging(scenario, pd.DataFrame(rows), _constraint_ranges(ends, table))


End = tuple[float, bool]  # (mu, exact)


class _Ends:
    """Interval ends along a direction, checked past each degenerate end by re-solving."""

    def __init__(self, scenario: Scenario, base: _Solved, options: SolveOptions) -> None:
        self.scenario, self.base, self.options = scenario, base, options
        self.shape = plan_shape(base.lp, base.x)
        self._warm: HighsSession | None = None

    def same_shape(self, solved: _Solved) -> bool:
        return plan_shape(solved.lp, solved.x) == self.shape

    def price(self, solved: _Solved, r: int) -> float:
        prices = row_prices(self.scenario, solved.lp, solved.x, solved.duals, solved.reduced)
        return float(prices[r])

    def at(self, direction: Direction, mu: float) -> _Solved | None:
        """The program solved at mu along `direction`, warm from the base basis: the
        changed bound or matrix entries and costs are set, solved, and set back."""
        lp = direction.apply(self.base.lp, mu)
        if self._warm is None:
            self._warm = HighsSession(self.base.lp, self.options)
        warm, base = self._warm, self.base.lp
        if isinstance(direction, Bound):
            warm.set_row_upper(direction.row, float(lp.b[direction.row]))
            try:
                return _solution(lp, warm)
            finally:
                warm.set_row_upper(direction.row, float(base.b[direction.row]))
        rows, cols = np.flatnonzero(direction.u), np.flatnonzero(direction.v)
        r, j = np.repeat(rows, cols.size), np.tile(cols, rows.size)
        warm.set_coefficients(r, j, np.asarray(lp.A[r, j]).ravel())
        warm.set_costs(lp.c)
        try:
            return _solution(lp, warm)
        finally:
            warm.set_coefficients(r, j, np.asarray(base.A[r, j]).ravel())
            warm.set_costs(base.c)

    def same_price(self, solved: _Solved, r: int, price: float) -> bool:
        """Whether row r (a bound) has the same price in `solved` as `price` in the base."""
        return _same_price(_bound_price(solved, r), price)

    def range(self, direction: Direction, same: Callable[[_Solved], bool],
              floor: float = -math.inf) -> tuple[End, End]:
        """The (low, high) ends of mu, each with whether it is exact; `same` says whether a
        solution past an end is still the same answer; mu stays above `floor`."""
        found = self.base.basis.interval(direction)
        return (self._extend(direction, same, found.lo, -1.0, floor, found.lo_sure),
                self._extend(direction, same, found.hi, +1.0, floor, found.hi_sure))

    def _extend(self, direction: Direction, same: Callable[[_Solved], bool], end: float,
                side: float, floor: float, sure: bool) -> End:
        for _ in range(MAX_STEPS):
            if not math.isfinite(end) or end <= floor + 1e-9:
                return max(end, floor), True
            if sure:
                return end, True
            probe = end + side * PROBE * max(1.0, abs(end))
            solved = None if probe <= floor else self.at(direction, probe)
            if solved is None or not same(solved):
                return end, True
            found = solved.basis.interval(direction)
            step, sure = (found.hi, found.hi_sure) if side > 0 else (found.lo, found.lo_sure)
            if side * step <= 0:
                return end, False
            end = probe + step
        return end, not math.isfinite(end)


def _input_row(scenario: Scenario, ch: Channel, what: str, low: End, high: End,
               spend: float, why: str) -> dict[str, object]:
    base = {"cpl": ch.cpl, "lead_to_close": ch.lead_to_close, "clv": ch.clv}[what]
    (lo, lo_ok), (hi, hi_ok) = low, high
    if what == "lead_to_close":  # a rate stays a rate, and customers stay SQLs first
        cap = min(1.0, ch.lead_to_sql if ch.lead_to_sql is not None else 1.0)
        if hi >= cap:
            hi, hi_ok = cap, True
    return {"channel": ch.name, "input": what, "value": base, "low": lo, "high": hi,
            "low_exact": lo_ok, "high_exact": hi_ok, "spend": spend,
            "statement": _statement(scenario, ch.name, what, base, low=(lo, lo_ok),
                                    high=(hi, hi_ok), why=why)}


def _statement(scenario: Scenario, name: str, what: str, base: float, low: End, high: End,
               why: str) -> str:
    """'LinkedIn Ads: at its max_spend ($90,000), as long as its CPL stays below $187.50'.
    An end not proven exact reads 'at least': 'above $15.00 at least' is the end of what
    was checked, and the plan may keep its shape further."""
    def show(end: End) -> str:
        text = fmt.channel_input(what, end[0], scenario.currency)
        return text if end[1] else f"{text} at least"

    label = {"cpl": "CPL", "clv": "CLV", "lead_to_close": "lead-to-close"}[what]
    parts = []
    if low[0] > 0 and low[0] < base * (1 - 1e-12):
        parts.append(f"above {show(low)}")
    if math.isfinite(high[0]):
        parts.append(f"below {show(high)}")
    if not parts:
        return f"{name}: {why}, whatever its {label}"
    return f"{name}: {why}, as long as its {label} stays {' and '.join(parts)}"


CONSTRAINT_COLUMNS = ["constraint", "limit", "shadow_price", "unit", "low", "high",
                      "low_exact", "high_exact", "price_at_low", "price_at_high", "kind",
                      "label", "quantity"]


def _constraint_ranges(ends: _Ends, table: Table) -> pd.DataFrame:
    """Per binding row: where its price holds (a bound), or where the plan keeps its shape
    with the price at both ends (a limit that moves the row's coefficients)."""
    lp = ends.base.lp
    out = []
    for r in (int(r) for r in np.flatnonzero(table["binding"].astype(bool))):
        info = ROW_KINDS[lp.row_kind[r]]
        limit, price = float(lp.row_limit[r]), float(table["shadow_price"][r])
        direction: Direction
        if info.moves is not Moves.NONE:  # the limit moves the row's coefficients: rank-1
            u = np.zeros(lp.n_rows)
            u[r] = 1.0
            direction = Rank1(u, lp.limit_gradient(r), 0.0)
            (lo, lo_ok), (hi, hi_ok) = ends.range(direction, ends.same_shape, floor=-limit)
            at_lo, at_hi = (_price_near(ends, direction, r, mu, side)
                            for mu, side in ((lo, 1.0), (hi, -1.0)))
            sign = 1.0
        else:  # a bound: the price holds while it does not change
            direction = Bound(r)
            def same(solved: _Solved, r: int = r, p: float = _bound_price(ends.base, r)
                     ) -> bool:
                return ends.same_price(solved, r, p)

            (lo, lo_ok), (hi, hi_ok) = ends.range(direction, same)
            at_lo = at_hi = price
            sign = -1.0 if info.price is Price.POS else 1.0  # a minimum: -s <= -limit
        (low, low_ok, p_low), (high, high_ok, p_high) = sorted(
            [(limit + sign * lo, lo_ok, at_lo), (limit + sign * hi, hi_ok, at_hi)],
            key=lambda e: e[0])
        out.append({"constraint": table["constraint"][r], "limit": limit,
                    "shadow_price": price, "unit": table["unit"][r], "low": max(low, 0.0),
                    "high": high, "low_exact": low_ok, "high_exact": high_ok,
                    "price_at_low": p_low, "price_at_high": p_high,
                    "kind": table["kind"][r], "label": table["label"][r],
                    "quantity": table["quantity"][r]})
    return pd.DataFrame(out, columns=CONSTRAINT_COLUMNS)


def _bound_price(solved: _Solved, r: int) -> float:
    """What a bound row's shadow price is proportional to: its dual, plus the reduced costs
    of the columns whose bound it also is (`bound_link`)."""
    lp = solved.lp
    price = float(solved.duals[r])
    if lp.bound_link is not None and lp.bound_link.nnz:
        price += float(lp.bound_link[r] @ solved.reduced)
    return price


def _same_price(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _price_near(ends: _Ends, direction: Direction, r: int, mu: float, inward: float
                ) -> float:
    """The shadow price of row r just inside the end mu of its range (nan if unlimited)."""
    if not math.isfinite(mu):
        return math.nan
    if abs(mu) <= PROBE:
        return float(ends.price(ends.base, r))
    solved = ends.at(direction, mu + inward * PROBE * max(1.0, abs(mu)))
    return math.nan if solved is None else ends.price(solved, r)
