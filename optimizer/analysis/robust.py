"""A plan that survives the uncertainty in its inputs (sample-average approximation).

Over N sampled input sets (see `optimizer.risk`), maximise the *expected* net value while
each CLV:CPA floor holds with probability at least p, on the same model arrays:

- objective: a channel's value per dollar becomes its mean over the draws;
- a channel's floor: on a draw, the channel's value for a fixed spend is its point value
  times a factor r_d (drawn lead-to-close x CLV / CPL over the point ones), so the floor
  holds on draw d exactly when point ratio x r_d >= floor. It holds on a share p of the
  draws exactly when point ratio >= floor / q, q the (1 - p) quantile of r: one linear row,
  exact for the sample;
- the blended floor mixes channels, so it is imposed through its conditional value at
  risk (CVaR_(1-p) of floor x spend - value <= 0), a linear program with one row per draw
  that guarantees the floor on at least a share p of the draws (conservatively).

The price of robustness is what the robust plan gives up in expected net value against the
plain optimum, on the same draws.

What the fit guarantees holds on the draws it was fitted on (in sample). A plan tuned to a
sample does a little worse on draws it has not seen, so both plans are also evaluated on
fresh draws (the next `max(FRESH_DRAWS, draws)` of the same seed, never used by the fit):
the out-of-sample floor probabilities and expected net values stand beside the in-sample
ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..backends import SolveOptions, solve
from ..lp.build import build_lp
from ..lp.kinds import RowKind
from ..lp.program import LinearProgram
from ..results.kpis import totals
from ..results.periods import period_tables
from ..results.plan import PlanResult, fixed_integer_duals, optimize, solution_tables
from ..scenario.model import Scenario
from ..status import Status
from .risk import Draws, Outcomes, draw_inputs, evaluate_plan

FRESH_DRAWS = 10_000  # at least this many out-of-sample draws check the fitted plan


@dataclass(frozen=True)
class RobustPlan:
    result: PlanResult  # the robust plan (KPIs at the point estimates)
    plain: PlanResult  # the plain optimum of the same scenario
    draws: int
    confidence: float
    seed: int
    expected_net_value: float | None  # robust plan, mean over the draws
    plain_expected_net_value: float | None  # plain optimum, same draws
    floors: pd.DataFrame  # per floor: P(holds), robust vs plain, in sample and on fresh draws
    method: str
    fresh_draws: int = 0  # out-of-sample draws (draws .. draws + fresh_draws of the seed)
    fresh_expected_net_value: float | None = None  # robust plan, mean over the fresh draws
    fresh_plain_expected_net_value: float | None = None

    @property
    def price_of_robustness(self) -> float | None:
        """Expected net value given up against the plain optimum (same draws)."""
        if self.expected_net_value is None or self.plain_expected_net_value is None:
            return None
        return self.plain_expected_net_value - self.expected_net_value


def robust_optimize(scenario: Scenario, draws: int = 1000, confidence: float = 0.9,
                    seed: int = 0, solver: str = "highs", *,
                    options: SolveOptions | None = None) -> RobustPlan:
    """Maximise expected net value over `draws` sampled input sets, each CLV:CPA floor
    held on a share `confidence` of them (see the module docstring)."""
    options = options or SolveOptions(solver)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence is a probability between 0 and 1, got {confidence!r}")
    if draws < 10:
        raise ValueError("a robust plan needs at least 10 draws")
    if scenario.objective != "net_value":
        raise ValueError(f"a robust plan maximises expected net value; '{scenario.name}' has "
                         f"objective {scenario.objective}")
    if scenario.accounting == "in_window":
        raise ValueError(f"a robust plan draws each channel's value per lead; '{scenario.name}' "
                         "counts only customers closing inside its periods (accounting: "
                         "in_window), which the draws do not model; use accounting: cohort")
    plain = optimize(scenario, options=options)
    lp = build_lp(scenario, plain.curve_tiers)  # the curves as the plain plan linearised them
    run = draws + max(FRESH_DRAWS, draws)  # fitted and fresh draws: one run of draws
    sample = draw_inputs(scenario, draws, seed, total=run)
    r = sample.value_factor  # (draws, channels)
    mean_r = r.mean(axis=0)
    q = np.quantile(r, 1 - confidence, axis=0, method="inverted_cdf")
    robust, n_base_rows = _robust_lp(scenario, lp, r, mean_r, q, confidence)
    # HiGHS's simplex without presolve wandered on the CVaR block (23,912 iterations and
    # 41 s at 20 channels x 10,000 draws against 101 and 0.18 s with presolve)
    out = solve(robust, options if options.presolve is not None
                else replace(options, presolve=True))
    method = (f"sample-average approximation over {draws} draws (seed {seed}): expected value "
              f"per dollar; channel floors exact on the sample (floor / {1 - confidence:.0%} "
              "quantile of each channel's value factor)"
              + ("; blended floor through its CVaR" if _blended_row(lp) is not None else ""))
    x_all, duals, reduced = out.x, out.duals, out.reduced_costs
    if lp.is_mip and x_all is not None:  # shadow prices of the LP with integers fixed
        x_all, duals, reduced = fixed_integer_duals(robust, x_all, options)
    plain_outcome = _outcome(plain, sample)
    plain_expected = None if plain_outcome is None else float(plain_outcome.net_value.mean())
    if x_all is None:
        result = replace(plain, status=out.status, channel_table=None, totals=None,
                         constraint_table=None, message=out.message, objective_value=None,
                         period_kpi_table=None, period_spend_table=None,
                         conflicts=("no plan keeps every floor at the required probability: "
                                    f"lower the confidence ({confidence:.0%}) or the floors",)
                         if out.status is Status.INFEASIBLE else ())
        return RobustPlan(result, plain, draws, confidence, seed, None, plain_expected,
                          pd.DataFrame(), method)
    # the rows as the robust program states them (without the CVaR block), on the plan's columns
    stated = replace(lp, A=robust.A[:n_base_rows, :lp.n_cols], b=robust.b[:n_base_rows],
                     row_scale=robust.row_scale[:n_base_rows])
    x, channels, table = solution_tables(scenario, stated, x_all[:lp.n_cols],
                                         None if duals is None else duals[:n_base_rows],
                                         None if reduced is None else reduced[:lp.n_cols])
    robust_outcome = evaluate_plan(channels["leads"], channels["spend"], sample)
    expected = float(robust_outcome.net_value.mean())
    by_period, per_period = period_tables(scenario, lp, x) if scenario.periods else (None, None)
    result = replace(plain, status=out.status, solver=out.solver, channel_table=channels,
                     totals=totals(scenario, channels), constraint_table=table, tier_spend=x,
                     warnings=(), message=out.message, mip_gap=out.mip_gap,
                     objective_value=expected, period_spend_table=by_period,
                     period_kpi_table=per_period)
    fresh = draw_inputs(scenario, run - draws, seed, start=draws, total=run)
    fresh_robust = evaluate_plan(channels["leads"], channels["spend"], fresh)
    fresh_plain = _outcome(plain, fresh)
    floors = _floor_probabilities(scenario, {"robust": robust_outcome, "plain": plain_outcome,
                                             "robust_fresh": fresh_robust,
                                             "plain_fresh": fresh_plain})
    return RobustPlan(result, plain, draws, confidence, seed, expected, plain_expected, floors,
                      method, fresh.cpl_factor.shape[0], float(fresh_robust.net_value.mean()),
                      None if fresh_plain is None else float(fresh_plain.net_value.mean()))


def _blended_row(lp: LinearProgram) -> int | None:
    rows = [r for r, k in enumerate(lp.row_kind) if k is RowKind.BLENDED_FLOOR]
    return rows[0] if rows else None


def _robust_lp(scenario: Scenario, lp: LinearProgram, r: np.ndarray, mean_r: np.ndarray,
               q: np.ndarray, confidence: float) -> tuple[LinearProgram, int]:
    """The SAA program: mean value per dollar in the objective, channel floors tightened
    to the sample quantile, the blended floor as a CVaR block.

    A draw's loss depends on the plan only through total spend and each channel's point
    value, so the CVaR block reads those through extra columns (T = total spend, V_i =
    channel i's value at the point estimates, each defined by one row) beside t and u_d:
    a loss row has n + 3 entries, not one per tier column."""
    cc = lp.col_channel
    vpd = lp.col_value_per_dollar
    sw = lp.col_spend
    c = vpd * mean_r[cc] - sw
    A, b, scale = _tightened_floors(lp, q)
    base = replace(lp, c=c, A=A, b=b, row_scale=scale)
    blended = _blended_row(lp)
    if blended is None:
        return base, lp.n_rows
    f = lp.row_limit[blended]
    N, m, n = r.shape[0], lp.n_cols, len(scenario.channels)
    b = b.copy()
    b[blended] = np.inf  # the point-estimate blended floor gives way to its chance version
    # columns: x (m), T, V (n), t (free), u (N >= 0)
    T, V, t, u = m, m + 1, m + 1 + n, m + 2 + n
    spends, valued = np.flatnonzero(sw != 0), np.flatnonzero(vpd != 0)
    define = sp.csr_matrix(
        (np.r_[-sw[spends], 1.0, -vpd[valued], np.ones(n)],
         (np.r_[np.zeros(spends.size, int), 0, 1 + cc[valued], 1 + np.arange(n)],
          np.r_[spends, T, valued, V + np.arange(n)])), shape=(1 + n, u + N))
    big = np.maximum(np.maximum(abs(f), np.abs(r).max(axis=1)), 1e-12)  # per loss row
    d = np.arange(N)
    rows = np.r_[d, np.repeat(d, n), d, d]
    cols = np.r_[np.full(N, T), np.tile(V + np.arange(n), N), np.full(N, t), u + d]
    vals = np.r_[np.full(N, f), -r.ravel(), -np.ones(N), -np.ones(N)] / big[rows]
    loss_rows = sp.csr_matrix((vals, (rows, cols)), shape=(N, u + N))
    cvar_row = sp.csr_matrix((np.r_[1.0, np.full(N, 1.0 / ((1 - confidence) * N))],
                              (np.zeros(N + 1, int), np.r_[t, u + d])), shape=(1, u + N))
    A_all = sp.vstack([sp.hstack([A, sp.csr_matrix((lp.n_rows, u + N - m))]), define,
                       loss_rows, cvar_row]).tocsr()
    extra = u + N - m
    program = replace(
        base, c=np.r_[c, np.zeros(extra)], A=A_all, b=np.r_[b, np.zeros(1 + n + N), 0.0],
        is_eq=np.r_[lp.is_eq, np.ones(1 + n, dtype=bool), np.zeros(N + 1, dtype=bool)],
        lb=np.r_[lp.lb, np.zeros(1 + n), -np.inf, np.zeros(N)],
        ub=np.r_[lp.ub, np.full(extra, np.inf)],
        integrality=np.r_[lp.integrality, np.zeros(extra, dtype=np.int8)],
        row_scale=np.r_[scale, np.ones(1 + n), 1.0 / big, 1.0])
    return program, lp.n_rows


def _tightened_floors(lp: LinearProgram, q: np.ndarray
                      ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """The rows with each channel floor tightened to the sample quantile q_i of its value
    factor: sum_j (floor x spend_j - q_i x value_j) x_j <= 0, scaled to a largest
    coefficient of 1."""
    cc, vpd, sw = lp.col_channel, lp.col_value_per_dollar, lp.col_spend
    b, scale = lp.b.copy(), lp.row_scale.copy()
    floor_rows = np.flatnonzero([k is RowKind.FLOOR for k in lp.row_kind])
    if floor_rows.size == 0:
        return lp.A, b, scale
    keep = lp.A.tocoo()
    kept = ~np.isin(keep.row, floor_rows)
    rows, cols, vals = [keep.row[kept]], [keep.col[kept]], [keep.data[kept]]
    spending = np.flatnonzero(sw != 0)
    row_of = np.full(len(q), -1)
    row_of[lp.row_channel[floor_rows]] = floor_rows
    own = spending[row_of[cc[spending]] >= 0]
    row = row_of[cc[own]]
    coef = lp.row_limit[row] * sw[own] - q[cc[own]] * vpd[own]
    biggest = np.zeros(lp.n_rows)
    np.maximum.at(biggest, row, np.abs(coef))
    s = np.where(biggest > 1e-12, 1.0 / np.where(biggest > 1e-12, biggest, 1.0), 1.0)
    rows.append(row)
    cols.append(own)
    vals.append(coef * s[row])
    b[floor_rows] = 0.0
    scale[floor_rows] = s[floor_rows]
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=lp.A.shape)
    A.eliminate_zeros()
    return A, b, scale


def _outcome(result: PlanResult, sample: Draws) -> Outcomes | None:
    if result.channel_table is None:
        return None
    return evaluate_plan(result.channel_table["leads"], result.channel_table["spend"], sample)


def _floor_probabilities(scenario: Scenario, outcomes: dict[str, Outcomes | None]
                         ) -> pd.DataFrame:
    """Per floor, the share of the draws on which each plan keeps it (NaN: not funded)."""
    present = {label: o for label, o in outcomes.items() if o is not None}
    rows = []
    for i, ch in enumerate(scenario.channels):
        floor = scenario.floor_of(ch)
        if floor is None:
            continue
        row: dict[str, object] = {"floor": f"{ch.name} CLV:CPA >= {floor:g}"}
        for label, o in present.items():
            ratio = o.channel_ratio[:, i]
            row[label] = np.nan if np.isnan(ratio).all() else float(np.mean(ratio >= floor - 1e-9))
        rows.append(row)
    blended = scenario.constraints.min_blended_clv_to_cpa
    if blended is not None:
        row = {"floor": f"blended CLV:CPA >= {blended:g}"}
        for label, o in present.items():
            row[label] = float(np.mean(o.blended_clv_to_cpa >= blended - 1e-9))
        rows.append(row)
    return pd.DataFrame(rows)
