"""Charts as matplotlib Figures (notebook helpers, PNGs for Markdown, SVGs for HTML).

Figures are built with the object API (`matplotlib.figure.Figure`), never through pyplot, so
nothing global is touched and no window is opened. matplotlib is imported only here.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..analysis.compare import Comparison
    from ..analysis.frontier import Frontier
    from ..analysis.risk import RiskProfile
    from ..results.plan import PlanResult
    from ..scenario.model import Channel, Scenario

CURRENT, OPTIMAL, ACCENT, WARN = "#9aa5b1", "#1f6fb2", "#2a9d8f", "#d1495b"


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def money_tick(value: float, currency: str) -> str:
    """A compact currency tick: $1.2M, $60k, $45, -$5k."""
    symbol = fmt.SYMBOLS.get(currency.upper())
    size = abs(value)
    body = (f"{size / 1e6:,.1f}M".replace(".0M", "M") if size >= 1e6 else
            f"{size / 1e3:,.0f}k" if size >= 1e3 else f"{size:,.0f}")
    sign = "-" if value < 0 and body.strip("0.kM,") else ""
    return f"{sign}{symbol}{body}" if symbol else f"{sign}{body} {currency}"


def _money_axis(ax: Axes, currency: str, axis: str = "x") -> None:
    """Currency ticks, few enough that their labels never collide."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(nbins=5 if axis == "x" else 6, min_n_ticks=2))
    target.set_major_formatter(FuncFormatter(lambda v, _: money_tick(v, currency)))


def spend_chart(result: PlanResult) -> Figure:
    """Current vs optimal spend per channel."""
    now = result.current_channels["spend"]
    best = result.channels["spend"] if result.channels is not None else now * np.nan
    names = list(now.index)
    fig = _figure(8, 0.5 * len(names) + 1.4)
    ax = fig.add_subplot()
    y = np.arange(len(names))
    ax.barh(y - 0.2, now.to_numpy(), 0.4, label="Current", color=CURRENT)
    ax.barh(y + 0.2, best.to_numpy(), 0.4, label="Optimal", color=OPTIMAL)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    _money_axis(ax, result.scenario.currency)
    ax.set_title(f"{result.scenario.name}: current vs optimal spend")
    fig.legend(loc="outside lower center", ncol=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


def operational_chart(result: PlanResult) -> Figure:
    """Operational view: CPL and leads by channel (optimal plan)."""
    frame = result.channels if result.channels is not None else result.current_channels
    names = list(frame.index)
    fig = _figure(9, 0.45 * len(names) + 1.6)
    left, right = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(names))
    cpl = [c.cpl for c in result.scenario.channels]
    left.barh(y, cpl, color=ACCENT)
    left.set_yticks(y, names)
    left.invert_yaxis()
    left.set_title("CPL (first tier)")
    _money_axis(left, result.scenario.currency)
    right.barh(y, frame["leads"].to_numpy(), color=OPTIMAL)
    right.set_title("Leads in the plan")
    for ax in (left, right):
        ax.grid(axis="x", alpha=0.3)
    return fig


def strategic_chart(result: PlanResult) -> Figure:
    """Strategic view: CLV:CPA by channel against the floor, and net value."""
    frame = result.channels if result.channels is not None else result.current_channels
    sc = result.scenario
    names = list(frame.index)
    ratio = [c.lead_to_close * c.clv / c.cpl for c in sc.channels]
    fig = _figure(9, 0.45 * len(names) + 1.6)
    left, right = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(names))
    floor = sc.constraints.min_clv_to_cpa
    colors = [WARN if floor is not None and r < floor else ACCENT for r in ratio]
    left.barh(y, ratio, color=colors)
    if floor is not None:
        left.axvline(floor, color="black", linestyle="--", linewidth=1, label=f"floor {floor:g}")
        left.legend(loc="lower right")
    left.set_yticks(y, names)
    left.invert_yaxis()
    left.set_title("CLV:CPA at the first dollar")
    right.barh(y, frame["net_value"].to_numpy(), color=OPTIMAL)
    right.set_title("Net value in the plan")
    _money_axis(right, sc.currency)
    for ax in (left, right):
        ax.grid(axis="x", alpha=0.3)
    return fig


