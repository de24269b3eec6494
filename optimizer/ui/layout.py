"""The planner page's layout: the sidebar of inputs, the outputs in cards, their CSS and
the script that marks a field's problem at the field (docs/ui.md lists the element ids)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from shiny import ui

from ..render.html import CSS
from . import state as S

if TYPE_CHECKING:
    from ..scenario.model import Channel, Scenario
    from .whatif import Start


PAGE_CSS = CSS + """
body{background:#f6f8fa}.bslib-sidebar-layout>.main{padding:12px 20px}
#headline{font-size:17px;font-weight:600;margin:4px 0 2px}#net_value{font-size:26px;font-weight:700;color:#1f6fb2}
#solve_time{color:#5a6b7b;font-size:12px;margin-left:10px}.stale{background:#fff4d6;border:1px solid #e0b84c;
padding:6px 10px;border-radius:6px;margin:6px 0}.field-error{color:#b3261e;font-size:12px;margin-top:2px}
input.is-invalid{border-color:#b3261e!important;background:#fff6f6}table.inputs td{padding:2px 4px}
table.inputs input{width:100%;min-width:70px;padding:2px 4px;font-size:13px}table.inputs .form-group{margin:0}
.responses{display:flex;flex-wrap:wrap;gap:8px}.responses figure{margin:0;width:300px}
figure.chart{margin:6px 0}figure.chart svg{width:100%;height:auto;max-width:760px}
figure.small figcaption{font-size:12px;font-weight:600}.card{margin-bottom:12px}
.limit{display:flex;gap:8px;align-items:center;justify-content:space-between}.limit .form-group,
.limit .shiny-input-container{margin:0 0 4px}.limit .checkbox{margin:0}table.inputs th{text-align:left}
"""

FIELD_ERRORS_JS = """
Shiny.addCustomMessageHandler("chanopt-field-errors", function(errors) {
  document.querySelectorAll(".field-error").forEach(function(e) { e.remove(); });
  document.querySelectorAll("input.is-invalid").forEach(function(e) {
    e.classList.remove("is-invalid"); e.removeAttribute("aria-invalid"); });
  errors.errors.forEach(function(err) {
    var input = document.getElementById(err.id);
    if (!input) { return; }
    input.classList.add("is-invalid"); input.setAttribute("aria-invalid", "true");
    var note = document.createElement("div");
    note.className = "field-error"; note.id = "err_" + err.id; note.textContent = err.message;
    (input.closest(".form-group") || input.parentNode).appendChild(note);
  });
});
"""


def value_text(value: float | None) -> str:
    return "" if value is None else S.number_text(value)


def page_ui(first: Start, variants: list[Scenario]) -> Any:
    budget = first.scenario.budget
    choices = {"": f"{first.scenario.name} (the file)"} | {v.name: v.name for v in variants}
    sidebar = ui.sidebar(
        ui.input_select("variant", "Start from", choices=choices, selected=""),
        ui.input_action_button("reset", "Reset to the file", class_="btn-sm"),
        ui.input_numeric("budget", "Total budget", value=whole(budget), min=0, step=1000),
        ui.input_slider("budget_slider", None, min=0, max=slider_top(budget),
                        value=whole(budget), step=slider_step(budget)),
        ui.output_ui("limit_inputs"),
        ui.output_ui("group_inputs"),
        ui.hr(),
        ui.input_text("whatif_name", "Save as what-if", placeholder="a name, e.g. Q1 PPC push"),
        ui.input_action_button("save_whatif", "Save as what-if", class_="btn-primary btn-sm"),
        ui.output_ui("save_status"),
        ui.output_ui("whatif_preview"),
        ui.hr(),
        ui.download_button("download_xlsx", "Download Excel", class_="btn-sm"),
        ui.download_button("download_html", "Download HTML report", class_="btn-sm"),
        width=340, open="always")
    card = ui.card
    main = [
        ui.output_ui("stale"),
        ui.output_ui("problems"),
        ui.div(ui.output_text("net_value", inline=True),
               ui.output_text("solve_time", inline=True)),
        ui.output_text("headline"),
        card(ui.card_header("Channels: edit any cell; shocks in percent"),
             ui.output_ui("channel_inputs")),
        ui.output_ui("infeasible"),
        card(ui.card_header("The optimal plan"), ui.output_ui("plan_table"), ui.output_ui("kpis")),
        ui.output_ui("cohorts_card"),
        card(ui.card_header("Binding constraints: what another unit of each limit is worth"),
             ui.output_ui("binding")),
        card(ui.card_header("Current vs optimal spend"), ui.output_ui("spend_chart")),
        card(ui.card_header("Budget frontier"), ui.output_ui("frontier_chart")),
        card(ui.card_header("Each channel's response"), ui.output_ui("response_chart")),
        card(ui.card_header("The file's variants beside this plan"), ui.output_ui("comparison")),
        ui.output_ui("risk_card"),
    ]
    head = ui.head_content(ui.tags.style(PAGE_CSS), ui.tags.script(FIELD_ERRORS_JS))
    return ui.page_sidebar(sidebar, head, *main, title=f"chanopt: {first.scenario.name}",
                           fillable=False, window_title="chanopt planner")


def channel_cells(i: int, ch: Channel) -> list[Any]:
    cells = []
    for col in S.CHANNEL_COLUMNS:
        if col == "cpl" and ch.response is not None:
            cells.append(ui.tags.td(f"{ch.response.curve} curve"))
            continue
        wide = "130px" if col == "cpl" and len(ch.tiers) > 1 else "84px"
        cells.append(ui.tags.td(ui.input_text(S.cell_id(i, col), None,
                                              value=S.start_text(ch, col), width=wide)))
    for col in S.SHOCKS:
        if col == "cpl" and ch.response is not None:  # a curve has no CPL to shock
            cells.append(ui.tags.td("—"))
            continue
        cells.append(ui.tags.td(ui.input_numeric(S.shock_id(i, col), None, value=0, step=1,
                                                 width="62px")))
    return cells


CHANNEL_HEADINGS = ("Channel", "CPL", "Lead-to-close", "CLV", "Current", "Min spend",
                    "Max spend", "CPL shock %", "Close shock %", "CLV shock %")
LIMIT_LABELS = {
    "min_clv_to_cpa": "CLV:CPA floor per channel",
    "min_blended_clv_to_cpa": "Blended CLV:CPA floor",
    "max_change": "Max change per channel",
    "max_leads": "Max leads (sales capacity)",
    "max_sqls": "Max SQLs",
    "max_customers": "Max customers",
    "max_active_channels": "Max active channels",
    "max_channel_share": "Max share of one channel",
}


def whole(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def slider_top(budget: float) -> float:
    return float(max(3 * budget, 1000.0))


def slider_step(budget: float) -> float:
    return float(max(10 ** math.floor(math.log10(max(budget, 10.0) / 100)), 1.0))
