"""`hotline demo ...`: fill a database with realistic synthetic cases for demos and benchmarks."""

from __future__ import annotations

import typer

from hotline.cli.common import engine_for, settings_or_exit

app = typer.Typer(help="演示数据：生成模拟工单（用于演示和性能测试）", no_args_is_help=True)


@app.command("seed")
def seed(
    cases: int = typer.Option(10000, "--cases", min=1, help="要生成的工单数（可达数百万）"),
    days: int = typer.Option(365, "--days", min=1, max=3650, help="分布在最近多少天"),
    seed_value: int = typer.Option(7, "--seed", help="随机种子（相同种子生成相同数据）"),
    batch: int = typer.Option(5000, "--batch", min=100, max=50000, help="每批插入的工单数"),
    transcripts: bool = typer.Option(True, "--transcripts/--no-transcripts", help="为电话工单生成通话转写"),
) -> None:
    """Insert synthetic cases, calls, transcripts, timelines and callbacks (adds to what is there)."""
    from hotline.demo.seed import seed_demo_cases

    settings = settings_or_exit()
    engine = engine_for(settings)
    _ensure_service_items(engine)
    step = max(cases // 20, batch)

    def on_progress(done: int) -> None:
        if done % step < batch or done == cases:
            typer.echo(f"  {done:>9,} / {cases:,} 件")

    try:
        report = seed_demo_cases(engine, cases=cases, days=days, seed=seed_value, batch=batch,
                                 transcripts=transcripts, on_progress=on_progress,
                                 analyze=_analyzer(engine, settings))
        _refresh_rollups(engine)
    except RuntimeError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    rate = report.cases / report.seconds if report.seconds else 0
    typer.echo(f"已生成 {report.cases:,} 件工单、{report.events:,} 条流转记录、{report.calls:,} 通电话、"
               f"{report.utterances:,} 段转写，用时 {report.seconds:.1f} 秒（{rate:,.0f} 件/秒）")


def _analyzer(engine, settings):
    """The ContactAnalyzer the live pipeline uses, so demo cases go where real contacts would."""
    from sqlalchemy.orm import Session

    from hotline.calls.analyzer import ContactAnalyzer

    with Session(engine) as session:
        return ContactAnalyzer.load(session, model_dir=settings.classifier_model,
                                    registry_root=settings.data_dir / "classifier",
                                    threshold=settings.intent_threshold)


def _ensure_service_items(engine) -> None:
    """Cases refer to service items; load the shipped catalogue first when the database has none."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from hotline.models import ServiceItem

    with Session(engine) as session:
        if session.scalar(select(func.count()).select_from(ServiceItem)):
            return
        try:
            from knowledge_base import catalog_io
        except ImportError:
            return
        loader = getattr(catalog_io, "load_seed_catalogue", None)
        if loader is not None:
            loader(session)
            session.commit()


@app.command("refresh-rollups")
def refresh_rollups(
    full: bool = typer.Option(False, "--full", help="重建全部日期（默认只重建有变化的日期）"),
) -> None:
    """Rebuild the daily analytics rollups now (the server also refreshes them on a schedule)."""
    engine = engine_for(settings_or_exit())
    try:
        _refresh_rollups(engine, full=full)
    finally:
        engine.dispose()


def _refresh_rollups(engine, *, full: bool = False) -> None:
    import time
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from hotline.analytics import rollups

    started = time.perf_counter()
    with Session(engine) as session:
        rows = rollups.refresh(session, now=datetime.now(UTC), full=full)
        session.commit()
    if full:  # statistics for the rows just written, before autovacuum gets to them: PostgreSQL would plan
        # a year's rollups as one row (an index scan and an on-disk sort, 2-3x slower figures)
        from sqlalchemy import text

        with engine.begin() as conn:
            for table in ("case_rollups", "topic_term_counts", "case_topic_terms"):
                conn.execute(text(f"ANALYZE {table}"))
    typer.echo(f"统计汇总已更新：{rows:,} 行，用时 {time.perf_counter() - started:.1f} 秒")
