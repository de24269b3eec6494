"""From an assembled document to the frozen Scenario: cross-field checks that need the whole
scenario (group members exist, objective and target agree, limits are consistent)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from . import values as V
from .located import INVALID, Collector, Doc, GroupSpec, Loc, Located, PeriodSpec
from .model import INHERIT, PERIOD_LENGTHS, Channel, Constraints, Group, Scenario, Tier
from .timing import GammaLag, gamma_weights


def finish(doc: Doc, loc: Loc, problems: Collector, source: Path | None) -> Scenario | None:
    """Cross-check the assembled doc and build the frozen Scenario (None if it has errors)."""
    before = len(problems.problems)
    invalid = any(v.value is INVALID for v in doc.top.values())  # reported where it was
    top = {k: v.value for k, v in doc.top.items() if v.value is not INVALID}
    known = set(doc.top)
    if "name" not in known:
        problems.add(loc.at("name"), "missing; give the scenario a name (e.g. 'Q1 plan')")
    period_budgets = [s.period.budget for s in top.get("periods") or []]
    if "budget" not in known and period_budgets and None not in period_budgets:
        top["budget"] = float(sum(period_budgets))
    if "budget" not in top and "budget" not in known:
        problems.add(loc.at("budget"), "missing; give the total budget (e.g. 250000), or a "
                                       "budget on every period")
    if not doc.channels:
        if not problems.problems:
            problems.add(loc.at("channels"), "no channels left; a plan needs at least one")
        return None
    channels = [build_channel(name, fields, problems) for name, fields in doc.channels.items()]
    period_days = top.get("period_length", PERIOD_LENGTHS["month"])
    channels = [_resolve_lag(c, period_days) for c in channels]
    groups = _groups(doc, problems)
    cons = {k: v.value for k, v in doc.constraints.items() if k != "groups"}
    specs: list[PeriodSpec] = top.get("periods") or []
    _cross_checks(doc, top, cons, channels, specs, loc, problems)
    _timing_checks(doc, top, cons, channels, problems)
    if len(problems.problems) > before or invalid:
        return None
    if cons.get("max_active_channels") is not None:
        cons["max_active_channels"] = int(cons["max_active_channels"])
    extra: dict[str, Any] = {k: top[k] for k in ("objective", "target", "curve_tolerance",
                                                 "accounting", "discount_rate")
                             if top.get(k) is not None}
    extra["period_days"] = period_days
    extra["pipeline"] = tuple(entry for entry, _ in top.get("pipeline") or ())
    return Scenario(
        name=top["name"], budget=top["budget"], channels=tuple(c for c in channels if c),
        constraints=Constraints(groups=tuple(groups), **cons),
        use_full_budget=top.get("use_full_budget", False),
        period=top.get("period"), currency=top.get("currency", "USD"),
        description=top.get("description"), source=source, inputs=tuple(doc.inputs),
        periods=tuple(s.period for s in specs), **extra)


def _resolve_lag(channel: Channel | None, period_days: float) -> Channel | None:
    """A gamma close lag as shares per period of the scenario's length."""
    if channel is None or not isinstance(channel.close_lag, GammaLag):
        return channel
    from dataclasses import replace

    weights, tail = gamma_weights(channel.close_lag, period_days)
    return replace(channel, close_lag=weights, close_lag_tail=tail)


def _timing_checks(doc: Doc, top: dict[str, Any], cons: dict[str, Any],
                   channels: list[Channel | None], problems: Collector) -> None:
    """Pipeline channels exist; payback limits have margins to compare with."""
    names = list(doc.channels)
    for entry, eloc in top.get("pipeline") or ():
        if entry.channel not in doc.channels:
            problems.add(eloc.at("channel"), f"no channel named {V.show(entry.channel)}"
                                             f"{V.did_you_mean(entry.channel, names)}")
    built = [c for c in channels if c is not None]
    with_margin = [c.name for c in built if c.monthly_margin is not None]
    for key in ("max_payback_months", "max_blended_payback_months"):
        if cons.get(key) is not None and not with_margin:
            problems.add(doc.constraints[key].loc,
                         f"{key} compares spend with monthly_margin x customers; give "
                         "monthly_margin (gross margin per customer per month) on the channels")
    for c in built:
        if c.max_payback_months not in (INHERIT, None) and c.monthly_margin is None:
            problems.add(doc.channels[c.name]["max_payback_months"].loc,
                         "a payback limit needs the channel's monthly_margin (gross margin "
                         "per customer per month)")


def _groups(doc: Doc, problems: Collector) -> list[Group]:
    names = list(doc.channels)
    specs: list[GroupSpec] = doc.constraints["groups"].value if "groups" in doc.constraints else []
    groups = []
    for spec in specs:
        members: list[str] = []
        for member in spec.channels:
            if member.value not in doc.channels:
                problems.add(member.loc, f"no channel named {V.show(member.value)}"
                                         f"{V.did_you_mean(member.value, names)}")
            elif member.value in members:
                problems.add(member.loc, f"{V.show(member.value)} is listed twice in the group")
            else:
                members.append(member.value)
        if not members and spec.channels == []:
            problems.add(spec.loc.at("channels"), "no channels left in the group (all removed)")
        groups.append(Group(spec.name, tuple(members), spec.min_share, spec.max_share))
    return groups