def comparison_chart(comparison: Comparison) -> Figure:
    """Net value of every scenario (current plan first); infeasible ones marked."""
    table = comparison.table
    names = list(table["scenario"])
    values = table["net_value"].to_numpy(dtype=float)
    fig = _figure(8, 0.45 * len(names) + 1.4)
    ax = fig.add_subplot()
    y = np.arange(len(names))
    colors = [CURRENT if p == "current" else OPTIMAL for p in table["plan"]]
    ax.barh(y, np.nan_to_num(values), color=colors)
    for k, v in enumerate(values):
        if math.isnan(v):
            ax.text(0, k, "  infeasible", va="center", color=WARN)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    cur = comparison.results[0].scenario.currency if comparison.results else "USD"
    _money_axis(ax, cur)
    ax.set_title("Net value by scenario")
    ax.grid(axis="x", alpha=0.3)
    return fig


def frontier_chart(front: Frontier) -> Figure:
    """Optimal net value against the budget, with what the next dollar earns."""
    from matplotlib.ticker import FuncFormatter

    pts = front.points
    fig = _figure(8, 4)
    ax = fig.add_subplot()
    ax.plot(pts["budget"], pts["net_value"], color=OPTIMAL, marker="o", markersize=3,
            label="optimal net value")
    ax.set_xlabel(f"budget ({front.scenario.currency})")
    ax.set_ylabel(f"net value ({front.scenario.currency})")
    _money_axis(ax, front.scenario.currency)
    _money_axis(ax, front.scenario.currency, "y")
    twin = ax.twinx()
    twin.step(pts["budget"], pts["marginal_net_value"], where="post", color=ACCENT,
              label="next $ earns")
    twin.set_ylabel("net value of the next dollar")
    twin.yaxis.set_major_formatter(FuncFormatter(
        lambda v, _: money_tick(v, front.scenario.currency) if abs(v) >= 10 else f"{v:.2f}"))
    if front.saturation_budget is not None:
        ax.axvline(front.saturation_budget, color=WARN, linestyle="--", linewidth=1,
                   label="saturation")
    ax.axvline(front.scenario.budget, color="black", linestyle=":", linewidth=1,
               label="scenario budget")
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    fig.legend(lines[0] + more[0], lines[1] + more[1], loc="outside lower center", ncol=4,
               frameon=False)
    ax.set_title(f"{front.scenario.name}: budget frontier")
    ax.grid(alpha=0.3)
    return fig


def response_chart(result: PlanResult) -> Figure:
    """One small chart per channel: leads against spend (its tiers or its curve), with the
    current and the optimal spend marked."""
    from matplotlib.ticker import MaxNLocator

    sc = result.scenario
    now = result.current_channels["spend"]
    best = result.channels["spend"] if result.channels is not None else None
    n = len(sc.channels)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig = _figure(3.2 * cols, 2.4 * rows + 0.6)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, ch in zip(axes, sc.channels, strict=False):
        marks = [float(now[ch.name])] + ([float(best[ch.name])] if best is not None else [])
        spend = np.linspace(0.0, chart_end(sc, ch, max(marks)), 200)
        ax.plot(spend, leads_at(ch, spend), color=ACCENT)
        ax.axvline(marks[0], color=CURRENT, linestyle="--", linewidth=1.2, label="current")
        if best is not None:
            ax.axvline(marks[1], color=OPTIMAL, linewidth=1.6, label="optimal")
        ax.set_title(ch.name, fontsize=9)
        ax.set_ylabel("leads", fontsize=8)
        ax.tick_params(labelsize=7)
        _money_axis(ax, sc.currency)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3))
        ax.grid(alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False)
    fig.suptitle("Response of each channel: leads against spend", fontsize=10)
    return fig


def chart_end(sc: Scenario, ch: Channel, marked: float) -> float:
    """Where a channel's chart ends: its own cap, else past the spends marked on it."""
    cap = min(sc.spend_bounds(ch)[2], sc.budget)
    top = ch.tiers[-1].up_to if ch.tiers and math.isfinite(ch.tiers[-1].up_to) else cap
    end = min(cap, top) if math.isfinite(min(cap, top)) else 1.5 * max(marked, 1.0)
    return max(end, 1.2 * marked, 1.0)


