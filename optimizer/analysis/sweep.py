"""Sweeps: the optimal plan of every cell of a grid of what-ifs (and of draws of uncertain
inputs), one row per cell.

A cell is a what-if variant (`scenario.grid.Cell`): its overrides are applied to the base
scenario's document exactly as a `scenarios:` entry of a what-if file is, so a cell's plan
is the plan `chanopt plan` gives a what-if file with the same overrides (same validation,
same relative changes, same solve). Cells are run in tasks of consecutive cells (`Plan.batch`:
up to `BATCH`, fewer for large programs, so that two workers always share the work);
each task loads the base program into HiGHS once and re-solves warm, changing only the
vectors a cell changes (`backends.WarmSolver`). A task always starts from a fresh
session, so a cell's row depends only on its task, never on which worker ran what before:
the rows are the same, byte for byte, for every executor and number of workers.

Rows stream out in cell order (`run_sweep` yields one list per task), so a sweep's memory
does not grow with its cells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..backends import SolveOptions
from ..errors import Problem, ScenarioError
from ..scenario.grid import Axis, Cell, Grid, id_width, percent_text
from ..scenario.located import Doc
from ..scenario.model import Scenario
from .sweep_cells import RESULT_COLUMNS, TEXT_COLUMNS, Base, CellRunner, run_task

if TYPE_CHECKING:
    import pandas as pd

BATCH = 200
"""Most cells per task: one warm HiGHS session each; hundreds of millisecond solves per
task keep the scheduling overhead of processes and Dask small."""
TASK_COLUMNS = 20_000
"""Program columns (tier segments) per task: a task of a 1,000-column program holds 20
cells, so its cells take about as long as 200 cells of a small one."""
DRAWN = ("cpl", "lead_to_close", "clv")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Plan:
    """The cells of a sweep: grid cells, each crossed with `draws` draws when asked."""

    base: Base
    grid: Grid | None
    draws: int = 0
    seed: int = 0

    @property
    def size(self) -> int:
        cells = self.grid.size if self.grid is not None else 1
        return cells * self.draws if self.draws else cells

    @property
    def override_columns(self) -> tuple[str, ...]:
        cols = list(self.grid.columns) if self.grid is not None else []
        return (*cols, *(f"channels.{n}.{f}" for n, f in drawn_fields(self.base.scenario)))

    def cells(self) -> Iterator[Cell]:
        grid_cells: Iterator[Cell] = self.grid.cells() if self.grid is not None \
            else iter([Cell("", ())])
        if not self.draws:
            yield from grid_cells
            return
        width = id_width(self.draws)
        for cell in grid_cells:
            prefix = f"{cell.id}." if cell.id else ""
            for j, drawn in enumerate(draw_overrides(self.base.scenario, self.draws, self.seed)):
                yield Cell(f"{prefix}d{j:0{width}d}", (*cell.overrides, *drawn))

    @property
    def batch(self) -> int:
        """Cells per task, from the size of the base program only (so tasks, and the files'
        row groups, are the same whatever runs them)."""
        sc = self.base.scenario
        columns = sum(len(c.tiers) for c in sc.channels) * max(1, sc.n_periods)
        return max(10, min(BATCH, TASK_COLUMNS // max(columns, 1)))

    def tasks(self) -> Iterator[list[Cell]]:
        batch: list[Cell] = []
        size = self.batch
        for cell in self.cells():
            batch.append(cell)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch


def drawn_fields(scenario: Scenario) -> list[tuple[str, str]]:
    """(channel, field) of every uncertain input, in channel order."""
    return [(c.name, u.field) for c in scenario.channels for u in c.uncertainty
            if u.field in DRAWN]


def draw_overrides(scenario: Scenario, draws: int, seed: int, chunk: int = 1000
                   ) -> Iterator[tuple[tuple[str, tuple[str, ...], Any], ...]]:
    """Each draw of the uncertain inputs as overrides: draw j is draw j of `chanopt risk`
    with the same seed (common random numbers); a drawn CPL is a relative change of the
    point CPL (so every tier moves alike, as in risk), rates and CLVs are values."""
    from .risk import draw_inputs

    fields = drawn_fields(scenario)
    index = {c.name: i for i, c in enumerate(scenario.channels)}
    for start in range(0, draws, chunk):
        block = draw_inputs(scenario, min(chunk, draws - start), seed, start, total=draws)
        for d in range(block.cpl_factor.shape[0]):
            out = []
            for name, field in fields:
                i = index[name]
                if field == "cpl":
                    value: Any = percent_text((float(block.cpl_factor[d, i]) - 1) * 100)
                elif field == "lead_to_close":
                    value = float(block.lead_to_close[d, i])
                else:
                    value = float(block.clv[d, i])
                out.append((f"channels.{name}.{field}", ("channels", name, field), value))
            yield tuple(out)


# ------------------------------------------------------------------------- column types


def override_types(plan: Plan) -> dict[str, str]:
    """Per override column: "float", "bool" or "string" (a column holds one type)."""
    out: dict[str, str] = {}
    for axis in plan.grid.axes if plan.grid is not None else ():
        values = list(axis.values or axis.params)
        if all(isinstance(v, bool) for v in values):
            out[axis.name] = "bool"
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            out[axis.name] = "float"
        else:
            out[axis.name] = "string"
    for name, field in drawn_fields(plan.base.scenario):
        out[f"channels.{name}.{field}"] = "string" if field == "cpl" else "float"
    return out


def stored(kind: str, value: Any) -> Any:
    """An override value as its column holds it (kind from `override_types`)."""
    if value is None:
        return None
    if kind == "string":
        if isinstance(value, str):
            return value
        from ..render.csv import cell_text

        return cell_text(value)
    return float(value) if kind == "float" else bool(value)


# ------------------------------------------------------------------------- the sweep


def columns(plan: Plan) -> list[str]:
    """Every column of a sweep's rows, in order."""
    return ["cell", *plan.override_columns, *RESULT_COLUMNS,
            *(f"spend[{c}]" for c in plan.base.channels), *TEXT_COLUMNS]


