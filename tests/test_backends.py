"""The backends on a known-answer catalogue of small programs (objective, primal and duals
derived by hand; infeasible; unbounded; a MILP), run on every backend and on the warm HiGHS
session; HiGHS and CBC agree on random scenarios; limits are never called optimal."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp

from optimizer import Status, optimize
from optimizer.backends import BACKENDS, SolveOptions, get_backend, solve
from optimizer.backends.highs import HighsSession
from optimizer.lp import ColKind, LinearProgram, Names, RowKind
from optimizer.scenario.synthetic import random_scenario


def program(c, A, b, *, eq=None, lb=None, ub=None, integer=None) -> LinearProgram:
    """maximise c x s.t. A x <= b (== where eq), lb <= x <= ub, as a LinearProgram."""
    A = np.asarray(A, dtype=float)
    m, n = A.shape
    return LinearProgram(
        c=np.asarray(c, float), A=sp.csr_matrix(A), b=np.asarray(b, float),
        is_eq=np.zeros(m, bool) if eq is None else np.asarray(eq, bool),
        lb=np.zeros(n) if lb is None else np.asarray(lb, float),
        ub=np.full(n, np.inf) if ub is None else np.asarray(ub, float),
        names=Names(tuple(f"x{j}" for j in range(n))), col_kind=(ColKind.TIER,) * n,
        col_channel=np.arange(n), col_period=np.zeros(n, int), col_tier=np.zeros(n, int),
        col_start=np.zeros(n), col_cpl=np.ones(n), col_spend=np.ones(n),
        col_value_per_dollar=np.zeros(n), col_customers_per_dollar=np.zeros(n),
        integrality=np.zeros(n, np.int8) if integer is None else np.asarray(integer, np.int8),
        row_kind=(RowKind.BUDGET,) + (RowKind.MAX_SPEND,) * (m - 1),
        row_channel=np.full(m, -1), row_group=np.full(m, -1), row_period=np.full(m, -1),
        row_limit=np.asarray(b, float), row_source=("test",) * m, row_scale=np.ones(m))


@dataclass
class Known:
    name: str
    lp: LinearProgram
    status: Status
    objective: float | None = None
    x: list[float] | None = None
    duals: list[float] | None = None  # minimisation convention: d min(-c x) / d b


CATALOGUE = [
    # x at its bound 3, y limited by row 0: duals -2 (row 0), 0 (row 1)
    Known("bounded", program([3, 2], [[1, 1], [1, 3]], [4, 7], ub=[3, np.inf]),
          Status.OPTIMAL, 11.0, [3, 1], [-2, 0]),
    # an equality row: one more unit of its right-hand side buys half a y
    Known("equality", program([1, 1], [[1, 2]], [4], eq=[True], ub=[2, 10]),
          Status.OPTIMAL, 3.0, [2, 1], [-0.5]),
    # two rows binding, no column at a bound: duals from the 2x2 system
    Known("vertex", program([3, 5], [[1, 2], [3, 1]], [8, 9]), Status.OPTIMAL, 21.0,
          [2, 3], [-2.4, -0.2]),
    Known("infeasible", program([1, 1], [[1, 1], [-1, -1]], [1, -3]), Status.INFEASIBLE),
    Known("unbounded", program([1, 0], [[0, 1]], [5]), Status.UNBOUNDED),
    # the LP optimum (3, 1.5) is fractional; the best integer point is (4, 0)
    Known("integer", program([5, 4], [[6, 4], [1, 2]], [24, 6], ub=[10, 10], integer=[1, 1]),
          Status.OPTIMAL, 20.0, [4, 0]),
]


def check(case: Known, found) -> None:
    assert found.status is case.status, (case.name, found.status)
    if case.status is not Status.OPTIMAL:
        assert found.x is None
        return
    assert found.objective == pytest.approx(case.objective, abs=1e-7)
    assert np.allclose(found.x, case.x, atol=1e-7)
    if case.duals is not None:
        assert np.allclose(found.duals, case.duals, atol=1e-7), (case.name, found.duals)


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.name for c in CATALOGUE])
@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_known_answers_on_every_backend(case, backend):
    check(case, solve(case.lp, SolveOptions(backend)))


@pytest.mark.parametrize("case", [c for c in CATALOGUE if not c.lp.is_mip],
                         ids=[c.name for c in CATALOGUE if not c.lp.is_mip])
def test_known_answers_in_a_warm_session(case):
    session = HighsSession(case.lp)
    check(case, session.solve())
    check(case, session.solve())  # solving again from the optimal basis changes nothing


def test_warm_session_follows_a_new_right_hand_side():
    session = HighsSession(CATALOGUE[0].lp)
    session.solve()
    session.set_row_upper(0, 5.0)  # now row 1 binds: y = (7 - 3) / 3
    found = session.solve()
    assert found.objective == pytest.approx(9 + 2 * 4 / 3)
    assert np.allclose(found.x, [3, 4 / 3])
    assert np.allclose(found.duals, [0, -2 / 3])


def test_reduced_costs_of_a_column_at_its_bound():
    # x sits at its upper bound 3 and would earn 3 - 2 = 1 more per unit
    for backend in BACKENDS:
        found = solve(CATALOGUE[0].lp, SolveOptions(backend))
        assert found.reduced_costs[0] == pytest.approx(-1.0)
        assert found.reduced_costs[1] == pytest.approx(0.0, abs=1e-9)


def test_a_time_limited_mip_is_never_optimal():
    # a knapsack that takes more than no time: a tiny limit stops it first
    rng = np.random.default_rng(0)
    n = 60
    lp = program(rng.uniform(1, 2, n), [rng.uniform(1, 2, n)], [n / 3], ub=np.ones(n),
                 integer=np.ones(n))
    for backend in BACKENDS:
        found = solve(lp, SolveOptions(backend, time_limit=1e-6))
        assert found.status in (Status.LIMIT_REACHED, Status.OPTIMAL)
        if found.status is Status.OPTIMAL:  # only if proven within the gap
            assert found.mip_gap is None or found.mip_gap <= 1e-6 * 1.0001


@pytest.mark.parametrize("seed", range(8))
def test_backends_agree_on_random_scenarios(seed):
    sc = random_scenario(6 + seed, 1 + seed % 4, seed=seed)
    a, b = optimize(sc, solver="highs"), optimize(sc, solver="cbc")
    assert a.status == b.status
    if a.is_optimal:
        assert a.objective == pytest.approx(b.objective, rel=1e-6, abs=1e-4)
        assert a.totals["spend"] <= sc.budget * (1 + 1e-9)
        assert b.totals["spend"] <= sc.budget * (1 + 1e-6)


def test_shadow_prices_agree_when_unique():
    # a non-degenerate case: budget, one max and one min bind with distinct prices
    sc = random_scenario(5, 1, seed=3, all_constraints=False)
    a, b = optimize(sc, solver="highs"), optimize(sc, solver="cbc")
    pa = a.constraints.set_index("constraint")["shadow_price"]
    pb = b.constraints.set_index("constraint")["shadow_price"]
    assert np.allclose(pa.values, pb.reindex(pa.index).values, rtol=1e-6, atol=1e-6)
    assert (pa.abs() > 0).any()


def test_unknown_solver_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown solver 'gurobi'; choose one of highs, cbc"):
        get_backend("gurobi")
    with pytest.raises(ValueError, match="unknown solver 'gurobi'"):
        SolveOptions("gurobi")
    assert set(BACKENDS) == {"highs", "cbc"}


@pytest.mark.parametrize("suffix", ["lp", "mps"])
@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_models_are_exported_with_either_backend(tmp_path, suffix, backend):
    sc = random_scenario(4, 2, seed=1, all_constraints=False)
    path = tmp_path / f"model.{suffix}"
    assert optimize(sc, solver=backend, export_model=str(path)).is_optimal
    text = path.read_text()
    assert "x0" in text and "c0" in text
    assert "channel_0000" not in text  # user strings never become solver names


def _small_value_scenarios(count: int, seed: int):
    """Random scenarios whose objective coefficients are tiny (customers per dollar ~1e-6):
    where solver tolerances in absolute units used to stop CBC short of the optimum."""
    import math

    from optimizer import Channel, Constraints, Scenario, Tier

    rng = np.random.default_rng(seed)
    for _ in range(count):
        chans = []
        for i in range(int(rng.integers(1, 5))):
            t = int(rng.integers(1, 4))
            cpls = sorted(rng.uniform(50, 2000, t))
            ups = list(np.cumsum(rng.uniform(200, 6000, t)))
            if rng.random() < 0.5:
                ups[-1] = math.inf
            ltc = float(rng.uniform(0.0005, 0.01))
            chans.append(Channel(
                f"c{i}", tuple(Tier(float(u), float(c)) for u, c in zip(ups, cpls, strict=True)),
                ltc, float(rng.uniform(10, 20000)), current_spend=float(rng.choice([0, 1000])),
                min_spend=float(rng.choice([0, 0, 300])),
                max_spend=float(rng.choice([math.inf, 2500, 8000])), lead_to_sql=min(1.0, 3 * ltc)))
        cons = Constraints(min_clv_to_cpa=rng.choice([None, 1.0, 3.0]),
                           min_blended_clv_to_cpa=rng.choice([None, 2.0]),
                           max_leads=rng.choice([None, 80.0]), max_customers=rng.choice([None, 4.0]))
        yield Scenario("tiny", float(rng.uniform(500, 15000)), tuple(chans), cons,
                       use_full_budget=bool(rng.random() < 0.3))


@pytest.mark.parametrize("objective", ["customers", "leads", "value", "net_value"])
def test_backends_agree_on_every_objective(objective):
    from dataclasses import replace

    compared = 0
    for sc in _small_value_scenarios(120, seed=5):
        sc = replace(sc, objective=objective)
        a, b = optimize(sc, solver="highs"), optimize(sc, solver="cbc")
        assert a.status == b.status
        if a.is_optimal:
            compared += 1
            assert b.objective_value == pytest.approx(a.objective_value, rel=1e-7, abs=1e-12)
    assert compared > 30


def test_tiny_relative_coefficients_are_kept():
    """Found by hypothesis: a channel worth 1e-9 of the others in a blended-floor row
    (scaled to a largest coefficient of 1) was dropped by HiGHS's small_matrix_value, and
    a feasible plan (its current one) was called infeasible."""
    from optimizer import optimize
    from optimizer.scenario.model import Channel, Constraints, Scenario, Tier

    c0 = Channel(name="c0", tiers=(Tier(100.0, 5.0),), lead_to_close=0.0, clv=0.0,
                 current_spend=1.0694385242351119e-06, min_spend=5.347192621175559e-07)
    c1 = Channel(name="c1", tiers=(Tier(100.0, 5.0), Tier(200.0, 5.0), Tier(1070.0, 5.0)),
                 lead_to_close=0.25, clv=1.0, current_spend=1070.0)
    sc = Scenario(name="h", budget=1070.0000010694384, channels=(c0, c1),
                  constraints=Constraints(min_clv_to_cpa=None,
                                          min_blended_clv_to_cpa=0.04999999995002624))
    for solver in ("highs", "cbc"):
        assert optimize(sc, solver=solver).is_optimal, solver


@pytest.mark.parametrize("seed", range(6))
def test_the_equilibrated_retry_gives_the_same_answer_in_the_same_units(seed):
    """The retry for numerical failures scales rows and columns; mapped back, its plan,
    objective, duals and reduced costs are those of the program as built."""
    from optimizer import load_scenarios
    from optimizer.backends import _equilibrated
    from optimizer.lp.build import build_lp

    from .conftest import SCENARIOS

    bundled = load_scenarios(SCENARIOS / "b2b_saas_q1.yaml")  # the budget binds, priced
    sc = bundled[seed % len(bundled)] if seed < 3 else random_scenario(8 + seed, 2, seed=seed)
    lp = build_lp(sc)
    plain, scaled = solve(lp), _equilibrated(lp, SolveOptions())
    assert plain.status == scaled.status
    if plain.status is not Status.OPTIMAL:
        return
    assert scaled.objective == pytest.approx(plain.objective, rel=1e-9)
    assert (lp.A @ scaled.x <= lp.b + 1e-6 * (1 + np.abs(lp.b))).all()
    # the budget's price, in the program's units: what a little more budget earns
    r = lp.budget_row
    step = 1e-4 * lp.b[r]
    up = solve(lp.with_row_bound(r, lp.b[r] + step, equality=False)).objective
    down = solve(lp.with_row_bound(r, lp.b[r] - step, equality=False)).objective
    if abs((up - plain.objective) - (plain.objective - down)) <= 1e-7 * abs(plain.objective):
        assert -scaled.duals[r] == pytest.approx((up - down) / (2 * step), rel=1e-5, abs=1e-9)
    reduced = lp.c - lp.A.T @ -scaled.duals  # reduced costs back in the columns' units
    assert np.allclose(-scaled.reduced_costs, reduced, rtol=1e-6, atol=1e-6)
