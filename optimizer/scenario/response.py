"""Response curves and input uncertainty, as written in a channel (or its table columns)."""

from __future__ import annotations

from typing import Any

from . import values as V
from .fields import RESPONSE_KEYS
from .located import Collector, Loc, check_keys
from .model import CURVES, UNCERTAIN_FIELDS, Response, Uncertainty


def parse_response(raw: object, loc: Loc, problems: Collector) -> Response | None:
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
        problems.add(loc.at("curve"), f"unknown curve {V.show(curve)}{V.did_you_mean(str(curve), CURVES)}"
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


def uncertainty_from_columns(flat: dict[str, Any]) -> dict[str, Any]:
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


def parse_uncertainty(raw: object, loc: Loc, problems: Collector
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
            problems.add(floc, f"must be a mapping such as {form}, got {V.show(spec)}")
            ok = False
            continue
        count_key = {"lead_to_close": "customers", "lead_to_sql": "sqls"}.get(name)
        try:
            if count_key is not None and (count_key in spec or "leads" in spec):
                check_keys(spec, (count_key, "leads"), floc, problems)
                k = V.count(spec.get(count_key), count_key)
                n = V.count(spec.get("leads"), "leads")
                if k != int(k) or n != int(n):
                    raise V.BadValue(f"{count_key} and leads are counts (whole numbers), got "
                                     f"{k:g} and {n:g}")
                if k > n:
                    raise V.BadValue(f"{count_key} ({k:g}) cannot exceed leads ({n:g})")
                out.append(Uncertainty(name, "beta", k + 1.0, n - k + 1.0))
                continue
            check_keys(spec, ("low", "high"), floc, problems)
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
