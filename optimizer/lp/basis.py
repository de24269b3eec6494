"""An optimal basis of the program, and how far it stays optimal along one direction.

The program is read as  min cz.z  s.t.  [A  -I] z = 0  with bounds on z = (x, row activity).
A direction of change is either rank-1 (`Rank1`: the matrix moves by mu u v^T and the costs
by mu w v, which covers a channel input scaling its columns and a limit that moves a row's
coefficients) or one row's bound (`Bound`). For a fixed basis B, Sherman-Morrison gives
x_B(mu) and the reduced costs d(mu) as (linear in mu) / (1 + mu gamma), so every primal and
dual feasibility condition is linear in mu once multiplied by the positive denominator: a
ratio test gives the exact interval on which B stays optimal.

`apply` gives the program at a point mu along a direction, so that an interval's end can be
checked by solving there (a degenerate basis can change while the plan does not).
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from .program import LinearProgram

BASIC, AT_LOWER, AT_UPPER = 1, 0, 2  # HighsBasisStatus codes
TOL = 1e-9
DENSE_LIMIT = 400_000  # entries of [A -I] below which the basis is kept dense


@dataclass(frozen=True)
class Rank1:
    """A @ x -> (A + mu u v^T) x and c -> c - mu w v (u per row, v per column)."""

    u: np.ndarray
    v: np.ndarray
    w: float

    def apply(self, lp: LinearProgram, mu: float) -> LinearProgram:
        rows, cols = np.flatnonzero(self.u), np.flatnonzero(self.v)
        delta = sp.csr_matrix((mu * np.outer(self.u[rows], self.v[cols]).ravel(),
                               (np.repeat(rows, cols.size), np.tile(cols, rows.size))),
                              shape=lp.A.shape)
        return replace(lp, A=(lp.A + delta).tocsr(), c=lp.c - mu * self.w * self.v)


@dataclass(frozen=True)
class Bound:
    """Row `row`'s right-hand side b -> b + mu."""

    row: int

    def apply(self, lp: LinearProgram, mu: float) -> LinearProgram:
        b = lp.b.copy()
        b[self.row] += mu
        return replace(lp, b=b)


Direction = Rank1 | Bound


@dataclass(frozen=True)
class Interval:
    """mu in [lo, hi] keeps the basis optimal; `*_sure` says the answer provably changes
    just past that end (no degenerate basis could carry it further), so no re-solve is
    needed to know the end is exact."""

    lo: float
    hi: float
    lo_sure: bool = False
    hi_sure: bool = False


