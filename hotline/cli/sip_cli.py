"""`hotline sip ...` and `hotline call` (placeholder, filled by the SIP work)."""

import typer

app = typer.Typer(help="SIP endpoint commands", no_args_is_help=True)


def call(uri: str = typer.Argument(..., help="sip:7812345@127.0.0.1:5060")) -> None:
    """Place a real SIP call (not implemented yet)."""
    raise typer.Exit(2)
