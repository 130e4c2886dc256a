"""Shared pieces of the CLI: settings with readable errors, engine from settings."""

from __future__ import annotations

import typer

from hotline.settings import ConfigError, Settings, load_settings


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


def engine_for(settings: Settings, *, require_initialised: bool = True):
    from hotline.db import make_engine
    from hotline.migrate import is_initialised

    engine = make_engine(settings.effective_database_url)
    if require_initialised and not is_initialised(engine):
        url = settings.effective_database_url
        typer.secho(f"database {url} is not initialised: run `hotline init` first",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    return engine


def masked_url(url: str) -> str:
    """postgresql+psycopg://user:secret@host/db → postgresql+psycopg://user:****@host/db"""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True).replace(":***@", ":****@")
    except Exception:
        return url.split("@")[-1]


def database_error_exit(settings: Settings, exc: Exception) -> typer.Exit:
    """One line naming the database and what to check, instead of a driver traceback."""
    url = masked_url(settings.effective_database_url)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    hint = ("check that PostgreSQL runs and accepts connections at that host and port, that the user, "
            "password and database exist, and HOTLINE_DATABASE_URL" if url.startswith("postgresql")
            else "check that the data directory exists and is writable (HOTLINE_DATA_DIR, "
            "HOTLINE_DATABASE_URL)")
    typer.secho(f"cannot reach the database {url}: {reason} — {hint}", fg=typer.colors.RED, err=True)
    return typer.Exit(2)


def port_in_use(host: str, port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is fine
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False
