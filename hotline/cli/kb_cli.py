"""`hotline kb ...`: import/export the service-item catalogue, search it, show one item."""

from __future__ import annotations

import getpass
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from hotline.cli.common import engine_for, settings_or_exit

app = typer.Typer(
    help="Service-item knowledge base: import/export the catalogue (CSV/XLSX), search, show items.",
    no_args_is_help=True,
)


def _session(settings=None):
    from hotline.db import make_session_factory

    return make_session_factory(engine_for(settings or settings_or_exit()))()


def _local_time(moment: datetime, timezone: str) -> str:
    """China time for display; SQLite hands back naive UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="catalogue file (.csv UTF-8 or .xlsx) with the standard columns"),
    actor: str = typer.Option(None, "--actor", help="name recorded in the change history (default cli:USER)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="validate, show what would change, write nothing"),
    retire_missing: bool = typer.Option(
        False, "--retire-missing", help="the file is the full catalogue: retire active items not in it"
    ),
) -> None:
    """Add or update items by code; a file with any bad row is rejected as a whole."""
    from knowledge_base.catalog_io import import_catalog
    from knowledge_base.catalog_schema import CatalogFileError

    with _session() as session:
        try:
            result = import_catalog(session, path=file, actor=actor or _default_actor(), dry_run=dry_run,
                                    retire_missing=retire_missing)
        except CatalogFileError as exc:
            session.rollback()
            typer.secho(exc.report(), fg=typer.colors.RED, err=True)
            typer.echo("请按上面所列逐行改正后重新导入；数据库未做任何改动。", err=True)
            raise typer.Exit(1) from None
        for change in result.changes:
            typer.echo(f"  {change.action:<8} {change.code}  {', '.join(change.fields[:6])}"
                       + (" ..." if len(change.fields) > 6 else ""))
        if dry_run:
            session.rollback()
        else:
            session.commit()
        typer.echo(result.summary())


@app.command("import-national")
def import_national_(
    file: Path = typer.Argument(..., help="catalogue in the national standard format (.xlsx or .csv)"),
    mapping: list[str] = typer.Option([], "--map", help="extra column mapping 表头=字段, e.g. 事项名称=name"),
    apply: bool = typer.Option(False, "--apply", help="write the changes (default: preview only)"),
    code_prefix: str = typer.Option("ZW-GB", help="code prefix for items not yet in the catalogue"),
    actor: str = typer.Option(None, "--actor", help="name recorded in the change history (default cli:USER)"),
) -> None:
    """Preview (default) or apply a national-format catalogue through a column mapping; all or nothing."""
    from knowledge_base.catalog_schema import CatalogFileError
    from knowledge_base.national_format import import_national, parse_mapping

    try:
        columns = parse_mapping(mapping)
    except ValueError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    with _session() as session:
        try:
            result = import_national(session, path=file, actor=actor or _default_actor(), mapping=columns,
                                     code_prefix=code_prefix, preview=not apply)
        except CatalogFileError as exc:
            session.rollback()
            typer.secho(exc.report(), fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        for change in result.changes:
            typer.echo(f"  {change.action:<8} {change.code}  {', '.join(change.fields[:6])}")
        if apply:
            session.commit()
        else:
            session.rollback()
            typer.echo("preview only: run again with --apply to write these changes")
        typer.echo(result.summary())


@app.command("export")
def export(
    fmt: str = typer.Option("csv", "--format", help="csv or xlsx"),
    out: Path = typer.Option(None, "--out", help="output file (default: CSV to standard output)"),
    active_only: bool = typer.Option(False, "--active-only", help="leave out retired items"),
) -> None:
    """Write the catalogue in the import format (export then import changes nothing)."""
    from knowledge_base.catalog_io import EXPORT_FORMATS, export_catalog, write_csv
    from knowledge_base.items import list_items, record_of

    fmt = fmt.lower()
    if fmt not in EXPORT_FORMATS:
        typer.secho(f"unknown format {fmt!r}: use csv or xlsx", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if out is None and fmt == "xlsx":
        typer.secho("an .xlsx export needs --out FILE", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    with _session() as session:
        if out is None:
            buffer = io.StringIO()
            write_csv([record_of(i) for i in list_items(session, include_retired=not active_only)], buffer)
            typer.echo(buffer.getvalue(), nl=False)
            return
        items = export_catalog(session, path=out, format=fmt, include_retired=not active_only)
    typer.echo(f"wrote {len(items)} items to {out}", err=True)


@app.command("search")
def search(
    query: str = typer.Argument(..., help="what the citizen said or typed, e.g. 党组织关系怎么转"),
    k: int = typer.Option(5, "-k", min=1, max=50, help="how many items"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    include_retired: bool = typer.Option(False, "--include-retired"),
) -> None:
    """Find the service items that answer a question (spoken style and homophone typos are fine)."""
    from knowledge_base.search import SearchIndex

    with _session() as session:
        index = SearchIndex.from_session(session)
    hits = index.search(query, k=k, include_retired=include_retired)
    if as_json:
        rows = [{"code": h.code, "name": h.item.name, "score": h.score, "matched": list(h.matched),
                 "department": h.item.department, "zone": h.item.zone, "answer": h.item.answer} for h in hits]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not hits:
        typer.echo("no matching service item; try other words (e.g. the name of the document or benefit)")
        return
    for rank, hit in enumerate(hits, start=1):
        typer.echo(f"{rank}. {hit.code}  {hit.item.name}  (score {hit.score:.2f}; matched: "
                   f"{' '.join(hit.matched[:8])})")
        typer.echo(f"   {hit.item.answer}")


@app.command("show")
def show(code: str = typer.Argument(..., help="item code, e.g. DW-001")) -> None:
    """Print one item with its change history."""
    from knowledge_base.items import get_item

    settings = settings_or_exit()
    with _session(settings) as session:
        item = get_item(session, code=code)
        if item is None:
            typer.secho(f"no service item {code.upper()}; find codes with `hotline kb search`",
                        fg=typer.colors.RED, err=True)
            raise typer.Exit(1)
        lines = [
            f"{item.code}  {item.name}" + (f"  ({item.name_mn})" if item.name_mn else ""),
            f"status: {item.status.value}   zone: {item.zone}   kind: {item.kind.value}",
            f"department: {item.department.name} ({item.department.code})",
            f"levels: {', '.join(item.levels)}   channels: {', '.join(item.channels)}",
            f"time limit: {item.time_limit_days} working days" + ("" if item.time_limit_days else " (即办)"),
            f"fee: {item.fee}",
            "materials:", *[f"  - {m}" for m in item.materials],
            "steps:", *[f"  {i}. {s}" for i, s in enumerate(item.steps, start=1)],
            f"keywords: {' | '.join(item.keywords)}",
            f"answer: {item.answer}",
            "history:",
        ]
        for rev in item.revisions:
            when = _local_time(rev.changed_at, settings.timezone)
            lines.append(f"  {when}  {rev.action:<8} by {rev.actor}: " + ", ".join(sorted(rev.changes)))
        typer.echo("\n".join(lines))


@app.command("retire")
def retire(
    code: str = typer.Argument(..., help="item code"),
    actor: str = typer.Option(None, "--actor", help="name recorded in the change history"),
) -> None:
    """Retire an item: kept for history, hidden from search."""
    from knowledge_base.items import ItemNotFound, retire_item

    with _session() as session:
        try:
            item = retire_item(session, code=code, actor=actor or _default_actor())
        except ItemNotFound:
            typer.secho(f"no service item {code.upper()}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        session.commit()
        typer.echo(f"{item.code} {item.name}: retired")
