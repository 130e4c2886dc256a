"""Benchmark the analytics queries at a million cases on SQLite and PostgreSQL.

    python bench/analytics.py [--cases 1000000] [--repeat 9] [--dbs sqlite,postgresql] [--db-url URL]

Per database: a fresh migrated database, `hotline demo seed`-equivalent synthetic cases (timed), then each
dashboard query's p50/p95 over ``--repeat`` runs (after one warm-up), and the CSV/XLSX export rate over the
cases of the last 30 days. Prints the figures and writes bench/results/analytics.json.
PostgreSQL: a database is created through HOTLINE_TEST_PG_ADMIN_URL (default postgres@127.0.0.1) and
dropped afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "analytics.json"
PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def queries(now: datetime):
    from hotline.analytics import case_list, figures, hot_topics, wallboard
    from hotline.analytics.filters import CaseFilter, china_today

    today = china_today(now)
    month = CaseFilter(start=today - timedelta(days=29), end=today)
    year = CaseFilter(start=today - timedelta(days=364), end=today)
    week = today - timedelta(days=today.weekday() + 7)
    week7 = CaseFilter(start=today - timedelta(days=6), end=today)
    town = CaseFilter(start=month.start, end=month.end, intent="complaint")
    return {
        "summary_30d": lambda s: figures.summary(s, month, now=now),
        "summary_30d_complaints": lambda s: figures.summary(s, town, now=now),
        "summary_365d": lambda s: figures.summary(s, year, now=now),
        "volume_by_intent_30d": lambda s: figures.breakdown(s, month, "intent", now=now),
        "volume_by_department_30d": lambda s: figures.breakdown(s, month, "department", now=now),
        "volume_by_town_365d": lambda s: figures.breakdown(s, year, "town", now=now),
        "volume_by_service_item_365d": lambda s: figures.breakdown(s, year, "service_item", now=now),
        "rates_by_department_30d": lambda s: figures.breakdown(
            s, month, "department", now=now,
            names=("all", "responded_in_time", "response_due", "closed_in_time", "closed", "satisfied",
                   "callback_answered")),
        "trend_day_30d": lambda s: figures.trend(s, month, "day"),
        "trend_hour_7d": lambda s: figures.trend(s, week7, "hour"),
        "trend_week_365d": lambda s: figures.trend(s, year, "week"),
        "trend_month_by_intent_365d": lambda s: figures.trend(s, year, "month", dimension="intent"),
        "hour_profile_30d": lambda s: figures.hour_profile(s, month),
        "drill_count_satisfied_30d": lambda s: case_list.figure_count(  # the drill-down page's header
            s, case_list.Selection(month, "satisfied"), now=now),
        "drill_page_overdue_30d": lambda s: case_list.page_of_cases(s, case_list.Selection(month, "overdue"),
                                                                    now=now),
        "drill_page_365d": lambda s: case_list.page_of_cases(s, case_list.Selection(year), now=now),
        "wallboard_today": lambda s: (wallboard.today_counts(s, now=now),
                                      wallboard.agents_online(s, now=now)),
        "hot_topics_week": lambda s: hot_topics.weekly_topics(s, CaseFilter(start=week, end=week), week=week),
        # the same views counted from the cases directly (what the rollups save)
        "direct_summary_30d": lambda s: figures.summary(s, month, now=now, use_rollups=False),
        "direct_summary_365d": lambda s: figures.summary(s, year, now=now, use_rollups=False),
        "direct_volume_by_department_30d": lambda s: figures.breakdown(s, month, "department", now=now,
                                                                       use_rollups=False),
        "direct_trend_week_365d": lambda s: figures.trend(s, year, "week", use_rollups=False),
        "direct_drill_count_satisfied_30d": lambda s: case_list.count_cases(
            s, case_list.Selection(month, "satisfied"), now=now),
    }, month


def prepare(url: str) -> None:
    from sqlalchemy.orm import Session

    from hotline import migrate
    from hotline.db import make_engine
    from hotline.seeding import seed_organisation

    engine = make_engine(url)
    migrate.upgrade(engine)
    from hotline.models import CaseRollup

    # databases seeded before 0004 gained the rollup table: add it (a fresh database has it already)
    CaseRollup.__table__.create(engine, checkfirst=True)
    _callbacks_from_events(engine)
    with Session(engine) as session:
        seed_organisation(session)
        from knowledge_base import catalog_io

        loader = getattr(catalog_io, "load_seed_catalogue", None)
        if loader:
            loader(session)
        session.commit()
    engine.dispose()


def _callbacks_from_events(engine) -> None:
    """Databases seeded by the first seeder version kept callback outcomes as case events (action
    'callback', details.satisfaction); the figures read the callbacks table now: copy them over once."""
    from sqlalchemy import text

    sat = ("json_extract(e.details, '$.satisfaction')" if engine.dialect.name == "sqlite"
           else "(e.details::jsonb ->> 'satisfaction')")
    with engine.begin() as conn:
        if conn.execute(text("SELECT count(*) FROM callbacks")).scalar():
            return
        conn.execute(text(f"""
            INSERT INTO callbacks (case_id, case_closed_at, state, due_at, deadline_at, attempts, phone,
                                   language, department_id, result, answered_at, note, verdict_note,
                                   created_at, updated_at)
            SELECT e.case_id, c.closed_at, CASE WHEN {sat} IS NULL THEN 'failed' ELSE 'done' END,
                   e.at, e.at, 1,
                   c.citizen_phone, 'zh', c.department_id,
                   CASE WHEN {sat} = 'dissatisfied' THEN 'unsatisfied' ELSE {sat} END,
                   CASE WHEN {sat} IS NULL THEN NULL ELSE e.at END, '', '', e.at, e.at
            FROM case_events e JOIN cases c ON c.id = e.case_id
            WHERE e.action = 'callback' AND c.closed_at IS NOT NULL"""))


SEEDED_TABLES = ("cases", "case_events", "calls", "utterances", "callbacks")


@contextmanager
def bulk_load(engine):
    """For the bench seed on SQLite only: no fsync, no per-row foreign-key checks, a 256 MB page cache, and
    the secondary indexes of the seeded tables dropped during the load and built once afterwards (one
    sort per index instead of a million random B-tree inserts). A crash mid-seed leaves a database to
    throw away, which a benchmark database is."""
    from sqlalchemy import event, text

    if engine.dialect.name != "sqlite":
        yield
        return

    def fast(dbapi_conn, _record) -> None:
        for pragma in ("synchronous=OFF", "foreign_keys=OFF", "cache_size=-262144", "temp_store=MEMORY"):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    engine.dispose()
    event.listen(engine, "connect", fast)
    names = ",".join(f"'{t}'" for t in SEEDED_TABLES)
    with engine.begin() as conn:
        indexes = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT "
                                    f"NULL AND tbl_name IN ({names})")).all()
        for name, _sql in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    try:
        yield
    finally:
        started = time.perf_counter()
        with engine.begin() as conn:
            for _name, sql in indexes:
                conn.execute(text(sql))
        print(f"  indexes rebuilt in {time.perf_counter() - started:.1f} s", flush=True)
        event.remove(engine, "connect", fast)
        engine.dispose()


def seed(kind: str, url: str, args) -> dict:
    from hotline.db import make_engine
    from hotline.demo.seed import seed_demo_cases

    prepare(url)
    engine = make_engine(url)
    print(f"[{kind}] seeding {args.cases:,} cases ...", flush=True)
    started = time.perf_counter()
    with bulk_load(engine):
        report = seed_demo_cases(engine, cases=args.cases, batch=args.batch,
                                 on_progress=lambda n: n % 100_000 == 0 and print(f"  {n:,}", flush=True))
    report.seconds = time.perf_counter() - started  # with the index build
    engine.dispose()
    print(f"[{kind}] seeded in {report.seconds:.1f} s ({report.cases / report.seconds:,.0f} cases/s); "
          f"{report.events:,} events, {report.calls:,} calls, {report.utterances:,} utterances", flush=True)
    return {"seed_seconds": round(report.seconds, 1),
            "seed_cases_per_s": round(report.cases / report.seconds),
            "rows": {"cases": report.cases, "events": report.events, "calls": report.calls,
                     "utterances": report.utterances}}


ROLLUP_TABLES = ("case_rollups", "topic_term_counts", "case_topic_terms")


def analyze(engine, tables=()) -> None:
    """Statistics and the visibility map as autovacuum keeps them in service (a bulk load has neither yet,
    so PostgreSQL could not plan by row counts nor use index-only scans)."""
    from sqlalchemy import text

    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # VACUUM: outside one
            for table in tables or ("",):
                conn.execute(text(f"VACUUM ANALYZE {table}".strip()))
        return
    with engine.begin() as conn:  # SQLite: committed (on an "autocommit" connection the BEGIN hook's
        for table in tables or ("",):  # transaction was rolled back, and the statistics with it)
            conn.execute(text(f"ANALYZE {table}".strip()))


def measure(kind: str, url: str, args) -> dict:
    from sqlalchemy.orm import Session

    from hotline.analytics import case_list, exports
    from hotline.db import make_engine

    prepare(url)  # a reused database gets the newest migrations
    engine = make_engine(url)
    analyze(engine)
    result: dict = {"queries": {}}
    now = datetime.now(UTC)
    try:
        from hotline.analytics import rollups
    except ImportError:
        rollups = None
    if rollups is not None:
        with Session(engine) as session:
            built = rollups.state(session).computed_at is not None and not args.rebuild_rollups
            started = time.perf_counter()
            refreshed = rollups.refresh(session, now=now, full=not built)
            session.commit()
            seconds = time.perf_counter() - started
        if not built:
            result["rollup_full_build"] = {"seconds": round(seconds, 1), "rows": refreshed}
        what = "refresh" if built else "full build"
        print(f"[{kind}] rollup {what}: {refreshed:,} rows in {seconds:.1f} s", flush=True)
        with Session(engine) as session:  # the scheduled refresh a minute later: today's and yesterday's days
            started = time.perf_counter()
            refreshed = rollups.refresh(session, now=now + timedelta(seconds=60))
            session.commit()
            seconds = time.perf_counter() - started
        result["rollup_incremental_refresh"] = {"seconds": round(seconds, 2), "rows": refreshed}
        print(f"[{kind}] rollup incremental refresh: {refreshed:,} rows in {seconds:.2f} s", flush=True)
        # the rollup and term-count rows were written after the first ANALYZE: without statistics PostgreSQL
        # took the ~300,000 rows of a year's service items for one and sorted them on disk (89 -> 230 ms)
        analyze(engine, ROLLUP_TABLES)
        now = now + timedelta(seconds=60)
    named, month = queries(now)
    with Session(engine) as session:
        for name, fn in named.items():
            fn(session)  # warm-up (and the hot-topic token cache)
            times = []
            for _ in range(min(args.repeat, 3) if name.startswith("direct_") else args.repeat):
                started = time.perf_counter()
                fn(session)
                times.append((time.perf_counter() - started) * 1000)
                session.rollback()
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            result["queries"][name] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1)}
            p50 = statistics.median(times)
            print(f"[{kind}] {name:<32} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms", flush=True)
        selection = case_list.Selection(month)
        for fmt, writer in (("csv", exports.csv_chunks), ("xlsx", exports.xlsx_chunks)):
            started, size, rows = time.perf_counter(), 0, 0

            def counted():
                nonlocal rows
                for row in case_list.iter_cases(session, selection, now=now):
                    rows += 1
                    yield row

            for chunk in writer(counted(), {}):
                size += len(chunk)
            seconds = time.perf_counter() - started
            result[f"export_{fmt}"] = {"rows": rows, "seconds": round(seconds, 2),
                                       "rows_per_s": round(rows / seconds), "bytes": size}
            print(f"[{kind}] export {fmt}: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s, "
                  f"{size / 1e6:.1f} MB", flush=True)
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--dbs", default="sqlite,postgresql")
    parser.add_argument("--sqlite-path", default="/tmp/hotline-bench-analytics.sqlite3")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    parser.add_argument("--rebuild-rollups", action="store_true", help="rebuild reused databases' rollups")
    parser.add_argument("--seed-only", action="store_true", help="seed and keep the databases only")
    parser.add_argument("--reuse", action="append", default=[], metavar="KIND=URL",
                        help="measure an already seeded database instead of seeding (e.g. sqlite=sqlite:///x)")
    args = parser.parse_args()

    from sqlalchemy import text

    from hotline.db import make_engine

    reuse = dict(item.split("=", 1) for item in args.reuse)
    results = {"cases": args.cases, "repeat": args.repeat, "at": datetime.now(UTC).isoformat(),
               "cpu_count": os.cpu_count(), "databases": {}}
    if RESULTS.exists() and (reuse or args.seed_only):
        results["databases"] = json.loads(RESULTS.read_text(encoding="utf-8")).get("databases", {})
    keep = args.keep or args.seed_only
    for kind in args.dbs.split(","):
        entry = results["databases"].setdefault(kind, {})
        admin = name = None
        if kind in reuse:
            url = reuse[kind]
        elif kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(args.sqlite_path + suffix).unlink(missing_ok=True)
            url = f"sqlite:///{args.sqlite_path}"
        else:
            admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        try:
            if kind not in reuse:
                entry.update(seed(kind, url, args), url=url)
            if not args.seed_only:
                entry.update(measure(kind, url, args))
        finally:
            if not keep and kind not in reuse:
                if admin is not None:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                else:
                    for suffix in ("", "-wal", "-shm"):
                        Path(args.sqlite_path + suffix).unlink(missing_ok=True)
            if admin is not None:
                admin.dispose()
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        if RESULTS.exists():  # another run (e.g. the other database's seeding) may have written meanwhile
            merged = json.loads(RESULTS.read_text(encoding="utf-8")).get("databases", {})
            results["databases"] = {**merged, kind: entry}
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
