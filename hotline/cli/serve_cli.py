"""`hotline init` and `hotline serve`."""

from __future__ import annotations

import typer

from hotline.cli.common import database_error_exit, port_in_use, settings_or_exit


def _initialise(settings):
    from sqlalchemy.exc import DBAPIError

    from hotline.bootstrap import initialise

    try:
        return initialise(settings)
    except DBAPIError as exc:  # unreachable, refused, bad credentials: one line, not a traceback
        raise database_error_exit(settings, exc) from None


def init() -> None:
    """Create the database, run migrations, load the seed data and create the admin account."""
    _print_init_report(_initialise(settings_or_exit()))


def _print_init_report(report) -> None:
    org = report.organisation_added
    typer.echo(f"database: {report.database_url} (revision {report.revision})")
    typer.echo(f"seeded: {org.get('departments', 0)} departments, {org.get('sites', 0)} sites, "
               f"{org.get('windows', 0)} windows, {report.items_added} service items, "
               f"{report.rules_added} routing rules, {report.calendar_days_added} calendar days")
    grid = report.grid_added
    typer.echo(f"level 4: {grid.get('grid_households', 0)} 党员中心户/智慧农牧户, "
               f"{grid.get('linked_households', 0)} linked households, "
               f"{grid.get('red_teams', 0)} red service teams")
    if report.admin_password:
        typer.secho("admin account created. One-time password (shown only now, change it at first login):",
                    fg=typer.colors.YELLOW)
        typer.echo(f"  username: admin\n  password: {report.admin_password}")


def serve(
    host: str | None = typer.Option(None, help="web console address (default HOTLINE_WEB_HOST)"),
    port: int | None = typer.Option(None, help="web console port (default HOTLINE_WEB_PORT)"),
    fake_sip: bool = typer.Option(False, "--fake-sip", help="no SIP endpoint (console and API only)"),
    sip_workers: int = typer.Option(
        1, "--sip-workers", min=1, max=16,
        help="SIP worker processes (4 calls each) on consecutive ports from sip.conf's udp_port; put "
             "Kamailio in front (`hotline sip kamailio-config --workers N`). 1: SIP in this process"),
    node_name: str = typer.Option("", help="this node's name in events shared with other nodes "
                                           "(PostgreSQL only; default host:pid)"),
    log_format: str = typer.Option("text", "--log-format", help="text, or json (one object per line) for "
                                   "log collectors; timestamps in HOTLINE_TIMEZONE"),
) -> None:
    """Run the hotline: SIP endpoint(s), live transcription, web console and scheduler."""
    from hotline.runtime import run_server
    from hotline.sip.protocol import SipError

    if fake_sip and sip_workers > 1:
        typer.secho("--fake-sip runs no SIP at all: drop --sip-workers", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if log_format not in ("text", "json"):
        typer.secho("--log-format must be text or json", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    settings = settings_or_exit()
    host, port = host or settings.web_host, port or settings.web_port
    if port_in_use(host, port):  # before seeding: a failed start must not spend the one-time admin password
        typer.secho(f"cannot start: the web port {host}:{port} is in use (another `hotline serve`?); stop "
                    "it or choose another with --port / HOTLINE_WEB_PORT", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    _print_init_report(_initialise(settings))
    try:
        run_server(settings, host=host, port=port, fake_sip=fake_sip, sip_workers=sip_workers,
                   node_name=node_name, log_format=log_format)
    except (ValueError, SipError) as exc:  # sip.conf unusable for N workers, port taken, ...
        typer.secho(f"cannot start: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
