"""The structured top-level fields: objective, target, curve_tolerance, periods, and the
timing fields (period_length, accounting, discount_rate, pipeline)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import timing as T
from . import values as V
from .fields import PERIOD_CHANNEL_KEYS, PERIOD_KEYS, PIPELINE_KEYS
from .located import Collector, Doc, Loc, Located, PeriodSpec, check_keys
from .model import ACCOUNTING, OBJECTIVES, TARGETS, Period, PipelineEntry


def apply_structured(doc: Doc, raw: Mapping[str, Any], loc: Loc, problems: Collector,
                     base_dir: Path) -> None:
    """objective, target, periods and curve_tolerance (and the timing fields; a pipeline
    given as a table path resolves against `base_dir`)."""
    if "objective" in raw:
        oloc, value = loc.at("objective"), raw["objective"]
        if value not in OBJECTIVES:
            problems.add(oloc, f"unknown objective {V.show(value)}"
                               f"{V.did_you_mean(str(value), OBJECTIVES)}"
                               f"; choose one of {', '.join(OBJECTIVES)}")
        else:
            doc.top["objective"] = Located(value, oloc)
    if "target" in raw:
        _apply_target(doc, raw["target"], loc.at("target"), problems)
    if "curve_tolerance" in raw:
        cloc = loc.at("curve_tolerance")
        try:
            tol = V.rate(raw["curve_tolerance"], "curve_tolerance")
            if not 0 < tol < 0.5:
                raise V.BadValue(f"curve_tolerance is {tol:g}; give a small fraction such as "
                                 "0.001 (0.1%)")
            if tol < 1e-9:
                raise V.BadValue(f"curve_tolerance is {tol:g}, below what the LP solver's own "
                                 "precision can prove; give 1e-9 or more")
            doc.top["curve_tolerance"] = Located(tol, cloc)
        except V.BadValue as exc:
            problems.add(cloc, str(exc))
    _apply_timing(doc, raw, loc, problems, base_dir)
    if "periods" in raw:
        ploc = loc.at("periods")
        if raw["periods"] is None:
            doc.top.pop("periods", None)
        else:
            specs = parse_periods(raw["periods"], ploc, problems)
            if specs is not None:
                doc.top["periods"] = Located(specs, ploc)


def _apply_timing(doc: Doc, raw: Mapping[str, Any], loc: Loc, problems: Collector,
                  base_dir: Path) -> None:
    """period_length, accounting, discount_rate and pipeline (null restores the default)."""
    for key in ("period_length", "accounting", "discount_rate", "pipeline"):
        if key not in raw:
            continue
        kloc, value = loc.at(key), raw[key]
        if value is None:
            doc.top.pop(key, None)
            continue
        try:
            parsed: Any
            if key == "period_length":
                parsed = T.period_length(value)
            elif key == "accounting":
                if value not in ACCOUNTING:
                    raise V.BadValue(f"unknown accounting {V.show(value)}"
                                     f"{V.did_you_mean(str(value), ACCOUNTING)}; choose cohort "
                                     "(every eventual customer of this plan's leads) or "
                                     "in_window (customers closing inside the periods)")
                parsed = value
            elif key == "discount_rate":
                parsed = V.rate(value, "discount_rate")
            else:
                rows = None
                if isinstance(value, str):
                    rows = _pipeline_table(doc, value, kloc, base_dir, problems)
                    if rows is None:
                        continue
                    value = [entry for entry, _ in rows]
                parsed = _parse_pipeline(value, kloc, problems,
                                         None if rows is None else [r for _, r in rows])
                if parsed is None:
                    continue
            doc.top[key] = Located(parsed, kloc)
        except V.BadValue as exc:
            problems.add(kloc, str(exc))


def _pipeline_table(doc: Doc, spec: str, loc: Loc, base_dir: Path, problems: Collector
                    ) -> list[tuple[dict[str, Any], Loc]] | None:
    """`pipeline: pipeline.csv` (what `chanopt estimate --pipeline` writes): one entry per
    row with the columns channel, age and leads or spend; columns starting with # or _ are
    bookkeeping, blank cells are absent."""
    from .channels import is_bookkeeping
    from .files import read_table

    table = read_table(spec, base_dir, loc, problems)
    if table is None:
        return None
    doc.inputs.append(table.path.resolve())
    header = [h.strip() for h in table.header]
    unknown = [h for h in header if h not in PIPELINE_KEYS and not is_bookkeeping(h)]
    for h in unknown:
        hint = V.did_you_mean(h, PIPELINE_KEYS) or f"; columns: {', '.join(PIPELINE_KEYS)}"
        problems.add(Loc(table.label, f"column {h!r}"), f"unknown pipeline column{hint}")
    if unknown:
        return None
    rows = []
    for line, cells in table.rows:
        entry = {h: c for h, c in zip(header, cells, strict=False)
                 if h in PIPELINE_KEYS and str(c).strip() != ""}
        if entry:
            rows.append((entry, Loc(table.label, f"line {line}")))
    return rows


def _parse_pipeline(raw: object, loc: Loc, problems: Collector,
                    locs: list[Loc] | None = None) -> list[tuple[PipelineEntry, Loc]] | None:
    """`pipeline: [{channel: Webinars, age: 1, leads: 120}, {channel: PPC, age: 2, spend: 5000}]`."""
    if not isinstance(raw, list):
        problems.add(loc, "must be a list of {channel, age, leads} or {channel, age, spend}, "
                          f"e.g. [{{channel: Webinars, age: 1, leads: 120}}]; got {V.show(raw)}")
        return None
    out: list[tuple[PipelineEntry, Loc]] = []
    ok = True
    for i, item in enumerate(raw):
        iloc = loc.at(i) if locs is None else locs[i]
        if not isinstance(item, dict):
            problems.add(iloc, f"each entry must be a mapping {{channel, age, leads}}, got "
                               f"{V.show(item)}")
            ok = False
            continue
        unknown = [k for k in item if k not in PIPELINE_KEYS]
        check_keys(item, PIPELINE_KEYS, iloc, problems, "pipeline keys")
        if unknown:
            ok = False
            continue
        try:
            if not isinstance(item.get("channel"), str):
                raise V.BadValue("missing channel (the channel's name)")
            age = V.count(item.get("age"), "age") if "age" in item else None
            if age is None or age != int(age) or age < 1:
                raise V.BadValue(f"age must be a whole number of periods, at least 1 (1 = the "
                                 f"period just before the plan), got {V.show(item.get('age'))}")
            given = [k for k in ("leads", "spend") if item.get(k) is not None]
            if len(given) != 1:
                raise V.BadValue("give leads (leads that arrived then) or spend (spend whose "
                                 "carry-over still brings leads), one of them")
            amount = (V.count if given[0] == "leads" else V.money)(item[given[0]], given[0])
            out.append((PipelineEntry(item["channel"], int(age), **{given[0]: float(amount)}),
                        iloc))
        except V.BadValue as exc:
            problems.add(iloc, str(exc))
            ok = False
    return out if ok else None


def _apply_target(doc: Doc, value: object, tloc: Loc, problems: Collector) -> None:
    if value is None:
        doc.top.pop("target", None)
        return
    if not isinstance(value, dict) or len(value) != 1:
        problems.add(tloc, f"must be one metric and amount, e.g. {{customers: 120}} or "
                           f"{{value: 1500000}}; got {V.show(value)}")
        return
    (metric, amount), = value.items()
    if metric not in TARGETS:
        problems.add(tloc.at(str(metric)), f"unknown target metric"
                     f"{V.did_you_mean(str(metric), TARGETS)}; choose one of "
                     f"{', '.join(TARGETS)}")
        return
    try:
        parse = V.money if metric == "value" else V.count
        number = parse(amount, f"target {metric}")
        if number <= 0:
            raise V.BadValue(f"target {metric} must be above 0, got {V.show(amount)}")
        doc.top["target"] = Located((metric, float(number)), tloc)
    except V.BadValue as exc:
        problems.add(tloc.at(str(metric)), str(exc))


def parse_periods(raw: object, loc: Loc, problems: Collector) -> list[PeriodSpec] | None:
    """`periods: [Jan, Feb, Mar]` or a list of mappings with budgets and multipliers."""
    if not isinstance(raw, list) or not raw:
        problems.add(loc, "must be a non-empty list of periods, e.g. [Jan, Feb, Mar] or "
                          "[{name: Jan, budget: 80000}, ...]")
        return None
    specs: list[PeriodSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        spec = _parse_period(item, loc.at(i), problems, seen)
        if spec is not None:
            specs.append(spec)
    return specs


def _parse_period(item: object, iloc: Loc, problems: Collector, seen: set[str]
                  ) -> PeriodSpec | None:
    if isinstance(item, (str, int)) and not isinstance(item, bool):
        item = {"name": str(item)}
    if not isinstance(item, dict):
        problems.add(iloc, f"each period is a name or a mapping with a name, got {V.show(item)}")
        return None
    check_keys(item, PERIOD_KEYS, iloc, problems)
    name = item.get("name")
    if not isinstance(name, (str, int)) or not str(name).strip():
        problems.add(iloc.at("name"), "every period needs a name (e.g. Jan)")
        return None
    try:
        name = V.label(str(name), "period name")
    except V.BadValue as exc:
        problems.add(iloc.at("name"), str(exc))
        return None
    if name in seen:
        problems.add(iloc.at("name"), f"period {V.show(name)} is listed twice")
    seen.add(name)
    names: list[Located] = []
    kwargs: dict[str, Any] = {}
    try:
        if item.get("budget") is not None:
            kwargs["budget"] = V.money(item["budget"], "budget", positive=True)
        if item.get("capacity_multiplier") is not None:
            kwargs["capacity_multiplier"] = V.ratio(item["capacity_multiplier"],
                                                    "capacity_multiplier")
    except V.BadValue as exc:
        problems.add(iloc, str(exc))
    _period_multipliers(item.get("cpl_multiplier"), iloc.at("cpl_multiplier"), problems,
                        kwargs, names)
    bounds = _period_bounds(item.get("channels"), iloc.at("channels"), problems, names)
    return PeriodSpec(Period(name=name, channel_bounds=tuple(bounds), **kwargs), names, iloc)


def _period_multipliers(mult: object, mloc: Loc, problems: Collector, kwargs: dict[str, Any],
                        names: list[Located]) -> None:
    """A period's CPL multiplier: one number, or per channel (with a `default`)."""
    if isinstance(mult, dict):
        pairs = []
        for ch, value in mult.items():
            try:
                if str(ch) == "default":
                    kwargs["cpl_multiplier"] = _positive_multiplier(value)
                else:
                    pairs.append((str(ch), _positive_multiplier(value)))
                    names.append(Located(str(ch), mloc.at(str(ch))))
            except V.BadValue as exc:
                problems.add(mloc.at(str(ch)), str(exc))
        kwargs["channel_cpl_multipliers"] = tuple(pairs)
    elif mult is not None:
        try:
            kwargs["cpl_multiplier"] = _positive_multiplier(mult)
        except V.BadValue as exc:
            problems.add(mloc, str(exc))


