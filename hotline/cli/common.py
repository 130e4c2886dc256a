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
