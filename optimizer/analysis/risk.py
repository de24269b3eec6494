"""Plans under uncertain inputs: sample the channel estimates, evaluate plans on every draw.

A plan fixes spend per channel (and per tier). On a draw, a channel's CPL is its point CPL
times a factor (all tiers alike), its lead-to-close and CLV take their drawn values:
leads = point leads / CPL factor, customers = leads x lead-to-close, value = customers x CLV.
Channels without uncertainty keep their point values.

Draws use common random numbers: the uniform numbers behind channel C's input F depend
only on (seed, C, F), so the optimal plan, the current plan and every variant are compared
on the same draws, and a result is reproducible from its seed. Everything is vectorised
over draws, in chunks of CHUNK draws: each stream skips to its chunk in constant time, and
only per-draw totals and per-channel floor counts outlive a chunk, so memory does not grow
with draws x channels. `progress(done, total)` is called between chunks.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ..results.plan import PlanResult
from ..scenario.model import Scenario

CHUNK = 5000
QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class Draws:
    """Sampled inputs, shape (draws, channels), in the scenario's channel order."""

    cpl_factor: np.ndarray  # drawn CPL / point CPL
    lead_to_close: np.ndarray
    clv: np.ndarray
    point_value_per_lead: np.ndarray  # (channels,) point lead-to-close x CLV

    @property
    def value_factor(self) -> np.ndarray:
        """Drawn value per dollar over its point value, per channel: the factor that
        multiplies a channel's value (and its CLV:CPA) for a fixed spend."""
        with np.errstate(divide="ignore", invalid="ignore"):
            per_lead = self.lead_to_close * self.clv
            point = self.point_value_per_lead
            return np.where(point > 0, per_lead / np.where(point > 0, point, 1.0), 0.0) \
                / self.cpl_factor


def _uniforms(seed: int, channel: str, field: str, start: int, count: int) -> np.ndarray:
    bits = np.random.PCG64()
    bits.state = _first_state(seed, channel, field)
    if start:
        # skip to the chunk in O(1): one 64-bit step per double, so the draws are the same
        # however they are chunked (regenerating them made the work grow with draws squared)
        bits.advance(start)
    u = np.random.Generator(bits).random(count)
    # keep clear of 0 and 1, where inverse CDFs are infinite
    np.maximum(u, 1e-12, out=u)
    np.minimum(u, 1 - 1e-12, out=u)
    return u


@lru_cache(maxsize=65536)
def _first_state(seed: int, channel: str, field: str) -> Any:
    """The state np.random.default_rng([seed, key]) starts from (seeding costs 20 us; a
    risk run needs it once per input, not once per chunk)."""
    key = zlib.crc32(f"{channel}\x00{field}".encode())
    return np.random.PCG64([seed, key]).state


def draw_inputs(scenario: Scenario, draws: int, seed: int = 0, start: int = 0,
                total: int | None = None) -> Draws:
    """Draws `start` .. `start + draws` of the scenario's uncertain channel inputs, of a run
    of `total` draws in all (default `draws`): from `quantiles.TABLE_FROM` on, a beta
    input's inverse CDF is read from a table (within 2e-12 of the exact one)."""
    from .quantiles import TABLE_FROM, beta_ppf

    tabled = (total if total is not None else draws) >= TABLE_FROM
    n = len(scenario.channels)
    cpl = np.ones((draws, n))
    ltc = np.empty((draws, n))
    clv = np.empty((draws, n))
    for i, ch in enumerate(scenario.channels):
        ltc[:, i] = ch.lead_to_close
        clv[:, i] = ch.clv
        for u in ch.uncertainty:
            p = _uniforms(seed, ch.name, u.field, start, draws)
            values = beta_ppf(u.a, u.b, p) if tabled and u.kind == "beta" else u.ppf(p)
            if u.field == "cpl":
                cpl[:, i] = values / ch.cpl
            elif u.field == "lead_to_close":
                ltc[:, i] = values
            elif u.field == "clv":
                clv[:, i] = values
    point = np.array([c.lead_to_close * c.clv for c in scenario.channels])
    return Draws(cpl, ltc, clv, point)


@dataclass(frozen=True)
class Outcomes:
    """One plan on every draw: per-draw totals and per-channel value."""

    net_value: np.ndarray
    customers: np.ndarray
    blended_clv_to_cpa: np.ndarray
    channel_ratio: np.ndarray  # (draws, channels) value / spend, NaN where spend is 0


def evaluate_plan(leads: np.ndarray, spend: np.ndarray, draws: Draws) -> Outcomes:
    """`leads` and `spend` per channel at the point estimates, evaluated on the draws."""
    leads_d = leads / draws.cpl_factor
    customers = leads_d * draws.lead_to_close
    value = customers * draws.clv
    total = spend.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(spend > 1e-9, value / np.where(spend > 1e-9, spend, 1.0), np.nan)
        blended = value.sum(axis=1) / total if total > 1e-9 else np.full(len(value), np.nan)
    return Outcomes(value.sum(axis=1) - total, customers.sum(axis=1), blended, ratio)


@dataclass(frozen=True)
class RiskProfile:
    """P10/P50/P90 and floor probabilities of each plan (`summary`, one row per plan) and
    the probability that each funded channel keeps its CLV:CPA floor (`channel_floors`,
    plans x channels, NaN where a plan does not fund the channel)."""

    draws: int
    seed: int
    summary: pd.DataFrame
    channel_floors: pd.DataFrame
    uncertain_inputs: int  # how many channel inputs carry uncertainty (0: nothing varies)