def leads_at(ch: Channel, spend: np.ndarray) -> np.ndarray:
    """Leads bought by `spend` on the channel (whole horizon)."""
    if ch.response is not None:
        return np.asarray(ch.response.leads(spend), dtype=float)
    leads, start, total = np.zeros_like(spend), 0.0, 0.0
    for tier in ch.tiers:
        width = tier.up_to - start
        inside = np.clip(spend - start, 0.0, width)
        leads += inside / tier.cpl
        total += width / tier.cpl if math.isfinite(width) else 0.0
        start = tier.up_to
    return leads


def risk_chart(profile: RiskProfile, currency: str) -> Figure:
    """The fan of net value per plan: P10 to P90 as a bar, P50 as a mark."""
    table = profile.summary
    names = [f"{s} ({k})" if k == "current" else str(s)
             for s, k in zip(table["scenario"], table["kind"], strict=True)]
    fig = _figure(8, 0.5 * len(names) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(names))
    p10, p50, p90 = (table[f"net_value_p{q}"].to_numpy(dtype=float) for q in (10, 50, 90))
    colors = [CURRENT if k == "current" else OPTIMAL for k in table["kind"]]
    _fan(ax, y, names, p10, p50, p90, colors, 0.45)
    return _finish(fig, ax, currency,
                   f"net value ({currency}) over {profile.draws:,} draws of the inputs",
                   "Net value under uncertainty")


def _fan(ax: Axes, y: np.ndarray, names: list[str], p10: np.ndarray, p50: np.ndarray,
         p90: np.ndarray, color: str | list[str], height: float) -> None:
    """P10 to P90 as a bar per name, P50 as a mark."""
    ax.barh(y, p90 - p10, left=p10, height=height, color=color, alpha=0.55, label="P10 to P90")
    ax.scatter(p50, y, color="black", zorder=3, s=18, label="P50")
    ax.margins(x=0.06)
    ax.set_yticks(y, names)
    ax.invert_yaxis()


def _finish(fig: Figure, ax: Axes, currency: str, xlabel: str, title: str) -> Figure:
    """Money ticks, labels, the legend below and a light grid."""
    _money_axis(ax, currency)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    fig.legend(loc="outside lower center", ncol=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


TORNADO_BARS = 15  # inputs shown in a tornado chart (all are in tornado.csv)


def tornado_chart(summary: dict[str, Any]) -> Figure:
    """Optimal net value with each input lowered and raised, one at a time: a bar from the
    one to the other around the base plan's net value, widest first."""
    tor = summary["tornado"]
    rows = [r for r in tor["inputs"] if r["net_value_low"] is not None
            and r["net_value_high"] is not None][:TORNADO_BARS]
    cur = summary["currency"]
    fig = _figure(8, 0.38 * max(len(rows), 1) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    base = rows[0]["net_value_base"] if rows else 0.0
    low = np.array([r["net_value_low"] for r in rows], dtype=float)
    high = np.array([r["net_value_high"] for r in rows], dtype=float)
    ax.barh(y, low - base, left=base, height=0.6, color=WARN, alpha=0.75, label="input lowered")
    ax.barh(y, high - base, left=base, height=0.6, color=OPTIMAL, alpha=0.75,
            label="input raised")
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_yticks(y, [f"{r['input']} ({r['how']})" for r in rows])
    ax.invert_yaxis()
    ax.margins(x=0.08)
    return _finish(fig, ax, cur, f"optimal net value ({cur}), re-optimised with one input "
                   "moved", "What moves the plan's value most")


def sweep_spend_chart(summary: dict[str, Any]) -> Figure:
    """P10 to P90 of each channel's optimal spend across a sweep's cells (first group), P50
    marked."""
    rows = [r for r in summary["spend"] if r["group"] == summary["spend"][0]["group"]]
    names = [r["channel"] for r in rows]
    fig = _figure(8, 0.45 * len(names) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(names))
    p10, p50, p90 = (np.array([r[q] for r in rows], dtype=float) for q in ("p10", "p50", "p90"))
    _fan(ax, y, names, p10, p50, p90, OPTIMAL, 0.5)
    cur = summary["currency"]
    return _finish(fig, ax, cur, f"optimal spend ({cur}) across the cells with a plan",
                   "Optimal spend per channel across the sweep")


def to_png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def to_svg(fig: Figure, salt: str = "chanopt") -> str:
    """Inline SVG, the same bytes on every run: no date, and element ids derived from
    `salt` (one per chart of a page, so that ids never clash) instead of random ones."""
    import matplotlib as mpl

    buffer = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": salt}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype for inline use
