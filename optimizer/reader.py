"""Read scenario files (YAML, with CSV channel tables) into validated `Scenario` objects.

This is the only module that opens input files. Every value is kept with the place it was
written (file and field path) until the scenario is complete, so that a problem found after
`extends` and what-if overrides are merged still points at the line the user wrote. All
problems are gathered and raised together as one `ScenarioError`.
"""

from __future__ import annotations

import copy
import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import yaml

from . import values as V
from .curves import breakpoints, chord_tiers
from .errors import Problem, ScenarioError
from .model import (CURVES, INHERIT, OBJECTIVES, TARGETS, Channel, Constraints, Group, Period,
                    UNCERTAIN_FIELDS, Response, Scenario, Tier, Uncertainty)

# --------------------------------------------------------------------------- locations


@dataclass(frozen=True)
class Loc:
    file: str
    path: str

    def at(self, key: str | int) -> Loc:
        if isinstance(key, int):
            return Loc(self.file, f"{self.path}[{key}]")
        return Loc(self.file, f"{self.path}.{key}" if self.path else key)


@dataclass
class Located:
    value: Any
    loc: Loc


INVALID = object()
"""Value of a field whose problem is already reported: later checks skip it quietly."""


@dataclass
class GroupSpec:
    name: str
    channels: list[Located]
    min_share: float | None
    max_share: float | None
    loc: Loc


@dataclass
class Doc:
    """A scenario being assembled: located values, not yet cross-checked."""

    top: dict[str, Located] = field(default_factory=dict)
    channels: dict[str, dict[str, Located]] = field(default_factory=dict)
    channel_locs: dict[str, Loc] = field(default_factory=dict)
    constraints: dict[str, Located] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)


class Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, loc: Loc, message: str) -> None:
        self.problems.append(Problem(loc.file, loc.path, message))

    def check(self) -> None:
        if self.problems:
            raise ScenarioError(self.problems)


# --------------------------------------------------------------------------- field tables

Parser = Callable[[object, str], Any]

TOP_FIELDS: dict[str, Parser] = {
    "name": V.text,
    "description": V.text,
    "period": V.text,
    "currency": V.text,
    "budget": lambda raw, what: V.money(raw, what, positive=True),
    "use_full_budget": V.boolean,
}

CHANNEL_FIELDS: dict[str, Parser] = {
    "cpl": lambda raw, what: V.money(raw, what, positive=True),
    "lead_to_close": V.rate,
    "lead_to_sql": V.rate,
    "clv": V.money,
    "current_spend": V.money,
    "min_spend": V.money,
    "max_spend": V.money,
    "max_change": V.fraction,
    "min_clv_to_cpa": V.ratio,
    "description": V.text,
    "fixed_cost": V.money,
    "min_buy": V.money,
    "unit": lambda raw, what: V.money(raw, what, positive=True),
}
CHANNEL_KEYS = ("name", "tiers", "response", "uncertainty", *CHANNEL_FIELDS)
CHANNEL_NULLABLE = {"lead_to_sql", "max_spend", "max_change", "min_clv_to_cpa", "description",
                    "unit", "response"}
CHANNEL_RELATIVE = {"cpl", "lead_to_close", "lead_to_sql", "clv", "current_spend",
                    "min_spend", "max_spend", "fixed_cost", "min_buy"}
RESPONSE_KEYS = ("curve", "max_leads", "scale", "shape")
RESPONSE_COLUMNS = {f"response_{k}": k for k in RESPONSE_KEYS}  # flat form in tables
# uncertainty in tables, as `chanopt estimate` writes it: counts give a Beta for the rate,
# *_low/*_high a 90% interval; the informational columns are accepted and not used
UNCERTAINTY_COLUMNS = ("leads", "customers", "sqls", "cpl_low", "cpl_high",
                       "lead_to_close_low", "lead_to_close_high", "lead_to_sql_low",
                       "lead_to_sql_high", "clv_low", "clv_high")
INFO_COLUMNS = ("mqls", "mql_to_sql", "clv_method", "clv_deals", "note")
CHANNEL_REQUIRED = ("lead_to_close", "clv")

CONSTRAINT_FIELDS: dict[str, Parser] = {
    "min_clv_to_cpa": V.ratio,
    "min_blended_clv_to_cpa": V.ratio,
    "max_change": V.fraction,
    "max_leads": V.count,
    "max_sqls": V.count,
    "max_customers": V.count,
    "max_active_channels": V.count,
    "max_period_change": V.fraction,
    "max_period_share": lambda raw, what: V.fraction(raw, what, upper=1.0),
}
CONSTRAINT_KEYS = (*CONSTRAINT_FIELDS, "groups")
CONSTRAINT_RELATIVE = {"max_leads", "max_sqls", "max_customers"}
GROUP_KEYS = ("name", "channels", "min_share", "max_share")

STRUCTURED_TOP = ("objective", "target", "periods", "curve_tolerance")
BASE_KEYS = (*TOP_FIELDS, *STRUCTURED_TOP, "channels", "constraints", "scenarios", "extends")
EXTENDING_KEYS = (*BASE_KEYS, "add_channels", "remove_channels")
VARIANT_KEYS = ("name", "description", "budget", "use_full_budget", "constraints", "channels",
                "add_channels", "remove_channels", *STRUCTURED_TOP)
PERIOD_KEYS = ("name", "budget", "cpl_multiplier", "capacity_multiplier", "channels")
PERIOD_CHANNEL_KEYS = ("min_spend", "max_spend")


@dataclass
class PeriodSpec:
    period: Period
    channels: list[Located]  # channel names in per-period bounds and multipliers, to check
    loc: Loc

# --------------------------------------------------------------------------- public API


