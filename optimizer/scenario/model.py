"""The validated scenario: frozen, typed objects that every later stage reads.

Nothing here touches files; `optimizer.scenario` builds these from YAML/CSV and is the only
way invalid values are rejected. Money is in the scenario's currency, rates are fractions.
A channel with a response curve keeps the curve as the user wrote it (`response`) and no
tiers: the LP builder linearises it (`optimizer.lp.curves`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np

INHERIT: Literal["inherit"] = "inherit"
"""Marks a per-channel setting that follows the scenario-wide constraint."""

Inheritable = float | None | Literal["inherit"]


@dataclass(frozen=True)
class Tier:
    """Spend up to `up_to` (cumulative, `inf` for unlimited) buys leads at `cpl` each."""

    up_to: float
    cpl: float


CURVES = ("exponential", "hill")
OBJECTIVES = ("net_value", "customers", "leads", "value", "min_spend", "npv")
ACCOUNTING = ("cohort", "in_window")
DAYS_PER_YEAR = 365.25
PERIOD_LENGTHS = {"week": 7.0, "month": DAYS_PER_YEAR / 12, "quarter": DAYS_PER_YEAR / 4}
"""Named period lengths in days (a month is a twelfth of a 365.25-day year)."""
TARGETS = ("customers", "value", "leads")


@dataclass(frozen=True)
class Response:
    """A smooth saturating response of leads to spend (for the whole plan horizon).

    exponential: leads = max_leads * (1 - exp(-spend / scale))
    hill:        leads = max_leads * spend**shape / (scale**shape + spend**shape), shape >= 1

    A hill curve with shape > 1 is S-shaped: convex up to its inflection. Only its concave
    part can be a linear program, so spend on such a channel is either 0 or at least
    `concave_from()` (the point where the line from the origin touches the curve); up to
    there the leads per dollar are those of that line, which is exact at both ends.
    """

    curve: str
    max_leads: float
    scale: float
    shape: float = 1.0

    def leads(self, spend: np.ndarray | float) -> np.ndarray:
        """Leads the curve brings at `spend` (vectorised)."""
        s = np.maximum(np.asarray(spend, dtype=float), 0.0)
        if self.curve == "exponential":
            return self.max_leads * -np.expm1(-s / self.scale)
        r = (s / self.scale) ** self.shape
        return self.max_leads * r / (1.0 + r)

    def slope(self, spend: np.ndarray | float) -> np.ndarray:
        """Leads per extra dollar at `spend`."""
        s = np.maximum(np.asarray(spend, dtype=float), 0.0)
        if self.curve == "exponential":
            return self.max_leads / self.scale * np.exp(-s / self.scale)
        n, k = self.shape, self.scale
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (s / k) ** n
            out = self.max_leads * n * r / (s * (1.0 + r) ** 2)
        first = self.max_leads / k if n == 1 else 0.0
        return np.where(s > 0, out, first)

    @property
    def first_cpl(self) -> float:
        """CPL of the first dollar: 1 / slope at 0, or along the line from the origin to the
        tangent point of an S-shaped hill curve."""
        start = self.concave_from()
        if start > 0:
            return float(start / self.leads(start))
        return float(1.0 / self.slope(0.0))

    def concave_from(self) -> float:
        """Spend from which the curve is used: 0, or a hill curve's tangent point.

        For hill with shape n > 1 the line from the origin touches the curve where
        leads/spend equals the slope, i.e. r = n - 1 with r = (s/k)^n."""
        if self.curve == "hill" and self.shape > 1:
            return self.scale * (self.shape - 1.0) ** (1.0 / self.shape)
        return 0.0


from .uncertainty import UNCERTAIN_FIELDS, Z90, Uncertainty  # noqa: E402,F401


@dataclass(frozen=True)
class Channel:
    """One acquisition channel's economics and limits.

    `tiers` holds at least one tier unless the channel has a `response` curve (then none);
    a flat CPL is a single unlimited tier. Tier CPLs never decrease (diminishing returns
    keep the model a linear program).
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
    fixed_cost: float = 0.0  # paid once if the channel is used at all (counts as spend)
    min_buy: float = 0.0  # spend is 0 or at least this (semi-continuous)
    unit: float | None = None  # spend is bought in whole multiples of this
    response: Response | None = None  # the smooth curve `tiers` linearise, if any
    uncertainty: tuple[Uncertainty, ...] = ()  # at most one per field of UNCERTAIN_FIELDS
    close_lag: tuple[float, ...] = (1.0,)  # share of customers closing k periods after the lead
    carryover: tuple[float, ...] = (1.0,)  # share of a period's leads arriving k periods later
    close_lag_tail: float = 0.0  # mass of a lag distribution beyond its last period, dropped
    monthly_margin: float | None = None  # gross margin per customer per month (payback)
    max_payback_months: Inheritable = INHERIT  # None: exempt from the scenario's limit

    def uncertainty_of(self, field: str) -> Uncertainty | None:
        for u in self.uncertainty:
            if u.field == field:
                return u
        return None

    @property
    def is_mixed_integer(self) -> bool:
        return (self.fixed_cost > 0 or self.min_buy > 0 or self.unit is not None
                or (self.response is not None and self.response.concave_from() > 0))

    @property
    def effective_min_buy(self) -> float:
        """The semi-continuous threshold, including a hill curve's concave start."""
        start = self.response.concave_from() if self.response is not None else 0.0
        return max(self.min_buy, start)

    @property
    def cpl(self) -> float:
        """CPL of the first dollar (the whole channel's CPL when it has a single tier)."""
        if self.response is not None:
            return self.response.first_cpl
        return self.tiers[0].cpl

    @property
    def capacity(self) -> float:
        """Most the channel's tiers can take: the last tier's `up_to` (inf when unlimited,
        and for a response curve, which never ends)."""
        if self.response is not None or not self.tiers:
            return math.inf
        return self.tiers[-1].up_to

    @property
    def timing(self) -> np.ndarray:
        """Share of the customers of a period's spend that close d periods later:
        carry-over convolved with the close lag (sums to 1)."""
        return np.convolve(np.asarray(self.carryover, dtype=float),
                           np.asarray(self.close_lag, dtype=float))

    @property
    def has_timing(self) -> bool:
        return self.close_lag != (1.0,) or self.carryover != (1.0,)

    @property
    def value_per_lead(self) -> float:
        return self.lead_to_close * self.clv

    @property
    def first_ratio(self) -> float:
        """CLV:CPA of the channel's first dollar (its best)."""
        return self.value_per_lead / self.cpl


