"""What each command shows and writes: one `View` per result (its JSON, CSV, Markdown and
terminal renderings, each built only when asked for) and the files `--out` writes. The CLI
asks for these; it never composes a rendering itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from . import markdown as md
from . import records, terminal

if TYPE_CHECKING:
    from ..analysis.compare import Comparison
    from ..analysis.frontier import Frontier, TargetPlan
    from ..analysis.ranging import Ranging
    from ..analysis.repair import Suggestion
    from ..analysis.risk import RiskProfile
    from ..analysis.robust import RobustPlan
    from ..estimation import EstimateResult
    from ..results.plan import PlanResult

Files = dict[str, str | bytes]


@dataclass(frozen=True)
class View:
    """One result in every --format; each rendering is computed on first use only."""

    json: Callable[[], dict[str, Any]]
    csv: Callable[[], str]
    markdown: Callable[[], str]
    tables: Callable[[], list[Any]]


@dataclass(frozen=True, eq=False)
class ReportData:
    """Everything one report shows; only `result` is required."""

    result: PlanResult
    comparison: Comparison | None = None
    frontier: Frontier | None = None
    ranging: Ranging | None = None
    repairs: tuple[Suggestion, ...] = ()
    risk: RiskProfile | None = None  # when inputs are uncertain
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def plan_doc(self) -> dict[str, Any]:
        if "plan" not in self._cache:
            self._cache["plan"] = records.plan_document(self.result, self.comparison,
                                                        self.repairs)
        return self._cache["plan"]

    def frontier_doc(self) -> dict[str, Any] | None:
        return None if self.frontier is None else records.frontier_dict(self.frontier)

    def risk_doc(self) -> dict[str, Any] | None:
        return None if self.risk is None else records.risk_dict(self.risk)

    def sensitivity_doc(self) -> dict[str, Any] | None:
        return None if self.ranging is None else records.sensitivity_dict(self.ranging)


class _Once:
    """A value computed on first call, then kept."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make

    @cached_property
    def value(self) -> Any:
        return self._make()

    def __call__(self) -> Any:
        return self.value


# ------------------------------------------------------------------------------- plans


def plan_view(head: PlanResult, comparison: Comparison | None,
              repairs: tuple[Suggestion, ...] = ()) -> View:
    from . import csv

    doc = _Once(lambda: records.plan_document(head, comparison, repairs))
    # what the terminal and Markdown show: the plan and the comparison, not every variant
    shown = _Once(lambda: records.plan_document(head, None, repairs) | (
        {} if comparison is None else {
            **dict(zip(("comparison", "spend_by_scenario"),
                       records.comparison_records(comparison), strict=True)),
            "infeasible": records.infeasible_records(comparison)}))

    def tables() -> list[Any]:
        out = terminal.plan_tables(shown())
        if comparison is not None:
            data = shown()
            out += terminal.comparison_tables(data["comparison"], data["spend_by_scenario"],
                                              _others(data["infeasible"], head),
                                              head.scenario.currency)
        return out

    return View(doc, lambda: csv.channels_csv(head), lambda: md.plan_markdown(shown()), tables)


def plan_files(head: PlanResult, comparison: Comparison | None,
               repairs: tuple[Suggestion, ...], view: View) -> Files:
    from . import csv
    from .workbook import workbook_bytes

    files: Files = {"plan.json": records.to_json(view.json()),
                    "channels.csv": csv.channels_csv(head),
                    "current_channels.csv": csv.current_csv(head),
                    "constraints.csv": csv.constraints_csv(head),
                    "report.md": view.markdown()}
    if comparison is not None:
        files["comparison.csv"] = csv.comparison_csv(comparison)
        files["spend_by_scenario.csv"] = csv.spend_csv(comparison)
    files["plan.xlsx"] = workbook_bytes(ReportData(head, comparison, repairs=repairs))
    return files


def comparison_view(comparison: Comparison) -> View:
    from . import csv

    doc = _Once(lambda: records.comparison_dict(comparison))
    rows = _Once(lambda: records.comparison_records(comparison))
    bad = _Once(lambda: records.infeasible_records(comparison))
    cur = comparison.results[0].scenario.currency if comparison.results else "USD"
    return View(doc, lambda: csv.comparison_csv(comparison),
                lambda: md.comparison_markdown(rows()[0], rows()[1], cur, infeasible=bad()),
                lambda: terminal.comparison_tables(rows()[0], rows()[1], bad(), cur))