def load_scenarios(path: str | Path) -> list[Scenario]:
    """The base scenario of a file followed by each of its what-if variants, validated."""
    path = Path(path)
    problems = Collector()
    raw = _read_yaml(path, problems)
    problems.check()
    doc = _resolve_file(path, raw, problems, chain=())
    scenarios = _finish_all(doc, raw, Loc(str(path), ""), problems, source=path)
    problems.check()
    return scenarios


def load_scenario(path: str | Path, variant: str | None = None) -> Scenario:
    """One scenario of a file: its base, or the what-if variant named `variant`."""
    scenarios = load_scenarios(path)
    if variant is None:
        return scenarios[0]
    names = [s.name for s in scenarios[1:]]
    for scenario in scenarios[1:]:
        if scenario.name == variant:
            return scenario
    hint = V.did_you_mean(variant, names) or f"; the file has {names or 'no variants'}"
    raise ScenarioError([Problem(str(path), "scenarios", f"no variant named {variant!r}{hint}")])


def scenario_from_dict(data: Mapping[str, Any], base_dir: str | Path | None = None,
                       label: str = "<dict>") -> list[Scenario]:
    """Like `load_scenarios` for an in-memory mapping (a notebook's what-if).

    Relative paths (`channels: table.csv`, `extends`) resolve against `base_dir`.
    """
    problems = Collector()
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    pseudo = base / label
    doc = _resolve_file(pseudo, dict(data), problems, chain=(), label=label)
    scenarios = _finish_all(doc, dict(data), Loc(label, ""), problems, source=None)
    problems.check()
    return scenarios


# --------------------------------------------------------------------------- files


def _read_yaml(path: Path, problems: Collector) -> dict[str, Any]:
    loc = Loc(str(path), "")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.add(loc, "file not found; check the path (relative paths start from the "
                          "current directory, or from the file that names them)")
        return {}
    except OSError as exc:
        problems.add(loc, f"cannot be read: {exc.strerror}")
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.add(Loc(str(path), where), f"not valid YAML: {exc.problem}")
        return {}
    except yaml.YAMLError as exc:
        problems.add(loc, f"not valid YAML: {exc}")
        return {}
    if not isinstance(data, dict):
        problems.add(loc, "must be a YAML mapping with keys such as name, budget and channels")
        return {}
    return data


def _resolve_file(path: Path, raw: dict[str, Any], problems: Collector,
                  chain: tuple[Path, ...], label: str | None = None) -> Doc:
    """The file's base scenario as a Doc, following `extends` recursively."""
    name = label or str(path)
    loc = Loc(name, "")
    parent_raw = raw.get("extends")
    if parent_raw is None:
        _check_keys(raw, BASE_KEYS, loc, problems)
        doc = Doc()
        if path.exists():
            doc.inputs.append(path.resolve())
        _apply(doc, raw, loc, path.parent, problems, extending=False)
        return doc
    _check_keys(raw, EXTENDING_KEYS, loc, problems)
    if not isinstance(parent_raw, str):
        problems.add(loc.at("extends"), f"must be the path of another scenario file, got {parent_raw!r}")
        return Doc()
    parent = (path.parent / parent_raw).resolve()
    if parent in chain or parent == path.resolve():
        cycle = " -> ".join(str(p) for p in (*chain, path.resolve(), parent))
        problems.add(loc.at("extends"), f"files extend each other in a cycle: {cycle}")
        return Doc()
    parent_data = _read_yaml(parent, problems)
    if not parent_data:
        if not problems.problems:
            problems.add(loc.at("extends"), f"{parent_raw!r} is empty")
        return Doc()
    doc = _resolve_file(parent, parent_data, problems, chain=(*chain, path.resolve()))
    doc = copy.deepcopy(doc)
    if path.exists():
        doc.inputs.append(path.resolve())
    _apply(doc, raw, loc, path.parent, problems, extending=True)
    return doc


def _finish_all(doc: Doc, raw: dict[str, Any], loc: Loc, problems: Collector,
                source: Path | None) -> list[Scenario]:
    scenarios: list[Scenario] = []
    base = _finish(doc, loc, problems, source)
    if base is not None:
        scenarios.append(base)
    variants = raw.get("scenarios") or []
    if not isinstance(variants, list):
        problems.add(loc.at("scenarios"), "must be a list of what-if variants, each with a name")
        return scenarios
    seen: set[str] = set()
    base_dir = source.parent if source is not None else Path.cwd()
    for i, variant in enumerate(variants):
        vloc = loc.at("scenarios").at(i)
        if not isinstance(variant, dict):
            problems.add(vloc, f"each variant must be a mapping with a name, got {variant!r}")
            continue
        vname = variant.get("name")
        if not isinstance(vname, str) or not vname.strip():
            problems.add(vloc.at("name"), "every variant needs a name (shown in comparisons)")
            continue
        vloc = Loc(loc.file, f"scenarios['{vname}']")
        if vname in seen or (base is not None and vname == base.name):
            problems.add(vloc.at("name"), f"the name {vname!r} is used twice; names identify "
                                          "scenarios in comparisons, make each unique")
        seen.add(vname)
        _check_keys(variant, VARIANT_KEYS, vloc, problems)
        vdoc = copy.deepcopy(doc)
        _apply(vdoc, variant, vloc, base_dir, problems, extending=True)
        result = _finish(vdoc, vloc, problems, source)
        if result is not None:
            scenarios.append(replace(result, variant_of=base.name if base else None))
    return scenarios


def _check_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], loc: Loc,
                problems: Collector) -> None:
    for key in raw:
        if key not in allowed:
            hint = V.did_you_mean(str(key), allowed) or f"; allowed keys: {', '.join(allowed)}"
            problems.add(loc.at(str(key)), f"unknown key{hint}")


# --------------------------------------------------------------------------- applying


