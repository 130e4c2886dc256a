"""`hotline db upgrade|downgrade|current`: Alembic migrations on the configured database."""

from __future__ import annotations

import typer

from hotline.cli.common import engine_for, settings_or_exit

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from hotline import migrate

    engine = engine_for(settings_or_exit(), require_initialised=False)
    migrate.upgrade(engine, revision)
    typer.echo(f"database at revision {migrate.current_revision(engine)}")


@app.command("downgrade")
def downgrade(revision: str = typer.Argument(..., help="target revision, e.g. -1 or base")) -> None:
    """Revert migrations down to REVISION (`base` drops every table: data is lost)."""
    from hotline import migrate

    engine = engine_for(settings_or_exit(), require_initialised=False)
    migrate.downgrade(engine, revision)
    typer.echo(f"database at revision {migrate.current_revision(engine) or 'base (empty)'}")


@app.command("current")
def current() -> None:
    """Print the database's migration revision."""
    from hotline import migrate

    engine = engine_for(settings_or_exit(), require_initialised=False)
    typer.echo(migrate.current_revision(engine) or "base (empty)")
