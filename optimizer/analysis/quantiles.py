"""The beta distribution's inverse CDF by a table, for many draws at once.

scipy's `betaincinv` costs 0.86 microseconds a value: 17 of the 22 s of 100,000 draws of a
200-channel plan. Its quantile function is smooth in the normal score z = ndtri(u), and so
is its logarithm, even in the tails (near 0 it behaves like a power of Phi(z)). So log q is
tabulated at 2,049 evenly spaced z over the draws' range (u from 1e-12 to 1 - 1e-12) with
its derivative d log q / dz = phi(z) / (pdf(q) q), and read by cubic Hermite interpolation:
about 55 ns a value, within 2e-12 of `betaincinv` (relative; tests/test_risk.py checks
this over counts from 1 in 2 to 500 in 10,001). The upper half of the table is computed
from the complement (`betainccinv` of 1 - u, exact there) so that no precision is lost
where u is close to 1. A table costs 2,049 exact evaluations (2-7 ms), so it is used only
from `TABLE_FROM` draws on; fewer draws use `betaincinv` itself.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

TABLE_FROM = 20_000  # draws of one input from which a table pays for itself
NODES = 2048
Z_END = 7.0344869100478356 + 1e-9  # -ndtri(1e-12): the draws are clipped to [1e-12, 1 - 1e-12]


@lru_cache(maxsize=4096)
def _table(a: float, b: float) -> tuple[float, float, np.ndarray]:
    """(first node, node spacing, per interval the power-form coefficients of the cubic
    Hermite interpolant of log q in s = (z - z_k) / h: c0 + s (c1 + s (c2 + s c3)))."""
    from scipy.special import betainccinv, betaincinv, betaln, ndtr

    z = np.linspace(-Z_END, Z_END, NODES + 1)
    low = z <= 0
    q = np.empty_like(z)
    q[low] = betaincinv(a, b, ndtr(z[low]))
    q[~low] = betainccinv(a, b, ndtr(-z[~low]))
    y = np.log(q)
    logpdf = (a - 1) * y + (b - 1) * np.log1p(-q) - betaln(a, b)
    h = float(z[1] - z[0])
    hd = h * np.exp(-0.5 * z * z - 0.5 * np.log(2 * np.pi) - logpdf - y)  # h d log q / dz
    y0, y1, d0, d1 = y[:-1], y[1:], hd[:-1], hd[1:]
    coef = np.c_[y0, d0, 3 * (y1 - y0) - 2 * d0 - d1, 2 * (y0 - y1) + d0 + d1]
    return float(z[0]), h, coef


def beta_ppf(a: float, b: float, u: np.ndarray) -> np.ndarray:
    """Beta(a, b)'s quantiles at probabilities u in [1e-12, 1 - 1e-12] (see module doc)."""
    from scipy.special import ndtri

    z0, h, coef = _table(float(a), float(b))
    s = ndtri(u)
    s -= z0
    s /= h
    i = s.astype(np.int64)
    np.clip(i, 0, NODES - 1, out=i)
    s -= i
    c = coef[i]
    out = c[:, 3] * s
    out += c[:, 2]
    out *= s
    out += c[:, 1]
    out *= s
    out += c[:, 0]
    np.exp(out, out=out)
    return np.minimum(out, 1.0, out=out)