def _apply(doc: Doc, raw: Mapping[str, Any], loc: Loc, base_dir: Path, problems: Collector,
           *, extending: bool) -> None:
    """Apply a base file (extending=False) or an override (extending file, variant) to doc."""
    for key, parser in TOP_FIELDS.items():
        if key not in raw:
            continue
        kloc = loc.at(key)
        value = raw[key]
        if key == "budget" and extending:
            rel = V.relative(value)
            if rel is not None:
                prev = doc.top.get("budget")
                if prev is None:
                    problems.add(kloc, f"{rel.text} needs a budget to change; give an amount")
                else:
                    doc.top["budget"] = Located(rel.apply(prev.value), kloc)
                continue
        if value is None and key in {"period", "description"}:
            doc.top.pop(key, None)
            continue
        try:
            doc.top[key] = Located(parser(value, key), kloc)
        except V.BadValue as exc:
            problems.add(kloc, str(exc))

    _apply_structured(doc, raw, loc, problems)
    if "constraints" in raw:
        _apply_constraints(doc, raw["constraints"], loc.at("constraints"), problems)

    if "channels" in raw:
        chans = raw["channels"]
        cloc = loc.at("channels")
        if isinstance(chans, dict):
            if not extending:
                problems.add(cloc, "must be a list of channels or the path of a CSV table; a "
                                   "mapping of per-channel changes needs `extends`")
            else:
                _apply_channel_overrides(doc, chans, cloc, problems)
        else:
            doc.channels.clear()
            doc.channel_locs.clear()
            _add_channels(doc, chans, cloc, base_dir, problems)
    elif not extending:
        problems.add(loc.at("channels"), "missing; list the channels (or give a CSV path)")

    if "remove_channels" in raw:
        rloc = loc.at("remove_channels")
        names = raw["remove_channels"]
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list):
            problems.add(rloc, "must be a list of channel names")
        else:
            for i, name in enumerate(names):
                if name not in doc.channels:
                    hint = V.did_you_mean(str(name), list(doc.channels))
                    problems.add(rloc.at(i), f"no channel named {name!r}{hint}")
                    continue
                del doc.channels[name]
                del doc.channel_locs[name]
                _drop_from_groups(doc, name)

    if "add_channels" in raw:
        aloc = loc.at("add_channels")
        _add_channels(doc, raw["add_channels"], aloc, base_dir, problems)


def _apply_structured(doc: Doc, raw: Mapping[str, Any], loc: Loc, problems: Collector) -> None:
    """objective, target, periods and curve_tolerance."""
    if "objective" in raw:
        oloc, value = loc.at("objective"), raw["objective"]
        if value not in OBJECTIVES:
            problems.add(oloc, f"unknown objective {value!r}{V.did_you_mean(str(value), OBJECTIVES)}"
                               f"; choose one of {', '.join(OBJECTIVES)}")
        else:
            doc.top["objective"] = Located(value, oloc)
    if "target" in raw:
        tloc, value = loc.at("target"), raw["target"]
        if value is None:
            doc.top.pop("target", None)
        elif not isinstance(value, dict) or len(value) != 1:
            problems.add(tloc, f"must be one metric and amount, e.g. {{customers: 120}} or "
                               f"{{value: 1500000}}; got {value!r}")
        else:
            (metric, amount), = value.items()
            if metric not in TARGETS:
                problems.add(tloc.at(str(metric)), f"unknown target metric"
                             f"{V.did_you_mean(str(metric), TARGETS)}; choose one of "
                             f"{', '.join(TARGETS)}")
            else:
                try:
                    parse = V.money if metric == "value" else V.count
                    number = parse(amount, f"target {metric}")
                    if number <= 0:
                        raise V.BadValue(f"target {metric} must be above 0, got {amount!r}")
                    doc.top["target"] = Located((metric, float(number)), tloc)
                except V.BadValue as exc:
                    problems.add(tloc.at(str(metric)), str(exc))
    if "curve_tolerance" in raw:
        cloc = loc.at("curve_tolerance")
        try:
            tol = V.rate(raw["curve_tolerance"], "curve_tolerance")
            if not 0 < tol < 0.5:
                raise V.BadValue(f"curve_tolerance is {tol:g}; give a small fraction such as "
                                 "0.001 (0.1%)")
            doc.top["curve_tolerance"] = Located(tol, cloc)
        except V.BadValue as exc:
            problems.add(cloc, str(exc))
    if "periods" in raw:
        ploc = loc.at("periods")
        if raw["periods"] is None:
            doc.top.pop("periods", None)
        else:
            specs = _parse_periods(raw["periods"], ploc, problems)
            if specs is not None:
                doc.top["periods"] = Located(specs, ploc)


