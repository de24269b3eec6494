"""Why each channel got what it got, in plain words, from what binds at the optimum."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import fmt
from .lp import LinearProgram, channel_spend
from .model import Scenario

TOL = 1e-6


def explain_channels(scenario: Scenario, lp: LinearProgram, x: np.ndarray,
                     constraints: pd.DataFrame, marginal_cpl: np.ndarray) -> list[str]:
    """One sentence per channel, in scenario order."""
    cur = scenario.currency
    n = len(scenario.channels)
    spend = channel_spend(lp, x, n)
    binding = constraints[constraints["binding"]]
    by_channel = {name: set(rows["kind"]) for name, rows in binding.groupby("channel")}
    members = {g.name: set(g.channels) for g in scenario.constraints.groups}
    price = {(r.kind, r.channel): float(r.shadow_price) for r in binding.itertuples()}
    group_price: dict[str, float] = {}
    for r in binding.itertuples():
        if r.group is not None:
            group_price[r.group] = max(group_price.get(r.group, 0.0), abs(float(r.shadow_price)))
    groups_binding = [r.group for r in binding.itertuples() if r.group is not None]
    caps = [r.kind for r in binding.itertuples()
            if r.kind in ("max_leads", "max_sqls", "max_customers", "blended_clv_to_cpa_floor")]
    budget_binds = "budget" in set(binding["kind"])
    out = []
    for i, ch in enumerate(scenario.channels):
        kinds = by_channel.get(ch.name, set())
        ratio0 = ch.lead_to_close * ch.clv / ch.cpl
        floor = scenario.floor_of(ch)
        lo, lo_src, hi, hi_src = scenario.spend_bounds(ch)
        in_groups = [g for g in groups_binding if ch.name in members[g]]
        s = spend[i]
        if s <= TOL * max(1.0, scenario.budget):
            if floor is not None and ratio0 < floor - 1e-12:
                extra = " (and below 1: it would lose money)" if ratio0 < 1 else ""
                out.append(f"excluded: CLV:CPA {fmt.ratio(ratio0)} is below the "
                           f"{fmt.plain(floor)} floor{extra}")
            elif ratio0 <= 1:
                out.append(f"excluded: CLV:CPA {fmt.ratio(ratio0)} is below 1, every dollar "
                           "would lose money")
            elif hi <= TOL:
                out.append("held at $0 by max_change (it has no current spend)"
                           if hi_src == "max_change" else f"held at $0 by its {hi_src}")
            elif in_groups:
                out.append(f"not funded: limited by the group share of {', '.join(in_groups)}")
            elif caps:
                out.append(f"not funded: {caps[0]} is used by channels that earn more per unit")
            elif "max_active_channels" in set(binding["kind"]):
                limit = scenario.constraints.max_active_channels
                out.append(f"not funded: max_active_channels allows {limit} channels, and the "
                           "ones chosen earn more together")
            elif ch.fixed_cost > 0 or ch.effective_min_buy > 0:
                what = " and ".join(
                    ([f"its {fmt.money(ch.fixed_cost, cur)} fixed cost"] if ch.fixed_cost else [])
                    + ([f"its {fmt.money(ch.effective_min_buy, cur)} minimum buy"]
                       if ch.effective_min_buy else []))
                out.append(f"not funded: {what} would not pay off against the other channels")
            else:
                out.append("not funded: other channels earn more per dollar and took the budget")
            continue
        # a funded channel: its own bounds first, then what it shares with others. Prices of
        # different constraints are in different units, so only "non-zero" is compared.
        reasons: list[tuple[float, str]] = []
        if "max_spend" in kinds:
            what = {"max_spend": "its max_spend", "max_change": "its max_change limit",
                    "tiers": "the end of its last tier"}[hi_src]
            reasons.append((price.get(("max_spend", ch.name), 0.0),
                            f"at {what} ({fmt.money(hi, cur)})"))
        if "min_spend" in kinds:
            reasons.append((price.get(("min_spend", ch.name), 0.0),
                            f"held at its minimum ({fmt.money(lo, cur)}, {lo_src}); it earns "
                            "less than other channels at the margin"))
        if "clv_to_cpa_floor" in kinds:
            reasons.append((price.get(("clv_to_cpa_floor", ch.name), 0.0),
                            f"held at the {fmt.plain(floor or 0)} floor: more spend would take "
                            f"its CLV:CPA below it (marginal tier CPL "
                            f"{fmt.money(marginal_cpl[i], cur, 2)})"))
        own = len(reasons)
        for g in in_groups:
            reasons.append((group_price[g], f"limited by the group share of {g}"))
        for cap in caps:
            reasons.append((price.get((cap, None), 0.0), f"limited by {cap}"))
        if budget_binds:
            reasons.append((price.get(("budget", None), 0.0),
                            f"where the budget ran out (marginal tier CPL "
                            f"{fmt.money(marginal_cpl[i], cur, 2)})"))
        priced = [text for p, text in reasons[:own] if abs(p) > 1e-9] or \
            [text for p, text in reasons[own:] if abs(p) > 1e-9] or [text for _, text in reasons]
        if priced:
            out.append(priced[0])
        else:
            out.append(f"funded until its next tier (CPL {fmt.money(marginal_cpl[i], cur, 2)}) "
                       "would return less than it costs")
    return out

