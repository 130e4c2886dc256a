"""`hotline classifier ...` (placeholder, filled by the classifier work)."""

import typer

app = typer.Typer(help="classifier commands", no_args_is_help=True)