def _cross_checks(doc: Doc, top: dict[str, Any], cons: dict[str, Any],
                  channels: list[Channel | None], specs: list[PeriodSpec], loc: Loc,
                  problems: Collector) -> None:
    names = list(doc.channels)
    if cons.get("max_sqls") is not None:
        missing = [c.name for c in channels if c is not None and c.lead_to_sql is None]
        if missing:
            problems.add(doc.constraints["max_sqls"].loc,
                         f"max_sqls needs lead_to_sql on every channel; missing on "
                         f"{V.listing(missing)}")
    for spec in specs:
        for member in spec.channels:
            if member.value not in doc.channels:
                problems.add(member.loc, f"no channel named {V.show(member.value)}"
                                         f"{V.did_you_mean(member.value, names)}")
    objective = top.get("objective", "net_value")
    if objective == "min_spend" and top.get("target") is None:
        problems.add(loc.at("target"), "objective min_spend needs a target, e.g. "
                                       "target: {customers: 120} or target: {value: 1500000}")
    if objective != "min_spend" and top.get("target") is not None:
        problems.add(doc.top["target"].loc, f"a target goes with objective min_spend (the "
                                            f"cheapest plan that reaches it); the objective here "
                                            f"is {objective}")
    for key in ("max_period_change", "max_period_share"):
        if cons.get(key) is not None and not specs:
            problems.add(doc.constraints[key].loc, f"{key} paces spend across periods; add a "
                                                   "`periods:` list (e.g. [Jan, Feb, Mar])")
    active = cons.get("max_active_channels")
    if active is not None and active != int(active):
        problems.add(doc.constraints["max_active_channels"].loc,
                     f"max_active_channels must be a whole number, got {active:g}")


def build_channel(name: str, fields: dict[str, Located], problems: Collector) -> Channel | None:
    """The frozen Channel, or None when one of its fields has a problem."""
    val = {k: v.value for k, v in fields.items() if v.value is not INVALID}
    at = {k: v.loc for k, v in fields.items()}
    before = len(problems.problems)
    invalid = len(val) < len(fields)  # a field's problem is already reported
    response = val.get("response")
    tiers: tuple[Tier, ...] = ()  # a response curve is linearised by the LP builder
    if response is None and "tiers" in val:
        tiers = val["tiers"]
    elif response is None and "cpl" in val:
        tiers = (Tier(math.inf, val["cpl"]),)
    elif response is None:
        tiers = (Tier(math.inf, 1.0),)  # cpl or tiers is invalid (reported); check the rest
        invalid = True
    min_spend = val.get("min_spend", 0.0)
    max_spend = val.get("max_spend")
    max_spend = math.inf if max_spend is None else max_spend
    _check_spend(val, at, tiers, min_spend, max_spend, problems)
    lts, ltc = val.get("lead_to_sql"), val.get("lead_to_close")
    if lts is not None and ltc is not None and lts < ltc:
        problems.add(at["lead_to_sql"], f"lead_to_sql {lts:g} is below lead_to_close {ltc:g}; "
                                        "every customer was an SQL first, so lead_to_sql must "
                                        "be at least lead_to_close")
    uncertainty = val.get("uncertainty") or ()
    for u in uncertainty:
        point = {"cpl": tiers[0].cpl if tiers else None, "clv": val.get("clv"),
                 "lead_to_close": ltc, "lead_to_sql": lts}.get(u.field)
        if u.kind == "interval" and point is not None and not u.a <= point <= u.b:
            problems.add(at["uncertainty"], f"{u.field} {point:g} lies outside its interval "
                                            f"{u.a:g} to {u.b:g}; widen the interval or "
                                            "correct the value")
    if invalid or len(problems.problems) > before or ltc is None:
        return None
    return Channel(
        name=name, tiers=tiers, lead_to_close=ltc, clv=val["clv"],
        current_spend=val.get("current_spend", 0.0), min_spend=min_spend, max_spend=max_spend,
        lead_to_sql=lts,
        max_change=val.get("max_change", INHERIT),
        min_clv_to_cpa=val.get("min_clv_to_cpa", INHERIT),
        fixed_cost=val.get("fixed_cost", 0.0), min_buy=val.get("min_buy", 0.0),
        unit=val.get("unit"), response=response, uncertainty=tuple(uncertainty),
        close_lag=val.get("close_lag", (1.0,)), carryover=val.get("carryover", (1.0,)),
        monthly_margin=val.get("monthly_margin"),
        max_payback_months=val.get("max_payback_months", INHERIT))


def _check_spend(val: dict[str, Any], at: dict[str, Loc], tiers: tuple[Tier, ...],
                 min_spend: float, max_spend: float, problems: Collector) -> None:
    if min_spend > max_spend:
        problems.add(at["min_spend"], f"min_spend {min_spend:,.0f} is above max_spend "
                                      f"{max_spend:,.0f} ({at['max_spend'].path}); swap them or "
                                      "lower min_spend")
    min_buy = val.get("min_buy", 0.0)
    if min_buy > max_spend:
        problems.add(at["min_buy"], f"min_buy {min_buy:,.0f} is above max_spend {max_spend:,.0f}"
                                    "; the channel could never be used. Lower min_buy or raise "
                                    "max_spend")
    unit = val.get("unit")
    if unit is not None and math.isfinite(max_spend) and unit > max_spend:
        problems.add(at["unit"], f"one unit ({unit:,.0f}) costs more than max_spend "
                                 f"{max_spend:,.0f}; the channel could never be bought")
    if tiers and min_spend > tiers[-1].up_to:
        problems.add(at["min_spend"], f"min_spend {min_spend:,.0f} is beyond the last tier "
                                      f"(up_to {tiers[-1].up_to:,.0f}); extend the tiers")