def _period_bounds(chans: object, bloc: Loc, problems: Collector, names: list[Located]
                   ) -> list[tuple[str, float, float]]:
    """Per-channel spend bounds inside one period: {channel: {min_spend, max_spend}}."""
    if chans is None:
        return []
    if not isinstance(chans, dict):
        problems.add(bloc, "must map channel names to {min_spend, max_spend} for this period")
        return []
    bounds = []
    for ch, limits in chans.items():
        cloc = bloc.at(str(ch))
        if not isinstance(limits, dict):
            problems.add(cloc, f"must be a mapping such as {{max_spend: 10000}}, got {V.show(limits)}")
            continue
        check_keys(limits, PERIOD_CHANNEL_KEYS, cloc, problems)
        try:
            low = V.money(limits.get("min_spend", 0) or 0, "min_spend")
            high = limits.get("max_spend")
            high = math.inf if high is None else V.money(high, "max_spend")
        except V.BadValue as exc:
            problems.add(cloc, str(exc))
            continue
        if low > high:
            problems.add(cloc, f"min_spend {low:,.0f} is above max_spend {high:,.0f}")
        bounds.append((str(ch), low, high))
        names.append(Located(str(ch), cloc))
    return bounds


CPL_MULTIPLIER_RANGE = (1e-3, 1e3)  # a period's leads from 1,000x cheaper to 1,000x dearer


def _positive_multiplier(raw: object) -> float:
    value = V.ratio(raw, "cpl_multiplier")
    low, high = CPL_MULTIPLIER_RANGE
    if not low <= value <= high:
        raise V.BadValue(f"cpl_multiplier is {V.show(raw)}; it scales what a lead costs that "
                         f"period (1.2 means 20% more) and must lie between {low:g} and "
                         f"{high:g}")
    return value
