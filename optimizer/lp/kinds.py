"""The one table of LP row and column kinds.

Everything the package knows about a kind of constraint lives in its `RowKindInfo`: the
unit of its shadow price, the sense a user reads, how a dual of the stored row becomes a
shadow price per unit of the limit the user wrote, how its activity is measured, its
plain-words description, how a plan breaks it, how it reads as the reason for a channel's
spend, and whether and how it can be repaired. The builder (`lp/build.py`) writes rows of
these kinds; the constraint table, explanations, conflicts, repairs, ranging and the docs
read this table and nothing else.

The table's order is the order in which a channel's own binding limits are tried as the
reason for its spend. Text templates are filled by `results.constraints.row_text` with a context of
preformatted fields: {channel}, {group}, {period}, {in_period} ("in Feb", or "in total" for
a row over the whole plan), {period_suffix} (" in Feb" or ""), {kind}, {source}, {source_below},
{source_above}, {limit_money}, {limit_pct}, {limit_pct0}, {limit_plain}, {limit_num},
{limit_metric}, {activity_money}, {activity_pct}, {activity_ratio}, {activity_num}, {best},
{what}, {marginal_cpl}.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from enum import StrEnum


class RowKind(StrEnum):
    BUDGET = "budget"
    MIN_SPEND = "min_spend"
    MAX_SPEND = "max_spend"
    FLOOR = "clv_to_cpa_floor"
    BLENDED_FLOOR = "blended_clv_to_cpa_floor"
    MAX_LEADS = "max_leads"
    MAX_SQLS = "max_sqls"
    MAX_CUSTOMERS = "max_customers"
    GROUP_MIN = "group_min_share"
    GROUP_MAX = "group_max_share"
    PERIOD_BUDGET = "period_budget"
    PERIOD_MIN_SPEND = "period_min_spend"
    PERIOD_MAX_SPEND = "period_max_spend"
    PACING_UP = "pacing_increase"
    PACING_DOWN = "pacing_decrease"
    PERIOD_SHARE = "period_max_share"
    ACTIVE = "active_link"  # media spend only on an active channel
    MIN_BUY = "min_buy"
    UNITS = "buy_units"
    MAX_ACTIVE = "max_active_channels"
    TARGET = "target"
    CHANNEL_SHARE = "channel_max_share"
    PAYBACK = "max_payback_months"
    BLENDED_PAYBACK = "max_blended_payback_months"


class ColKind(StrEnum):
    TIER = "tier"  # dollars of media spend in one (period, channel, tier) segment
    ACTIVE = "active"  # 0/1: the channel is used (pays its fixed cost)
    UNITS = "units"  # whole buy units of the channel's media spend


class Price(enum.Enum):
    """How the dual y of a stored row (scaled back by `row_scale`, minimisation convention)
    becomes d(objective) / d(limit as the user wrote it)."""

    NONE = "none"  # a definition of integer choices: no price
    NEG = "-y"  # "<=" rows whose right-hand side is the limit
    POS = "y"  # ">=" rows stored negated
    CHANNEL_SPEND = "y * channel spend"  # the limit multiplies the channel's spend
    TOTAL = "y * total spend"  # the limit multiplies total spend
    NEG_TOTAL = "-y * total spend"
    NEG_PREVIOUS = "-y * previous period's spend"
    ACTIVE = "y * active"  # counts only while the channel is on
    NEG_MARGIN = "-y * monthly margin x customers"  # payback: the limit multiplies margin


class Measure(enum.Enum):
    """The row's activity, in the unit of its limit."""

    ROW = "A x"
    NEG_ROW = "-A x"
    CHANNEL_SPEND = "channel spend"
    TARGET = "-A x / row scale"
    CHANGE_UP = "spend change from the period before"
    CHANGE_DOWN = "minus the spend change from the period before"
    SHARE = "share of total spend: the row's group, else channel, else period (media)"
    CHANNEL_RATIO = "channel CLV:CPA"
    BLENDED_RATIO = "blended CLV:CPA"
    CHANNEL_PAYBACK = "channel CAC payback months"
    BLENDED_PAYBACK = "blended CAC payback months"


class Moves(enum.Enum):
    """How the stored row's coefficients move per unit of its limit (a limit that is not
    its right-hand side): the gradient that repairs bisect along and ranging perturbs."""

    NONE = "the limit is the right-hand side"
    CHANNEL_SPEND = "+ spend per unit on the row's channel's columns"
    TOTAL_SPEND = "+ spend per unit on every column"
    NEG_TOTAL_SPEND = "- spend per unit on every column"
    NEG_PREVIOUS = "- 1 on the row's channel's media columns of the period before"
    NEG_MARGIN = "- monthly margin x customers per unit on the row's channel's columns"
    NEG_MARGIN_ALL = "- monthly margin x customers per unit on every column"


