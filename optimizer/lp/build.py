"""Scenario -> LinearProgram: the columns once, then one function per constraint family.

Columns: for each period, each channel's tier segments (spend); then one 0/1 `active` column
per channel that needs it (fixed cost, minimum buy, max_active_channels) and one integer
`units` column per channel bought in units (`lp/columns.py`). The rows are written by the
functions of `lp/families.py`, in the order of `FAMILIES` (the order of the rows in every
output). Adding a kind of constraint means a row in `lp/kinds.py` and one function in
`lp/families.py`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from ..scenario.model import Scenario, Tier
from .columns import Columns, columns
from .curves import provisional_tiers
from .families import FAMILIES
from .kinds import ROW_KINDS, ColKind, RowKind
from .program import LinearProgram, Names
from .rows import RowWriter


def build_lp(scenario: Scenario, curve_tiers: Mapping[str, tuple[Tier, ...]] | None = None
             ) -> LinearProgram:
    """The scenario's program, built once as arrays.

    Response curves are linearised by `curve_tiers` (channel -> tiers, as
    `lp.curves.linearise` refines them); without it, by their provisional chords."""
    if curve_tiers is None and scenario.has_curves:
        curve_tiers = provisional_tiers(scenario)
    cols = columns(scenario, curve_tiers or {})
    rows = RowWriter()
    for write in FAMILIES:
        write(cols, rows)
    c = objective(cols, rows)
    return assemble(scenario, cols, rows, c)


def objective(cols: Columns, rows: RowWriter) -> np.ndarray:
    """The objective vector (and, for min_spend, its target row)."""
    scenario = cols.scenario
    kind = scenario.objective
    per_unit = {"customers": cols.customers, "leads": cols.leads, "value": cols.value}
    if kind == "min_spend":
        if scenario.target is None:
            raise ValueError("objective min_spend needs a target")
        metric, amount = scenario.target
        coef = np.where(cols.is_tier, per_unit[metric], 0.0)
        rows.row(RowKind.TARGET, np.arange(cols.m), -coef, -amount, amount, source=metric)
        return -cols.spend
    value = np.where(cols.is_tier, cols.value, 0.0)
    if kind == "net_value":
        return value - cols.spend
    if kind == "npv":
        return cols.npv
    return np.where(cols.is_tier, per_unit[kind], 0.0)


def assemble(scenario: Scenario, cols: Columns, rows: RowWriter, c: np.ndarray
             ) -> LinearProgram:
    """The rows as one CSR matrix; rows flagged `scaled` in the kinds table (value-per-dollar
    coefficients, whose size follows CLV / CPL: 1e-8 with a $1 CLV) are scaled to a largest
    coefficient of 1, so that solver tolerances mean the same for every scenario."""
    r, j, v = _csr_triplets(np.concatenate(rows.rows), np.concatenate(rows.cols),
                            np.concatenate(rows.vals), cols.m)
    scale = np.ones(rows.count)
    scaled = np.array([ROW_KINDS[k].scaled for k in rows.kind], dtype=bool)
    if scaled.any():
        biggest = np.zeros(rows.count)
        np.maximum.at(biggest, r, np.abs(v))
        usable = scaled & (biggest > 1e-12)  # below that the row is noise: leave it as stated
        scale[usable] = 1.0 / biggest[usable]
        v = v * scale[r]
    indptr = np.zeros(rows.count + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=rows.count), out=indptr[1:])
    A = sp.csr_matrix((v, j, indptr), shape=(rows.count, cols.m))
    A.has_sorted_indices = True
    tier = cols.is_tier
    links = rows.links or [(np.zeros(0, int), np.zeros(0, int), np.zeros(0))]
    bound_link = sp.csr_matrix((np.concatenate([w for _, _, w in links]),
                                (np.concatenate([r for r, _, _ in links]),
                                 np.concatenate([c for _, c, _ in links]))),
                               shape=(rows.count, cols.m))
    return LinearProgram(
        c=c, A=A, b=np.concatenate(rows.b) * scale, is_eq=np.concatenate(rows.eq),
        lb=np.zeros(cols.m), ub=cols.ub,
        names=Names(scenario.channel_names, scenario.group_names,
                    tuple(p.name for p in scenario.periods)),
        col_kind=cols.kind, col_channel=cols.channel, col_period=cols.period,
        col_tier=cols.tier, col_start=cols.start, col_cpl=cols.cpl, col_spend=cols.spend,
        col_value_per_dollar=np.where(tier, cols.value, 0.0),
        col_customers_per_dollar=np.where(tier, cols.customers, 0.0),
        integrality=np.array([k is not ColKind.TIER for k in cols.kind], dtype=np.int8),
        row_kind=tuple(rows.kind),
        row_channel=np.concatenate(rows.channel).astype(np.int64),
        row_group=np.concatenate(rows.group).astype(np.int64),
        row_period=np.concatenate(rows.period).astype(np.int64),
        row_limit=np.concatenate(rows.limit), row_source=tuple(rows.source), row_scale=scale,
        objective=scenario.objective, n_periods=scenario.n_periods, bound_link=bound_link,
        col_margin_customers=cols.margin_customers if cols.margin_customers.any() else None,
        row_offset=rows.offsets() if rows.offset_rows else None,
        col_counted=cols.timing.counted if scenario.accounting == "in_window" else None,
        col_npv=cols.npv if scenario.discount_rate is not None or scenario.objective == "npv"
        else None)


def _csr_triplets(r: np.ndarray, j: np.ndarray, v: np.ndarray, n_cols: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (row, column, value) triplets in row-major order, entries at the same place
    summed and zeros dropped: the CSR arrays without scipy's per-call overhead (a small
    program is built in a fraction of a millisecond, which sweeps of thousands need)."""
    key = r.astype(np.int64) * max(n_cols, 1) + j
    order = np.argsort(key, kind="stable")
    key, v = key[order], v[order]
    if key.size > 1 and np.any(key[1:] == key[:-1]):
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        v = np.add.reduceat(v, starts)
        key = key[starts]
    keep = v != 0
    key, v = key[keep], v[keep]
    return key // max(n_cols, 1), key % max(n_cols, 1), v.astype(float)
