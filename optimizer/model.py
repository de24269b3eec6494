"""The validated scenario: frozen, typed objects that every later stage reads.

Nothing here touches files; `optimizer.reader` builds these from YAML/CSV and is the only way
invalid values are rejected. Money is in the scenario's currency, rates are fractions.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

INHERIT: Literal["inherit"] = "inherit"
"""Marks a per-channel setting that follows the scenario-wide constraint."""

Inheritable = float | None | Literal["inherit"]


@dataclass(frozen=True)
class Tier:
    """Spend up to `up_to` (cumulative, `inf` for unlimited) buys leads at `cpl` each."""

    up_to: float
    cpl: float


@dataclass(frozen=True)
class Channel:
    """One acquisition channel's economics and limits.

    `tiers` always holds at least one tier; a flat CPL is a single unlimited tier. Tier CPLs
    never decrease (diminishing returns keep the model a linear program).
    """

    name: str
    tiers: tuple[Tier, ...]
    lead_to_close: float
    clv: float
    current_spend: float = 0.0
    min_spend: float = 0.0
    max_spend: float = math.inf
    lead_to_sql: float | None = None
    max_change: Inheritable = INHERIT
    min_clv_to_cpa: Inheritable = INHERIT

    @property
    def cpl(self) -> float:
        """CPL of the first dollar (the whole channel's CPL when it has a single tier)."""
        return self.tiers[0].cpl

    @property
    def capacity(self) -> float:
        """Most the channel can spend: the last tier's `up_to` (inf when unlimited)."""
        return self.tiers[-1].up_to


@dataclass(frozen=True)
class Group:
    """Channels whose combined share of total spend is bounded."""

    name: str
    channels: tuple[str, ...]
    min_share: float | None = None
    max_share: float | None = None


@dataclass(frozen=True)
class Constraints:
    """Scenario-wide constraints. `None` disables one."""

    min_clv_to_cpa: float | None = 3.0
    min_blended_clv_to_cpa: float | None = None
    max_change: float | None = None
    max_leads: float | None = None
    max_sqls: float | None = None
    max_customers: float | None = None
    groups: tuple[Group, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A complete planning problem: a budget, channels and constraints."""

    name: str
    budget: float
    channels: tuple[Channel, ...]
    constraints: Constraints = field(default_factory=Constraints)
    use_full_budget: bool = False
    period: str | None = None
    currency: str = "USD"
    description: str | None = None
    variant_of: str | None = None  # the base scenario's name when this is a what-if variant
    source: Path | None = field(default=None, compare=False)
    inputs: tuple[Path, ...] = field(default=(), compare=False)

    def channel(self, name: str) -> Channel:
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(name)

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    @property
    def group_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.constraints.groups)

    def floor_of(self, channel: Channel) -> float | None:
        """The CLV:CPA floor that applies to `channel` (its own, else the scenario's)."""
        own = channel.min_clv_to_cpa
        return self.constraints.min_clv_to_cpa if own == INHERIT else own  # type: ignore[return-value]

    def max_change_of(self, channel: Channel) -> float | None:
        own = channel.max_change
        return self.constraints.max_change if own == INHERIT else own  # type: ignore[return-value]

    def spend_bounds(self, channel: Channel) -> tuple[float, str, float, str]:
        """Effective (lower, lower_source, upper, upper_source) after min/max spend,
        max_change and the channel's tier capacity.

        A channel with no current spend is held at 0 under `max_change`: a relative limit on
        zero leaves no room, so launching a new channel needs `max_change: null` on it.
        """
        lower, lower_src = channel.min_spend, "min_spend"
        upper, upper_src = channel.max_spend, "max_spend"
        if channel.capacity < upper:
            upper, upper_src = channel.capacity, "tiers"
        change = self.max_change_of(channel)
        if change is not None:
            low = channel.current_spend * max(0.0, 1.0 - change)
            high = channel.current_spend * (1.0 + change)
            if low > lower:
                lower, lower_src = low, "max_change"
            if high < upper:
                upper, upper_src = high, "max_change"
        return lower, lower_src, upper, upper_src

    @cached_property
    def input_hash(self) -> str:
        """Short, stable hash of everything that determines the optimum."""
        payload = asdict(self)
        for key in ("source", "inputs", "description", "variant_of"):
            payload.pop(key)
        text = json.dumps(payload, sort_keys=True, default=str, allow_nan=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def with_budget(self, budget: float) -> Scenario:
        """The same scenario with another total budget (validated like a file would be)."""
        if not (math.isfinite(budget) and budget > 0):
            raise ValueError(f"budget must be a positive finite amount, got {budget!r}")
        return replace(self, budget=float(budget))


def replace_constraints(scenario: Scenario, **changes: object) -> Scenario:
    """The scenario with some scenario-wide constraints changed (None disables one)."""
    return replace(scenario, constraints=replace(scenario.constraints, **changes))