@dataclass(frozen=True)
class Group:
    """Channels whose combined share of total spend is bounded."""

    name: str
    channels: tuple[str, ...]
    min_share: float | None = None
    max_share: float | None = None


@dataclass(frozen=True)
class Period:
    """One period (e.g. a month) inside the plan horizon.

    Tiers and response curves describe the whole horizon; each of n periods gets 1/n of
    their widths at CPL times the period's multiplier (seasonality). Capacity limits apply
    per period as (limit / n) * capacity_multiplier.
    """

    name: str
    budget: float | None = None
    cpl_multiplier: float = 1.0
    channel_cpl_multipliers: tuple[tuple[str, float], ...] = ()
    capacity_multiplier: float = 1.0
    channel_bounds: tuple[tuple[str, float, float], ...] = ()  # (channel, min, max)

    def cpl_multiplier_of(self, channel: str) -> float:
        return dict(self.channel_cpl_multipliers).get(channel, self.cpl_multiplier)


@dataclass(frozen=True)
class PipelineEntry:
    """Leads (or spend) of one channel from `age` periods before the plan starts (age 1:
    the period just before the first)."""

    channel: str
    age: int
    leads: float = 0.0
    spend: float = 0.0


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
    max_active_channels: int | None = None
    max_period_change: float | None = None  # pacing: change of a channel's spend per period
    max_period_share: float | None = None  # pacing: most of total spend one period may take
    max_channel_share: float | None = None  # most of total spend any one channel may take
    max_payback_months: float | None = None  # CAC payback of every channel with a margin
    max_blended_payback_months: float | None = None  # CAC payback of the portfolio


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
    objective: str = "net_value"
    target: tuple[str, float] | None = None  # (metric, amount) for objective min_spend
    periods: tuple[Period, ...] = ()
    curve_tolerance: float = 0.001  # relative objective bound for linearised curves
    period_days: float = DAYS_PER_YEAR / 12  # length of one period (period_length)
    accounting: str = "cohort"  # which customers count: every eventual one, or in_window
    discount_rate: float | None = None  # annual, for npv
    pipeline: tuple[PipelineEntry, ...] = ()
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
        return self.constraints.min_clv_to_cpa if own == INHERIT else own

    def max_change_of(self, channel: Channel) -> float | None:
        own = channel.max_change
        return self.constraints.max_change if own == INHERIT else own

    def payback_limit_of(self, channel: Channel) -> float | None:
        """The CAC payback limit in months that applies to `channel` (none without a
        monthly_margin)."""
        if channel.monthly_margin is None:
            return None
        own = channel.max_payback_months
        return self.constraints.max_payback_months if own == INHERIT else own

    @property
    def has_timing(self) -> bool:
        """Whether anything makes customers arrive later than their leads' period, or
        counts or discounts them by when they close."""
        return (any(c.has_timing for c in self.channels) or bool(self.pipeline)
                or self.accounting != "cohort" or self.discount_rate is not None)

    @property
    def has_payback_limits(self) -> bool:
        return (self.constraints.max_blended_payback_months is not None
                or any(self.payback_limit_of(c) is not None for c in self.channels))

    @property
    def counts_by_close(self) -> bool:
        """Whether a plan's value is not simply leads x lead-to-close x CLV: customers
        counted only inside the window, or value discounted (objective npv)."""
        return self.accounting == "in_window" or self.objective == "npv"

    @property
    def period_years(self) -> float:
        return self.period_days / DAYS_PER_YEAR

    def discount(self, periods: np.ndarray | float) -> np.ndarray:
        """(1 + r)^(-t x period length in years) for period indices t (1 without a rate)."""
        t = np.asarray(periods, dtype=float)
        if self.discount_rate is None:
            return np.ones_like(t)
        return (1.0 + self.discount_rate) ** (-t * self.period_years)

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
        from .hashing import input_hash

        return input_hash(self)

    @property
    def has_uncertainty(self) -> bool:
        return any(c.uncertainty for c in self.channels)

    @property
    def is_mixed_integer(self) -> bool:
        return (self.constraints.max_active_channels is not None
                or any(c.is_mixed_integer for c in self.channels))

    @property
    def n_periods(self) -> int:
        return max(1, len(self.periods))

    @property
    def has_curves(self) -> bool:
        return any(c.response is not None for c in self.channels)

    def with_budget(self, budget: float) -> Scenario:
        """The same scenario with another total budget (validated like a file would be)."""
        if not (math.isfinite(budget) and budget > 0):
            raise ValueError(f"budget must be a positive finite amount, got {budget!r}")
        return replace(self, budget=float(budget))


def replace_constraints(scenario: Scenario, **changes: Any) -> Scenario:
    """The scenario with some scenario-wide constraints changed (None disables one)."""
    return replace(scenario, constraints=replace(scenario.constraints, **changes))

