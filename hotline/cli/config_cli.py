"""`hotline config show`: the effective configuration, secrets masked."""

from __future__ import annotations

import json

import typer

from hotline.cli.common import settings_or_exit

app = typer.Typer(help="Show the configuration (HOTLINE_* environment, .env).", no_args_is_help=True)


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Print the effective configuration with secrets masked."""
    shown = settings_or_exit().masked()
    if as_json:
        typer.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    width = max(len(k) for k in shown)
    for key, value in shown.items():
        typer.echo(f"{key.ljust(width)}  {value}")
