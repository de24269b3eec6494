"""Charts as matplotlib Figures (notebook helpers, PNGs for Markdown, SVGs for HTML).

Figures are built with the object API (`matplotlib.figure.Figure`), never through pyplot, so
nothing global is touched and no window is opened. matplotlib is imported only here.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

import numpy as np

from .. import fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..analysis.compare import Comparison
    from ..analysis.frontier import Frontier
    from ..results.plan import PlanResult

CURRENT, OPTIMAL, ACCENT, WARN = "#9aa5b1", "#1f6fb2", "#2a9d8f", "#d1495b"


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _money_axis(ax: Axes, currency: str) -> None:
    from matplotlib.ticker import FuncFormatter

    symbol = fmt.SYMBOLS.get(currency.upper(), "")
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _: f"{symbol}{v / 1000:,.0f}k" if abs(v) >= 1000 else f"{symbol}{v:,.0f}"))


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
    ax.set_xlabel("budget")
    ax.set_ylabel("net value")
    _money_axis(ax, front.scenario.currency)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1000:,.0f}k"))
    twin = ax.twinx()
    twin.step(pts["budget"], pts["marginal_net_value"], where="post", color=ACCENT,
              label="next $ earns")
    twin.set_ylabel("net value of the next dollar")
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


def to_png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def to_svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype for inline use
