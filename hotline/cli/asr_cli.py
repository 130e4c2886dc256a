"""`hotline asr ...` (placeholder, filled by the asr work)."""

import typer

app = typer.Typer(help="asr commands", no_args_is_help=True)
