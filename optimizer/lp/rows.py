"""Accumulating sparse rows as triplets, with their metadata; one call per block of rows."""

from __future__ import annotations

import numpy as np

from .kinds import RowKind


class RowWriter:
    """Rows of the program as (row, column, value) triplets plus per-row metadata."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.b: list[np.ndarray] = []
        self.eq: list[np.ndarray] = []
        self.kind: list[RowKind] = []
        self.channel: list[np.ndarray] = []
        self.group: list[np.ndarray] = []
        self.period: list[np.ndarray] = []
        self.limit: list[np.ndarray] = []
        self.source: list[str] = []
        self.count = 0
        self.links: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.offset_rows: dict[int, float] = {}

    def offset(self, value: float) -> None:
        """What the last row written counts that no column holds (a pipeline's customers):
        its activity is A x plus this, and its right-hand side already leaves room for it."""
        if value:
            self.offset_rows[self.count - 1] = float(value)

    def offsets(self) -> np.ndarray:
        out = np.zeros(self.count)
        for r, v in self.offset_rows.items():
            out[r] = v
        return out

    def link(self, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> None:
        """Columns whose upper bound moves with these rows' limits (d ub / d limit): the
        last tier of a channel whose spend bound is where its tiers end."""
        self.links.append((rows, cols, weights))

    def block(self, kind: RowKind, local_rows: np.ndarray, cols: np.ndarray,
              vals: np.ndarray, b: np.ndarray, limit: np.ndarray, *,
              channel: np.ndarray | None = None, group: np.ndarray | None = None,
              period: np.ndarray | None = None, eq: bool = False,
              sources: list[str] | None = None, kinds: list[RowKind] | None = None) -> None:
        """len(b) rows of one kind (or of `kinds`, one per row); entry k of `local_rows`
        says which row each value is in."""
        n = int(b.size)
        if n == 0:
            return
        self.rows.append(local_rows + self.count)
        self.cols.append(cols)
        self.vals.append(vals)
        self.b.append(b.astype(float))
        self.eq.append(np.full(n, eq))
        row_kinds = kinds if kinds is not None else [kind] * n
        self.kind.extend(row_kinds)
        self.channel.append(channel if channel is not None else np.full(n, -1))
        self.group.append(group if group is not None else np.full(n, -1))
        self.period.append(period if period is not None else np.full(n, -1))
        self.limit.append(limit.astype(float))
        self.source.extend(sources if sources is not None else [str(k) for k in row_kinds])
        self.count += n

    def row(self, kind: RowKind, cols: np.ndarray, vals: np.ndarray, b: float, limit: float,
            *, channel: int = -1, group: int = -1, period: int = -1, eq: bool = False,
            source: str | None = None) -> None:
        """One row (zero coefficients dropped)."""
        keep = vals != 0
        self.block(kind, np.zeros(int(keep.sum()), dtype=np.int64), cols[keep], vals[keep],
                   np.array([b]), np.array([limit]), channel=np.array([channel]),
                   group=np.array([group]), period=np.array([period]), eq=eq,
                   sources=None if source is None else [source])

    def per_channel(self, kind: RowKind, mask: np.ndarray, cc: np.ndarray,
                    weights: np.ndarray, b: np.ndarray, limit: np.ndarray,
                    sources: list[str]) -> np.ndarray:
        """One row per channel in `mask`: sum over its columns of weights_j * x_j <= b.
        Returns the rows' positions, in channel order."""
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return idx
        local = np.full(mask.size, -1)
        local[idx] = np.arange(idx.size)
        sel = mask[cc] & (weights != 0)
        first = self.count
        self.block(kind, local[cc[sel]], np.flatnonzero(sel), weights[sel], b[idx], limit[idx],
                   channel=idx, sources=[sources[i] for i in idx])
        return first + np.arange(idx.size)
