"""Exact sensitivity ranging: how far inputs can move before the optimal plan changes shape.

"Shape" is the optimal basis: which constraints bind, which channels (and tiers) sit at a
bound, which are partly funded. Inside a range the same plan structure stays optimal (spend
of a partly funded channel may still move with the input, for example one held at its
floor). When the optimal basis is degenerate, a range can end where the basis changes
although the plan does not: the range is then conservative, never too wide. The tests check
every reported limit by re-solving just inside and just outside it.

Every question here is a perturbation of the LP along one direction:

- a channel's CLV, lead_to_close or CPL (all its tiers at once) changes its columns'
  objective and their entries in the floor, blended-floor and capacity rows by the same
  per-column factor, so the matrix moves by a rank-1 term  A + mu * u v^T  and the costs by
  mu * w * v;
- a floor or share limit changes one row's coefficients on a set of columns: rank-1 too;
- a budget, spend or capacity limit moves one row bound.

For a fixed basis B, Sherman-Morrison gives x_B(mu) and the reduced costs d(mu) as
(linear in mu) / (1 + mu * gamma), so every primal and dual feasibility condition is linear
in mu once multiplied by the positive denominator: a ratio test gives the exact interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from .. import fmt
from ..backends import SolveOptions
from ..backends.highs import HighsSession
from ..lp.build import build_lp
from ..lp.kinds import ROW_KINDS, Moves, Price
from ..lp.program import LinearProgram, channel_spend
from ..results.constraints import constraint_table
from ..results.explain import explain_channels
from ..results.kpis import marginal_cpl
from ..results.tables import Table
from ..scenario.model import Channel, Scenario
from ..status import Status

BASIC, AT_LOWER, AT_UPPER = 1, 0, 2
TOL = 1e-9


@dataclass(frozen=True)
class Ranging:
    """`inputs`: per channel and input (cpl, lead_to_close, clv) the value and the interval
    that keeps the plan's shape; `constraints`: per binding constraint its shadow price and
    the interval of its limit over which that price holds."""

    scenario: Scenario
    inputs: pd.DataFrame
    constraints: pd.DataFrame


class _Basis:
    """The optimal basis of  min cz.z  s.t.  [A  -I] z = 0,  bounds on z = (x, row activity)."""

    def __init__(self, lp: LinearProgram, x: np.ndarray, col_status: np.ndarray,
                 row_status: np.ndarray) -> None:
        n, m = lp.n_cols, lp.n_rows
        self.n, self.m = n, m
        self.M = sp.hstack([lp.A, -sp.eye(m)]).tocsc()
        self.cz = np.r_[-lp.c, np.zeros(m)]
        row_lo = np.where(lp.is_eq, lp.b, -np.inf)
        self.lo = np.r_[lp.lb, row_lo]
        self.hi = np.r_[lp.ub, lp.b]
        self.z = np.r_[x, lp.A @ x]
        status = np.r_[col_status, row_status]
        self.basic = np.flatnonzero(status == BASIC)
        self.nonbasic = np.flatnonzero(status != BASIC)
        self.at_upper = status == AT_UPPER
        self.fixed = np.asarray(np.isclose(self.lo, self.hi), dtype=bool)
        self.lu = splu(self.M[:, self.basic].tocsc())
        self.q = self.lu.solve(self.cz[self.basic], trans="T")  # row duals
        self.d = self.cz - self.M.T @ self.q  # reduced costs

    def rank1_interval(self, u: np.ndarray, v: np.ndarray, w: float) -> tuple[float, float]:
        """Largest interval of mu around 0 on which this basis stays optimal when
        M -> M + mu u v^T and cz -> cz + mu w v (v is zero outside the x columns)."""
        B, N = self.basic, self.nonbasic
        zz = self.lu.solve(u)
        gamma = float(v[B] @ zz)
        p = self.z[B]
        delta = float(v[B] @ p)
        alpha = float(v[N] @ self.z[N])
        a_list: list[np.ndarray] = [np.array([1.0])]
        b_list: list[np.ndarray] = [np.array([gamma])]  # 1 + mu*gamma > 0
        # primal: lo <= p - mu zz (delta+alpha) / (1 + mu gamma) <= hi
        shift = zz * (delta + alpha)
        for limit, side in ((self.lo[B], 1.0), (self.hi[B], -1.0)):
            ok = np.isfinite(limit)
            gap = side * (p[ok] - limit[ok])
            a_list.append(np.maximum(gap, 0.0))
            b_list.append(gap * gamma - side * shift[ok])
        # dual: d_j(mu) (1 + mu gamma) = d_j (1 + mu gamma) + mu kappa (v_j - s.M_j)
        s = self.lu.solve(v[B], trans="T")
        kappa = w - float(self.q @ u)
        free = N[~self.fixed[N]]
        d = self.d[free]
        slope = d * gamma + kappa * (v[free] - self.M[:, free].T @ s)
        sign = np.where(self.at_upper[free], -1.0, 1.0)  # at upper: d <= 0
        a_list.append(np.maximum(sign * d, 0.0))
        b_list.append(sign * slope)
        return _interval(np.concatenate(a_list), np.concatenate(b_list))

    def bound_interval(self, var: int) -> tuple[float, float]:
        """Interval of change of variable `var`'s (active) bound keeping the basis optimal."""
        if var in set(self.basic):  # degenerate: basic yet at its bound, the price is 0
            return self.z[var] - self.hi[var], math.inf
        col = self.M[:, var].toarray().ravel()
        g = -self.lu.solve(col)  # d x_B / d z_var
        p = self.z[self.basic]
        lo, hi = self.lo[self.basic], self.hi[self.basic]
        a, b = [], []
        for bound, sign in ((lo, 1.0), (hi, -1.0)):
            ok = np.isfinite(bound)
            a.append(np.maximum(sign * (p[ok] - bound[ok]), 0.0))
            b.append(sign * g[ok])
        return _interval(np.concatenate(a), np.concatenate(b))


