"""Random but realistic scenarios with every constraint type, for benchmarks and tests."""

from __future__ import annotations

import math

import numpy as np

from .model import Channel, Constraints, Group, Scenario, Tier


def random_scenario(n_channels: int, n_tiers: int, seed: int = 0, *,
                    all_constraints: bool = True) -> Scenario:
    """A scenario of `n_channels` channels with `n_tiers` diminishing-return tiers each.

    With `all_constraints`, it carries a channel floor, a blended floor, max_change, minimum
    and maximum spends, the three sales capacities and three channel groups with min and max
    shares, tuned so that it is normally feasible and several constraints bind.
    """
    rng = np.random.default_rng(seed)
    channels = []
    for i in range(n_channels):
        cpl0 = rng.uniform(20, 200)
        ltc = rng.uniform(0.01, 0.1)
        clv = rng.uniform(2000, 20000)
        steps = np.cumprod(np.r_[1.0, rng.uniform(1.02, 1.3, n_tiers - 1)])
        widths = rng.uniform(2000, 20000, n_tiers)
        ups = np.cumsum(widths)
        tiers = tuple(Tier(float(u) if k < n_tiers - 1 else math.inf, float(cpl0 * s))
                      for k, (u, s) in enumerate(zip(ups, steps, strict=True)))
        ratio0 = ltc * clv / cpl0
        good = ratio0 >= 4.0
        current = float(rng.uniform(0.3, 0.9) * widths[0]) if good else 0.0
        channels.append(Channel(
            name=f"channel_{i:04d}", tiers=tiers, lead_to_close=float(ltc), clv=float(clv),
            current_spend=current,
            min_spend=0.2 * current if (all_constraints and good and i % 3 == 0) else 0.0,
            max_spend=float(ups[-2] if n_tiers > 1 else widths[0] * 3) if i % 2 else math.inf,
            lead_to_sql=float(min(1.0, ltc * rng.uniform(2, 5))),
            max_change=None if current == 0 else "inherit",
        ))
    total_current = sum(c.current_spend for c in channels) or 10000.0 * n_channels
    budget = float(1.2 * total_current)
    if not all_constraints:
        return Scenario(name=f"synthetic {n_channels}x{n_tiers}", budget=budget,
                        channels=tuple(channels))
    mean_cpl = float(np.mean([c.cpl for c in channels]))
    names = [c.name for c in channels]
    thirds = [tuple(names[k::3]) for k in range(3)]
    groups = tuple(Group(f"group_{k}", members, min_share=0.05, max_share=0.6)
                   for k, members in enumerate(thirds) if members)
    constraints = Constraints(
        min_clv_to_cpa=3.0, min_blended_clv_to_cpa=3.5, max_change=0.5,
        max_leads=0.9 * budget / mean_cpl, max_sqls=0.9 * budget / mean_cpl * 0.15,
        max_customers=0.9 * budget / mean_cpl * 0.05, groups=groups if n_channels >= 3 else ())
    return Scenario(name=f"synthetic {n_channels}x{n_tiers}", budget=budget,
                    channels=tuple(channels), constraints=constraints)


def random_mip_scenario(n_channels: int, n_tiers: int, n_periods: int, seed: int = 0
                        ) -> Scenario:
    """The `random_scenario` with months and commitments: every channel has a fixed cost
    and a minimum buy, a quarter of them are bought in units, a few channels cannot all be
    run (max_active_channels), spend is paced between months and each month has a budget."""
    from dataclasses import replace

    from .model import Period

    rng = np.random.default_rng(seed + 7919)
    base = random_scenario(n_channels, n_tiers, seed)
    channels = []
    for i, ch in enumerate(base.channels):
        width = ch.tiers[0].up_to if math.isfinite(ch.tiers[0].up_to) else 10000.0
        channels.append(replace(
            ch, fixed_cost=float(rng.uniform(0.02, 0.1) * width),
            min_buy=float(rng.uniform(0.2, 0.6) * width),
            unit=float(round(rng.uniform(0.1, 0.3) * width, -2)) if i % 4 == 0 else None,
            max_change=None, min_spend=0.0))
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    periods = tuple(Period(names[p % 12] + ("" if p < 12 else str(p // 12)),
                           budget=float(base.budget / n_periods * rng.uniform(0.9, 1.3)),
                           cpl_multiplier=float(rng.uniform(0.9, 1.15)),
                           capacity_multiplier=float(rng.uniform(0.9, 1.1)))
                    for p in range(n_periods))
    constraints = replace(base.constraints, max_change=None,
                          max_active_channels=max(1, int(0.7 * n_channels)),
                          max_period_change=0.5, max_period_share=0.45)
    return replace(base, name=f"synthetic MILP {n_channels}x{n_tiers}x{n_periods}",
                   channels=tuple(channels), constraints=constraints, periods=periods)
