"""HiGHS and CBC agree; CBC writes the model; status mapping never calls a limit optimal."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import Status, optimize
from optimizer.backends import BACKENDS, SolveOptions, get_backend
from optimizer.backends.highs import STATUS_MAP
from optimizer.lp import build_lp
from optimizer.synthetic import random_scenario


@pytest.mark.parametrize("seed", range(8))
def test_backends_agree_on_random_scenarios(seed):
    sc = random_scenario(6 + seed, 1 + seed % 4, seed=seed)
    a, b = optimize(sc, solver="highs"), optimize(sc, solver="cbc")
    assert a.status == b.status
    if a.is_optimal:
        assert a.objective == pytest.approx(b.objective, rel=1e-6, abs=1e-4)
        # the optimum may not be unique, but both plans must be equally good and feasible
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
    assert set(BACKENDS) == {"highs", "cbc"}


def test_highs_limit_is_not_optimal():
    assert STATUS_MAP[1] is Status.LIMIT_REACHED
    assert Status.LIMIT_REACHED.exit_code == 1


@pytest.mark.parametrize("suffix", ["lp", "mps"])
def test_cbc_exports_model(tmp_path, suffix):
    sc = random_scenario(4, 2, seed=1, all_constraints=False)
    path = tmp_path / f"model.{suffix}"
    result = optimize(sc, solver="cbc", export_model=str(path))
    assert result.is_optimal
    text = path.read_text()
    assert "x0" in text and "c0" in text
    assert "channel_0000" not in text  # user strings never become solver names
    with pytest.raises(ValueError, match="needs the cbc backend"):
        get_backend("highs")(build_lp(sc), SolveOptions(export_model=str(path)))