class Basis:
    """The optimal basis of `lp` at solution x, from the solver's column and row status."""

    def __init__(self, lp: LinearProgram, x: np.ndarray, col_status: np.ndarray,
                 row_status: np.ndarray) -> None:
        n, m = lp.n_cols, lp.n_rows
        self.n, self.m = n, m
        self.M: np.ndarray | sp.csc_matrix = _slacked(lp.A)
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
        self.lu = _Factor(self.M[:, self.basic])
        self.q = self.lu.solve(self.cz[self.basic], trans="T")  # row duals
        self.d = self.cz - self.M.T @ self.q  # reduced costs

    def column(self, j: int) -> np.ndarray:
        if isinstance(self.M, np.ndarray):
            return self.M[:, j].copy()
        return np.asarray(self.M[:, [j]].toarray()).ravel()

    def interval(self, direction: Direction) -> Interval:
        """Largest interval of mu around 0 on which this basis stays optimal."""
        if isinstance(direction, Bound):
            return self.bound_interval(self.n + direction.row)
        v = np.r_[direction.v, np.zeros(self.m)]
        return self.rank1_interval(direction.u, v, direction.w)

    def rank1_interval(self, u: np.ndarray, v: np.ndarray, w: float) -> Interval:
        """Interval of mu keeping the basis optimal when M -> M + mu u v^T and
        cz -> cz + mu w v (v is zero outside the x columns). An end is sure when a basic
        variable strictly inside its bounds reaches one there, or when one reduced cost
        reaches zero there and its column can enter with a positive step (no basic
        variable at a bound blocks it): the plan's shape then changes just past it."""
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
        primal = sum(len(a) for a in a_list)  # rows before this are primal conditions
        a_list.append(np.maximum(sign * d, 0.0))
        b_list.append(sign * slope)
        a, b = np.concatenate(a_list), np.concatenate(b_list)
        lo, hi = interval(a, b)
        rank1 = _Rank1(u, v, zz, gamma, shift)
        return Interval(lo, hi, self._sure(a, b, lo, primal, free, rank1),
                        self._sure(a, b, hi, primal, free, rank1))

    def _sure(self, a: np.ndarray, b: np.ndarray, mu: float, primal: int, free: np.ndarray,
              r1: _Rank1) -> bool:
        """Whether the rank-1 interval's end mu certainly changes the plan's shape."""
        if not math.isfinite(mu):
            return False
        if _blocked_inside(a, b, mu, range(1, primal)):
            return True
        hit = _at(a, b, mu)
        if hit[:primal].any():
            return False  # a degenerate basic variable ends it: re-solve to know
        entering = free[np.flatnonzero(hit[primal:])]
        if entering.size != 1:
            return False
        j = int(entering[0])
        # the entering column at mu, through the basis at mu (Sherman-Morrison)
        col = self.column(j) + mu * r1.u * r1.v[j]
        w1 = self.lu.solve(col)
        B = self.basic
        through = w1 - mu * r1.zz * float(r1.v[B] @ w1) / (1.0 + mu * r1.gamma)
        step = (-1.0 if self.at_upper[j] else 1.0) * -through  # d x_B per unit of entering
        x_b = self.z[B] - mu * r1.shift / (1.0 + mu * r1.gamma)
        scale = 1e-9 * (1.0 + np.abs(x_b))
        at_lo = np.isfinite(self.lo[B]) & (x_b - self.lo[B] <= scale)
        at_hi = np.isfinite(self.hi[B]) & (self.hi[B] - x_b <= scale)
        big = 1e-9 * (1.0 + np.abs(step).max())
        blocked = (at_lo & (step < -big)) | (at_hi & (step > big))
        return not bool(blocked.any())

    def bound_interval(self, var: int) -> Interval:
        """Interval of change of variable `var`'s (active) bound keeping the basis optimal.
        An end is sure when one basic variable strictly inside its bounds ends it and the
        column that would replace it has a nonzero reduced cost: the price then changes
        past it."""
        if var in set(self.basic):  # degenerate: basic yet at its bound, the price is 0
            return Interval(self.z[var] - self.hi[var], math.inf)
        col = self.column(var)
        g = -self.lu.solve(col)  # d x_B / d z_var
        p = self.z[self.basic]
        lo, hi = self.lo[self.basic], self.hi[self.basic]
        a, b, which, up = [], [], [], []
        for bound, sign in ((lo, 1.0), (hi, -1.0)):
            ok = np.flatnonzero(np.isfinite(bound))
            a.append(np.maximum(sign * (p[ok] - bound[ok]), 0.0))
            b.append(sign * g[ok])
            which.append(ok)
            up.append(np.full(ok.size, sign))  # +1: leaves through its lower bound
        gaps, rates, rows = np.concatenate(a), np.concatenate(b), np.concatenate(which)
        through = np.concatenate(up)
        low, high = interval(gaps, rates)
        return Interval(low, high, self._price_moves(gaps, rates, rows, through, low, var),
                        self._price_moves(gaps, rates, rows, through, high, var))

    def _price_moves(self, gaps: np.ndarray, rates: np.ndarray, rows: np.ndarray,
                     through: np.ndarray, mu: float, var: int) -> bool:
        """At the end mu of a bound's interval, one basic variable leaves; the dual ratio
        test then moves the prices by a nonzero step unless a column that could replace it
        (one whose move brings the leaving variable back inside) has a zero reduced cost."""
        if not math.isfinite(mu):
            return False
        hit = np.flatnonzero(_at(gaps, rates, mu))
        if hit.size != 1 or gaps[hit[0]] <= 1e-9 * (1.0 + abs(gaps[hit[0]])):
            return False
        k = int(rows[hit[0]])  # position in the basis of the leaving one
        e = np.zeros(self.basic.size)
        e[k] = 1.0
        row = self.lu.solve(e, trans="T") @ self.M  # row k of B^-1 M: d x_k / d z_j = -row
        others = self.nonbasic[(self.nonbasic != var) & ~self.fixed[self.nonbasic]]
        move = np.where(self.at_upper[others], -1.0, 1.0)  # the way each could move
        effect = -row[others] * move * through[hit[0]]  # > 0: brings x_k back inside
        eligible = others[effect > 1e-9 * (1.0 + np.abs(row).max())]
        zero = np.abs(self.d[eligible]) <= TOL * (1.0 + np.abs(self.cz).max())
        return not bool(zero.any())