class Quantity(enum.Enum):
    """What a limit counts, for showing it (and its shadow price) in words."""

    MONEY = "currency"
    RATIO = "a CLV:CPA ratio"
    SHARE = "a share of spend"
    CHANGE = "a relative change"
    LEADS = "leads"
    SQLS = "SQLs"
    CUSTOMERS = "customers"
    CHANNELS = "channels"
    MONTHS = "months"
    TARGET = "the target's metric"


class Scope(enum.Enum):
    """Whose spend a binding row limits, for the reasons given per channel. OWN rows are
    the channel's own limits (binding is reason enough when they cap); the others are
    shared, and name a channel only where their price charges its next dollar."""

    OWN = "the row's channel"
    GROUP = "the group's channels, and through total spend the others"
    PORTFOLIO = "every channel"
    BUDGET = "every channel (the budget)"
    NONE = "not given as a reason"


class Repair(enum.Enum):
    NONE = "not repaired"
    RHS = "smallest slack on the right-hand side (one elastic LP)"
    PARAMETER = "bisection on the limit, which multiplies spend"


@dataclass(frozen=True)
class RowKindInfo:
    unit: str  # of the shadow price
    sense: str  # as a user reads it (== when the row is an equality)
    price: Price
    measure: Measure
    describe: str
    violation: str = "{describe}: broken"
    reason: str = ""  # why a funded channel stops here (Scope says whose)
    scope: Scope = Scope.NONE
    homogeneous: bool = False  # right-hand side 0: binds only where the spend it governs > 0
    structural: bool = False  # an integer limit or definition: no shadow price
    definition: bool = False  # defines the integer choices: never a binding limit
    repair: Repair = Repair.NONE
    relaxed: float | None = None  # the limit at which a PARAMETER row constrains nothing
    round_to: float = 0.01  # repaired limits are rounded (relaxing) to this step
    repair_text: str = ""  # "{verb} ... from {current} to {proposed}"
    repair_field: tuple[str, ...] = ()  # the field in the file, {channel}/{group}/{kind}
    conflict_priority: int = 0  # conflict isolation drops low priorities first
    moves: Moves = Moves.NONE
    reads: tuple[str, float] | None = None  # (per-dollar quantity, sign) in the coefficients
    unspent: str = "{describe}"  # why budget stays unspent, when this row blocks spending
    scaled: bool = False  # stored scaled to a largest coefficient of 1
    describe_eq: str = ""  # wording when the row is an equality
    violation_eq: str = ""
    label: str = "{kind}"  # the constraint's name in words ({channel}, {group}, {period})
    quantity: Quantity = Quantity.MONEY  # what the limit counts
    price_per: tuple[float, str] | None = None  # shown price: (step of the limit, words)


def _capacity(unit: str, what: str, quantity: str, counts: Quantity, one: str
              ) -> RowKindInfo:
    """Sales capacity (leads, SQLs or customers): a right-hand side the portfolio shares."""
    return RowKindInfo(unit, "<=", Price.NEG, Measure.ROW,
                       f"at most {{limit_num}} {what} {{in_period}} ({{kind}})",
                       f"brings {{activity_num}} {what} {{in_period}}, above {{kind}} of "
                       "{limit_num}",
                       f"limited by sales capacity (at most {{limit_num}} {what} {{in_period}}, "
                       "{kind})",
                       Scope.PORTFOLIO, repair=Repair.RHS,
                       repair_text="raise {kind} from {current} to {proposed}",
                       repair_field=("constraints", "{kind}"), reads=(quantity, 1.0),
                       label=f"Sales capacity ({what}{{period_suffix}}, {{kind}})",
                       quantity=counts,
                       price_per=(1.0, f"per extra {one} of capacity"))


