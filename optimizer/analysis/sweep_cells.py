"""One sweep cell: its scenario (the base document with the cell's overrides, applied as
a what-if variant is) and its row, solved warm (see `analysis/sweep.py`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..backends import SolveOptions, WarmSolver
from ..errors import ChanoptError
from ..scenario.grid import Cell
from ..scenario.located import Collector, Doc, Loc
from ..scenario.model import Scenario
from ..status import Status

RESULT_COLUMNS = ("status", "objective_value", "net_value", "customers", "blended_cpa",
                  "blended_clv_to_cpa")
TEXT_COLUMNS = ("binding", "conflicts", "message")


@dataclass(frozen=True)
class Base:
    """What a worker needs to make and solve any cell: the base scenario's document
    (pickled once per worker), where problems are reported, and how to solve."""

    doc: Doc
    scenario: Scenario
    label: str  # the grid file, where a cell's bad override is reported
    base_dir: Path
    options: SolveOptions

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.scenario.channels)



class CellRunner:
    """Makes and solves cells of one base scenario, re-solving warm."""

    def __init__(self, base: Base) -> None:
        self.base = base
        self.warm = WarmSolver(base.options)
        self.loc = Loc(base.label, "grid")

    def scenario(self, cell: Cell) -> tuple[Scenario | None, list[str]]:
        from ..scenario.build import finish
        from ..scenario.merge import apply

        problems = Collector()
        doc = self.base.doc.copy()
        apply(doc, cell.variant(), self.loc, self.base.base_dir, problems, extending=True)
        made = finish(doc, self.loc, problems, self.base.scenario.source)
        texts = [str(p) for p in problems.problems]
        if made is None or texts:
            return None, texts or ["the overrides make no scenario"]
        name = f"{self.base.scenario.name} [{cell.id}]" if cell.id else self.base.scenario.name
        return replace(made, name=name), []

    def run(self, cell: Cell) -> dict[str, Any]:
        row = self.empty_row(cell)
        scenario, problems = self.scenario(cell)
        if scenario is None:
            row.update(status="invalid", message="; ".join(problems))
            return row
        try:
            self._solve(scenario, row)
        except ChanoptError as exc:  # a solver failure, an unusable program: in the row
            row.update(status=str(Status.ERROR), message=str(exc))
        except (ArithmeticError, ValueError, RuntimeError, MemoryError) as exc:
            # whatever goes wrong with one cell is that cell's result; the sweep goes on
            row.update(status=str(Status.ERROR), message=f"{type(exc).__name__}: {exc}")
        return row

    def empty_row(self, cell: Cell) -> dict[str, Any]:
        row: dict[str, Any] = {"cell": cell.id, **cell.columns}
        row.update(dict.fromkeys(RESULT_COLUMNS[1:], math.nan))
        row.update({f"spend[{c}]": math.nan for c in self.base.channels})
        row.update(dict.fromkeys(TEXT_COLUMNS, ""))
        return row

    def _solve(self, scenario: Scenario, row: dict[str, Any]) -> None:
        if scenario.has_curves or self.base.options.solver != "highs":
            self._solve_cold(scenario, row)
            return
        from ..lp.build import build_lp
        from ..lp.curves import CurveTiers
        from ..results.constraints import binding_names
        from ..results.kpis import evaluate, totals
        from ..results.plan import fixed_integer_duals, objective_value

        lp = build_lp(scenario, CurveTiers())
        out = self.warm.solve(lp)
        row["status"] = str(out.status)
        if out.x is None:
            if out.status is Status.INFEASIBLE:
                from .infeasibility import explain_infeasible

                row["conflicts"] = "; ".join(explain_infeasible(scenario, lp, self.base.options))
            else:
                row["message"] = out.message
            return
        x_raw, duals = out.x, out.duals
        if lp.is_mip:
            x_raw, duals, _ = fixed_integer_duals(lp, x_raw, self.base.options)
        x = np.clip(x_raw, lp.lb, lp.ub)
        x[x < 1e-9] = 0.0  # as optimize() cleans solver noise
        channels = evaluate(scenario, lp, x)
        self._fill(row, totals(scenario, channels), channels["spend"],
                   objective_value(scenario, lp, x), binding_names(scenario, lp, x, duals))
        if out.status is Status.LIMIT_REACHED:
            row["message"] = out.message

    def _solve_cold(self, scenario: Scenario, row: dict[str, Any]) -> None:
        """Response curves (refined per cell) and CBC: the whole optimize()."""
        from ..results.plan import optimize

        result = optimize(scenario, options=self.base.options)
        row["status"] = str(result.status)
        if result.totals is None or result.channel_table is None:
            row["conflicts"] = "; ".join(result.conflicts)
            if result.status is not Status.INFEASIBLE:
                row["message"] = result.message
            return
        assert result.objective_value is not None and result.constraint_table is not None
        binding = result.constraint_table["binding"].astype(bool)
        names = [str(n) for n, b in zip(result.constraint_table["constraint"], binding,
                                        strict=True) if b]
        self._fill(row, result.totals, result.channel_table["spend"], result.objective_value,
                   names)

    def _fill(self, row: dict[str, Any], tot: Mapping[str, float], spend: np.ndarray,
              objective: float, binding: list[str]) -> None:
        row["objective_value"] = float(objective)
        for key in RESULT_COLUMNS[2:]:
            row[key] = float(tot[key])
        for name, value in zip(self.base.channels, spend, strict=True):
            row[f"spend[{name}]"] = float(value)
        row["binding"] = "; ".join(binding)


def run_task(base: Base, cells: Sequence[Cell]) -> list[dict[str, Any]]:
    """The rows of one task's cells, from a fresh warm session (see the module doc)."""
    runner = CellRunner(base)
    return [runner.run(cell) for cell in cells]
