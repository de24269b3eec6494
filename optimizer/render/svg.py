"""Charts drawn directly as small inline SVG, for the live planner (`chanopt ui`).

matplotlib (`render/charts.py`) takes 70-370 ms a figure, longer than the plan it shows;
these take well under a millisecond, so the page redraws while a slider moves. The numbers
behind them come from the same places as the report's charts (`charts.leads_at`,
`charts.chart_end`, `charts.money_tick`); only the drawing differs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

import numpy as np

from .charts import ACCENT, CURRENT, OPTIMAL, money_tick

FONT = 'font-family="system-ui,sans-serif" font-size="11"'


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering lo..hi."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step) * step
    return [start + k * step for k in range(int((hi - start) / step + 1e-9) + 1)]


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(label)}" {FONT}>' + "".join(body) + "</svg>")


def _money_axis(ticks: list[float], px: Callable[[float], float], top: int, height: int,
                currency: str) -> list[str]:
    """Vertical grid lines at the ticks, with money labels below (bar and fan charts)."""
    out = []
    for t in ticks:
        x = px(t)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - 22}" '
                   'stroke="#e6ebf0"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle">'
                   f'{escape(money_tick(t, currency))}</text>')
    return out


def _label(left: int, y: int, name: str) -> str:
    """A row's name, right-aligned before the plot area."""
    return f'<text x="{left - 6}" y="{y}" text-anchor="end">{escape(name)}</text>'


def spend_bars(names: Sequence[str], current: Sequence[float],
               optimal: Sequence[float] | None, currency: str) -> str:
    """Current (grey) and optimal (blue) spend per channel as horizontal bars."""
    left, width, row = 150, 560, 30
    height = 40 + row * len(names)
    top_value = max([*current, *(optimal or []), 1.0])
    ticks = _ticks(0.0, top_value)
    scale = (width - left - 20) / max(ticks[-1], top_value)
    body = _money_axis(ticks, lambda t: left + t * scale, 10, height, currency)
    for i, name in enumerate(names):
        y = 12 + i * row
        body.append(_label(left, y + 15, name))
        body.append(f'<rect x="{left}" y="{y}" width="{current[i] * scale:.1f}" height="10" '
                    f'fill="{CURRENT}"><title>current {escape(money_tick(current[i], currency))}'
                    '</title></rect>')
        if optimal is not None:
            body.append(f'<rect x="{left}" y="{y + 11}" width="{optimal[i] * scale:.1f}" '
                        f'height="10" fill="{OPTIMAL}"><title>optimal '
                        f'{escape(money_tick(optimal[i], currency))}</title></rect>')
    return _svg(width, height, body, "current and optimal spend per channel")


def line_chart(xs: np.ndarray, ys: np.ndarray, currency: str, *, mark_x: float | None = None,
               mark_label: str = "", dashed_x: float | None = None, dashed_label: str = "",
               y_money: bool = True, label: str = "", size: tuple[int, int] = (560, 240)
               ) -> str:
    """One line of y against x (money on x), a solid mark and a dashed mark."""
    width, height = size
    left, right, top, bottom = 62, 12, 14, 30
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[ok], ys[ok]
    marks = [v for v in (mark_x, dashed_x) if v is not None and math.isfinite(v)]
    x_hi = max([*xs.tolist(), *marks, 1.0])
    y_lo, y_hi = (min(0.0, float(ys.min())), float(ys.max())) if ys.size else (0.0, 1.0)
    if y_hi <= y_lo:
        y_hi = y_lo + 1.0
    xt, yt = _ticks(0.0, x_hi, 5), _ticks(y_lo, y_hi, 5)
    x_hi, y_lo, y_hi = max(x_hi, xt[-1]), min(y_lo, yt[0]), max(y_hi, yt[-1])

    def px(v: float) -> float:
        return left + (v / x_hi) * (width - left - right)

    def py(v: float) -> float:
        return top + (1 - (v - y_lo) / (y_hi - y_lo)) * (height - top - bottom)

    body = []
    for t in yt:
        body.append(f'<line x1="{left}" y1="{py(t):.1f}" x2="{width - right}" y2="{py(t):.1f}" '
                    'stroke="#e6ebf0"/>')
        text = money_tick(t, currency) if y_money else f"{t:,.0f}"
        body.append(f'<text x="{left - 4}" y="{py(t) + 4:.1f}" text-anchor="end">'
                    f'{escape(text)}</text>')
    for t in xt:
        body.append(f'<text x="{px(t):.1f}" y="{height - 10}" text-anchor="middle">'
                    f'{escape(money_tick(t, currency))}</text>')
    if xs.size:
        points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xs, ys, strict=True))
        body.append(f'<polyline points="{points}" fill="none" stroke="{ACCENT}" '
                    'stroke-width="2"/>')
    for value, text, style, color in ((dashed_x, dashed_label, ' stroke-dasharray="4 3"',
                                       CURRENT), (mark_x, mark_label, "", OPTIMAL)):
        if value is None or not math.isfinite(value):
            continue
        x = px(value)
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}" '
                    f'stroke="{color}" stroke-width="1.6"{style}><title>{escape(text)}</title>'
                    '</line>')
    return _svg(width, height, body, label)


def fan(names: Sequence[str], p10: Sequence[float], p50: Sequence[float],
        p90: Sequence[float], currency: str) -> str:
    """P10 to P90 as a bar per plan, P50 as a dot."""
    left, width, row = 190, 560, 26
    height = 36 + row * len(names)
    values = [v for v in (*p10, *p90) if math.isfinite(v)] or [0.0, 1.0]
    lo, hi = min(values), max(values)
    pad = 0.06 * (hi - lo or 1.0)
    ticks = _ticks(lo - pad, hi + pad)
    lo, hi = min(lo - pad, ticks[0]), max(hi + pad, ticks[-1])

    def px(v: float) -> float:
        return left + (v - lo) / (hi - lo) * (width - left - 16)

    body = _money_axis(ticks, px, 8, height, currency)
    for i, name in enumerate(names):
        y = 10 + i * row
        body.append(_label(left, y + 13, name))
        if not all(math.isfinite(v) for v in (p10[i], p50[i], p90[i])):
            continue
        body.append(f'<rect x="{px(p10[i]):.1f}" y="{y + 2}" '
                    f'width="{max(px(p90[i]) - px(p10[i]), 1):.1f}" height="14" '
                    f'fill="{OPTIMAL}" opacity="0.5"/>')
        body.append(f'<circle cx="{px(p50[i]):.1f}" cy="{y + 9}" r="3.5" fill="#1d2733">'
                    f'<title>P50 {escape(money_tick(p50[i], currency))}</title></circle>')
    return _svg(width, height, body, "net value from P10 to P90 per plan")


LEGEND = (f'<span style="color:{CURRENT}">&#9632; current</span> '
          f'<span style="color:{OPTIMAL}">&#9632; optimal</span>')