def _interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """{mu : a + mu b >= 0 for all rows}, given a >= 0 (mu = 0 feasible)."""
    lo, hi = -math.inf, math.inf
    up = b < -TOL
    down = b > TOL
    if up.any():
        hi = float(np.min(a[up] / -b[up]))
    if down.any():
        lo = float(np.max(-a[down] / b[down]))
    return lo, hi


def _direction(lp: LinearProgram, scenario: Scenario, i: int, what: str
               ) -> tuple[np.ndarray, np.ndarray, float]:
    """(u, v, w) of the rank-1 perturbation for input `what` of channel i (see module doc)."""
    ch = scenario.channels[i]
    cols = lp.col_channel == i
    v = np.zeros(lp.n_cols + lp.n_rows)
    # per lead of channel i, what each quantity a row reads is worth, and which of them the
    # input scales: CLV scales value; lead-to-close value and customers; CPL (mu = 1 / (1 +
    # t) - 1, all per-dollar quantities scale by 1 / (1 + t)) every one of them
    per_lead = {"value": ch.lead_to_close * ch.clv, "leads": 1.0,
                "sqls": ch.lead_to_sql or 0.0, "customers": ch.lead_to_close}
    scaled = {"clv": ("value",), "lead_to_close": ("value", "customers"),
              "cpl": ("value", "leads", "sqls", "customers")}[what]
    if what == "clv":
        v[: lp.n_cols][cols] = lp.col_value_per_dollar[cols]
        per_lead = {"value": 1.0}
    else:
        v[: lp.n_cols][cols] = 1.0 / lp.col_cpl[cols]
    u = np.zeros(lp.n_rows)
    for r, kind in enumerate(lp.row_kind):
        reads = ROW_KINDS[kind].reads
        if reads is not None and reads[0] in scaled and lp.row_channel[r] in (-1, i):
            u[r] = reads[1] * per_lead[reads[0]] * lp.row_scale[r]
    return u, v, -per_lead["value"]


def _solve(scenario: Scenario, options: SolveOptions
           ) -> tuple[LinearProgram, np.ndarray | None, np.ndarray | None, np.ndarray | None,
                      _Basis | None]:
    lp = build_lp(scenario)
    session = HighsSession(lp, options)
    out = session.solve()
    if out.status is not Status.OPTIMAL or out.x is None or out.duals is None:
        return lp, None, None, None, None
    return lp, out.x, out.duals, out.reduced_costs, _Basis(lp, out.x, *session.basis())


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
    return None


