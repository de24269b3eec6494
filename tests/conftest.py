from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from hypothesis import settings

from optimizer import Channel, Constraints, Group, Scenario, Tier

# CI replays a fixed set of examples (a red CI then means a change broke something);
# local runs keep exploring new random ones and remember failures in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def channel(name: str, cpl: float | None = None, ltc: float = 0.1, clv: float = 1000.0,
            *, tiers: list[tuple[float, float]] | None = None, **kw) -> Channel:
    """A channel whose value per dollar is ltc * clv / cpl."""
    if tiers is None:
        assert cpl is not None
        tier_objs = (Tier(math.inf, cpl),)
    else:
        tier_objs = tuple(Tier(up, c) for up, c in tiers)
    return Channel(name=name, tiers=tier_objs, lead_to_close=ltc, clv=clv, **kw)


def scenario(*channels: Channel, budget: float = 1000.0, floor: float | None = None,
             groups: tuple[Group, ...] = (), **kw) -> Scenario:
    cons = {k: kw.pop(k) for k in list(kw) if k in Constraints.__dataclass_fields__}
    return Scenario(name=kw.pop("name", "test"), budget=budget, channels=tuple(channels),
                    constraints=Constraints(min_clv_to_cpa=floor, groups=groups, **cons), **kw)


@pytest.fixture(params=["highs", "cbc"])
def solver(request) -> str:
    """Every known-answer test runs on both backends."""
    return request.param