def make_plan(scenario: str | Path | Mapping[str, Any] | Scenario,
              grid: str | Path | Mapping[str, Any] | Grid | None = None, *,
              variant: str | None = None, draws: int = 0, seed: int = 0,
              options: SolveOptions | None = None) -> Plan:
    """The cells of a sweep of `scenario` (a file, an in-memory mapping, or a Scenario
    loaded from a file and not changed since) over `grid` (a grid file, a mapping of its
    shape, or a Grid) and `draws` draws of the uncertain inputs. ScenarioError for a bad
    scenario or grid (every problem at once)."""
    from ..scenario.grid import grid_from_dict, read_grid

    doc, base_scenario, label_dir = _document(scenario, variant)
    if isinstance(grid, Grid) or grid is None:
        made = grid
    elif isinstance(grid, Mapping):
        made = grid_from_dict(grid, [c.name for c in base_scenario.channels])
    else:
        made = read_grid(grid, [c.name for c in base_scenario.channels])
    if made is None and not draws:
        raise _bad("<sweep>", "", "give a grid of what-ifs, draws of the "
                                   "uncertain inputs, or both")
    if draws and not drawn_fields(base_scenario):
        raise _bad(str(base_scenario.source or "<scenario>"), "",
                                   "draws need uncertain inputs (an `uncertainty:` on a "
                                   "channel's cpl, lead_to_close or clv); this scenario has none")
    if made is not None and draws:
        clash = set(made.columns) & {f"channels.{n}.{f}" for n, f in drawn_fields(base_scenario)}
        if clash:
            raise _bad(made.label, "grid", f"{', '.join(sorted(clash))} "
                                       "is both swept and drawn; sweep it or draw it")
    label = made.label if made is not None else "<draws>"
    base = Base(doc, base_scenario, label, label_dir, options or SolveOptions())
    return Plan(base, made, draws, seed)


def _bad(file: str, path: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(file, path, message)])


