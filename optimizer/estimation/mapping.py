"""How a CRM export's columns map to what estimation needs: the mapping YAML, validated
(unknown sections and keys get a "did you mean")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError
from ..scenario import values as V
from ..scenario.files import read_yaml
from ..scenario.located import Collector

DEFAULT_MAPPING: dict[str, Any] = {
    "leads": {"id": "lead_id", "channel": "channel", "created": "created", "stage": None,
              "sql": None, "won": None, "closed": None},
    "deals": {"lead_id": "lead_id", "value": None, "value_multiplier": 1.0, "closed": None},
    "spend": {"channel": "channel", "period": "period", "spend": "spend"},
    "dates": {"format": "auto"},
    "channels": {"aliases": {}},
    "stages": {"mql": [], "sql": [], "won": []},
    "scoring": None,
    "clv": {"method": "winsorized_mean", "default": None, "min_deals": 5},
    "curves": {"fit": True, "min_periods": 4, "max_extrapolation": 1.5},
    "lags": {"fit": True, "period_length": "month", "min_closes": 20, "max_periods": 12,
             "min_at_risk": 100},
}
CLV_METHODS = ("winsorized_mean", "median", "mean")
SCORING_KEYS = ("threshold", "rules")
RULE_KEYS = ("column", "equals", "in", "at_least", "contains", "points")


@dataclass(frozen=True)
class Mapping:
    """How a CRM export's columns map to what estimation needs (see docs/estimation.md)."""

    sections: dict[str, Any]

    def get(self, section: str, key: str) -> Any:
        return self.sections[section][key]


def load_mapping(path: str | Path | None) -> Mapping:
    """Read a mapping YAML (None: the default column names); unknown keys are errors."""

    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_MAPPING.items()}
    if path is None:
        return Mapping(merged)
    label = str(path)
    reading = Collector()  # the one YAML reader, with its limits on size and aliases
    raw = read_yaml(Path(path), reading, what="mapping file", shape=(
        "must be a mapping of sections (leads, deals, spend, dates, channels, stages, "
        "scoring, clv, curves, lags)"), empty_ok=True)  # an empty file: the default names
    reading.check()
    problems: list[Problem] = []
    for section, body in raw.items():
        if section not in DEFAULT_MAPPING:
            problems.append(Problem(label, str(section), "unknown section"
                                    + (V.did_you_mean(str(section), tuple(DEFAULT_MAPPING))
                                       or f"; sections: {', '.join(DEFAULT_MAPPING)}")))
            continue
        if section == "scoring":
            merged["scoring"] = check_scoring(body, label, problems)
            continue
        if not isinstance(body, dict):
            problems.append(Problem(label, section, f"must be a mapping, got {body!r}"))
            continue
        allowed = tuple(DEFAULT_MAPPING[section])
        for key, value in body.items():
            if key not in allowed:
                problems.append(Problem(label, f"{section}.{key}", "unknown key"
                                        + (V.did_you_mean(str(key), allowed)
                                           or f"; keys: {', '.join(allowed)}")))
            else:
                merged[section][key] = value
    if merged["clv"]["method"] not in CLV_METHODS:
        problems.append(Problem(label, "clv.method", f"unknown method {merged['clv']['method']!r}"
                                f"{V.did_you_mean(str(merged['clv']['method']), CLV_METHODS)}"))
    try:
        float(merged["deals"]["value_multiplier"])
    except (TypeError, ValueError):
        problems.append(Problem(label, "deals.value_multiplier", "must be a number (e.g. 24 "
                                "months of monthly revenue)"))
    _check_lags(merged["lags"], label, problems)
    if problems:
        raise ScenarioError(problems)
    return Mapping(merged)


def _check_lags(lags: dict[str, Any], label: str, problems: list[Problem]) -> None:
    """lags.period_length as a scenario reads it (days); whole numbers for the counts."""
    from ..scenario.timing import MAX_LAG_PERIODS, period_length

    try:
        period_length(lags["period_length"], "lags.period_length")
    except V.BadValue as exc:
        problems.append(Problem(label, "lags.period_length", str(exc)))
    for key, low, high in (("min_closes", 1, 10**9), ("max_periods", 1, MAX_LAG_PERIODS),
                           ("min_at_risk", 1, 10**9)):
        value = lags[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(Problem(label, f"lags.{key}", f"must be a whole number from {low} "
                                    f"to {high:,}, got {value!r}"))
    if not isinstance(lags["fit"], bool):
        problems.append(Problem(label, "lags.fit", f"must be true or false, got {lags['fit']!r}"))


def check_scoring(body: object, label: str, problems: list[Problem]) -> dict | None:
    if body is None:
        return None
    if not isinstance(body, dict) or "rules" not in body or "threshold" not in body:
        problems.append(Problem(label, "scoring", "needs threshold and rules, e.g. "
                                "{threshold: 50, rules: [{column: demo_request, equals: yes, "
                                "points: 25}]}"))
        return None
    for key in body:
        if key not in SCORING_KEYS:
            problems.append(Problem(label, f"scoring.{key}", "unknown key"
                                    + V.did_you_mean(str(key), SCORING_KEYS)))
    for i, rule in enumerate(body["rules"] or []):
        where = f"scoring.rules[{i}]"
        if not isinstance(rule, dict) or "column" not in rule or "points" not in rule:
            problems.append(Problem(label, where, "each rule needs a column and points"))
            continue
        for key in rule:
            if key not in RULE_KEYS:
                problems.append(Problem(label, f"{where}.{key}", "unknown key"
                                        + V.did_you_mean(str(key), RULE_KEYS)))
        tests = [k for k in ("equals", "in", "at_least", "contains") if k in rule]
        if len(tests) != 1:
            problems.append(Problem(label, where, "give exactly one test: equals, in, "
                                                  "at_least or contains"))
    return body
