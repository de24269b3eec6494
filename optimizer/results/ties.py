"""Alternative optima: channels that could take spend from others without changing the
objective (a tie), found from the solution, never assumed.

A column at its lower bound whose reduced cost is zero may be able to grow at no cost. For
each channel with such a column (and room), one more program asks for the most that
channel can spend while the objective stays at its optimum; if it can spend more, it ties
with the channels whose spend falls (or with unspent budget).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from ..backends import SolveOptions, solve
from ..lp.program import LinearProgram, channel_spend
from ..status import Status

MAX_PROBES = 25  # programs solved to look for ties (one per candidate channel)


@dataclass(frozen=True)
class Tie:
    """Channel `channel` can take up to `amount` more (its alternative plan) from
    `partners` (or from unspent budget when empty) at the same objective."""

    channel: int
    partners: tuple[int, ...]
    amount: float
    total: float  # spend of the channel and its partners, when moving keeps it constant
    constant_total: bool


@dataclass(frozen=True)
class Ties:
    found: tuple[Tie, ...]
    unchecked: tuple[int, ...] = ()  # candidates not probed (more than MAX_PROBES)

    def of(self, i: int) -> list[Tie]:
        return [t for t in self.found if t.channel == i or i in t.partners]


def candidates(lp: LinearProgram, x: np.ndarray, reduced: np.ndarray, tol: float = 1e-9
               ) -> list[int]:
    """Channels with a spend column at its lower bound, room to grow and zero reduced cost."""
    scale = max(1.0, float(np.max(np.abs(lp.c)))) if lp.n_cols else 1.0
    room = (lp.ub - x) > 1e-6 * np.maximum(1.0, np.where(np.isfinite(lp.ub), lp.ub, 1.0))
    at_lower = x <= lp.lb + 1e-9
    free = lp.is_tier & room & at_lower & (np.abs(reduced) <= tol * scale)
    if lp.is_mip:
        free &= lp.integrality == 0
    return sorted({int(c) for c in lp.col_channel[free]})


def find_ties(lp: LinearProgram, x: np.ndarray, reduced: np.ndarray | None,
              options: SolveOptions, tol: float = 1e-9) -> Ties:
    """The ties of the solution x of lp (for a MIP, lp with its integers fixed)."""
    if reduced is None:
        return Ties(())
    found = candidates(lp, x, reduced)
    probed, unchecked = found[:MAX_PROBES], tuple(found[MAX_PROBES:])
    optimum = float(lp.c @ x)
    spend = channel_spend(lp, x)
    budget = float(lp.b[lp.budget_row]) if np.isfinite(lp.b[lp.budget_row]) else spend.sum()
    eps = 1e-7 * max(1.0, budget)
    ties = []
    for i in probed:
        other = _most_spend_at_optimum(lp, i, optimum, tol, options)
        if other is None:
            continue
        moved = channel_spend(lp, other)
        gain = moved[i] - spend[i]
        if gain <= eps:
            continue
        partners = tuple(int(k) for k in np.flatnonzero(spend - moved > eps) if k != i)
        group = [i, *partners]
        before, after = float(spend[group].sum()), float(moved[group].sum())
        ties.append(Tie(i, partners, float(gain), after, abs(after - before) <= eps))
    return Ties(tuple(ties), unchecked)


def _most_spend_at_optimum(lp: LinearProgram, i: int, optimum: float, tol: float,
                           options: SolveOptions) -> np.ndarray | None:
    """Column values of a plan as good as `optimum` that spends the most on channel i."""
    own = np.where(lp.col_channel == i, lp.col_spend, 0.0)
    floor = optimum - tol * max(1.0, abs(optimum))
    scale = 1.0 / max(float(np.max(np.abs(lp.c))), 1e-300)  # the row's largest coefficient 1
    probe = replace(lp, c=own, A=sp.vstack([lp.A, sp.csr_matrix(-lp.c * scale)]).tocsr(),
                    b=np.r_[lp.b, -floor * scale], is_eq=np.r_[lp.is_eq, False],
                    row_scale=np.r_[lp.row_scale, 1.0], bound_link=None)
    out = solve(probe, options.unlimited)
    return out.x if out.status is Status.OPTIMAL and out.x is not None else None