def ranging(scenario: Scenario, options: SolveOptions | None = None) -> Ranging:
    """Exact ranges for every channel input and every binding constraint's shadow price
    (HiGHS only: it reads the optimal basis)."""
    options = options or SolveOptions()
    if options.solver != "highs":
        raise ValueError(not_rangeable(scenario, options))
    why = not_rangeable(scenario)
    if why is not None:
        raise ValueError(f"exact ranging covers linear net-value plans; '{scenario.name}' is "
                         f"not one: {why}. Compare what-if variants instead (chanopt compare)")
    lp, x, duals, reduced, basis = _solve(scenario, options)
    if basis is None or x is None or duals is None:
        status = "infeasible" if x is None else "not optimal"
        raise ValueError(f"ranging needs an optimal plan; '{scenario.name}' is {status}")
    spend = channel_spend(lp, x)
    table = constraint_table(scenario, lp, x, duals, reduced=reduced)
    reasons = [r.text for r in explain_channels(scenario, lp, x, table,
                                                marginal_cpl(lp, x, len(scenario.channels)),
                                                duals, reduced)]
    rows = []
    for i, ch in enumerate(scenario.channels):
        for what in ("cpl", "lead_to_close", "clv"):
            lo, hi = basis.rank1_interval(*_direction(lp, scenario, i, what))
            low, high = _values(scenario, i, what, lo, hi)
            rows.append(_input_row(scenario, ch, what, low, high, spend[i], reasons[i]))
    inputs = pd.DataFrame(rows)
    return Ranging(scenario, inputs, _constraint_ranges(lp, basis, table))


def _input_row(scenario: Scenario, ch: Channel, what: str, low: float, high: float,
               spend: float, why: str) -> dict[str, object]:
    base = {"cpl": ch.cpl, "lead_to_close": ch.lead_to_close, "clv": ch.clv}[what]
    if what == "lead_to_close":  # a rate stays a rate, and customers stay SQLs first
        high = min(high, 1.0, ch.lead_to_sql if ch.lead_to_sql is not None else 1.0)
    return {"channel": ch.name, "input": what, "value": base, "low": low, "high": high,
            "spend": spend,
            "statement": _statement(scenario, ch.name, what, base, low, high, why)}


def _statement(scenario: Scenario, name: str, what: str, base: float, low: float,
               high: float, why: str) -> str:
    """'LinkedIn Ads: at its max_spend ($90,000), as long as its CPL stays below $187.50'."""
    def show(v: float) -> str:
        return fmt.channel_input(what, v, scenario.currency)

    label = {"cpl": "CPL", "clv": "CLV", "lead_to_close": "lead-to-close"}[what]
    parts = []
    if low > 0 and low < base * (1 - 1e-12):
        parts.append(f"above {show(low)}")
    if math.isfinite(high):
        parts.append(f"below {show(high)}")
    if not parts:
        return f"{name}: {why}, whatever its {label}"
    return f"{name}: {why}, as long as its {label} stays {' and '.join(parts)}"


def _constraint_ranges(lp: LinearProgram, basis: _Basis, table: Table) -> pd.DataFrame:
    out = []
    for r in np.flatnonzero(table["binding"].astype(bool)):
        kind = lp.row_kind[r]
        limit = float(lp.row_limit[r])
        info = ROW_KINDS[kind]
        if info.moves is not Moves.NONE:  # the limit moves the row's coefficients: rank-1
            u = np.zeros(lp.n_rows)
            u[r] = 1.0
            v = np.r_[lp.limit_gradient(int(r)), np.zeros(lp.n_rows)]
            lo, hi = basis.rank1_interval(u, v, 0.0)
            low, high = limit + lo, limit + hi
        else:
            lo, hi = basis.bound_interval(lp.n_cols + int(r))
            if info.price is Price.POS:  # a minimum, stored as -s <= -limit
                low, high = limit - hi, limit - lo
            else:
                low, high = limit + lo, limit + hi
        out.append({"constraint": table["constraint"][r], "limit": limit,
                    "shadow_price": table["shadow_price"][r], "unit": table["unit"][r],
                    "low": max(low, 0.0), "high": high})
    return pd.DataFrame(out, columns=["constraint", "limit", "shadow_price", "unit", "low", "high"])
