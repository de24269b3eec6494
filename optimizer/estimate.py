"""Channel economics from CRM exports: spend, leads, CPL, customers, rates and CLV per
channel, each with its uncertainty, as a channel table a scenario file reads as it is.

- Rates (lead-to-close, lead-to-SQL, MQL-to-SQL) are counts; their uncertainty is the Beta
  posterior under a uniform prior, Beta(k + 1, n - k + 1), shown as a 90% credible
  interval and written as the counts themselves (the scenario reader rebuilds the Beta).
- CPL: spend / leads; its 90% interval treats the lead count as Poisson (Gamma posterior
  of the expected leads for that spend).
- CLV from deal values (times a lifetime multiplier): a winsorized mean (values clipped at
  the 5th/95th percentiles and at 3 robust SDs (MAD) from the median, so extreme deals
  cannot dominate), with a
  bootstrap 90% interval; pooled over all channels when a channel has too few deals with
  a value, else a configured default. The method used is written per channel.
- Diminishing returns: with several spend periods per channel, leads per period are fitted
  to L (1 - exp(-spend / k)) (scipy's curve_fit) over the whole history (not only --period);
  a clear fit becomes the channel's
  response curve for the plan horizon, capped at a stated multiple of the largest
  observed spend (beyond it the curve would be an extrapolation, and the table says so).

Nothing is dropped silently: every row that cannot be used is counted by reason, with
examples, in `EstimateResult.dropped`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import values as V
from .dates import DateFormatError, parse_dates
from .errors import Problem, ScenarioError

# --------------------------------------------------------------------------- mapping

DEFAULT_MAPPING: dict[str, dict[str, Any]] = {
    "leads": {"id": "lead_id", "channel": "channel", "created": "created", "stage": None,
              "sql": None, "won": None},
    "deals": {"lead_id": "lead_id", "value": None, "value_multiplier": 1.0},
    "spend": {"channel": "channel", "period": "period", "spend": "spend"},
    "dates": {"format": "auto"},
    "channels": {"aliases": {}},
    "stages": {"mql": [], "sql": [], "won": []},
    "scoring": None,
    "clv": {"method": "winsorized_mean", "default": None, "min_deals": 5},
    "curves": {"fit": True, "min_periods": 4, "max_extrapolation": 1.5},
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
    import yaml

    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_MAPPING.items()}
    if path is None:
        return Mapping(merged)
    label = str(path)
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ScenarioError([Problem(label, "", "file not found")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(label, "", f"not valid YAML: {exc}")]) from None
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        raise ScenarioError([Problem(label, "", "must be a mapping of sections (leads, deals, "
                                                "spend, dates, channels, stages, scoring, clv, "
                                                "curves)")])
    for section, body in raw.items():
        if section not in DEFAULT_MAPPING:
            problems.append(Problem(label, str(section), "unknown section"
                                    + (V.did_you_mean(str(section), tuple(DEFAULT_MAPPING))
                                       or f"; sections: {', '.join(DEFAULT_MAPPING)}")))
            continue
        if section == "scoring":
            merged["scoring"] = _check_scoring(body, label, problems)
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
    if problems:
        raise ScenarioError(problems)
    return Mapping(merged)


def _check_scoring(body: object, label: str, problems: list[Problem]) -> dict | None:
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


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class EstimateResult:
    """`table`: the channel table (one row per channel, the columns a scenario reads);
    `dropped`: rows not used, by file and reason, with counts and examples; `fits`: the
    response-curve fits; `notes`: what else the reader of the estimates must know."""

    table: pd.DataFrame
    dropped: pd.DataFrame
    fits: pd.DataFrame
    rows: dict[str, int]  # rows read per file
    notes: tuple[str, ...] = ()
    date_formats: dict[str, str] = field(default_factory=dict)
    period: tuple[str, str] | None = None

    def to_csv(self) -> str:
        return self.table.to_csv(index=False, float_format="%.6g")


class _Drops:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, file: str, reason: str, mask: pd.Series | np.ndarray, examples: pd.Series
            ) -> None:
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        if count:
            shown = [str(v) for v in pd.Series(np.asarray(examples)[mask]).head(3)]
            self.rows.append({"file": file, "reason": reason, "rows": count,
                              "examples": ", ".join(shown)})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["file", "reason", "rows", "examples"])


# --------------------------------------------------------------------------- reading


def _read_csv(path: str | Path, label: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError([Problem(label, "", "file not found")]) from None
    except pd.errors.EmptyDataError:
        raise ScenarioError([Problem(label, "", "the file is empty")]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _require(frame: pd.DataFrame, label: str, section: str, mapping: Mapping,
             keys: tuple[str, ...], problems: list[Problem]) -> None:
    columns = list(frame.columns)
    for key in keys:
        col = mapping.get(section, key)
        if col is not None and col not in columns:
            problems.append(Problem(label, f"column {col!r}",
                                    f"missing (mapping {section}.{key})"
                                    + (V.did_you_mean(str(col), columns)
                                       or f"; the file has: {', '.join(columns[:12])}")))


def _normalise(label: str) -> str:
    return re.sub(r"[\s_\-]+", " ", label.strip().lower())


def _channel_names(tables: list[pd.Series], aliases: dict[str, str]) -> list[pd.Series]:
    """Canonical channel names for several columns at once (leads, spend), so that one
    channel gets one name everywhere: case, spaces and separators are ignored, aliases
    apply, and the name shown is the alias target, else the most frequent spelling over
    all the columns. Blank labels stay ''. Works on distinct labels (fast on millions)."""
    alias = {_normalise(str(k)): str(v) for k, v in aliases.items()}
    coded = [pd.factorize(raw.astype(str).str.strip()) for raw in tables]
    frequency: dict[tuple[str, str], int] = {}
    for codes, uniques in coded:
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        for spelling, count in zip(uniques, counts):
            if spelling:
                key = (_normalise(spelling), spelling)
                frequency[key] = frequency.get(key, 0) + int(count)
    shown: dict[str, str] = {}
    for (key, spelling), _ in sorted(frequency.items(), key=lambda kv: (-kv[1], kv[0][1])):
        shown.setdefault(key, spelling)
    for key in list(shown):
        if key in alias:
            shown[key] = alias[key]
    # an alias target that is another label's spelling ("fb" -> "Paid Social" beside
    # "paid_social") names that channel too: one channel, the alias's spelling
    for target in alias.values():
        same = _normalise(target)
        if same in shown and same not in alias:
            shown[same] = target
    out = []
    for (codes, uniques), raw in zip(coded, tables):
        names = np.array([shown.get(_normalise(u), "") if u else "" for u in uniques] + [""],
                         dtype=object)
        out.append(pd.Series(names[codes], index=raw.index))  # code -1 (NaN) -> ""
    return out


def _truthy(series: pd.Series) -> pd.Series:
    return series.astype(str).str.strip().str.lower().isin(
        ("1", "true", "yes", "y", "t", "won", "x"))


def _period_bounds(period: str | None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """`2018-01-01..2018-03-31`, `2018Q1`, `2018-02` or `2018` as [start, end)."""
    if period is None:
        return None
    text = period.strip()
    try:
        if ".." in text:
            a, b = text.split("..", 1)
            return pd.Timestamp(a), pd.Timestamp(b) + pd.Timedelta(days=1)
        if re.fullmatch(r"\d{4}[Qq][1-4]", text):
            p = pd.Period(text.upper(), freq="Q")
        elif re.fullmatch(r"\d{4}-\d{2}", text):
            p = pd.Period(text, freq="M")
        elif re.fullmatch(r"\d{4}", text):
            p = pd.Period(text, freq="Y")
        else:
            raise ValueError(text)
        return p.start_time, (p + 1).start_time
    except ValueError:
        raise ScenarioError([Problem("--period", "", f"cannot read {period!r}; give "
                                     "2018-01-01..2018-03-31, 2018Q1, 2018-02 or 2018")]) from None


# --------------------------------------------------------------------------- estimation


def estimate(leads: str | Path, spend: str | Path, deals: str | Path | None = None, *,
             mapping: Mapping | None = None, period: str | None = None,
             horizon_periods: int | None = None, seed: int = 0) -> EstimateResult:
    """Estimate channel economics from a leads export, a spend table and (optionally)
    closed deals. Raises ScenarioError for input that cannot be used at all (missing
    columns, ambiguous dates, negative spend); rows that cannot be used are counted."""
    mapping = mapping or load_mapping(None)
    drops = _Drops()
    notes: list[str] = []
    problems: list[Problem] = []
    leads_label, spend_label = str(leads), str(spend)
    lf = _read_csv(leads, leads_label)
    sf = _read_csv(spend, spend_label)
    df = _read_csv(deals, str(deals)) if deals is not None else None
    rows = {leads_label: len(lf), spend_label: len(sf)}
    _require(lf, leads_label, "leads", mapping, ("id", "channel", "created", "stage", "sql",
                                                 "won"), problems)
    _require(sf, spend_label, "spend", mapping, ("channel", "period", "spend"), problems)
    if df is not None:
        rows[str(deals)] = len(df)
        _require(df, str(deals), "deals", mapping, ("lead_id", "value"), problems)
    if problems:
        raise ScenarioError(problems)
    bounds = _period_bounds(period)
    fmt = mapping.get("dates", "format")
    aliases = mapping.get("channels", "aliases") or {}
    formats: dict[str, str] = {}

    # ---- leads
    col = mapping.sections["leads"]
    ids = lf[col["id"]].astype(str).str.strip()
    try:
        created, formats[f"{leads_label}:{col['created']}"] = parse_dates(
            lf[col["created"]], fmt, what=f"{leads_label}: column {col['created']!r}")
    except DateFormatError as exc:
        raise ScenarioError([Problem(leads_label, f"column {col['created']!r}", str(exc))]) from None
    scol = mapping.sections["spend"]
    channel, s_channel = _channel_names([lf[col["channel"]], sf[scol["channel"]]], aliases)
    usable = np.ones(len(lf), dtype=bool)
    for reason, bad in (("blank lead id", ids == ""),
                        ("blank channel", channel == ""),
                        ("date not readable", created.isna())):
        bad = np.asarray(bad) & usable
        drops.add(leads_label, reason, bad, ids.where(ids != "", lf[col["channel"]]) if
                  reason != "date not readable" else lf[col["created"]])
        usable &= ~bad
    dup = ids.duplicated(keep="first").to_numpy() & usable
    drops.add(leads_label, "duplicate lead id (first kept)", dup, ids)
    usable &= ~dup
    history = pd.DataFrame({"channel": channel, "created": created})[usable]  # for curves
    usable &= _inside(bounds, created, usable, drops, leads_label, "created",
                      lf[col["created"]])
    L = pd.DataFrame({"id": ids, "channel": channel, "created": created})[usable]
    L = L.reset_index(drop=True)
    src = lf[usable].reset_index(drop=True)

    # ---- customers: deals joined to leads, or a won stage/column in the leads
    won = pd.Series(False, index=L.index)
    deal_values = pd.DataFrame(columns=["channel", "value"])
    if df is not None:
        dcol = mapping.sections["deals"]
        dlabel = str(deals)
        key = df[dcol["lead_id"]].astype(str).str.strip()
        all_ids = ids[ids != ""].to_numpy()
        joined = key.isin(L["id"].to_numpy())
        drops.add(dlabel, "deal joins no lead", ~key.isin(all_ids), key)
        drops.add(dlabel, "deal of a lead not used (see the leads' reasons)",
                  key.isin(all_ids) & ~joined, key)
        dup_deal = joined & key.duplicated(keep="first")
        drops.add(dlabel, "second deal of the same lead (the customer counts once)", dup_deal, key)
        first = df[joined & ~dup_deal]
        won = L["id"].isin(key[joined].to_numpy())
        if dcol["value"] is not None:
            raw_values = first[dcol["value"]]
            parsed = pd.to_numeric(raw_values.str.replace(r"[$,€£\s]", "", regex=True),
                                   errors="coerce")
            multiplier = float(dcol["value_multiplier"])
            lead_channel = pd.Series(L["channel"].to_numpy(), index=L["id"].to_numpy())
            dkeys = first[dcol["lead_id"]].astype(str).str.strip()
            has_value = parsed.notna() & (parsed > 0)
            drops.add(dlabel, "deal value missing or 0 (not used for CLV; still a customer)",
                      (~has_value).to_numpy(), raw_values.replace("", "(blank)"))
            deal_values = pd.DataFrame({"channel": dkeys[has_value].map(lead_channel),
                                        "value": parsed[has_value] * multiplier})
    else:
        stages = mapping.sections["stages"]
        if col["won"] is not None:
            won = _truthy(src[col["won"]])
        elif col["stage"] is not None and stages["won"]:
            won = src[col["stage"]].str.strip().str.lower().isin(
                [s.lower() for s in stages["won"]])
        else:
            notes.append("no deals file and no won stage: customers are unknown (0)")

    # ---- SQLs and MQLs
    stages = mapping.sections["stages"]
    sql = None
    if col["sql"] is not None:
        sql = _truthy(src[col["sql"]])
    elif col["stage"] is not None and stages["sql"]:
        sql = src[col["stage"]].str.strip().str.lower().isin([s.lower() for s in stages["sql"]])
    elif mapping.sections["scoring"] is not None:
        sql, scoring_note = _score(src, mapping.sections["scoring"], leads_label)
        notes.append(scoring_note)
    if sql is not None:
        sql = sql | won  # every customer was an SQL first
    mql = None
    if col["stage"] is not None and stages["mql"]:
        mql = src[col["stage"]].str.strip().str.lower().isin(
            [s.lower() for s in stages["mql"] + stages["sql"] + stages["won"]])

    # ---- spend
    amounts = pd.to_numeric(sf[scol["spend"]].str.replace(r"[$,€£\s]", "", regex=True),
                            errors="coerce")
    bad_amount = amounts.isna().to_numpy()
    negative = (amounts < 0).to_numpy()
    if negative.any():
        examples = ", ".join(f"row {i + 2}: {sf[scol['spend']].iloc[i]}"
                             for i in np.flatnonzero(negative)[:3])
        raise ScenarioError([Problem(spend_label, f"column {scol['spend']!r}",
                                     f"{int(negative.sum())} negative spend value(s) ({examples}); "
                                     "spend cannot be negative: fix or remove those rows")])
    drops.add(spend_label, "spend not a number", bad_amount, sf[scol["spend"]])
    drops.add(spend_label, "blank channel", (s_channel == "").to_numpy() & ~bad_amount,
              sf[scol["period"]])
    try:
        s_period, formats[f"{spend_label}:{scol['period']}"] = parse_dates(
            sf[scol["period"]], fmt, what=f"{spend_label}: column {scol['period']!r}")
    except DateFormatError as exc:
        raise ScenarioError([Problem(spend_label, f"column {scol['period']!r}", str(exc))]) from None
    ok = ~bad_amount & (s_channel != "").to_numpy()
    drops.add(spend_label, "period not readable", ok & s_period.isna().to_numpy(),
              sf[scol["period"]])
    ok &= s_period.notna().to_numpy()
    spend_history = pd.DataFrame({"channel": s_channel, "period": s_period, "spend": amounts})[ok]
    ok &= _inside(bounds, s_period, ok, drops, spend_label, "period", sf[scol["period"]])
    S = pd.DataFrame({"channel": s_channel, "period": s_period, "spend": amounts})[ok]

    # ---- per channel
    spend_by = S.groupby("channel")["spend"].sum()
    lead_count = L.groupby("channel").size()
    both = [c for c in lead_count.index if c in spend_by.index and spend_by[c] > 0]
    for c in sorted(set(spend_by.index) - set(lead_count.index)):
        notes.append(f"{c}: {V._short(float(spend_by[c]))} of spend but no leads; left out "
                     "(check the channel labels and aliases)")
    for c in sorted(set(lead_count.index) - set(spend_by[spend_by > 0].index)):
        notes.append(f"{c}: {int(lead_count[c])} leads but no spend; left out (give its spend, "
                     "or alias it to the channel that paid for it)")
    excluded = L["channel"].isin(set(lead_count.index) - set(both)).to_numpy()
    drops.add(leads_label, "channel has no spend (left out of the table)", excluded, L["channel"])

    periods_in_plan = horizon_periods or max(1, S["period"].nunique())
    clv_cfg = mapping.sections["clv"]
    pooled = deal_values["value"].to_numpy(dtype=float) if len(deal_values) else np.array([])
    rng = np.random.default_rng(seed)
    from scipy.stats import gamma

    records, fits = [], []
    lead_rows = L.groupby("channel").indices  # channel -> row positions, computed once
    history_rows = history.groupby("channel").indices
    spend_rows = spend_history.groupby("channel").indices
    won_arr = np.asarray(won, dtype=bool)
    sql_arr = None if sql is None else np.asarray(sql, dtype=bool)
    mql_arr = None if mql is None else np.asarray(mql, dtype=bool)
    for c in sorted(both):
        in_c = lead_rows[c]  # positions of the channel's leads
        n = int(in_c.size)
        k = int(won_arr[in_c].sum())
        spend_c = float(spend_by[c])
        rec: dict[str, Any] = {"name": c, "cpl": spend_c / n, "lead_to_close": k / n}
        rec["current_spend"] = spend_c
        if sql is not None:
            q = int(sql_arr[in_c].sum())
            rec["lead_to_sql"] = q / n
        clv, low, high, method, used = _clv(deal_values, c, pooled, clv_cfg, rng)
        if clv is None:
            notes.append(f"{c}: no deal values and no clv.default in the mapping; CLV left "
                         "blank (fill it in before planning)")
        rec["clv"] = clv
        rec["leads"] = n
        rec["customers"] = k
        if sql is not None:
            rec["sqls"] = q
        if mql is not None:
            m_count = int(mql_arr[in_c].sum())
            rec["mqls"] = m_count
            rec["mql_to_sql"] = (q / m_count) if sql is not None and m_count else None
        lam_low, lam_high = gamma.ppf([0.05, 0.95], max(n, 1))
        rec["cpl_low"], rec["cpl_high"] = spend_c / lam_high, spend_c / lam_low
        if k < n:
            rec["lead_to_close_low"], rec["lead_to_close_high"] = _beta_interval(k, n)
        rec["clv_low"], rec["clv_high"] = low, high
        rec["clv_method"] = method
        rec["clv_deals"] = used
        fit = _fit_curve(spend_history.iloc[spend_rows.get(c, [])],
                         history.iloc[history_rows.get(c, [])], mapping.sections["curves"],
                         periods_in_plan)
        if fit is not None:
            fits.append({"channel": c, **fit})
            if fit["used"]:
                rec["cpl"] = None
                rec["cpl_low"] = rec["cpl_high"] = None
                rec["response_curve"] = "exponential"
                rec["response_max_leads"] = fit["plan_max_leads"]
                rec["response_scale"] = fit["plan_scale"]
                rec["max_spend"] = fit["plan_max_spend"]
                rec["note"] = fit["note"]
        records.append(rec)
    table = pd.DataFrame(records)
    order = ["name", "cpl", "response_curve", "response_max_leads", "response_scale",
             "lead_to_close", "lead_to_sql", "clv", "current_spend", "max_spend", "leads",
             "customers", "sqls", "mqls", "mql_to_sql", "cpl_low", "cpl_high",
             "lead_to_close_low", "lead_to_close_high", "clv_low", "clv_high", "clv_method",
             "clv_deals", "note"]
    table = table[[c for c in order if c in table.columns]]
    if bounds is not None:
        span = (str(bounds[0].date()), str((bounds[1] - pd.Timedelta(days=1)).date()))
    else:
        span = None
    return EstimateResult(table=table, dropped=drops.frame(),
                          fits=pd.DataFrame(fits), rows=rows, notes=tuple(notes),
                          date_formats=formats, period=span)


def _inside(bounds: tuple[pd.Timestamp, pd.Timestamp] | None, dates: pd.Series,
            usable: np.ndarray, drops: _Drops, label: str, what: str,
            examples: pd.Series) -> np.ndarray:
    """Mask of rows dated inside `--period`; usable rows outside it are counted (they still
    serve to fit response curves)."""
    if bounds is None:
        return np.ones(len(dates), dtype=bool)
    inside = ((dates >= bounds[0]) & (dates < bounds[1])).to_numpy()
    drops.add(label, f"{what} outside --period (used only to fit response curves)",
              usable & ~inside, examples)
    return inside


def _beta_interval(k: int, n: int, level: float = 0.9) -> tuple[float, float]:
    from scipy.stats import beta

    tail = (1 - level) / 2
    low, high = beta.ppf([tail, 1 - tail], k + 1, n - k + 1)
    return float(low), float(high)


def _robust_means(values: np.ndarray, method: str) -> np.ndarray:
    """The CLV estimate of each row of `values` (one sample per row), vectorised."""
    if method == "median":
        return np.median(values, axis=1)
    if method == "mean":
        return values.mean(axis=1)
    lo, hi = np.quantile(values, [0.05, 0.95], axis=1)
    med = np.median(values, axis=1)
    spread = 3 * 1.4826 * np.median(np.abs(values - med[:, None]), axis=1)  # 3 robust SDs
    lo = np.where(spread > 0, np.maximum(lo, med - spread), lo)
    hi = np.where(spread > 0, np.minimum(hi, med + spread), hi)
    return np.clip(values, lo[:, None], hi[:, None]).mean(axis=1)


def _clv(deal_values: pd.DataFrame, channel: str, pooled: np.ndarray, cfg: dict,
         rng: np.random.Generator) -> tuple[float | None, float | None, float | None, str, int]:
    """(CLV, 90% low, 90% high, method text, deals used)."""
    method = cfg["method"]
    minimum = int(cfg["min_deals"])
    own = deal_values.loc[deal_values["channel"] == channel, "value"].to_numpy(dtype=float)
    values, where = (own, "this channel's") if own.size >= minimum else (pooled, "all channels'")
    if values.size < minimum:
        default = cfg["default"]
        if default is None:
            return None, None, None, f"none: {own.size} deal value(s), fewer than {minimum}", 0
        return float(default), None, None, (f"clv.default from the mapping ({own.size} deal "
                                            f"value(s) here, {pooled.size} in all)"), 0
    point = float(_robust_means(values[None, :], method)[0])
    resamples = 1000 if values.size <= 500 else 300  # bounded work on large channels
    boot = rng.choice(values, size=(resamples, values.size), replace=True)
    means = _robust_means(boot, method)
    low, high = np.quantile(means, [0.05, 0.95])
    q1, q3 = np.quantile(values, [0.25, 0.75])
    outliers = int(((values > q3 + 3 * (q3 - q1)) | (values < q1 - 3 * (q3 - q1))).sum())
    label = {"winsorized_mean": "winsorized mean (clipped at the 5th/95th percentiles and "
                                "3 robust SDs from the median)", "median": "median",
             "mean": "mean"}[method]
    text = (f"{label} of {where} {values.size} deal values, bootstrap 90% interval"
            + (f"; {outliers} outlier(s) beyond 3 IQR" if outliers else ""))
    low, high = float(min(low, point)), float(max(high, point))
    if low == high:
        low, high = None, None  # no spread to sample
    return point, low, high, text, int(values.size)


def _fit_curve(spend: pd.DataFrame, leads: pd.DataFrame, cfg: dict, horizon: int
               ) -> dict[str, Any] | None:
    """Fit leads per spend period to L (1 - exp(-s / k)); None when there are too few
    periods. `used` says whether the fit is clear enough to replace the flat CPL."""
    from scipy.optimize import curve_fit

    if not cfg["fit"]:
        return None
    by_period = spend.groupby("period")["spend"].sum().sort_index()
    if len(by_period) < int(cfg["min_periods"]):
        return None
    starts = by_period.index.to_numpy()
    idx = np.searchsorted(starts, leads["created"].to_numpy(), side="right") - 1
    counts = np.bincount(idx[idx >= 0], minlength=len(starts)).astype(float)
    s = by_period.to_numpy(dtype=float)
    keep = s > 0
    s, y = s[keep], counts[keep]
    out: dict[str, Any] = {"periods": int(keep.sum()), "max_observed_spend": float(s.max())}
    if keep.sum() < int(cfg["min_periods"]) or y.sum() == 0:
        return None

    def curve(x, L, k):
        return L * -np.expm1(-x / k)

    try:
        (L, k), cov = curve_fit(curve, s, y, p0=(2 * y.max(), s.max()),
                                bounds=([1e-9, 1e-9], [np.inf, np.inf]), maxfev=10000)
        err = np.sqrt(np.diag(cov))
    except (RuntimeError, ValueError) as exc:
        out.update({"used": False, "note": f"fit failed ({exc}); flat CPL kept"})
        return out
    pred = curve(s, L, k)
    ss_res = float(((y - pred) ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    saturating = k <= 3 * s.max()
    clear = bool(np.isfinite(err).all() and r2 >= 0.5 and saturating
                 and err[1] <= 0.5 * k)
    cap = float(cfg["max_extrapolation"]) * s.max() * horizon
    out.update({
        "max_leads_per_period": float(L), "max_leads_se": float(err[0]),
        "scale_per_period": float(k), "scale_se": float(err[1]), "r2": r2,
        "used": clear, "plan_max_leads": float(L * horizon), "plan_scale": float(k * horizon),
        "plan_max_spend": cap,
        "note": (f"response curve fitted on {int(keep.sum())} periods (R² {r2:.2f}); spend "
                 f"capped at {cfg['max_extrapolation']:g}x the largest observed period "
                 "(beyond it the curve is an extrapolation)") if clear else
                (f"no clear saturation in {int(keep.sum())} periods (R² {r2:.2f}, scale "
                 f"{k:,.0f} vs largest spend {s.max():,.0f}); flat CPL kept"),
    })
    return out


def _score(src: pd.DataFrame, cfg: dict, label: str) -> tuple[pd.Series, str]:
    """SQL flags from lead-scoring rules: points per matching rule, SQL at the threshold."""
    score = pd.Series(0.0, index=src.index)
    problems = []
    for i, rule in enumerate(cfg["rules"]):
        col = rule["column"]
        if col not in src.columns:
            problems.append(Problem(label, f"column {col!r}", f"missing (scoring.rules[{i}])"
                                    + V.did_you_mean(str(col), list(src.columns))))
            continue
        values = src[col].astype(str).str.strip()
        if "equals" in rule and isinstance(rule["equals"], bool):
            # YAML reads yes/no/true/false as booleans: match any spelling of them
            hit = _truthy(values) == rule["equals"]
        elif "equals" in rule:
            hit = values.str.lower() == str(rule["equals"]).lower()
        elif "in" in rule:
            hit = values.str.lower().isin([str(v).lower() for v in rule["in"]])
        elif "contains" in rule:
            hit = values.str.lower().str.contains(str(rule["contains"]).lower(), regex=False)
        else:
            hit = pd.to_numeric(values, errors="coerce") >= float(rule["at_least"])
        score += np.where(hit.fillna(False), float(rule["points"]), 0.0)
    if problems:
        raise ScenarioError(problems)
    threshold = float(cfg["threshold"])
    flags = score >= threshold
    return flags, (f"SQL flags from lead scoring: {len(cfg['rules'])} rules, threshold "
                   f"{threshold:g}; {int(flags.sum())} of {len(flags)} leads qualify")