def _document(scenario: str | Path | Mapping[str, Any] | Scenario, variant: str | None
              ) -> tuple[Doc, Scenario, Path]:
    from ..scenario.load import scenario_document

    if isinstance(scenario, Scenario):
        if scenario.source is None:
            raise _bad("<scenario>", "", "sweep a scenario file or a mapping: "
                                       "this Scenario was not loaded from a file")
        name = scenario.name if scenario.variant_of is not None else None
        doc, loaded = scenario_document(scenario.source, name)
        if loaded != scenario:
            raise _bad(str(scenario.source), "", (
                "this Scenario differs from its file (changed after loading); sweep the "
                "file, or a mapping with the changes"))
        return doc, loaded, scenario.source.parent
    if isinstance(scenario, Mapping):
        doc, loaded = scenario_document(data=scenario)
        return doc, loaded, Path.cwd()
    path = Path(scenario)
    doc, loaded = scenario_document(path, variant)
    return doc, loaded, path.parent


def run_sweep(plan: Plan, executor: str = "serial", workers: int | None = None,
              scheduler: str | None = None, progress: Progress | None = None,
              extra: Sequence[Cell] = ()) -> Iterator[list[dict[str, Any]]]:
    """The rows of every cell, one list per task, in cell order; then those of the `extra`
    cells (a tornado's), on the same workers."""
    from .executors import ordered_map

    def tasks() -> Iterator[list[Cell]]:
        yield from plan.tasks()
        for start in range(0, len(extra), plan.batch):
            yield list(extra[start:start + plan.batch])

    done, total = 0, plan.size + len(extra)
    if progress is not None:
        progress(0, total)
    for rows in ordered_map(run_task, plan.base, tasks(), executor, workers, scheduler):
        done += len(rows)
        if progress is not None:
            progress(done, total)
        yield rows


def sweep(scenario: str | Path | Mapping[str, Any] | Scenario,
          grid: str | Path | Mapping[str, Any] | Grid | None = None, *,
          variant: str | None = None, draws: int = 0, seed: int = 0,
          executor: str = "serial", workers: int | None = None, scheduler: str | None = None,
          options: SolveOptions | None = None, out: str | Path | None = None,
          tornado: float | None = 0.1, progress: Progress | None = None) -> pd.DataFrame:
    """One row per cell of `grid` (crossed with `draws` draws of the uncertain inputs):
    `cell`, the overrides by path (`budget`, `channels.PPC.cpl`, ...), `status`,
    `objective_value`, `net_value`, `customers`, `blended_cpa`, `blended_clv_to_cpa`,
    `spend[<channel>]`, `binding`, `conflicts` and `message` (why a cell has no plan).

    `executor` is "serial", "processes" (a local pool of `workers`) or "dask" (a
    LocalCluster of `workers`, or the running scheduler at `scheduler`). With `out`, the
    sweep is also written there as `chanopt sweep` writes it (sweep.parquet, sweep.csv,
    tornado.csv, summary.md, summary.html); `tornado` is the one-at-a-time change of each
    input for the summary's tornado chart (None: no tornado)."""
    plan = make_plan(scenario, grid, variant=variant, draws=draws, seed=seed, options=options)
    if out is not None:
        from ..render.sweep import write_sweep

        write_sweep(plan, out, executor=executor, workers=workers, scheduler=scheduler,
                    tornado=tornado, progress=progress)
        return read_rows(Path(out) / "sweep.parquet")
    import pyarrow as pa

    from ..render.sweep import arrow_schema, rows_table

    schema = arrow_schema(plan)  # the column types of sweep.parquet
    tables = [rows_table(rows, schema)
              for rows in run_sweep(plan, executor, workers, scheduler, progress)]
    return pa.concat_tables(tables or [schema.empty_table()]).to_pandas()


def read_rows(path: str | Path) -> pd.DataFrame:
    """A written sweep.parquet as a DataFrame."""
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas()



__all__ = ["Axis", "Base", "Cell", "CellRunner", "Grid", "Plan", "make_plan", "run_sweep",
           "run_task", "sweep"]
