"""Invariants that must hold for every scenario (hypothesis)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizer import Channel, Constraints, Group, Scenario, Tier, optimize

from . import reference as ref

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-6


@st.composite
def channels(draw, name: str) -> Channel:
    n_tiers = draw(st.integers(1, 3))
    cpls = sorted(draw(st.lists(st.floats(5, 500), min_size=n_tiers, max_size=n_tiers)))
    widths = draw(st.lists(st.floats(100, 5000), min_size=n_tiers, max_size=n_tiers))
    ups = list(np.cumsum(widths))
    if draw(st.booleans()):
        ups[-1] = math.inf
    ltc = draw(st.floats(0, 0.3))
    current = draw(st.floats(0, 4000))
    min_spend = draw(st.sampled_from([0.0, 0.0, 0.5 * current, 200.0]))
    max_spend = draw(st.sampled_from([math.inf, max(min_spend, 1500.0), max(min_spend, 1.5 * current)]))
    return Channel(name=name, tiers=tuple(Tier(u, c) for u, c in zip(ups, cpls, strict=True)),
                   lead_to_close=ltc, clv=draw(st.floats(0, 20000)), current_spend=current,
                   min_spend=min_spend, max_spend=max_spend,
                   lead_to_sql=min(1.0, ltc * 3))


@st.composite
def scenarios(draw) -> Scenario:
    n = draw(st.integers(1, 5))
    chans = tuple(draw(channels(f"c{i}")) for i in range(n))
    groups: tuple[Group, ...] = ()
    if n >= 2 and draw(st.booleans()):
        members = tuple(c.name for c in chans[: draw(st.integers(1, n - 1))])
        lo = draw(st.sampled_from([None, 0.1, 0.3]))
        hi = draw(st.sampled_from([None, 0.5, 0.8]))
        if lo is not None or hi is not None:
            groups = (Group("g", members, lo, hi),)
    cons = Constraints(
        min_clv_to_cpa=draw(st.sampled_from([None, 1.0, 3.0])),
        min_blended_clv_to_cpa=draw(st.sampled_from([None, 2.0, 4.0])),
        max_change=draw(st.sampled_from([None, 0.3, 1.0])),
        max_leads=draw(st.sampled_from([None, 50.0, 500.0])),
        max_sqls=draw(st.sampled_from([None, 30.0])),
        max_customers=draw(st.sampled_from([None, 5.0])),
        groups=groups)
    return Scenario(name="h", budget=draw(st.floats(100, 20000)), channels=chans,
                    constraints=cons, use_full_budget=draw(st.booleans()))


def check_feasible(sc: Scenario, result) -> None:
    """The plan against the reference model's reading of docs/model.md (tests/reference.py),
    not against the LP rows or the model's helper methods."""
    frame = result.channels
    media = frame["spend"].to_numpy()[None, :]
    problems = ref.violations(sc, media, np.zeros(len(frame)), tol=TOL,
                              capacities=not any("dearer tier" in w for w in result.warnings))
    assert not problems, problems


@SETTINGS
@given(scenarios())
def test_optimum_respects_every_constraint(sc):
    result = optimize(sc)
    assert result.status.value in {"optimal", "infeasible"}
    if result.is_optimal:
        check_feasible(sc, result)
        assert math.isclose(result.objective, result.channels["net_value"].sum(), rel_tol=1e-9,
                            abs_tol=1e-6)
    else:
        assert result.conflicts
        assert "could be isolated" not in " ".join(result.conflicts)


@st.composite
def scenarios_with_feasible_current_plan(draw) -> Scenario:
    """A drawn scenario, relaxed just enough that its current plan meets every constraint."""
    sc = draw(scenarios())
    chans = tuple(replace(c, current_spend=min(c.current_spend, c.capacity)) for c in sc.channels)
    sc = replace(sc, channels=chans, constraints=replace(sc.constraints, max_change=None))
    now = optimize(sc).current_channels
    total = float(now["spend"].sum())
    chans = tuple(replace(c, min_spend=min(c.min_spend, c.current_spend),
                          max_spend=max(c.max_spend, c.current_spend)) for c in chans)
    cons = sc.constraints
    funded = now[now["spend"] > 0]
    ratios = (funded["value"] / funded["spend"]).tolist()
    blended = float(now["value"].sum() / total) if total > 0 else math.inf
    shares = {name: (now.loc[list(g.channels), "spend"].sum() / total if total > 0 else 0.0)
              for name, g in ((g.name, g) for g in cons.groups)}
    groups = tuple(replace(g, min_share=None if g.min_share is None else min(g.min_share, shares[g.name]),
                           max_share=None if g.max_share is None else max(g.max_share, shares[g.name]))
                   for g in cons.groups)
    cons = replace(
        cons, groups=groups,
        min_clv_to_cpa=None if cons.min_clv_to_cpa is None else min([cons.min_clv_to_cpa, *ratios]),
        min_blended_clv_to_cpa=None if cons.min_blended_clv_to_cpa is None
        else min(cons.min_blended_clv_to_cpa, blended),
        max_leads=None if cons.max_leads is None else max(cons.max_leads, now["leads"].sum()),
        max_sqls=None if cons.max_sqls is None else max(cons.max_sqls, now["sqls"].sum()),
        max_customers=None if cons.max_customers is None
        else max(cons.max_customers, now["customers"].sum()),
        max_change=draw(st.sampled_from([None, 0.3, 1.0])))
    budget = total if sc.use_full_budget and total > 0 else max(sc.budget, total)
    return replace(sc, channels=chans, constraints=cons, budget=budget,
                   use_full_budget=sc.use_full_budget and total > 0)


@SETTINGS
@given(scenarios_with_feasible_current_plan())
def test_optimum_never_worse_than_a_feasible_current_plan(sc):
    result = optimize(sc)
    assume(not result.current_violations)  # only rounding at the edges is filtered
    assert result.is_optimal
    current = result.current_totals["net_value"]
    assert result.objective >= current - 1e-6 * max(1.0, abs(current))


@SETTINGS
@given(scenarios(), st.floats(1.0, 3.0))
def test_larger_budget_never_lowers_the_optimum(sc, factor):
    assume(not sc.use_full_budget)
    small = optimize(sc)
    assume(small.is_optimal)
    large = optimize(sc.with_budget(sc.budget * factor))
    assert large.is_optimal
    assert large.objective >= small.objective - 1e-6 * max(1.0, abs(small.objective))


@settings(max_examples=25, deadline=None)
@given(scenarios())
def test_backends_agree(sc):
    a, b = optimize(sc, solver="highs"), optimize(sc, solver="cbc")
    assert a.status == b.status
    if a.is_optimal:
        assert math.isclose(a.objective, b.objective, rel_tol=1e-6, abs_tol=1e-4)
        check_feasible(sc, b)