def _plans(results: Sequence[PlanResult]) -> list[tuple[str, str, PlanResult, bool]]:
    """(label, kind, result, is_current) for each plan: the first result's current plan,
    then every optimal plan."""
    out = []
    if results:
        out.append(("current plan", "current", results[0], True))
    for r in results:
        if r.channel_table is not None:
            out.append((r.name, "optimal", r, False))
    return out


@dataclass
class _FloorCount:
    """Per channel with a floor and spend: on how many draws its CLV:CPA held the floor,
    and on how many every such channel held it (counted chunk by chunk)."""

    floor: np.ndarray  # per channel, nan without a floor
    counted: np.ndarray  # per channel: has a floor and spends
    hits: np.ndarray
    all_hits: int = 0

    @classmethod
    def of(cls, scenario: Scenario, table: Any) -> _FloorCount:
        floor = np.array([np.nan if scenario.floor_of(c) is None else scenario.floor_of(c)
                          for c in scenario.channels], dtype=float)
        spend = np.asarray(table["spend"], dtype=float)
        counted = ~np.isnan(floor) & (spend > 1e-9)
        return cls(floor, counted, np.zeros(floor.size))

    def add(self, ratio: np.ndarray) -> None:
        if not self.counted.any():
            return
        ok = ratio[:, self.counted] >= self.floor[self.counted] - 1e-12
        self.hits[self.counted] += ok.sum(axis=0)
        self.all_hits += int(ok.all(axis=1).sum())


def risk_profile(results: Sequence[PlanResult], draws: int = 10_000, seed: int = 0,
                 progress: Callable[[int, int], None] | None = None) -> RiskProfile:
    """Sample the estimates of every plan's scenario and summarise the outcomes.

    `results`: the base scenario's result first, then its variants (as `compare` takes
    them). The current plan (of the first result) is evaluated on the base scenario's
    draws; each optimal plan on the draws of its own scenario.
    """
    if draws < 1:
        raise ValueError("draws must be at least 1")
    timed = [r.scenario.name for r in results if r.scenario.accounting == "in_window"]
    if timed:
        raise ValueError(f"the risk draws value every customer of a plan's leads; "
                         f"{', '.join(repr(t) for t in timed)} count only customers closing "
                         "inside the periods (accounting: in_window); use accounting: cohort")
    plans = _plans(results)
    chunks = [(s, min(CHUNK, draws - s)) for s in range(0, draws, CHUNK)]
    collected: dict[int, list[Outcomes]] = {k: [] for k in range(len(plans))}
    floors_held = {k: _FloorCount.of(result.scenario, result.current_table if current
                                     else result.channel_table)
                   for k, (_, _, result, current) in enumerate(plans)}
    total_steps = len(chunks) * len(plans)
    done = 0
    for start, count in chunks:
        cache: dict[str, Draws] = {}
        for k, (_, _, result, current) in enumerate(plans):
            sc = result.scenario
            if sc.name not in cache:
                cache[sc.name] = draw_inputs(sc, count, seed, start, total=draws)
            frame = result.current_table if current else result.channel_table
            assert frame is not None
            o = evaluate_plan(frame["leads"], frame["spend"], cache[sc.name])
            floors_held[k].add(o.channel_ratio)
            # only the per-draw totals are kept: memory grows with draws, not draws x channels
            collected[k].append(Outcomes(o.net_value, o.customers, o.blended_clv_to_cpa,
                                         np.zeros((0, 0))))
            done += 1
            if progress is not None:
                progress(done, total_steps)
    outcomes = {k: Outcomes(np.concatenate([o.net_value for o in parts]),
                            np.concatenate([o.customers for o in parts]),
                            np.concatenate([o.blended_clv_to_cpa for o in parts]),
                            np.zeros((0, 0)))
                for k, parts in collected.items()}
    current_net = outcomes[0].net_value if plans else None
    rows, floors = [], {}
    for k, (label, kind, result, _) in enumerate(plans):
        sc = result.scenario
        o = outcomes[k]
        blended_floor = sc.constraints.min_blended_clv_to_cpa or sc.constraints.min_clv_to_cpa
        row: dict[str, object] = {"plan": label, "kind": kind, "scenario": sc.name}
        for metric in ("net_value", "customers", "blended_clv_to_cpa"):
            values = getattr(o, metric)
            finite = values[~np.isnan(values)]
            for q in QUANTILES:
                row[f"{metric}_p{int(q * 100)}"] = (float(np.quantile(finite, q))
                                                    if finite.size else np.nan)
        row["net_value_mean"] = float(o.net_value.mean())
        row["blended_floor"] = blended_floor
        spends = not np.isnan(o.blended_clv_to_cpa).all()
        row["p_blended_floor"] = (float(np.mean(o.blended_clv_to_cpa >= blended_floor - 1e-12))
                                  if blended_floor is not None and spends else np.nan)
        held = floors_held[k]
        per_channel = {ch.name: (held.hits[i] / draws if held.counted[i] else np.nan)
                       for i, ch in enumerate(sc.channels)}
        row["p_all_channel_floors"] = (held.all_hits / draws if held.counted.any()
                                       else np.nan)
        row["p_beats_current"] = (float(np.mean(o.net_value > current_net))
                                  if kind == "optimal" and current_net is not None else np.nan)
        rows.append(row)
        floors[label] = per_channel
    summary = pd.DataFrame(rows)
    channel_floors = pd.DataFrame(floors).T
    channel_floors.index.name = "plan"
    uncertain = sum(len(c.uncertainty) for r in results for c in r.scenario.channels)
    return RiskProfile(draws, seed, summary, channel_floors, uncertain)
