"""`chanopt ui`: the planner in the browser (Shiny; the `chanopt[ui]` extra)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import EXIT_OK, fail, fail_input


@click.command("ui")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback requires a token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8050, show_default=True,
              help="Port to listen on (0: any free port; the URL printed says which).")
@click.option("--token", default=None,
              help="Token every request must carry off loopback (default: a new one, printed).")
@click.option("--no-browser", is_flag=True, help="Print the URL only; do not open a browser.")
def ui_cmd(file: Path, host: str, port: int, token: str | None, no_browser: bool) -> None:
    """Plan FILE in the browser: change an input, see the optimal plan at once."""
    try:
        import shiny  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        fail("chanopt ui needs Shiny: pip install 'chanopt[ui]'")
    from ..errors import ScenarioError
    from ..ui.app import build_app
    from ..ui.serve import bind, needs_token, serve

    if not file.is_file():
        fail(f"{file}: no such file")
    try:
        app = build_app(file)
    except ScenarioError as exc:
        fail_input(exc)
    need = needs_token(host, token)
    try:
        serving = bind(host, port, need)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port "
             "(0 picks a free one)")
    try:  # Ctrl-C from here on stops the planner cleanly, however early it comes
        click.echo(f"chanopt planner for {file} at {serving.url}")
        if need and not token:
            click.echo(f"token (required on every request off loopback): {need}")
        click.echo("Ctrl-C stops it.")
        sys.stdout.flush()
        if not no_browser:
            import webbrowser

            webbrowser.open(serving.url)
        serve(app, serving)
    except KeyboardInterrupt:
        pass
    finally:
        serving.sock.close()
    click.echo("stopped")
    sys.exit(EXIT_OK)
