"""`hotline init` and `hotline serve`."""

from __future__ import annotations

import typer

from hotline.cli.common import settings_or_exit


def init() -> None:
    """Create the database, run migrations, load the seed data and create the admin account."""
    from hotline.bootstrap import initialise

    report = initialise(settings_or_exit())
    _print_init_report(report)


def _print_init_report(report) -> None:
    org = report.organisation_added
    typer.echo(f"database: {report.database_url} (revision {report.revision})")
    typer.echo(f"seeded: {org.get('departments', 0)} departments, {org.get('sites', 0)} sites, "
               f"{org.get('windows', 0)} windows, {report.items_added} service items, "
               f"{report.rules_added} routing rules, {report.calendar_days_added} calendar days")
    if report.admin_password:
        typer.secho("admin account created. One-time password (shown only now, change it at first login):",
                    fg=typer.colors.YELLOW)
        typer.echo(f"  username: admin\n  password: {report.admin_password}")


def serve(
    host: str | None = typer.Option(None, help="web console address (default HOTLINE_WEB_HOST)"),
    port: int | None = typer.Option(None, help="web console port (default HOTLINE_WEB_PORT)"),
    fake_sip: bool = typer.Option(False, "--fake-sip", help="no SIP endpoint (console and API only)"),
) -> None:
    """Run the hotline: SIP endpoint, live transcription, web console and scheduler in one process."""
    from hotline.bootstrap import initialise
    from hotline.runtime import run_server

    settings = settings_or_exit()
    _print_init_report(initialise(settings))
    run_server(settings, host=host or settings.web_host, port=port or settings.web_port, fake_sip=fake_sip)
