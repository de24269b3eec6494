"""Sweep grids: which fields of a scenario a sweep changes, and the cells they make.

A grid file mirrors a what-if variant, with a list of values (or, in random mode, a
distribution) where the variant would hold one value:

    grid:
      budget: [200000, 250000, 300000]
      channels:
        PPC: {cpl: ["-10%", "+10%", "+25%"]}
      constraints:
        min_clv_to_cpa: [2.5, 3]
    mode: product            # or zip, or random (with samples: N and seed: S)

Each cell is a variant: a mapping of overrides applied to the scenario exactly as a
what-if file's `scenarios:` entry would be (docs/sweeps.md), with a stable id (its position,
zero-padded, so ids sort as cells do) and its overrides by path (`channels.PPC.cpl`).
Problems are gathered like a scenario file's: every one at once, located in the grid file,
with "did you mean".
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import values as V
from .fields import CHANNEL_FIELDS, CONSTRAINT_FIELDS
from .files import read_yaml
from .located import Collector, Loc, check_keys

GRID_KEYS = ("grid", "mode", "samples", "seed", "description")
MODES = ("product", "zip", "random")
TOP_SWEPT = ("budget", "use_full_budget", "objective", "curve_tolerance")
CHANNEL_SWEPT = tuple(k for k in CHANNEL_FIELDS if k != "description")
CONSTRAINT_SWEPT = tuple(CONSTRAINT_FIELDS)
DISTRIBUTIONS = ("uniform", "log_uniform", "normal", "choice")
MAX_CELLS = 10_000_000
"""A grid larger than this is refused before anything runs (a typo such as 1e9 samples)."""
NOT_SWEPT = {
    "name": "every cell is named by its id",
    "description": "a description changes no plan",
    "periods": "periods change the program's shape; write one what-if file per period plan",
    "target": "give the target in the scenario; sweep the budget or the objective instead",
    "add_channels": "add the channel in the scenario (with min_spend/max_spend 0 to switch it off)",
    "remove_channels": "sweep the channel's max_spend with 0 among the values instead",
    "groups": "groups are a list; sweep their channels' spends, or write one file per group set",
    "tiers": "sweep cpl with relative changes (\"+10%\" changes every tier)",
    "response": "sweep cpl with relative changes, or the curve in separate files",
    "uncertainty": "use --draws to sample the uncertain inputs",
}


@dataclass(frozen=True)
class Axis:
    """One swept field: its path in the file and its values (or distribution)."""

    path: tuple[str, ...]
    values: tuple[Any, ...] = ()
    distribution: str | None = None  # random mode: uniform, log_uniform, normal, choice
    params: tuple[Any, ...] = ()

    @property
    def name(self) -> str:
        """The column name: budget, channels.PPC.cpl, constraints.min_clv_to_cpa."""
        return ".".join(self.path)


@dataclass(frozen=True)
class Cell:
    """One scenario of a sweep: its id and its overrides by column name."""

    id: str
    overrides: tuple[tuple[str, tuple[str, ...], Any], ...]  # (column, path, value)

    def variant(self) -> dict[str, Any]:
        """The overrides as a what-if variant mapping (the shape of a `scenarios:` entry)."""
        out: dict[str, Any] = {}
        for _, path, value in self.overrides:
            node = out
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = value
        return out

    @property
    def columns(self) -> dict[str, Any]:
        return {name: value for name, _, value in self.overrides}


@dataclass(frozen=True)
class Grid:
    axes: tuple[Axis, ...]
    mode: str = "product"
    samples: int | None = None
    seed: int = 0
    label: str = "<grid>"
    description: str | None = None
    size: int = field(default=0)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes)

    def cells(self) -> Iterator[Cell]:
        """Every cell in id order (generated lazily: a large grid is never held whole)."""
        width = id_width(self.size)
        if self.mode == "product":
            shape = [len(a.values) for a in self.axes]
            for i, idx in enumerate(np.ndindex(*shape)):
                yield Cell(f"{i:0{width}d}", tuple((a.name, a.path, a.values[k])
                                                   for a, k in zip(self.axes, idx, strict=True)))
        elif self.mode == "zip":
            for i in range(self.size):
                yield Cell(f"{i:0{width}d}", tuple((a.name, a.path, a.values[i])
                                                   for a in self.axes))
        else:
            for i in range(self.size):
                yield Cell(f"{i:0{width}d}", tuple((a.name, a.path, sample(a, self.seed, i))
                                                   for a in self.axes))


def id_width(count: int) -> int:
    return max(4, len(str(max(count - 1, 0))))


def sample(axis: Axis, seed: int, index: int) -> Any:
    """Cell `index`'s value of a random axis: from a generator seeded by (seed, index, the
    axis' path), so a cell's value depends on nothing but those, whoever computes it."""
    key = zlib.crc32(axis.name.encode())
    rng = np.random.default_rng([seed, index, key])
    kind, params = axis.distribution, axis.params
    if kind == "choice":
        return params[int(rng.integers(len(params)))]
    relative = isinstance(params[0], V.Relative)
    lo, hi = ((p.factor - 1) * 100 for p in params) if relative else params
    if kind == "uniform":
        value = lo + (hi - lo) * rng.random()
    elif kind == "log_uniform":
        value = math.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * rng.random())
    else:  # normal: mean, sd
        value = lo + hi * float(rng.standard_normal())
    if relative:
        return percent_text(value)
    return float(value)


def percent_text(pct: float) -> str:
    """A relative change as the file would write it, "+12.5%" (plain decimals, which the
    scenario reader parses, to 12 significant digits)."""
    text = np.format_float_positional(abs(pct), precision=12, unique=True, trim="-")
    return f"{'-' if pct < 0 else '+'}{text}%"


# ------------------------------------------------------------------------------- reading


def read_grid(path: str | Path, channels: Sequence[str],
              problems: Collector | None = None) -> Grid:
    """The grid file at `path`, checked against the scenario's channel names; every problem
    at once (ScenarioError)."""
    path = Path(path)
    collect = problems or Collector()
    raw = read_yaml(path, collect, "grid file", "must be a mapping with a `grid:` of the "
                    "fields to sweep, e.g. grid: {budget: [200000, 250000]}")
    collect.check()
    return grid_from_dict(raw, channels, str(path), collect)


def grid_from_dict(raw: object, channels: Sequence[str], label: str = "<grid>",
                   problems: Collector | None = None) -> Grid:
    """A grid from an in-memory mapping (the shape of a grid file)."""
    collect = problems or Collector()
    loc = Loc(label, "")
    if not isinstance(raw, Mapping) or not raw:
        collect.add(loc, "must be a mapping with a `grid:` of the fields to sweep, e.g. "
                         "grid: {budget: [200000, 250000]}")
        collect.check()
    assert isinstance(raw, Mapping)
    check_keys(raw, GRID_KEYS, loc, collect)
    mode = raw.get("mode", "product")
    if mode not in MODES:
        hint = V.did_you_mean(str(mode), MODES) or f"; choose one of {', '.join(MODES)}"
        collect.add(loc.at("mode"), f"unknown mode {V.show(mode)}{hint}")
        mode = "product"
    samples = _samples(raw, mode, loc, collect)
    seed = _seed(raw.get("seed", 0), loc.at("seed"), collect)
    description = raw.get("description")
    axes = list(_axes(raw.get("grid"), loc.at("grid"), channels, mode, collect))
    size = _size(axes, mode, samples, loc, collect)
    collect.check()
    return Grid(tuple(axes), mode, samples, seed, label,
                None if description is None else str(description), size)


def _samples(raw: Mapping[str, Any], mode: str, loc: Loc, problems: Collector) -> int | None:
    value = raw.get("samples")
    if mode != "random":
        if value is not None:
            problems.add(loc.at("samples"), f"applies to mode: random only (this grid's mode "
                                            f"is {mode}); remove it or set mode: random")
        return None
    if value is None:
        problems.add(loc.at("samples"), "mode: random needs the number of cells to draw, "
                                        "e.g. samples: 1000")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.add(loc.at("samples"), f"must be a whole number of cells, 1 or more, got "
                                        f"{V.show(value)}")
        return None
    return value


def _seed(value: object, loc: Loc, problems: Collector) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.add(loc, f"must be a whole number 0 or more, got {V.show(value)}")
        return 0
    return value


def _axes(raw: object, loc: Loc, channels: Sequence[str], mode: str, problems: Collector
          ) -> Iterator[Axis]:
    if not isinstance(raw, Mapping) or not raw:
        problems.add(loc, "missing or empty; give the fields to sweep, e.g. grid: {budget: "
                          "[200000, 250000, 300000]}")
        return
    allowed = (*TOP_SWEPT, "channels", "constraints")
    for key, value in raw.items():
        kloc = loc.at(str(key))
        if key in NOT_SWEPT:
            problems.add(kloc, f"cannot be swept: {NOT_SWEPT[key]}")
        elif key not in allowed:
            hint = V.did_you_mean(str(key), allowed) or f"; a grid sweeps {', '.join(allowed)}"
            problems.add(kloc, f"unknown key{hint}")
        elif key == "channels":
            yield from _channel_axes(value, kloc, channels, mode, problems)
        elif key == "constraints":
            yield from _field_axes(value, kloc, ("constraints",), CONSTRAINT_SWEPT, mode,
                                   problems, "constraint")
        else:
            axis = _axis((str(key),), value, kloc, mode, problems)
            if axis is not None:
                yield axis


def _channel_axes(raw: object, loc: Loc, channels: Sequence[str], mode: str,
                  problems: Collector) -> Iterator[Axis]:
    if not isinstance(raw, Mapping) or not raw:
        problems.add(loc, "must map channel names to the fields to sweep, e.g. "
                          "channels: {PPC: {cpl: [\"-10%\", \"+10%\"]}}")
        return
    for name, fields in raw.items():
        cloc = Loc(loc.file, f"{loc.path}['{name}']")
        if name not in channels:
            hint = V.did_you_mean(str(name), list(channels))
            problems.add(cloc, f"no channel named {V.show(name)}{hint}; the channels are "
                               f"{V.listing(list(channels), quote=True)}")
            continue
        yield from _field_axes(fields, cloc, ("channels", str(name)), CHANNEL_SWEPT, mode,
                               problems, "channel field")


def _field_axes(raw: object, loc: Loc, prefix: tuple[str, ...], allowed: tuple[str, ...],
                mode: str, problems: Collector, noun: str) -> Iterator[Axis]:
    if not isinstance(raw, Mapping) or not raw:
        problems.add(loc, f"must map each {noun} to sweep to its values, e.g. "
                          f"{{{allowed[0]}: [...]}}")
        return
    for key, value in raw.items():
        kloc = loc.at(str(key))
        if key in NOT_SWEPT:
            problems.add(kloc, f"cannot be swept: {NOT_SWEPT[key]}")
            continue
        if key not in allowed:
            hint = V.did_you_mean(str(key), allowed) or f"; {noun}s: {', '.join(allowed)}"
            problems.add(kloc, f"unknown {noun}{hint}")
            continue
        axis = _axis((*prefix, str(key)), value, kloc, mode, problems)
        if axis is not None:
            yield axis


def _axis(path: tuple[str, ...], raw: object, loc: Loc, mode: str, problems: Collector
          ) -> Axis | None:
    if mode == "random" and isinstance(raw, Mapping):
        return _distribution(path, raw, loc, problems)
    if not isinstance(raw, list) or not raw:
        shape = ("a list of values or a distribution such as {uniform: [\"-10%\", \"+30%\"]}"
                 if mode == "random" else "a list of values, e.g. [\"-10%\", \"+10%\"]")
        problems.add(loc, f"must be {shape}, got {V.show(raw)}")
        return None
    bad = [i for i, v in enumerate(raw) if isinstance(v, (dict, list))]
    for i in bad:
        problems.add(loc.at(i), f"must be one value, got {V.show(raw[i])}")
    if bad:
        return None
    if mode == "random":
        return Axis(path, distribution="choice", params=tuple(raw))
    return Axis(path, tuple(raw))


def _distribution(path: tuple[str, ...], raw: Mapping[str, Any], loc: Loc,
                  problems: Collector) -> Axis | None:
    if len(raw) != 1 or next(iter(raw)) not in DISTRIBUTIONS:
        key = str(next(iter(raw))) if raw else ""
        hint = V.did_you_mean(key, DISTRIBUTIONS) or ""
        problems.add(loc, f"must be one distribution ({', '.join(DISTRIBUTIONS)}), e.g. "
                          f"{{uniform: [\"-10%\", \"+30%\"]}}{hint}")
        return None
    kind, params = next(iter(raw.items()))
    dloc = loc.at(kind)
    if kind == "choice":
        return _axis(path, params, dloc, "random", problems)
    if not isinstance(params, list) or len(params) != 2:
        what = "[mean, sd]" if kind == "normal" else "[low, high]"
        problems.add(dloc, f"must be two values {what}, got {V.show(params)}")
        return None
    rel = [V.relative(p) for p in params]
    if all(r is not None for r in rel):
        if kind != "uniform":
            problems.add(dloc, f"relative changes can be drawn uniformly only; give {kind} "
                               "numbers, or use uniform: [\"-10%\", \"+30%\"]")
            return None
        lo, hi = rel
        assert lo is not None and hi is not None
        if lo.factor > hi.factor:
            problems.add(dloc, f"low {lo.text} is above high {hi.text}")
            return None
        return Axis(path, distribution=kind, params=(lo, hi))
    try:
        a, b = (V.number(p, kind) for p in params)
    except V.BadValue as exc:
        problems.add(dloc, f"{exc} (both numbers, or both relative changes like \"+10%\")")
        return None
    if kind == "normal" and b < 0:
        problems.add(dloc.at(1), f"the standard deviation must be 0 or more, got {b:g}")
        return None
    if kind != "normal" and a > b:
        problems.add(dloc, f"low {a:g} is above high {b:g}")
        return None
    if kind == "log_uniform" and a <= 0:
        problems.add(dloc, f"log_uniform needs positive bounds, got {a:g}")
        return None
    return Axis(path, distribution=kind, params=(a, b))


def _size(axes: list[Axis], mode: str, samples: int | None, loc: Loc,
          problems: Collector) -> int:
    if not axes:
        return 0
    if mode == "random":
        size = samples or 0
    elif mode == "zip":
        lengths = {a.name: len(a.values) for a in axes}
        if len(set(lengths.values())) > 1:
            listed = ", ".join(f"{k}: {n}" for k, n in lengths.items())
            problems.add(loc.at("grid"), f"mode: zip pairs the i-th values of every field, so "
                                         f"the lists need one length; they have {listed}")
        size = min(lengths.values())
    else:
        size = math.prod(len(a.values) for a in axes)
    if size > MAX_CELLS:
        problems.add(loc.at("grid"), f"makes {size:,} cells, more than the {MAX_CELLS:,} a "
                                     "sweep runs; use fewer values or mode: random")
    return size
