"""The planner against the independent reference model (tests/reference.py, written from
docs/model.md): optima under every objective, the feasibility of every reported plan, and
shadow prices by finite differences, on the bundled scenarios and on random ones."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizer import Channel, Constraints, Group, Period, Scenario, Tier, load_scenarios, optimize
from optimizer.scenario.synthetic import random_mip_scenario, random_scenario

from . import reference as ref
from .conftest import SCENARIOS

BUNDLED = [(p.name, k, s) for p in sorted(SCENARIOS.glob("*.yaml"))
           for k, s in enumerate(load_scenarios(p))]
OBJECTIVES = ("net_value", "customers", "leads", "value")


def plan_of(result) -> tuple[np.ndarray, np.ndarray]:
    """(media per period x channel, fixed cost paid per channel) of a reported plan."""
    frame = result.channels
    fixed = frame["fixed_cost"].to_numpy() if "fixed_cost" in frame else np.zeros(len(frame))
    if result.period_spend is not None:
        return result.period_spend.to_numpy(), fixed
    return (frame["spend"].to_numpy() - fixed)[None, :], fixed


def has_disposal(result) -> bool:
    """The documented case where the LP books fewer leads than the tiers would bring."""
    return any("dearer tier" in w for w in result.warnings)


def agree(product: float, reference: float, rel: float = 1e-6) -> bool:
    return abs(product - reference) <= rel * max(1.0, abs(reference))


def check_against_reference(sc: Scenario, solver: str = "highs") -> None:
    result = optimize(sc, solver=solver)
    if sc.has_curves:
        check_curve_bracket(sc, result)
        return
    want = ref.solve(sc)
    assert str(result.status) == want.status, (sc.name, result.status, want.status)
    if want.status != "optimal":
        return
    assert agree(result.objective_value, want.objective), \
        (sc.name, result.objective_value, want.objective)
    media, fixed = plan_of(result)
    problems = ref.violations(sc, media, fixed, capacities=not has_disposal(result))
    assert not problems, (sc.name, problems)
    # plan_outcome values every eventual customer undiscounted; in_window and npv plans are
    # valued by the reference's own optimum above
    if not has_disposal(result) and sc.accounting == "cohort" and sc.objective != "npv":
        outcome = ref.plan_outcome(sc, media, fixed)
        assert agree(outcome[sc.objective if sc.objective != "min_spend" else "spend"],
                     result.objective_value, 1e-6)


def check_curve_bracket(sc: Scenario, result) -> None:
    """The smooth optimum lies between a fine restriction (chords) and a fine relaxation
    (tangents) of the curves; the plan may fall short of it by at most its stated bound."""
    chord, tangent = ref.solve(sc, curves="chord"), ref.solve(sc, curves="tangent")
    assert str(result.status) == chord.status == tangent.status
    if chord.status != "optimal":
        return
    sign = -1.0 if sc.objective == "min_spend" else 1.0  # compare as a maximisation
    value, restriction, relaxation = (sign * v for v in (result.objective_value,
                                                          chord.objective, tangent.objective))
    scale = max(1.0, abs(relaxation))
    assert value <= relaxation + 1e-6 * scale
    assert value >= restriction - (result.curve_fit.bound * 1.01 + 1e-6) * scale
    media, fixed = plan_of(result)
    assert not ref.violations(sc, media, fixed, capacities=False)


@pytest.mark.parametrize("name,k,sc", BUNDLED, ids=[f"{n}[{k}]" for n, k, _ in BUNDLED])
def test_bundled_scenarios_match_the_reference(name, k, sc, solver):
    check_against_reference(sc, solver)


def feasible_random(n: int, tiers: int, count: int) -> list[Scenario]:
    """The first `count` random scenarios of this size that the reference finds feasible
    (random constraint sets are often infeasible; those are checked elsewhere)."""
    found = []
    for seed in range(200):
        sc = random_scenario(n, tiers, seed=seed)
        if ref.solve(sc).status == "optimal":
            found.append(sc)
            if len(found) == count:
                break
    return found


RANDOM = feasible_random(6, 3, 4)


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("k", range(len(RANDOM)))
def test_random_scenarios_under_every_objective(k, objective):
    check_against_reference(replace(RANDOM[k], objective=objective))


@pytest.mark.parametrize("k", range(3))
def test_random_min_spend_targets(k):
    base = RANDOM[k]
    most = ref.solve(replace(base, objective="customers")).objective
    sc = replace(base, objective="min_spend", target=("customers", 0.8 * most))
    check_against_reference(sc)


@pytest.mark.parametrize("seed", range(4))
def test_random_mixed_integer_month_plans(seed, solver):
    check_against_reference(random_mip_scenario(5, 2, 3, seed=seed), solver)


# --------------------------------------------------------------------------- shadow prices


def perturb(sc: Scenario, row, h: float) -> Scenario | None:
    """The scenario with the limit of constraint `row` (a row of result.binding) moved by h,
    or None when the limit is not a single field of the file."""
    kind, channel, group, source = row.kind, row.channel, row.group, row.source
    cons = sc.constraints

    def on_channel(**changes) -> Scenario:
        return replace(sc, channels=tuple(replace(c, **changes) if c.name == channel else c
                                          for c in sc.channels))

    if kind == "budget":
        return replace(sc, budget=sc.budget + h)
    if kind in ("max_leads", "max_sqls", "max_customers", "min_blended_clv_to_cpa"):
        return replace(sc, constraints=replace(cons, **{kind: getattr(cons, kind) + h}))
    if kind == "blended_clv_to_cpa_floor":
        return replace(sc, constraints=replace(
            cons, min_blended_clv_to_cpa=cons.min_blended_clv_to_cpa + h))
    ch = sc.channel(channel) if channel else None
    if kind == "min_spend" and source == "min_spend":
        return on_channel(min_spend=ch.min_spend + h)
    if kind == "max_spend" and source == "max_spend":
        return on_channel(max_spend=ch.max_spend + h)
    if kind == "max_spend" and source == "tiers":
        last = ch.tiers[-1]
        return on_channel(tiers=(*ch.tiers[:-1], Tier(last.up_to + h, last.cpl)))
    if kind == "clv_to_cpa_floor":
        return on_channel(min_clv_to_cpa=row.limit + h)
    if kind in ("group_min_share", "group_max_share"):
        key = "min_share" if kind == "group_min_share" else "max_share"
        groups = tuple(replace(g, **{key: getattr(g, key) + h}) if g.name == group else g
                       for g in cons.groups)
        return replace(sc, constraints=replace(cons, groups=groups))
    return None


def check_shadow_prices(sc: Scenario) -> int:
    """Each binding constraint's shadow price lies between the reference optimum's one-sided
    finite differences in its limit. Returns how many prices were checked."""
    result = optimize(sc)
    assert result.is_optimal
    base = ref.solve(sc).objective
    checked = 0
    for row in result.binding.itertuples():
        h = 1e-4 * max(1.0, abs(row.limit)) if row.kind not in (
            "clv_to_cpa_floor", "blended_clv_to_cpa_floor", "group_min_share",
            "group_max_share") else 1e-5
        up, down = perturb(sc, row, h), perturb(sc, row, -h)
        if up is None or down is None or (row.limit - h) < 0:
            continue
        a, b = ref.solve(up), ref.solve(down)
        if a.status != "optimal" or b.status != "optimal":
            continue
        right, left = (a.objective - base) / h, (base - b.objective) / h
        if row.kind in ("max_leads", "max_sqls", "max_customers") and sc.periods:
            # the price is per unit of the month's limit, cap / n x capacity_multiplier,
            # and the perturbation moves the file's cap for the whole plan
            period = next(p for p in sc.periods if row.constraint.endswith(f"[{p.name}]"))
            month = len(sc.periods) / period.capacity_multiplier
            right, left = right * month, left * month
        lo, hi = min(left, right), max(left, right)
        tol = 1e-3 * max(1.0, abs(lo), abs(hi))
        assert lo - tol <= row.shadow_price <= hi + tol, \
            (sc.name, row.constraint, row.shadow_price, left, right)
        checked += 1
    return checked


LP_BUNDLED = [(n, k, s) for n, k, s in BUNDLED if not s.is_mixed_integer and not s.has_curves]


@pytest.mark.parametrize("name,k,sc", LP_BUNDLED, ids=[f"{n}[{k}]" for n, k, _ in LP_BUNDLED])
def test_bundled_shadow_prices_by_finite_differences(name, k, sc):
    result = optimize(sc)
    if not result.is_optimal:
        pytest.skip("no plan")
    check_shadow_prices(sc)


@pytest.mark.parametrize("objective", ("net_value", "customers"))
@pytest.mark.parametrize("k", range(3))
def test_random_shadow_prices_by_finite_differences(k, objective):
    assert check_shadow_prices(replace(RANDOM[k], objective=objective)) > 0


# --------------------------------------------------------------------------- hypothesis


@st.composite
def small_scenarios(draw) -> Scenario:
    n = draw(st.integers(1, 4))
    chans = []
    for i in range(n):
        k = draw(st.integers(1, 3))
        cpls = sorted(draw(st.lists(st.floats(5, 400), min_size=k, max_size=k)))
        ups = list(np.cumsum(draw(st.lists(st.floats(200, 6000), min_size=k, max_size=k))))
        if draw(st.booleans()):
            ups[-1] = math.inf
        ltc = draw(st.floats(0.001, 0.3))
        current = draw(st.sampled_from([0.0, 1000.0, 3000.0]))
        chans.append(Channel(
            f"c{i}", tuple(Tier(u, c) for u, c in zip(ups, cpls, strict=True)), ltc,
            draw(st.floats(10, 20000)), current_spend=current,
            min_spend=draw(st.sampled_from([0.0, 0.0, 300.0])),
            max_spend=draw(st.sampled_from([math.inf, 2500.0, 8000.0])),
            lead_to_sql=min(1.0, 3 * ltc),
            fixed_cost=draw(st.sampled_from([0.0, 0.0, 150.0])),
            min_buy=draw(st.sampled_from([0.0, 0.0, 500.0])),
            unit=draw(st.sampled_from([None, None, 250.0]))))
    names = [c.name for c in chans]
    groups = ()
    if n >= 2 and draw(st.booleans()):
        groups = (Group("g", tuple(names[:draw(st.integers(1, n - 1))]),
                        draw(st.sampled_from([None, 0.2])), draw(st.sampled_from([None, 0.7]))),)
    periods = ()
    if draw(st.booleans()):
        periods = tuple(Period(f"p{p}", budget=draw(st.sampled_from([None, 4000.0])),
                               cpl_multiplier=draw(st.sampled_from([1.0, 1.2])),
                               capacity_multiplier=draw(st.sampled_from([1.0, 0.8])))
                        for p in range(draw(st.integers(2, 3))))
    cons = Constraints(
        min_clv_to_cpa=draw(st.sampled_from([None, 1.0, 3.0])),
        min_blended_clv_to_cpa=draw(st.sampled_from([None, 2.0])),
        max_change=draw(st.sampled_from([None, None, 0.5])),
        max_leads=draw(st.sampled_from([None, 80.0])),
        max_customers=draw(st.sampled_from([None, 4.0])),
        max_active_channels=draw(st.sampled_from([None, None, 2])),
        max_channel_share=draw(st.sampled_from([None, None, 0.7])),
        max_period_change=draw(st.sampled_from([None, 0.5])) if periods else None,
        max_period_share=draw(st.sampled_from([None, 0.6])) if periods else None,
        groups=groups)
    return Scenario("hyp", draw(st.floats(500, 15000)), tuple(chans), cons,
                    use_full_budget=draw(st.booleans()), periods=periods,
                    objective=draw(st.sampled_from(OBJECTIVES)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios())
def test_random_scenarios_with_every_feature_match_the_reference(sc):
    assume(all(c.tiers[-1].up_to > c.min_spend for c in sc.channels))
    check_against_reference(sc)
