"""Channel economics from counts and values: Beta intervals for rates, a robust CLV with a
bootstrap interval, and fitted diminishing returns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def beta_interval(k: int, n: int, level: float = 0.9) -> tuple[float, float]:
    from scipy.stats import beta

    tail = (1 - level) / 2
    low, high = beta.ppf([tail, 1 - tail], k + 1, n - k + 1)
    return float(low), float(high)


def robust_means(values: np.ndarray, method: str) -> np.ndarray:
    """The CLV estimate of each row of `values` (one sample per row), vectorised."""
    if method == "median":
        return np.median(values, axis=1)
    if method == "mean":
        return values.mean(axis=1)
    lo, hi = np.quantile(values, [0.05, 0.95], axis=1)
    med = np.median(values, axis=1)
    spread = 3 * 1.4826 * np.median(np.abs(values - med[:, None]), axis=1)  # 3 robust SDs
    lo = np.where(spread > 0, np.maximum(lo, med - spread), lo)
    hi = np.where(spread > 0, np.minimum(hi, med + spread), hi)
    return np.clip(values, lo[:, None], hi[:, None]).mean(axis=1)


def estimate_clv(deal_values: pd.DataFrame, channel: str, pooled: np.ndarray, cfg: dict,
         rng: np.random.Generator) -> tuple[float | None, float | None, float | None, str, int]:
    """(CLV, 90% low, 90% high, method text, deals used)."""
    method = cfg["method"]
    minimum = int(cfg["min_deals"])
    own = deal_values.loc[deal_values["channel"] == channel, "value"].to_numpy(dtype=float)
    values, where = (own, "this channel's") if own.size >= minimum else (pooled, "all channels'")
    if values.size < minimum:
        default = cfg["default"]
        if default is None:
            return None, None, None, f"none: {own.size} deal value(s), fewer than {minimum}", 0
        return float(default), None, None, (f"clv.default from the mapping ({own.size} deal "
                                            f"value(s) here, {pooled.size} in all)"), 0
    point = float(robust_means(values[None, :], method)[0])
    resamples = 1000 if values.size <= 500 else 300  # bounded work on large channels
    boot = rng.choice(values, size=(resamples, values.size), replace=True)
    means = robust_means(boot, method)
    low, high = np.quantile(means, [0.05, 0.95])
    q1, q3 = np.quantile(values, [0.25, 0.75])
    outliers = int(((values > q3 + 3 * (q3 - q1)) | (values < q1 - 3 * (q3 - q1))).sum())
    label = {"winsorized_mean": "winsorized mean (clipped at the 5th/95th percentiles and "
                                "3 robust SDs from the median)", "median": "median",
             "mean": "mean"}[method]
    text = (f"{label} of {where} {values.size} deal values, bootstrap 90% interval"
            + (f"; {outliers} outlier(s) beyond 3 IQR" if outliers else ""))
    low, high = float(min(low, point)), float(max(high, point))
    if low == high:
        low, high = None, None  # no spread to sample
    return point, low, high, text, int(values.size)


def fit_curve(spend: pd.DataFrame, leads: pd.DataFrame, cfg: dict, horizon: int
               ) -> dict[str, Any] | None:
    """Fit leads per spend period to L (1 - exp(-s / k)); None when there are too few
    periods. `used` says whether the fit is clear enough to replace the flat CPL."""
    from scipy.optimize import curve_fit

    if not cfg["fit"]:
        return None
    by_period = spend.groupby("period")["spend"].sum().sort_index()
    if len(by_period) < int(cfg["min_periods"]):
        return None
    starts = by_period.index.to_numpy()
    idx = np.searchsorted(starts, leads["created"].to_numpy(), side="right") - 1
    counts = np.bincount(idx[idx >= 0], minlength=len(starts)).astype(float)
    s = by_period.to_numpy(dtype=float)
    keep = s > 0
    s, y = s[keep], counts[keep]
    out: dict[str, Any] = {"periods": int(keep.sum()), "max_observed_spend": float(s.max())}
    if keep.sum() < int(cfg["min_periods"]) or y.sum() == 0:
        return None

    def curve(x: np.ndarray, L: float, k: float) -> np.ndarray:
        return L * -np.expm1(-x / k)

    try:
        (L, k), cov = curve_fit(curve, s, y, p0=(2 * y.max(), s.max()),
                                bounds=([1e-9, 1e-9], [np.inf, np.inf]), maxfev=10000)
        err = np.sqrt(np.diag(cov))
    except (RuntimeError, ValueError) as exc:
        out.update({"used": False, "note": f"fit failed ({exc}); flat CPL kept"})
        return out
    pred = curve(s, L, k)
    ss_res = float(((y - pred) ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    saturating = k <= 3 * s.max()
    clear = bool(np.isfinite(err).all() and r2 >= 0.5 and saturating
                 and err[1] <= 0.5 * k)
    cap = float(cfg["max_extrapolation"]) * s.max() * horizon
    out.update({
        "max_leads_per_period": float(L), "max_leads_se": float(err[0]),
        "scale_per_period": float(k), "scale_se": float(err[1]), "r2": r2,
        "used": clear, "plan_max_leads": float(L * horizon), "plan_scale": float(k * horizon),
        "plan_max_spend": cap,
        "note": (f"response curve fitted on {int(keep.sum())} periods (R² {r2:.2f}); spend "
                 f"capped at {cfg['max_extrapolation']:g}x the largest observed period "
                 "(beyond it the curve is an extrapolation)") if clear else
                (f"no clear saturation in {int(keep.sum())} periods (R² {r2:.2f}, scale "
                 f"{k:,.0f} vs largest spend {s.max():,.0f}); flat CPL kept"),
    })
    return out