@dataclass(frozen=True)
class _Rank1:
    """The pieces of a rank-1 direction that `Basis._sure` reuses."""

    u: np.ndarray
    v: np.ndarray
    zz: np.ndarray  # B^-1 u
    gamma: float  # v_B . zz
    shift: np.ndarray  # zz (v . z)


def _at(a: np.ndarray, b: np.ndarray, mu: float) -> np.ndarray:
    """Rows of a + mu b >= 0 that end the interval at mu: moving (b not 0) and reaching
    equality there (relative tolerance)."""
    value = a + mu * b
    return (np.abs(value) <= 1e-9 * (1.0 + np.abs(a) + np.abs(mu * b))) & (np.abs(b) > TOL)


def _blocked_inside(a: np.ndarray, b: np.ndarray, mu: float, rows: range) -> bool:
    """Some condition among `rows` that held strictly at 0 is what ends the interval."""
    if not math.isfinite(mu):
        return False
    idx = np.arange(rows.start, rows.stop)
    hit = _at(a[idx], b[idx], mu)
    return bool(np.any(hit & (a[idx] > 1e-9 * (1.0 + np.abs(a[idx])))))


class _Factor:
    """LU of the basis matrix: LAPACK for a dense one, SuperLU for a sparse one."""

    def __init__(self, B: np.ndarray | sp.spmatrix) -> None:
        if isinstance(B, np.ndarray):
            from scipy.linalg import lu_factor

            self.dense: Any = lu_factor(B)
            self.sparse: Any = None
        else:
            from scipy.sparse.linalg import splu

            self.dense, self.sparse = None, splu(sp.csc_matrix(B))

    def solve(self, rhs: np.ndarray, trans: str = "N") -> np.ndarray:
        if self.sparse is not None:
            return np.asarray(self.sparse.solve(rhs, trans=trans))
        from scipy.linalg import lu_solve

        return np.asarray(lu_solve(self.dense, rhs, trans=0 if trans == "N" else 1))


_LAST: list[tuple[weakref.ref, np.ndarray | sp.csc_matrix]] = []


def _slacked(A: sp.csr_matrix) -> np.ndarray | sp.csc_matrix:
    """[A -I], dense for small models (LAPACK: scipy.sparse costs more in overhead there);
    the last one is kept, as ranging's re-solves along a bound share their matrix."""
    if _LAST and _LAST[0][0]() is A:
        return _LAST[0][1]
    sparse = _with_slacks(A)
    m, n = A.shape
    out = sparse.toarray() if m * (n + m) <= DENSE_LIMIT else sparse
    _LAST[:] = [(weakref.ref(A), out)]
    return out


def _with_slacks(A: sp.csr_matrix) -> sp.csc_matrix:
    """[A  -I] by columns, built from the arrays (no block assembly)."""
    a = A.tocsc()
    m = a.shape[0]
    return sp.csc_matrix((np.r_[a.data, -np.ones(m)], np.r_[a.indices, np.arange(m)],
                          np.r_[a.indptr, a.indptr[-1] + np.arange(1, m + 1)]),
                         shape=(m, a.shape[1] + m))


def interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """{mu : a + mu b >= 0 for all rows}, given a >= 0 (mu = 0 feasible)."""
    lo, hi = -math.inf, math.inf
    up = b < -TOL
    down = b > TOL
    if up.any():
        hi = float(np.min(a[up] / -b[up]))
    if down.any():
        lo = float(np.max(-a[down] / b[down]))
    return lo, hi


def plan_shape(lp: LinearProgram, x: np.ndarray, tol: float = 1e-7) -> tuple[bytes, bytes]:
    """The plan's structure: each column empty, full or in between, and the rows that hold
    with equality because of the plan (what the ranges of `chanopt sensitivity` keep)."""
    scale = tol * np.maximum(1.0, np.where(np.isfinite(lp.ub), np.abs(lp.ub), 1.0))
    cols = np.where(x <= lp.lb + scale, 0, np.where(x >= lp.ub - scale, 2, 1)).astype(np.int8)
    ax = lp.A @ x
    size = abs(lp.A) @ np.abs(x)
    tight = lp.is_eq | (np.abs(lp.b - ax) <= tol * (1.0 + np.abs(lp.b) + size))
    # a row with no coefficients (a channel exactly at its floor's ratio) holds whatever
    # the plan: not part of its shape
    if lp.A.nnz:
        tight &= abs(lp.A).max(axis=1).toarray().ravel() > 1e-12 * abs(lp.A).max()
    return cols.tobytes(), tight.tobytes()
