"""`chanopt`: thin commands over the library. The only code that prints or writes outputs.

Each command module imports only click at import time; a command loads what it uses when
it runs, so `chanopt --help` starts fast. Exit codes (`common`): 0 every plan optimal (or
the file valid), 1 infeasible or no plan found, 2 invalid input (file, field or option).
"""

from __future__ import annotations

import click

from .._version import __version__
from .data import estimate_cmd, validate
from .plan import compare_cmd, plan
from .questions import frontier_cmd, report_cmd, risk_cmd, sensitivity_cmd
from .sweep import sweep_cmd
from .ui import ui_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chanopt")
def main() -> None:
    """Optimal marketing budget allocation across channels (a linear program)."""


for command in (plan, compare_cmd, frontier_cmd, risk_cmd, estimate_cmd, sensitivity_cmd,
                report_cmd, sweep_cmd, ui_cmd, validate):
    main.add_command(command)

__all__ = ["main"]
