"""The `hotline` command: one Typer app, each sub-command group in its own module."""

from __future__ import annotations

import typer

from hotline.cli import (
    asr_cli,
    calendar_cli,
    callbacks_cli,
    classifier_cli,
    config_cli,
    db_cli,
    demo_cli,
    i18n_cli,
    kb_cli,
    models_cli,
    serve_cli,
    sip_cli,
)

app = typer.Typer(
    help="7812345 hotline: SIP answering, live transcription, cases, callbacks and analytics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(config_cli.app, name="config")
app.add_typer(db_cli.app, name="db")
app.add_typer(kb_cli.app, name="kb")
app.add_typer(models_cli.app, name="models")
app.add_typer(asr_cli.app, name="asr")
app.add_typer(classifier_cli.app, name="classifier")
app.add_typer(sip_cli.app, name="sip")
app.add_typer(demo_cli.app, name="demo")
app.add_typer(callbacks_cli.app, name="callbacks")
app.add_typer(i18n_cli.app, name="i18n")
app.add_typer(calendar_cli.app, name="calendar")
app.command("call")(sip_cli.call)
app.command("init")(serve_cli.init)
app.command("serve")(serve_cli.serve)


def run() -> None:
    app()