ROW_KINDS: dict[RowKind, RowKindInfo] = {
    RowKind.BUDGET: RowKindInfo(
        "per $1 of budget", "<=", Price.NEG, Measure.ROW,
        "total spend may not exceed the {limit_money} budget",
        "spend totals {activity_money}, above the {limit_money} budget",
        "where the budget ran out (marginal tier CPL {marginal_cpl})", Scope.BUDGET,
        repair=Repair.RHS, conflict_priority=9,
        describe_eq="use_full_budget: total spend must equal the {limit_money} budget",
        violation_eq="spend totals {activity_money} but use_full_budget requires exactly "
                     "{limit_money}",
        label="Budget"),
    RowKind.MAX_SPEND: RowKindInfo(
        "per $1 of maximum spend", "<=", Price.NEG, Measure.ROW,
        "{channel} may spend at most {limit_money} ({source_above})",
        "{channel} spends {activity_money}, above its maximum of {limit_money} "
        "({source_above})",
        "at {source_limit} ({limit_money})", Scope.OWN, repair=Repair.RHS,
        label="{channel}: maximum spend ({source})"),
    RowKind.MIN_SPEND: RowKindInfo(
        "per $1 of minimum spend", ">=", Price.POS, Measure.NEG_ROW,
        "{channel} must spend at least {limit_money} ({source_below})",
        "{channel} spends {activity_money}, below its minimum of {limit_money} ({source})",
        "held at its minimum ({limit_money}, {source}); it earns less than other channels "
        "at the margin", Scope.OWN, repair=Repair.RHS, conflict_priority=8,
        label="{channel}: minimum spend ({source})"),
    RowKind.FLOOR: RowKindInfo(
        "per 1.0 of the CLV:CPA floor", ">=", Price.CHANNEL_SPEND, Measure.CHANNEL_RATIO,
        "{channel} must keep CLV:CPA at or above {limit_plain} (its best, at the first "
        "dollar, is {best})",
        "{channel} has CLV:CPA {activity_ratio}, below the {limit_plain} floor",
        "held at the {limit_plain} floor: more spend would take its CLV:CPA below it "
        "(marginal tier CPL {marginal_cpl})", Scope.OWN, homogeneous=True,
        repair=Repair.PARAMETER, relaxed=0.0, round_to=0.01,
        repair_text="lower {channel_possessive} CLV:CPA floor from {current} to {proposed} "
                    "(min_clv_to_cpa on the channel)",
        repair_field=("channels", "{channel}", "min_clv_to_cpa"), conflict_priority=7,
        scaled=True, moves=Moves.CHANNEL_SPEND, reads=("value", -1.0),
        label="{channel}: CLV:CPA floor", quantity=Quantity.RATIO,
        price_per=(0.1, "per 0.1 of the floor")),
    RowKind.BLENDED_FLOOR: RowKindInfo(
        "per 1.0 of the blended CLV:CPA floor", ">=", Price.TOTAL, Measure.BLENDED_RATIO,
        "blended CLV:CPA must be at least {limit_plain} (min_blended_clv_to_cpa)",
        "blended CLV:CPA is {activity_ratio}, below the {limit_plain} floor",
        "limited by the blended CLV:CPA floor of {limit_plain}", Scope.PORTFOLIO, homogeneous=True, repair=Repair.PARAMETER,
        relaxed=0.0, round_to=0.01,
        repair_text="lower min_blended_clv_to_cpa from {current} to {proposed}",
        repair_field=("constraints", "min_blended_clv_to_cpa"), scaled=True,
        moves=Moves.TOTAL_SPEND, reads=("value", -1.0),
        label="Blended CLV:CPA floor", quantity=Quantity.RATIO,
        price_per=(0.1, "per 0.1 of the floor")),
    RowKind.MAX_LEADS: _capacity("per lead of capacity", "leads", "leads", Quantity.LEADS,
                                 "lead"),
    RowKind.MAX_SQLS: _capacity("per SQL of capacity", "SQLs", "sqls", Quantity.SQLS, "SQL"),
    RowKind.MAX_CUSTOMERS: _capacity("per customer of capacity", "customers", "customers",
                                     Quantity.CUSTOMERS, "customer"),
    RowKind.GROUP_MIN: RowKindInfo(
        "per 1.0 (100 points) of share", ">=", Price.TOTAL, Measure.SHARE,
        "group {group} must take at least {limit_pct} of total spend (min_share)",
        "group {group} takes {activity_pct} of spend, below its min_share {limit_pct}",
        "limited by group {group}'s min_share ({limit_pct} of total spend)", Scope.GROUP,
        homogeneous=True, repair=Repair.PARAMETER, relaxed=0.0, round_to=0.001,
        unspent="group {group} must keep {limit_pct} of spend and can take at most "
                "{group_capacity}",
        repair_text="lower group {group} min_share from {current} to {proposed}",
        repair_field=("constraints", "groups", "{group}", "min_share"),
        moves=Moves.TOTAL_SPEND,
        label="Group {group}: minimum share", quantity=Quantity.SHARE,
        price_per=(0.01, "per percentage point of min_share")),
    RowKind.GROUP_MAX: RowKindInfo(
        "per 1.0 (100 points) of share", "<=", Price.NEG_TOTAL, Measure.SHARE,
        "group {group} may take at most {limit_pct} of total spend (max_share)",
        "group {group} takes {activity_pct} of spend, above its max_share {limit_pct}",
        "limited by group {group}'s max_share ({limit_pct} of total spend)", Scope.GROUP,
        homogeneous=True, repair=Repair.PARAMETER, relaxed=1.0, round_to=0.001,
        repair_text="raise group {group} max_share from {current} to {proposed}",
        repair_field=("constraints", "groups", "{group}", "max_share"),
        moves=Moves.NEG_TOTAL_SPEND,
        label="Group {group}: maximum share", quantity=Quantity.SHARE,
        price_per=(0.01, "per percentage point of max_share")),
    RowKind.PERIOD_BUDGET: RowKindInfo(
        "per $1 of the period's budget", "<=", Price.NEG, Measure.ROW,
        "spend in {period} may not exceed its {limit_money} budget",
        "spend in {period} is above its {limit_money} budget",
        "limited by the {limit_money} budget of {period}", Scope.PORTFOLIO,
        label="{period}: budget"),
    RowKind.PERIOD_MIN_SPEND: RowKindInfo(
        "per $1 of the period's minimum spend", ">=", Price.POS, Measure.NEG_ROW,
        "{channel} must spend at least {limit_money} in {period}",
        "{channel} spends {activity_money} in {period}, below its minimum of {limit_money}",
        "held at its {limit_money} minimum in {period}", Scope.OWN,
        label="{channel}: minimum spend in {period}"),
    RowKind.PERIOD_MAX_SPEND: RowKindInfo(
        "per $1 of the period's maximum spend", "<=", Price.NEG, Measure.ROW,
        "{channel} may spend at most {limit_money} in {period}",
        "{channel} spends {activity_money} in {period}, above its maximum of {limit_money}",
        "at its {limit_money} maximum in {period}", Scope.OWN,
        label="{channel}: maximum spend in {period}"),
    RowKind.PACING_UP: RowKindInfo(
        "per 1.0 (100 points) of allowed change between periods", "<=", Price.NEG_PREVIOUS,
        Measure.CHANGE_UP,
        "{channel}'s spend may rise at most {limit_pct0} from the period before {period} "
        "(max_period_change)",
        reason="limited by pacing: spend may rise at most {limit_pct0} into {period}",
        scope=Scope.OWN, homogeneous=True, moves=Moves.NEG_PREVIOUS,
        label="{channel}: rise into {period} (max_period_change)",
        quantity=Quantity.CHANGE,
        price_per=(0.01, "per percentage point of max_period_change")),
    RowKind.PACING_DOWN: RowKindInfo(
        "per 1.0 (100 points) of allowed change between periods", "<=", Price.NEG_PREVIOUS,
        Measure.CHANGE_DOWN,
        "{channel}'s spend may fall at most {limit_pct0} from the period before {period} "
        "(max_period_change)",
        reason="held up by pacing: spend may fall at most {limit_pct0} into {period}",
        scope=Scope.OWN, homogeneous=True, moves=Moves.NEG_PREVIOUS,
        label="{channel}: fall into {period} (max_period_change)",
        quantity=Quantity.CHANGE,
        price_per=(0.01, "per percentage point of max_period_change")),
    RowKind.PERIOD_SHARE: RowKindInfo(
        "per 1.0 (100 points) of period share", "<=", Price.NEG_TOTAL, Measure.SHARE,
        "{period} may take at most {limit_pct} of total spend (max_period_share)",
        reason="limited by max_period_share ({period} may take at most {limit_pct})",
        scope=Scope.PORTFOLIO, homogeneous=True, moves=Moves.NEG_TOTAL_SPEND,
        label="{period}: share of spend (max_period_share)",
        quantity=Quantity.SHARE,
        price_per=(0.01, "per percentage point of max_period_share")),
    RowKind.ACTIVE: RowKindInfo(
        "none: links spend to the on/off choice", "<=", Price.NONE, Measure.ROW,
        "{channel} spends only if it is switched on", structural=True, definition=True,
        label="{channel}: on or off"),
    RowKind.MIN_BUY: RowKindInfo(
        "per $1 of minimum buy (while the channel stays on)", ">=", Price.ACTIVE,
        Measure.CHANNEL_SPEND,
        "{channel} spends either $0 or at least {limit_money} ({source})",
        "{channel} spends {activity_money}, below its minimum buy of {limit_money}",
        "held at its minimum buy ({limit_money}, {source})", Scope.OWN,
        label="{channel}: minimum buy"),
    RowKind.UNITS: RowKindInfo(
        "none: whole units are an integer choice", "<=", Price.NONE, Measure.ROW,
        "{channel} is bought in whole units of {limit_money}",
        "{channel}'s spend is not a whole number of {limit_money} units", structural=True,
        definition=True,
        label="{channel}: whole units"),
    RowKind.MAX_ACTIVE: RowKindInfo(
        "none: an integer limit (re-plan with one more or one fewer)", "<=", Price.NONE,
        Measure.ROW,
        "at most {limit_num} channels may be used (max_active_channels)",
        "uses {activity_num} channels, above max_active_channels {limit_num}",
        structural=True,
        label="Channels in use (max_active_channels)",
        quantity=Quantity.CHANNELS),
    RowKind.TARGET: RowKindInfo(
        "per unit of the target", ">=", Price.POS, Measure.TARGET,
        "the plan must reach {limit_metric} {source} (target)",
        reason="bought to reach the target of {limit_metric} {source} at the lowest cost",
        scope=Scope.PORTFOLIO, scaled=True,
        label="Target ({source})", quantity=Quantity.TARGET),
    RowKind.CHANNEL_SHARE: RowKindInfo(
        "per 1.0 (100 points) of share", "<=", Price.NEG_TOTAL, Measure.SHARE,
        "{channel} may take at most {limit_pct} of total spend (max_channel_share)",
        "{channel} takes {activity_pct} of spend, above max_channel_share {limit_pct}",
        "held at max_channel_share ({limit_pct} of total spend)", Scope.OWN,
        homogeneous=True, repair=Repair.PARAMETER, relaxed=1.0, round_to=0.001,
        repair_text="raise max_channel_share from {current} to {proposed}",
        repair_field=("constraints", "max_channel_share"), moves=Moves.NEG_TOTAL_SPEND,
        label="{channel}: share of spend (max_channel_share)",
        quantity=Quantity.SHARE,
        price_per=(0.01, "per percentage point of max_channel_share")),
    RowKind.PAYBACK: RowKindInfo(
        "per month of payback", "<=", Price.NEG_MARGIN, Measure.CHANNEL_PAYBACK,
        "{channel} must pay back its customer acquisition cost within {limit_num} months "
        "(CPA / monthly_margin)",
        "{channel} pays back in {activity_num} months, beyond the {limit_num}-month limit",
        "held at the {limit_num}-month CAC payback limit: more spend would raise its CPA "
        "above {limit_num} months of margin (marginal tier CPL {marginal_cpl})", Scope.OWN,
        homogeneous=True, scaled=True, moves=Moves.NEG_MARGIN,
        label="{channel}: CAC payback (max_payback_months)", quantity=Quantity.MONTHS,
        price_per=(1.0, "per month of payback allowed")),
    RowKind.BLENDED_PAYBACK: RowKindInfo(
        "per month of payback", "<=", Price.NEG_MARGIN, Measure.BLENDED_PAYBACK,
        "the portfolio must pay back its acquisition cost within {limit_num} months "
        "(max_blended_payback_months)",
        "blended payback is {activity_num} months, beyond the {limit_num}-month limit",
        "limited by the blended CAC payback limit of {limit_num} months", Scope.PORTFOLIO,
        homogeneous=True, scaled=True, moves=Moves.NEG_MARGIN_ALL,
        label="Blended CAC payback (max_blended_payback_months)", quantity=Quantity.MONTHS,
        price_per=(1.0, "per month of payback allowed")),
}

COL_KINDS: dict[ColKind, str] = {
    ColKind.TIER: "dollars of media spend in one (period, channel, tier) segment",
    ColKind.ACTIVE: "0/1: the channel is used; counts its fixed cost as spend",
    ColKind.UNITS: "whole buy units of the channel's media spend (integer)",
}

OBJECTIVE_UNITS = {"net_value": "", "npv": "NPV ", "customers": "customers ", "leads": "leads ",
                   "value": "value ", "min_spend": "spend saved "}


def info(kind: RowKind) -> RowKindInfo:
    return ROW_KINDS[kind]


def unit_of(kind: RowKind, objective: str) -> str:
    """The shadow price's unit: objective units per unit of the limit (net value: dollars)."""
    row = ROW_KINDS[kind]
    if row.structural or objective == "net_value":
        return row.unit
    return OBJECTIVE_UNITS[objective] + row.unit