def _parse_periods(raw: object, loc: Loc, problems: Collector) -> list[PeriodSpec] | None:
    """`periods: [Jan, Feb, Mar]` or a list of mappings with budgets and multipliers."""
    if not isinstance(raw, list) or not raw:
        problems.add(loc, "must be a non-empty list of periods, e.g. [Jan, Feb, Mar] or "
                          "[{name: Jan, budget: 80000}, ...]")
        return None
    specs: list[PeriodSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        iloc = loc.at(i)
        if isinstance(item, (str, int)) and not isinstance(item, bool):
            item = {"name": str(item)}
        if not isinstance(item, dict):
            problems.add(iloc, f"each period is a name or a mapping with a name, got {item!r}")
            continue
        _check_keys(item, PERIOD_KEYS, iloc, problems)
        name = item.get("name")
        if not isinstance(name, (str, int)) or not str(name).strip():
            problems.add(iloc.at("name"), "every period needs a name (e.g. Jan)")
            continue
        name = str(name).strip()
        if name in seen:
            problems.add(iloc.at("name"), f"period {name!r} is listed twice")
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
        mult = item.get("cpl_multiplier")
        mloc = iloc.at("cpl_multiplier")
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
        bounds = []
        chans = item.get("channels")
        bloc = iloc.at("channels")
        if chans is not None and not isinstance(chans, dict):
            problems.add(bloc, "must map channel names to {min_spend, max_spend} for this period")
        for ch, limits in (chans or {}).items():
            cloc = bloc.at(str(ch))
            if not isinstance(limits, dict):
                problems.add(cloc, f"must be a mapping such as {{max_spend: 10000}}, got {limits!r}")
                continue
            _check_keys(limits, PERIOD_CHANNEL_KEYS, cloc, problems)
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
        specs.append(PeriodSpec(Period(name=name, channel_bounds=tuple(bounds), **kwargs),
                                names, iloc))
    return specs


def _positive_multiplier(raw: object) -> float:
    value = V.ratio(raw, "cpl_multiplier")
    if value <= 0:
        raise V.BadValue(f"cpl_multiplier must be above 0 (1.2 means leads cost 20% more that "
                         f"period), got {raw!r}")
    return value


def _parse_response(raw: object, loc: Loc, problems: Collector) -> Response | None:
    if not isinstance(raw, dict):
        problems.add(loc, "must be a mapping such as {curve: exponential, max_leads: 900, "
                          "scale: 40000}")
        return None
    ok = True
    for key in raw:
        if key not in RESPONSE_KEYS:
            problems.add(loc.at(str(key)), f"unknown key{V.did_you_mean(str(key), RESPONSE_KEYS)}"
                                           f"; a response has {', '.join(RESPONSE_KEYS)}")
            ok = False
    curve = raw.get("curve")
    if curve not in CURVES:
        problems.add(loc.at("curve"), f"unknown curve {curve!r}{V.did_you_mean(str(curve), CURVES)}"
                                      f"; choose one of {', '.join(CURVES)}")
        ok = False
    values: dict[str, float] = {}
    for key, example in (("max_leads", "900"), ("scale", "40000")):
        if key not in raw:
            problems.add(loc, f"missing {key} (e.g. {example})")
            ok = False
            continue
        try:
            values[key] = V.money(raw[key], key, positive=True)
        except V.BadValue as exc:
            problems.add(loc.at(key), str(exc))
            ok = False
    shape = 1.0
    if "shape" in raw:
        try:
            shape = V.number(raw["shape"], "shape")
            if curve == "exponential":
                raise V.BadValue("shape is for hill curves; an exponential curve has none")
            if shape < 1:
                raise V.BadValue(f"shape is {shape:g}; a hill curve with shape below 1 has an "
                                 "infinite return on its first dollar. Use a shape of at "
                                 "least 1, or an exponential curve")
        except V.BadValue as exc:
            problems.add(loc.at("shape"), str(exc))
            ok = False
    if not ok:
        return None
    return Response(curve=str(curve), max_leads=values["max_leads"], scale=values["scale"],
                    shape=shape)


def _uncertainty_from_columns(flat: dict[str, Any]) -> dict[str, Any]:
    """Table columns (leads, customers, clv_low...) as the YAML `uncertainty` mapping."""
    out: dict[str, Any] = {}
    if "customers" in flat and "leads" in flat:
        out["lead_to_close"] = {"customers": flat["customers"], "leads": flat["leads"]}
    if "sqls" in flat and "leads" in flat:
        out["lead_to_sql"] = {"sqls": flat["sqls"], "leads": flat["leads"]}
    for name in UNCERTAIN_FIELDS:
        low, high = flat.get(f"{name}_low"), flat.get(f"{name}_high")
        if name not in out and (low is not None or high is not None):
            out[name] = {"low": low, "high": high}
    leftover = set(flat) - {"leads", "customers", "sqls"} - {
        f"{f}_{e}" for f in UNCERTAIN_FIELDS for e in ("low", "high")}
    return out if not leftover else {**out, **{k: flat[k] for k in leftover}}


UNCERTAINTY_FORMS = {"cpl": "{low: 40, high: 60}", "clv": "{low: 8000, high: 15000}",
                     "lead_to_close": "{customers: 2, leads: 100} or {low: 0.01, high: 0.05}",
                     "lead_to_sql": "{sqls: 12, leads: 100} or {low: 0.08, high: 0.15}"}


def _parse_uncertainty(raw: object, loc: Loc, problems: Collector
                       ) -> tuple[Uncertainty, ...] | None:
    """`uncertainty: {lead_to_close: {customers: 2, leads: 100}, clv: {low: .., high: ..}}`."""
    if not isinstance(raw, dict):
        problems.add(loc, "must map inputs (cpl, lead_to_close, lead_to_sql, clv) to their "
                          "uncertainty, e.g. {lead_to_close: {customers: 2, leads: 100}}")
        return None
    out: list[Uncertainty] = []
    ok = True
    for name, spec in raw.items():
        floc = loc.at(str(name))
        if name not in UNCERTAIN_FIELDS:
            problems.add(floc, f"unknown input{V.did_you_mean(str(name), UNCERTAIN_FIELDS)}; "
                               f"uncertainty can be given for {', '.join(UNCERTAIN_FIELDS)}")
            ok = False
            continue
        form = UNCERTAINTY_FORMS[name]
        if not isinstance(spec, dict):
            problems.add(floc, f"must be a mapping such as {form}, got {spec!r}")
            ok = False
            continue
        count_key = {"lead_to_close": "customers", "lead_to_sql": "sqls"}.get(name)
        try:
            if count_key is not None and (count_key in spec or "leads" in spec):
                _check_keys(spec, (count_key, "leads"), floc, problems)
                k = V.count(spec.get(count_key), count_key)
                n = V.count(spec.get("leads"), "leads")
                if k != int(k) or n != int(n):
                    raise V.BadValue(f"{count_key} and leads are counts (whole numbers), got "
                                     f"{k:g} and {n:g}")
                if k > n:
                    raise V.BadValue(f"{count_key} ({k:g}) cannot exceed leads ({n:g})")
                out.append(Uncertainty(name, "beta", k + 1.0, n - k + 1.0))
                continue
            _check_keys(spec, ("low", "high"), floc, problems)
            if "low" not in spec or "high" not in spec:
                raise V.BadValue(f"give both low and high (a 90% interval), e.g. {form}")
            parse = V.rate if name in ("lead_to_close", "lead_to_sql") else \
                (lambda r, w: V.money(r, w, positive=True))
            low, high = parse(spec["low"], "low"), parse(spec["high"], "high")
            if not low < high:
                raise V.BadValue(f"low ({low:g}) must be below high ({high:g})")
            if name in ("lead_to_close", "lead_to_sql") and (low <= 0 or high >= 1):
                raise V.BadValue(f"a rate's interval must lie strictly between 0 and 1, got "
                                 f"{low:g} to {high:g}; give counts ({form}) instead")
            out.append(Uncertainty(name, "interval", low, high))
        except V.BadValue as exc:
            problems.add(floc, str(exc))
            ok = False
    return tuple(out) if ok else None


def _apply_constraints(doc: Doc, raw: object, loc: Loc, problems: Collector) -> None:
    if raw is None:
        return
    if not isinstance(raw, dict):
        problems.add(loc, f"must be a mapping such as {{min_clv_to_cpa: 3}}, got {raw!r}")
        return
    _check_keys(raw, CONSTRAINT_KEYS, loc, problems)
    for key, parser in CONSTRAINT_FIELDS.items():
        if key not in raw:
            continue
        kloc = loc.at(key)
        value = raw[key]
        if value is None:
            doc.constraints[key] = Located(None, kloc)
            continue
        rel = V.relative(value) if key in CONSTRAINT_RELATIVE else None
        if rel is not None:
            prev = doc.constraints.get(key)
            if prev is None or prev.value is None:
                problems.add(kloc, f"{rel.text} needs a {key} to change; give a number")
            else:
                doc.constraints[key] = Located(rel.apply(prev.value), kloc)
            continue
        try:
            doc.constraints[key] = Located(parser(value, key), kloc)
        except V.BadValue as exc:
            problems.add(kloc, str(exc))
    if "groups" in raw:
        groups = _parse_groups(raw["groups"], loc.at("groups"), problems)
        doc.constraints["groups"] = Located(groups, loc.at("groups"))


def _parse_groups(raw: object, loc: Loc, problems: Collector) -> list[GroupSpec]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.add(loc, "must be a list of groups, each with name, channels and "
                          "min_share and/or max_share")
        return []
    groups: list[GroupSpec] = []
    names: set[str] = set()
    for i, item in enumerate(raw):
        gloc = loc.at(i)
        if not isinstance(item, dict):
            problems.add(gloc, f"each group must be a mapping, got {item!r}")
            continue
        _check_keys(item, GROUP_KEYS, gloc, problems)
        try:
            name = V.text(item.get("name"), "name")
        except V.BadValue:
            problems.add(gloc.at("name"), "every group needs a name")
            continue
        gloc = Loc(loc.file, f"{loc.path}['{name}']")
        if name in names:
            problems.add(gloc.at("name"), f"group name {name!r} is used twice")
        names.add(name)
        shares: dict[str, float | None] = {}
        for key in ("min_share", "max_share"):
            value = item.get(key)
            if value is None:
                shares[key] = None
                continue
            try:
                shares[key] = V.rate(value, key)
            except V.BadValue as exc:
                problems.add(gloc.at(key), str(exc))
                shares[key] = None
        if "min_share" not in item and "max_share" not in item:
            problems.add(gloc, "give min_share and/or max_share (a share of total spend)")
        members = item.get("channels")
        if isinstance(members, str):
            members = [members]
        if not isinstance(members, list) or not members:
            problems.add(gloc.at("channels"), "must be a non-empty list of channel names")
            members = []
        lo, hi = shares["min_share"], shares["max_share"]
        if lo is not None and hi is not None and lo > hi:
            problems.add(gloc, f"min_share {lo:g} is above max_share {hi:g}; swap them")
        groups.append(GroupSpec(name, [Located(str(m), gloc.at("channels").at(j))
                                       for j, m in enumerate(members)], lo, hi, gloc))
    return groups


def _drop_from_groups(doc: Doc, channel: str) -> None:
    groups = doc.constraints.get("groups")
    if groups is None:
        return
    for group in groups.value:
        group.channels = [m for m in group.channels if m.value != channel]


def _add_channels(doc: Doc, raw: object, loc: Loc, base_dir: Path, problems: Collector) -> None:
    if isinstance(raw, str):
        if raw.split("#", 1)[0].lower().endswith((".xlsx", ".xlsm")):
            _add_channels_from_xlsx(doc, raw, base_dir, loc, problems)
        else:
            _add_channels_from_csv(doc, base_dir / raw, loc, problems)
        return
    if not isinstance(raw, list):
        problems.add(loc, "must be a list of channels (mappings with name, cpl, lead_to_close, "
                          "clv...) or the path of a CSV file")
        return
    for i, item in enumerate(raw):
        iloc = loc.at(i)
        if not isinstance(item, dict):
            problems.add(iloc, f"each channel must be a mapping, got {item!r}")
            continue
        try:
            name = V.text(item.get("name"), "name")
        except V.BadValue:
            problems.add(iloc.at("name"), "every channel needs a name")
            continue
        cloc = Loc(loc.file, f"{loc.path}['{name}']")
        fields = _parse_channel_fields(item, cloc, problems, relative=False, full=True,
                                       key_namer=cloc.at)
        _insert_channel(doc, name, fields, cloc, problems)


def _add_channels_from_csv(doc: Doc, path: Path, loc: Loc, problems: Collector) -> None:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError:
        problems.add(loc, f"channel table {str(path)!r} not found; paths are relative to the "
                          "YAML file that names them")
        return
    doc.inputs.append(path.resolve())
    with handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        _add_channel_rows(doc, str(path), header, enumerate(reader, start=2), problems)


def _add_channels_from_xlsx(doc: Doc, spec: str, base_dir: Path, loc: Loc,
                            problems: Collector) -> None:
    """`table.xlsx` (first sheet) or `table.xlsx#Sheet name`."""
    from openpyxl import load_workbook

    file_part, _, sheet_name = spec.partition("#")
    path = base_dir / file_part
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        problems.add(loc, f"cannot read workbook {str(path)!r} ({exc.__class__.__name__}); paths "
                          "are relative to the YAML file that names them")
        return
    doc.inputs.append(path.resolve())
    try:
        if sheet_name and sheet_name not in book.sheetnames:
            hint = V.did_you_mean(sheet_name, book.sheetnames) or f"; sheets: {book.sheetnames}"
            problems.add(loc, f"{path.name} has no sheet {sheet_name!r}{hint}")
            return
        sheet = book[sheet_name] if sheet_name else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = ["" if h is None else str(h) for h in next(rows, ())]
        label = f"{path}[{sheet.title}]"
        _add_channel_rows(doc, label, header,
                          ((k, ["" if v is None else v for v in row])
                           for k, row in enumerate(rows, start=2)), problems)
    finally:
        book.close()


def _add_channel_rows(doc: Doc, label: str, header: list[str], rows, problems: Collector) -> None:
    """Channels from a table (CSV or a workbook sheet): one per row, columns are fields."""
    header = [h.strip() for h in header]
    floc = Loc(label, "")
    aliases = {"channel": "name"}
    allowed = (*CHANNEL_KEYS, *aliases, *RESPONSE_COLUMNS, *UNCERTAINTY_COLUMNS, *INFO_COLUMNS)
    for col in header:
        if col and (col not in allowed or col == "tiers"):
            hint = V.did_you_mean(col, CHANNEL_KEYS) or (
                "; tiers cannot be written in a table cell, set them in YAML "
                "(a variant or an extending file)" if col == "tiers" else
                f"; allowed columns: {', '.join(c for c in CHANNEL_KEYS if c != 'tiers')}")
            problems.add(floc.at(f"column {col!r}"), f"unknown column{hint}")
    if "name" not in header and "channel" not in header:
        problems.add(floc, "the table needs a `name` column naming each channel")
        return
    for line_no, row in rows:
        if len(row) > len(header) and any(str(v).strip() for v in row[len(header):]):
            problems.add(Loc(label, f"row {line_no}"), "has more cells than the header")
        cleaned: dict[str, Any] = {}
        for key, value in zip(header, row):
            key = aliases.get(key, key)
            text = value.strip() if isinstance(value, str) else value
            if not key or key == "tiers" or text == "" or text is None:
                continue
            cleaned[key] = text
        response = {RESPONSE_COLUMNS[k]: cleaned.pop(k) for k in list(cleaned)
                     if k in RESPONSE_COLUMNS}
        if response:
            cleaned["response"] = response
        for key in INFO_COLUMNS:
            cleaned.pop(key, None)
        flat = {k: cleaned.pop(k) for k in list(cleaned) if k in UNCERTAINTY_COLUMNS}
        if flat:
            cleaned["uncertainty"] = _uncertainty_from_columns(flat)
        name = cleaned.pop("name", None)
        if name is None or str(name).strip() == "":
            if cleaned:
                problems.add(Loc(label, f"row {line_no}"), "has no channel name")
            continue
        name = str(name).strip()
        rloc = Loc(label, f"row {line_no} ({name})")
        fields = _parse_channel_fields(cleaned, rloc, problems, relative=False, full=True,
                                       key_namer=lambda k, r=rloc: Loc(r.file, f"{r.path}, column {k}"),
                                       check_keys=False)
        _insert_channel(doc, name, fields, rloc, problems)


def _insert_channel(doc: Doc, name: str, fields: dict[str, Located] | None, loc: Loc,
                    problems: Collector) -> None:
    if name in doc.channels:
        problems.add(loc, f"duplicate channel name {name!r} (first defined at "
                          f"{doc.channel_locs[name].file}: {doc.channel_locs[name].path}); "
                          "channel names must be unique")
        return
    if fields is None:
        return
    doc.channels[name] = fields
    doc.channel_locs[name] = loc


def _apply_channel_overrides(doc: Doc, raw: dict[str, Any], loc: Loc,
                             problems: Collector) -> None:
    for name, changes in raw.items():
        cloc = Loc(loc.file, f"{loc.path}['{name}']")
        if name not in doc.channels:
            hint = V.did_you_mean(str(name), list(doc.channels))
            problems.add(cloc, f"no channel named {name!r}{hint}; to add a channel use "
                               "add_channels")
            continue
        if not isinstance(changes, dict):
            problems.add(cloc, f"must be a mapping of fields to change, got {changes!r}")
            continue
        if "name" in changes:
            problems.add(cloc.at("name"), "channels cannot be renamed by an override; remove "
                                          "it and add it under the new name")
        parsed = _parse_channel_fields({k: v for k, v in changes.items() if k != "name"}, cloc,
                                       problems, relative=True, full=False, key_namer=cloc.at)
        if parsed is None:
            continue
        _merge_channel(doc.channels[name], parsed, problems)


def _merge_channel(base: dict[str, Located], changes: dict[str, Located],
                   problems: Collector) -> None:
    for key, item in changes.items():
        rel = item.value if isinstance(item.value, V.Relative) else None
        if rel is None:
            if key == "cpl" and "tiers" in base:
                problems.add(item.loc, "this channel has tiers; give new `tiers`, or change "
                                       "every tier's CPL at once with a relative change like \"+25%\"")
                continue
            if key in ("tiers", "response", "cpl"):
                for other in ("cpl", "tiers", "response"):
                    if other != key:
                        base.pop(other, None)
            base[key] = item
            continue
        if key == "cpl" and "tiers" in base:
            if base["tiers"].value is INVALID:
                continue
            tiers = tuple(Tier(t.up_to, t.cpl * rel.factor) for t in base["tiers"].value)
            base["tiers"] = Located(tiers, item.loc)
            continue
        prev = base.get(key)
        if prev is not None and prev.value is INVALID:
            continue
        if prev is None or prev.value is None:
            problems.add(item.loc, f"{rel.text} needs a {key} to change, and the channel has "
                                   "none; give an absolute value")
            continue
        new = rel.apply(prev.value)
        if key in {"lead_to_close", "lead_to_sql"} and new > 1:
            problems.add(item.loc, f"{rel.text} takes {key} from {prev.value:g} to {new:g}, "
                                   "above 1; a rate cannot exceed 100%")
            continue
        if new < 0:
            problems.add(item.loc, f"{rel.text} makes {key} negative")
            continue
        base[key] = Located(new, item.loc)


def _parse_channel_fields(raw: Mapping[str, Any], loc: Loc, problems: Collector, *,
                          relative: bool, full: bool, key_namer: Callable[[str], Loc],
                          check_keys: bool = True) -> dict[str, Located] | None:
    """Parse a channel's fields. Returns None when required fields are missing."""
    if check_keys:
        allowed = CHANNEL_KEYS if full else tuple(k for k in CHANNEL_KEYS if k != "name")
        for key in raw:
            if key not in allowed:
                hint = V.did_you_mean(str(key), allowed) or f"; channel fields: {', '.join(allowed)}"
                problems.add(key_namer(str(key)), f"unknown key{hint}")
    fields: dict[str, Located] = {}
    for key, value in raw.items():
        if key not in CHANNEL_FIELDS and key not in ("tiers", "response", "uncertainty"):
            continue
        kloc = key_namer(key)
        if key == "tiers":
            tiers = _parse_tiers(value, kloc, problems)
            fields["tiers"] = Located(INVALID if tiers is None else tiers, kloc)
            continue
        if key == "uncertainty" and value is not None:
            parsed = _parse_uncertainty(value, kloc, problems)
            fields["uncertainty"] = Located(INVALID if parsed is None else parsed, kloc)
            continue
        if key == "response" and value is not None:
            response = _parse_response(value, kloc, problems)
            fields["response"] = Located(INVALID if response is None else response, kloc)
            continue
        if value is None:
            if key in CHANNEL_NULLABLE:
                fields[key] = Located(None, kloc)
            else:
                problems.add(kloc, "cannot be null; give a value or leave the key out")
            continue
        rel = V.relative(value) if relative and key in CHANNEL_RELATIVE else None
        if rel is not None:
            fields[key] = Located(rel, kloc)
            continue
        try:
            fields[key] = Located(CHANNEL_FIELDS[key](value, key), kloc)
        except V.BadValue as exc:
            problems.add(kloc, str(exc))
            fields[key] = Located(INVALID, kloc)
    if not full:
        return fields
    missing_ok = True
    given = [k for k in ("cpl", "tiers", "response") if raw.get(k) is not None]
    if len(given) > 1:
        problems.add(loc, f"give one of cpl (a flat cost per lead), tiers or response, not "
                          f"{' and '.join(given)}")
    elif not given:
        problems.add(loc, "missing cpl (cost per lead, e.g. 50), tiers or response")
        missing_ok = False
    for key in CHANNEL_REQUIRED:
        if key not in raw:
            example = {"lead_to_close": "0.05 or \"5%\"", "clv": "12000"}[key]
            problems.add(loc, f"missing {key} (e.g. {example})")
            missing_ok = False
    return fields if missing_ok else None


def _parse_tiers(raw: object, loc: Loc, problems: Collector) -> tuple[Tier, ...] | None:
    if not isinstance(raw, list) or not raw:
        problems.add(loc, "must be a non-empty list of {up_to: cumulative spend, cpl: ...}")
        return None
    tiers: list[Tier] = []
    ok = True
    for i, item in enumerate(raw):
        tloc = loc.at(i)
        if not isinstance(item, dict):
            problems.add(tloc, f"each tier must be a mapping {{up_to, cpl}}, got {item!r}")
            ok = False
            continue
        for key in item:
            if key not in ("up_to", "cpl"):
                hint = V.did_you_mean(str(key), ("up_to", "cpl")) or "; a tier has up_to and cpl"
                problems.add(tloc.at(str(key)), f"unknown key{hint}")
                ok = False
        try:
            cpl = V.money(item.get("cpl"), "cpl", positive=True)
        except V.BadValue as exc:
            problems.add(tloc.at("cpl"), str(exc) if "cpl" in item else "missing cpl")
            ok = False
            continue
        up = item.get("up_to")
        if up is None:
            if i != len(raw) - 1:
                problems.add(tloc.at("up_to"), "only the last tier may leave up_to out "
                                               "(unlimited)")
                ok = False
            up_to = math.inf
        else:
            try:
                up_to = V.money(up, "up_to", positive=True)
            except V.BadValue as exc:
                problems.add(tloc.at("up_to"), str(exc))
                ok = False
                continue
        if tiers and up_to <= tiers[-1].up_to:
            problems.add(tloc.at("up_to"), f"up_to {up_to:,.0f} is not above the previous "
                                           f"tier's {tiers[-1].up_to:,.0f}; up_to is cumulative "
                                           "spend and must increase")
            ok = False
        if tiers and cpl < tiers[-1].cpl:
            problems.add(tloc.at("cpl"), f"cpl {cpl:g} is below the previous tier's "
                                         f"{tiers[-1].cpl:g}; tier CPLs must not decrease "
                                         "(diminishing returns), otherwise the model is not "
                                         "concave. Order tiers by spend with rising CPL, or "
                                         "merge them")
            ok = False
        tiers.append(Tier(up_to, cpl))
    return tuple(tiers) if ok else None


# --------------------------------------------------------------------------- finishing


def _finish(doc: Doc, loc: Loc, problems: Collector, source: Path | None) -> Scenario | None:
    """Cross-check the assembled doc and build the frozen Scenario (None if it has errors)."""
    before = len(problems.problems)
    top = {k: v.value for k, v in doc.top.items()}
    if "name" not in top:
        problems.add(loc.at("name"), "missing; give the scenario a name (e.g. 'Q1 plan')")
    period_budgets = [s.period.budget for s in top.get("periods") or []]
    if "budget" not in top and period_budgets and None not in period_budgets:
        top["budget"] = float(sum(period_budgets))  # type: ignore[arg-type]
    if "budget" not in top:
        problems.add(loc.at("budget"), "missing; give the total budget (e.g. 250000), or a "
                                       "budget on every period")
    if not doc.channels:
        if not problems.problems:
            problems.add(loc.at("channels"), "no channels left; a plan needs at least one")
        return None

    channels = [_build_channel(name, fields, doc.channel_locs[name], problems)
                for name, fields in doc.channels.items()]
    cons = {k: v.value for k, v in doc.constraints.items() if k != "groups"}
    group_specs: list[GroupSpec] = doc.constraints["groups"].value if "groups" in doc.constraints else []
    groups: list[Group] = []
    names = list(doc.channels)
    for spec in group_specs:
        members = []
        for member in spec.channels:
            if member.value not in doc.channels:
                problems.add(member.loc, f"no channel named {member.value!r}"
                                         f"{V.did_you_mean(member.value, names)}")
            elif member.value in members:
                problems.add(member.loc, f"{member.value!r} is listed twice in the group")
            else:
                members.append(member.value)
        if not members and spec.channels == []:
            problems.add(spec.loc.at("channels"), "no channels left in the group (all removed)")
        groups.append(Group(spec.name, tuple(members), spec.min_share, spec.max_share))

    if cons.get("max_sqls") is not None:
        missing = [c.name for c in channels if c is not None and c.lead_to_sql is None]
        if missing:
            problems.add(doc.constraints["max_sqls"].loc,
                         f"max_sqls needs lead_to_sql on every channel; missing on "
                         f"{', '.join(missing)}")
    specs: list[PeriodSpec] = top.get("periods") or []
    for spec in specs:
        for member in spec.channels:
            if member.value not in doc.channels:
                problems.add(member.loc, f"no channel named {member.value!r}"
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
    if len(problems.problems) > before:
        return None
    if active is not None:
        cons["max_active_channels"] = int(active)
    constraints = Constraints(groups=tuple(groups), **cons)
    extra: dict[str, Any] = {k: top[k] for k in ("objective", "target", "curve_tolerance")
                             if top.get(k) is not None}
    return Scenario(
        name=top["name"], budget=top["budget"], channels=tuple(c for c in channels if c),
        constraints=constraints, use_full_budget=top.get("use_full_budget", False),
        period=top.get("period"), currency=top.get("currency", "USD"),
        description=top.get("description"), source=source, inputs=tuple(doc.inputs),
        periods=tuple(s.period for s in specs), **extra)


def _build_channel(name: str, fields: dict[str, Located], loc: Loc,
                   problems: Collector) -> Channel | None:
    val = {k: v.value for k, v in fields.items() if v.value is not INVALID}
    at = {k: v.loc for k, v in fields.items()}
    before = len(problems.problems)
    invalid = len(val) < len(fields)  # a field's problem is already reported
    response = val.get("response")
    if response is not None:
        # provisional tiers (the planner refines them to the scenario's curve_tolerance)
        end = max(val.get("max_spend") or 0.0, response.scale * 10, response.concave_from())
        end = min(end, val["max_spend"]) if val.get("max_spend") else end
        tiers = chord_tiers(response, breakpoints(response, end, 1e-3 * response.max_leads))
    elif "tiers" in val:
        tiers = val["tiers"]
    elif "cpl" in val:
        tiers = (Tier(math.inf, val["cpl"]),)
    else:
        tiers = (Tier(math.inf, 1.0),)  # cpl or tiers is invalid (reported); check the rest
        invalid = True
    min_spend = val.get("min_spend", 0.0)
    max_spend = val.get("max_spend")
    max_spend = math.inf if max_spend is None else max_spend
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
    if response is None and min_spend > tiers[-1].up_to:
        problems.add(at["min_spend"], f"min_spend {min_spend:,.0f} is beyond the last tier "
                                      f"(up_to {tiers[-1].up_to:,.0f}); extend the tiers")
    lts, ltc = val.get("lead_to_sql"), val.get("lead_to_close")
    if lts is not None and ltc is not None and lts < ltc:
        problems.add(at["lead_to_sql"], f"lead_to_sql {lts:g} is below lead_to_close {ltc:g}; "
                                        "every customer was an SQL first, so lead_to_sql must "
                                        "be at least lead_to_close")
    uncertainty = val.get("uncertainty") or ()
    for u in uncertainty:
        point = {"cpl": tiers[0].cpl if response is None else None, "clv": val.get("clv"),
                 "lead_to_close": ltc, "lead_to_sql": lts}.get(u.field)
        if u.kind == "interval" and point is not None and not u.a <= point <= u.b:
            problems.add(at["uncertainty"], f"{u.field} {point:g} lies outside its interval "
                                            f"{u.a:g} to {u.b:g}; widen the interval or "
                                            "correct the value")
    if invalid or len(problems.problems) > before:
        return None
    return Channel(
        name=name, tiers=tuple(tiers), lead_to_close=ltc, clv=val["clv"],
        current_spend=val.get("current_spend", 0.0), min_spend=min_spend, max_spend=max_spend,
        lead_to_sql=lts,
        max_change=val["max_change"] if "max_change" in val else INHERIT,
        min_clv_to_cpa=val["min_clv_to_cpa"] if "min_clv_to_cpa" in val else INHERIT,
        fixed_cost=val.get("fixed_cost", 0.0), min_buy=min_buy, unit=unit, response=response,
        uncertainty=tuple(uncertainty))
