"""`hotline calendar`: see which years' holiday arrangements are entered, and enter next year's."""

from __future__ import annotations

from pathlib import Path

import typer

from hotline.cli.common import engine_for, settings_or_exit

app = typer.Typer(help="Holiday calendar (国务院办公厅节假日安排): status, import a year, take a year from "
                       "the chinese-calendar package.", no_args_is_help=True)


def _admin(session, username: str):
    from sqlalchemy import select

    from hotline.models import Role, User

    user = session.scalar(select(User).where(User.username == username, User.role == Role.admin))
    if user is None:
        typer.secho(f"no admin account {username!r}: name one with --admin", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    return user


def _run(action) -> None:
    from hotline.cases.errors import CaseError
    from hotline.db import make_session_factory, unit_of_work

    engine = engine_for(settings_or_exit())
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            typer.echo(action(session))
    except CaseError as exc:
        typer.secho(exc.message, fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


@app.command("status")
def status() -> None:
    """Entered years and, from November, the warning that next year is missing."""
    from hotline.cases.calendar_admin import calendar_status
    from hotline.cases.working_days import china_date
    from hotline.models import utcnow

    def show(session) -> str:
        state = calendar_status(session, today=china_date(utcnow()))
        years = "、".join(str(y) for y in state.years) or "无"
        return f"已录入年份：{years}" + (f"\n警告：{state.warning}" if state.warning else "")

    _run(show)


@app.command("import")
def import_year(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV: day,kind,name (kind 放假/上班)"),
    year: int = typer.Option(..., help="the year the file holds, e.g. 2027"),
    admin: str = typer.Option("admin", help="admin account recorded in the audit log"),
) -> None:
    """Replace one year's arrangement with the file's (all or nothing) and mark the year entered."""
    from hotline.cases.calendar_admin import enter_year, parse_arrangement
    from hotline.models import utcnow

    def run(session) -> str:
        days = parse_arrangement(path.read_text(encoding="utf-8"), year=year)
        enter_year(session, actor=_admin(session, admin), year=year, days=days, source=f"导入 {path.name}",
                   now=utcnow())
        return f"{year} 年已录入：{len(days)} 天（放假与调休上班）"

    _run(run)


@app.command("from-library")
def from_library(
    year: int = typer.Option(..., help="the year to take from the installed chinese-calendar package"),
    admin: str = typer.Option("admin", help="admin account recorded in the audit log"),
) -> None:
    """Enter a year from chinese-calendar (upgrade the package after the State Council notice first)."""
    from hotline.cases.calendar_admin import enter_year_from_library
    from hotline.models import utcnow

    def run(session) -> str:
        entry = enter_year_from_library(session, actor=_admin(session, admin), year=year, now=utcnow())
        return f"{year} 年已录入（{entry.source}）"

    _run(run)
