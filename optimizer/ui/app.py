"""The Shiny app of `chanopt ui` (docs/ui.md lists its element ids).

Every input feeds one reactive calculation, `page()`: the inputs as a `PageState`, planned
by `views.plan_page` (a what-if of FILE, solved and rendered in milliseconds); every output
shows a piece of it. A value no scenario can hold is marked at its field with the reader's
message and the last valid plan stays on screen, marked stale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shiny import App, Inputs, Outputs, Session, reactive, render, ui

from ..errors import ChanoptError
from ..scenario.files import ReadPolicy, reading
from . import state as S
from . import whatif as W
from .fields import field_id, problem_text, repair_input
from .layout import (
    CHANNEL_HEADINGS,
    LIMIT_LABELS,
    channel_cells,
    page_ui,
    slider_top,
    value_text,
    whole,
)
from .views import MAX_REPAIRS, Page, plan_page

if TYPE_CHECKING:
    from ..results.plan import PlanResult



@dataclass(frozen=True)
class Planner:
    """What every session of the app shares: the file, where it may read, its variants
    planned once."""

    path: Path
    policy: ReadPolicy
    first: W.Start
    others: tuple[PlanResult, ...]


def build_app(path: Path) -> App:
    """The app for one scenario file (read before the server starts: a bad file is the
    CLI's error, never a broken page)."""
    from ..results.plan import optimize
    from ..scenario.load import load_scenarios

    path = path.resolve()
    policy = ReadPolicy(root=path.parent)  # the app reads only inside FILE's folder
    with reading(policy):
        first = W.load_start(path)
        variants = list(load_scenarios(path, root=path.parent)[1:])
    planner = Planner(path, policy, first, tuple(optimize(s) for s in variants))

    def server(input: Inputs, output: Outputs, session: Session) -> None:
        ctx = PageSession(planner, input, session)
        _starting(ctx)
        _budget_sync(ctx)
        _input_tables(ctx)
        _outputs(ctx)
        _repairs(ctx)
        _keeping(ctx)

    return App(page_ui(first, variants), server)


class PageSession:
    """One browser session: where it started, its applied repairs without an input, the
    last valid page, and the page itself (one reactive calculation)."""

    def __init__(self, planner: Planner, input: Inputs, session: Session) -> None:
        self.planner, self.input, self.session = planner, input, session
        self.start = reactive.value(planner.first)
        self.extra: reactive.Value[dict[tuple[str, ...], object]] = reactive.value({})
        self.last_good: reactive.Value[Page | None] = reactive.value(None)
        self.saved = reactive.value("")
        self.page = reactive.calc(self._page)
        self.shown = reactive.calc(self._shown)

    def value(self, key: str, default: Any) -> Any:
        """An input's value, or `default` before the browser has sent it."""
        return self.input[key]() if key in self.input else default

    def state(self) -> S.PageState:
        sc = self.start().scenario
        value = self.value
        limits: dict[str, object] = {}
        for key in S.LIMITS:
            was = getattr(sc.constraints, key)
            on = value(f"on_{S.limit_id(key)}", was is not None)
            limits[key] = value(S.limit_id(key), value_text(was)) if on else None
        groups: dict[str, tuple[object, object] | None] = {}
        for j, g in enumerate(sc.constraints.groups):
            groups[g.name] = None if not value(f"on_group{j}", True) else (
                value(S.group_id(j, "min_share"), value_text(g.min_share)),
                value(S.group_id(j, "max_share"), value_text(g.max_share)))
        channels = {ch.name: {col: value(S.cell_id(i, col), S.start_text(ch, col))
                              for col in S.CHANNEL_COLUMNS
                              if ch.response is None or col != "cpl"}
                    for i, ch in enumerate(sc.channels)}
        shocks = {ch.name: {col: _percent(value(S.shock_id(i, col), 0)) for col in S.SHOCKS}
                  for i, ch in enumerate(sc.channels)}
        return S.PageState(value("budget", sc.budget), limits, groups, channels, shocks,
                           dict(self.extra()))

    def _page(self) -> Page:
        return plan_page(self.start(), self.state(), self.planner.others)

    def _shown(self) -> Page | None:
        now = self.page()
        return now if now.ok else self.last_good()

    def part(self, key: str) -> str:
        p = self.shown()
        return "" if p is None else p.html.get(key, "")


def _starting(ctx: PageSession) -> None:
    input = ctx.input

    @reactive.effect
    @reactive.event(input.variant, input.reset, ignore_init=True)
    def _start_from() -> None:  # a variant chosen, or Reset: every input as in the file
        chosen = input.variant() or None
        try:
            with reading(ctx.planner.policy):
                new = W.load_start(ctx.planner.path, chosen)
        except ChanoptError as exc:  # the file changed on disk since the app started
            ctx.saved.set(f"cannot start from {chosen!r}: {exc}")
            return
        ctx.extra.set({})
        ctx.start.set(new)
        ui.update_numeric("budget", value=whole(new.scenario.budget))

    @reactive.effect
    def _remember() -> None:
        now = ctx.page()
        if now.ok:
            ctx.last_good.set(now)

    @reactive.effect
    async def _mark_fields() -> None:
        now = ctx.page()
        marks: dict[str, object] = {"errors": [
            {"id": fid, "message": p.message} for p in now.problems
            if (fid := field_id(ctx.start(), now.overrides, p)) is not None]}
        await ctx.session.send_custom_message("chanopt-field-errors", marks)


def _budget_sync(ctx: PageSession) -> None:
    input, top = ctx.input, slider_top(ctx.planner.first.scenario.budget)

    @reactive.effect
    @reactive.event(input.budget_slider, ignore_init=True)
    def _slider_moved() -> None:
        if ctx.value("budget", None) != input.budget_slider():
            ui.update_numeric("budget", value=input.budget_slider())

    @reactive.effect
    @reactive.event(input.budget, ignore_init=True)
    def _budget_typed() -> None:
        typed = input.budget()
        if isinstance(typed, (int, float)) and math.isfinite(typed) and typed >= 0 \
                and typed != ctx.value("budget_slider", None):
            ui.update_slider("budget_slider", value=typed,
                             max=max(top, slider_top(float(typed))))


def _input_tables(ctx: PageSession) -> None:
    @render.ui
    def limit_inputs() -> Any:
        sc = ctx.start().scenario
        rows = []
        for key in S.LIMITS:
            was = getattr(sc.constraints, key)
            lid = S.limit_id(key)
            rows.append(ui.div(
                ui.input_checkbox(f"on_{lid}", LIMIT_LABELS[key], value=was is not None),
                ui.input_text(lid, None, value=value_text(was), placeholder="off", width="90px"),
                class_="limit"))
        return ui.div(ui.h6("Constraints (untick to switch off)"), *rows)

    @render.ui
    def group_inputs() -> Any:
        groups = ctx.start().scenario.constraints.groups
        items = []
        for j, g in enumerate(groups):
            items += [ui.input_checkbox(f"on_group{j}",
                                        f"Group {g.name}: {', '.join(g.channels)}", value=True),
                      ui.layout_columns(
                          ui.input_text(S.group_id(j, "min_share"), "min share",
                                        value=value_text(g.min_share)),
                          ui.input_text(S.group_id(j, "max_share"), "max share",
                                        value=value_text(g.max_share)))]
        return ui.div(ui.h6("Channel groups"), *items) if items else ui.div()

    @render.ui
    def channel_inputs() -> Any:
        sc = ctx.start().scenario
        head = ui.tags.tr(*(ui.tags.th(h) for h in CHANNEL_HEADINGS))
        rows = [ui.tags.tr(ui.tags.td(ch.name), *channel_cells(i, ch))
                for i, ch in enumerate(sc.channels)]
        note = ui.p("CPL of a tiered channel: every tier's CPL, separated by \"/\". Shocks "
                    "change CPL, lead-to-close and CLV by a percentage.", class_="note")
        return ui.div(ui.div(ui.tags.table(ui.tags.thead(head), ui.tags.tbody(*rows),
                                           class_="inputs", id="channel_table"),
                             style="overflow-x:auto"), note)


def _outputs(ctx: PageSession) -> None:
    @render.text
    def net_value() -> str:
        return ctx.part("net_value")

    @render.text
    def headline() -> str:
        return ctx.part("headline")

    @render.text
    def solve_time() -> str:
        p = ctx.page()
        return f"solved in {max(p.seconds * 1000, 1):.0f} ms" if p.ok else ""

    @render.ui
    def stale() -> Any:
        if ctx.page().ok or ctx.last_good() is None:
            return ui.div()
        return ui.div("Stale: these results are for the last valid inputs. Fix the marked "
                      "field to update them.", class_="stale", id="stale_note")

    @render.ui
    def problems() -> Any:
        p = ctx.page()
        loose = [pr for pr in p.problems if field_id(ctx.start(), p.overrides, pr) is None]
        if not loose:
            return ui.div()
        return ui.div(ui.tags.ul(*(ui.tags.li(problem_text(pr)) for pr in loose)),
                      class_="stale bad", id="problem_list")

    for key in HTML_OUTPUTS:
        render.ui(_html_output(ctx, key))

    for key in OPTIONAL_CARDS:
        render.ui(_optional_card(ctx, key))


def _repairs(ctx: PageSession) -> None:
    def apply_repair(k: int) -> None:
        p = ctx.page()
        if k >= len(p.repairs):
            return
        found = p.repairs[k]
        kept = dict(ctx.extra())
        for step in found.steps or (found,):
            target = repair_input(ctx.start(), step.path)
            if target is None:
                kept[step.path] = step.proposed
            else:
                _update(*target, step.proposed)
        ctx.extra.set(kept)

    def on_click(k: int) -> None:
        @reactive.effect
        @reactive.event(ctx.input[f"repair_{k}"], ignore_init=True)
        def _clicked() -> None:
            apply_repair(k)

    for k in range(MAX_REPAIRS):
        on_click(k)


def _keeping(ctx: PageSession) -> None:
    @reactive.effect
    @reactive.event(ctx.input.save_whatif, ignore_init=True)
    def _save() -> None:
        p = ctx.page()
        name = (ctx.input.whatif_name() or "").strip()
        if not p.ok or p.scenario is None:
            ctx.saved.set("Not saved: fix the marked field first (the page shows the last "
                          "valid plan).")
        elif not name:
            ctx.saved.set("Not saved: give the what-if a name.")
        else:
            try:
                written = W.save_whatif(ctx.start(), p.overrides, name, p.scenario)
            except (ChanoptError, ValueError) as exc:
                ctx.saved.set(str(exc))
                return
            ctx.saved.set(f"Saved {written.name} beside {ctx.planner.path.name}. Run: "
                          f"chanopt plan {written.name}")

    @render.ui
    def whatif_preview() -> Any:
        p = ctx.page()
        if not p.overrides:
            return ui.p("No changes from the file yet.", class_="note", id="whatif_yaml")
        name = (ctx.input.whatif_name() or "").strip() or "(its name)"
        document = W.whatif_document(ctx.start(), p.overrides, name)
        return ui.tags.details(ui.tags.summary("What the what-if holds"),
                               ui.tags.pre(W.whatif_yaml(document, ctx.start(), None),
                                           id="whatif_yaml", style="font-size:11px"))

    @render.ui
    def save_status() -> Any:
        text = ctx.saved()
        return ui.div(text, id="save_message", class_="note") if text else ui.div()

    def report_data() -> Any:
        from ..render.bundle import ReportData

        p = ctx.shown()
        if p is None or p.result is None:
            raise ValueError("no valid plan on the page yet")
        return ReportData(p.result, p.comparison, p.frontier, repairs=p.repairs, risk=p.risk)

    @render.download_button(filename=lambda: f"{_stem(ctx.start())}.xlsx")
    def download_xlsx() -> Any:
        from ..render.workbook import workbook_bytes

        yield workbook_bytes(report_data())

    @render.download_button(filename=lambda: f"{_stem(ctx.start())}.html")
    def download_html() -> Any:
        from ..render.html import render_html

        yield render_html(report_data())


def _update(kind: str, key: str, value: object) -> None:
    """Set an input to a repair's value (a limit set to None is switched off)."""
    if kind == "numeric" and isinstance(value, (int, float)):
        ui.update_numeric(key, value=whole(float(value)))
    elif kind == "limit":
        ui.update_checkbox(f"on_{key}", value=value is not None)
        if isinstance(value, (int, float)):
            ui.update_text(key, value=value_text(float(value)))
    elif isinstance(value, (int, float)):
        ui.update_text(key, value=value_text(float(value)))


HTML_OUTPUTS = ("plan_table", "kpis", "binding", "spend_chart", "frontier_chart",
                "response_chart", "comparison", "infeasible")
OPTIONAL_CARDS = {"risk": "Risk: net value under uncertain inputs",
                  "cohorts": "When customers close: leads and customers by period"}
"""Cards shown only when their output has something (the `<key>_card` outputs)."""


def _optional_card(ctx: PageSession, key: str) -> Any:
    """The `<key>_card` output: a titled card around the page's HTML for `key` (element id
    `key`), nothing when that is empty."""
    def fn() -> Any:
        html = ctx.part(key)
        if not html:
            return ui.div()
        return ui.card(ui.card_header(OPTIONAL_CARDS[key]), ui.div(ui.HTML(html), id=key))
    fn.__name__ = f"{key}_card"
    return fn


def _html_output(ctx: PageSession, key: str) -> Any:
    """The function of an output showing the page's HTML for `key` (named as the output)."""
    def fn() -> Any:
        return ui.HTML(ctx.part(key))
    fn.__name__ = key
    return fn


def _percent(value: object) -> float:
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return 0.0


def _stem(start: W.Start) -> str:
    return W.FILE_NAME.sub("_", start.scenario.name).strip("._-") or "plan"