def _others(infeasible: list[dict[str, Any]], head: PlanResult) -> list[dict[str, Any]]:
    """The infeasible plans other than `head` (whose conflicts the plan itself shows)."""
    return [r for r in infeasible if r["scenario"] != head.name]


def comparison_files(comparison: Comparison, view: View) -> Files:
    from . import csv
    from .workbook import workbook_bytes

    return {"comparison.json": records.to_json(view.json()),
            "comparison.csv": csv.comparison_csv(comparison),
            "spend_by_scenario.csv": csv.spend_csv(comparison),
            "report.md": view.markdown(),
            "comparison.xlsx": workbook_bytes(ReportData(comparison.results[0], comparison))}


def robust_view(plan: RobustPlan) -> View:
    from . import csv

    doc = _Once(lambda: records.robust_dict(plan))
    uncertain = plan.result.scenario.has_uncertainty
    return View(doc, lambda: csv.channels_csv(plan.result),
                lambda: md.robust_markdown(doc(), uncertain),
                lambda: terminal.robust_tables(doc(), uncertain))


def robust_files(plan: RobustPlan, view: View) -> Files:
    from . import csv

    return {"robust_plan.json": records.to_json(view.json()),
            "robust_channels.csv": csv.channels_csv(plan.result),
            "robust_report.md": view.markdown()}


# ------------------------------------------------------------------------ other questions


def frontier_view(front: Frontier, target: TargetPlan | None) -> View:
    from . import csv

    doc = _Once(lambda: records.frontier_dict(front, target))
    return View(doc, lambda: csv.frontier_csv(front), lambda: md.frontier_markdown(doc()),
                lambda: terminal.frontier_tables(doc()))


def frontier_files(front: Frontier, view: View) -> Files:
    from . import csv

    return {"frontier.json": records.to_json(view.json()), "frontier.csv": csv.frontier_csv(front),
            "frontier.md": view.markdown()}


def sensitivity_view(rng: Ranging) -> View:
    from . import csv

    doc = _Once(lambda: records.sensitivity_dict(rng))
    return View(doc, lambda: csv.sensitivity_inputs_csv(rng),
                lambda: md.sensitivity_markdown(doc()), lambda: terminal.sensitivity_tables(doc()))


def sensitivity_files(rng: Ranging, view: View) -> Files:
    from . import csv

    return {"sensitivity.json": records.to_json(view.json()),
            "sensitivity_inputs.csv": csv.sensitivity_inputs_csv(rng),
            "sensitivity_constraints.csv": csv.sensitivity_constraints_csv(rng),
            "sensitivity.md": view.markdown()}


def risk_view(profile: RiskProfile, currency: str) -> View:
    from . import csv

    doc = _Once(lambda: records.risk_dict(profile))
    return View(doc, lambda: csv.risk_csv(profile), lambda: md.risk_markdown(doc(), currency),
                lambda: terminal.risk_tables(doc(), currency))


def risk_files(profile: RiskProfile, view: View) -> Files:
    from . import csv

    return {"risk.json": records.to_json(view.json()), "risk.csv": csv.risk_csv(profile),
            "risk.md": view.markdown()}


def estimate_view(result: EstimateResult) -> View:
    doc = _Once(lambda: records.estimate_dict(result))
    return View(doc, result.to_csv, lambda: md.estimate_markdown(doc()),
                lambda: terminal.estimate_tables(doc()))


def report_files(data: ReportData) -> Files:
    """report.html, report.xlsx, report.md with charts/*.png, and plan.json."""
    from . import charts
    from .html import render_html
    from .workbook import workbook_bytes

    head = data.result
    figures = {"spend": charts.spend_chart(head), "operational": charts.operational_chart(head),
               "strategic": charts.strategic_chart(head)}
    if data.comparison is not None:
        figures["comparison"] = charts.comparison_chart(data.comparison)
    if data.frontier is not None:
        figures["frontier"] = charts.frontier_chart(data.frontier)
    figures["response"] = charts.response_chart(head)
    if data.risk is not None:
        figures["risk"] = charts.risk_chart(data.risk, head.scenario.currency)
    images = {f"charts/{name}.png": charts.to_png(fig) for name, fig in figures.items()}
    return {"report.html": render_html(data), "report.xlsx": workbook_bytes(data),
            "report.md": md.report_markdown(data.plan_doc(), list(images), data.frontier_doc(),
                                            data.sensitivity_doc(), data.risk_doc()),
            "plan.json": records.to_json(data.plan_doc()), **images}
