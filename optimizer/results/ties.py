"""Alternative optima: channels that could take spend from others without changing the
objective (a tie), found from the solution, never assumed.

A column at its lower bound whose reduced cost is zero may be able to grow at no cost. The
program with its objective held at the optimum (one more row) first asks how far all such
columns can grow together; each channel whose column did grow is then asked the most it
can spend at the optimum: if more than now, it ties with the channels whose spend falls (or
with unspent budget).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from ..backends import SolveOptions, solve
from ..backends.highs import HighsSession
from ..lp.kinds import ROW_KINDS, Scope
from ..lp.program import LinearProgram, channel_spend, next_dollar
from ..status import Status

MAX_PROBES = 25  # programs solved to look for ties (screens and per-channel probes)


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
    unchecked: tuple[int, ...] = ()  # candidates left unsettled after MAX_PROBES programs

    def of(self, i: int) -> list[Tie]:
        return [t for t in self.found if t.channel == i or i in t.partners]


def free_columns(lp: LinearProgram, x: np.ndarray, reduced: np.ndarray, tol: float = 1e-9
                 ) -> np.ndarray:
    """Mask of the columns that might grow at no cost: a channel's next dollar (its first
    tier column with room, per period) at its lower bound with zero reduced cost, not
    blocked by a binding row of the channel's own (its max_spend)."""
    scale = max(1.0, float(np.max(np.abs(lp.c)))) if lp.n_cols else 1.0
    nxt = next_dollar(lp, x)
    at_lower = x <= lp.lb + 1e-9
    free = nxt & at_lower & (np.abs(reduced) <= tol * scale)
    if lp.is_mip:
        free &= lp.integrality == 0
    # a binding row of the channel's own that the column would break blocks it
    own = np.fromiter((ROW_KINDS[k].scope is Scope.OWN for k in lp.row_kind), bool, lp.n_rows)
    slack = lp.b - lp.A @ x
    tight = own & (np.abs(slack) <= 1e-9 * (1.0 + np.abs(lp.b)))
    if tight.any():
        blocked = np.asarray((lp.A[np.flatnonzero(tight)] > 1e-12).sum(axis=0)).ravel() > 0
        free &= ~blocked
    return free


def find_ties(lp: LinearProgram, x: np.ndarray, reduced: np.ndarray | None,
              options: SolveOptions, tol: float = 1e-9) -> Ties:
    """The ties of the solution x of lp (for a MIP, lp with its integers fixed).

    Two screening programs first ask for the most the candidate channels can spend together
    at the optimum (see `_screen`): when no channel's spend grows, none of them takes spend
    from another channel or from unspent budget, and two solves settled them all, however
    many there are. The channels that did grow are probed one by one for their partners and
    amount; the rest are screened again, until a screen finds nothing or MAX_PROBES programs
    have been solved (what is left is reported as unchecked)."""
    if reduced is None:
        return Ties(())
    free = free_columns(lp, x, reduced, tol)
    if not free.any():
        return Ties(())
    optimum = float(lp.c @ x)
    spend = channel_spend(lp, x)
    budget = float(lp.b[lp.budget_row]) if np.isfinite(lp.b[lp.budget_row]) else spend.sum()
    eps = 1e-7 * max(1.0, budget)
    probe = _Probe(lp, optimum, tol, options)
    remaining = sorted({int(c) for c in lp.col_channel[free]})
    ties: list[Tie] = []
    while remaining and probe.solved < MAX_PROBES:
        gained = _screen(lp, probe, remaining, spend, eps)
        if gained is None:
            break
        if not gained:
            remaining = []
            break
        for i in gained:
            if probe.solved >= MAX_PROBES:
                break
            other = probe.most(np.where(lp.col_channel == i, lp.col_spend, 0.0))
            remaining.remove(i)
            tie = None if other is None else _tie(lp, i, spend, channel_spend(lp, other), eps)
            if tie is not None:
                ties.append(tie)
    return Ties(tuple(ties), tuple(remaining))


def _screen(lp: LinearProgram, probe: _Probe, remaining: list[int], spend: np.ndarray,
            eps: float) -> list[int] | None:
    """The channels of `remaining` whose spend grew in either of two programs that maximise
    their weighted spend at the optimum, the weights rising with the channel's place in one
    and falling in the other (so a trade between two candidates shows in one of them)."""
    weight = np.zeros(len(spend))
    weight[remaining] = 1.0 + np.linspace(0.0, 1.0, len(remaining))
    gained: set[int] = set()
    for w in (weight, np.where(weight > 0, 3.0 - weight, 0.0)):
        x = probe.most(w[lp.col_channel] * lp.col_spend)
        if x is None:
            return None
        grew = channel_spend(lp, x) - spend > eps
        gained |= {i for i in remaining if grew[i]}
        if len(remaining) == 1:
            break
    return sorted(gained)


def _tie(lp: LinearProgram, i: int, spend: np.ndarray, moved: np.ndarray, eps: float
         ) -> Tie | None:
    gain = moved[i] - spend[i]
    if gain <= eps:
        return None
    partners = tuple(int(k) for k in np.flatnonzero(spend - moved > eps) if k != i)
    group = [i, *partners]
    before, after = float(spend[group].sum()), float(moved[group].sum())
    return Tie(i, partners, float(gain), after, abs(after - before) <= eps)


class _Probe:
    """The program with its objective held at the optimum (one more row), loaded once: each
    channel's question only swaps the costs and re-solves warm (HiGHS) or solves again."""

    def __init__(self, lp: LinearProgram, optimum: float, tol: float,
                 options: SolveOptions) -> None:
        floor = optimum - tol * max(1.0, abs(optimum))
        scale = 1.0 / max(float(np.max(np.abs(lp.c))), 1e-300)  # the row's largest coef. 1
        self.lp = lp
        self.program = replace(lp, c=np.zeros(lp.n_cols),
                               A=sp.vstack([lp.A, sp.csr_matrix(-lp.c * scale)]).tocsr(),
                               b=np.r_[lp.b, -floor * scale], is_eq=np.r_[lp.is_eq, False],
                               row_scale=np.r_[lp.row_scale, 1.0], bound_link=None)
        self.options = options.unlimited
        self.solved = 0
        self.session: HighsSession | None = None
        if self.options.solver == "highs":
            self.session = HighsSession(self.program, self.options)

    def most(self, own: np.ndarray) -> np.ndarray | None:
        """Column values of a plan as good as the optimum that maximises own @ x."""
        self.solved += 1
        if self.session is not None:
            self.session.set_costs(own)
            out = self.session.solve()
        else:
            out = solve(replace(self.program, c=own), self.options)
        return out.x if out.status is Status.OPTIMAL and out.x is not None else None
