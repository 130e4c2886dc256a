"""Daily rollups: the figures of each China day per grouping, rebuilt for the days whose cases changed
(and, with them, the hot-topic term counts: hotline.analytics.topic_counts).

Five groupings cover the dashboard: China hour of day (for unfiltered views: 24 rows a day), intent,
(intent, town, channel), (department, intent) and (service item). A figure whose filter and breakdown fit
in one grouping reads the smallest such rollup; anything else (a status or keyword filter, an hourly view by a
dimension, mixed dimensions) is counted from the cases directly. Rollup rows are computed with
the same measure definitions as the direct queries, at the refresh time (``computed_at``), and a refresh
rebuilds every day that may have changed since the last one:
- days of cases with new timeline events (event id above the watermark), an updated row or callback,
- days whose cases may have left their response window or passed their due time since the last refresh.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from typing import cast as typed

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable, DropTable

from hotline.analytics import topic_counts, topic_spikes
from hotline.analytics.filters import CaseFilter, group_key
from hotline.analytics.measures import (
    MEASURES,
    RESPONSE_LIMIT_HOURS,
    cases_with_facts,
    context,
    count_columns,
)
from hotline.analytics.sql_time import SqlTime
from hotline.db import begin_write
from hotline.models import Call, Callback, Case, CaseEvent, CaseRollup, RollupWatermark
from hotline.models.analytics import ROLLUP_MEASURES

GROUPINGS = {"h": ("hour",), "i": ("intent",), "itc": ("intent", "town", "channel"),
             "di": ("department", "intent"), "s": ("service_item",)}  # smallest first: the first covering
# grouping is read ("i": a year of intents is ~1,800 rows, not the ~100,000 of "itc")
COLUMNS = {"intent": "intent", "town": "town", "channel": "channel", "department": "department_id",
           "service_item": "service_item_id", "hour": "hour"}
CHUNK_DAYS = 31
_refresh_lock = threading.Lock()


@dataclass(frozen=True)
class RollupState:
    computed_at: datetime | None
    event_watermark: int


def state(session: Session) -> RollupState:
    row = session.get(RollupWatermark, 1, populate_existing=True)
    return RollupState(row.computed_at, row.event_watermark) if row else RollupState(None, 0)


def covering_grouping(flt: CaseFilter, dimension: str | None = None, *, hourly: bool = False) -> str | None:
    """The grouping that holds every dimension the filter and breakdown use (and the hour, for an hourly
    view), or None."""
    if flt.keyword or flt.status or flt.handler_level:
        return None
    wanted = set(flt.dimension_values()) | {d for d in (dimension, "hour" if hourly else None) if d}
    for name, dims in GROUPINGS.items():
        if wanted <= set(dims):
            return name
    return None


def refresh(session: Session, *, now: datetime, full: bool = False, spikes: list | None = None) -> int:
    """Rebuild the rollup rows of every day that may have changed; returns the rows written. Not committed.
    ``spikes`` receives the hot-topic spikes this refresh found (to announce once committed)."""
    sql = SqlTime.of(session)
    current = state(session)
    watermark = session.scalar(select(func.max(CaseEvent.id))) or 0
    day = sql.local_label(Case.created_at, "day")
    if full or current.computed_at is None:
        days = set(session.scalars(select(day).distinct()))
    else:
        last = current.computed_at
        changed_ids = select(CaseEvent.case_id).where(CaseEvent.id > current.event_watermark)
        called_back = select(Callback.case_id).where(Callback.updated_at > last)
        window = last - timedelta(hours=RESPONSE_LIMIT_HOURS + 1)
        days = set(session.scalars(select(day).distinct().where(or_(
            Case.id.in_(changed_ids), Case.id.in_(called_back), Case.created_at >= window,
            Case.updated_at > last,
            and_(Case.due_at > last, Case.due_at <= now)))))
    written = 0
    for start, end in _ranges(sorted(date.fromisoformat(d) for d in days if d)):
        written += _rebuild(session, CaseFilter(start=start, end=end), now=now, watermark=watermark)
    session.merge(RollupWatermark(id=1, computed_at=now, event_watermark=watermark))
    topic_counts.refresh(session, now=now, full=full or current.computed_at is None)  # hot-topic terms
    found = topic_spikes.detect(session, now=now)  # and this week's spikes, for the supervisors' notice
    if spikes is not None:
        spikes.extend(found)
    return written


def refresh_if_stale(session_factory, *, now: datetime, max_age: timedelta = timedelta(seconds=60),
                     hub=None) -> bool:
    """Refresh and commit when the rollups are older than ``max_age``; skip if another thread is at it.
    New hot-topic spikes are then announced on ``hub`` (the open consoles of supervisors show them).

    Never builds them from nothing (that can take minutes): `hotline demo refresh-rollups --full` or the
    scheduled refresh does; until then figures are counted directly."""
    if not _refresh_lock.acquire(blocking=False):
        return False
    try:
        with session_factory() as session:
            begin_write(session)  # reads the state, then writes: take the SQLite write lock up front
            at = state(session).computed_at
            if at is None or _aware(at) >= now - max_age:
                return False
            spikes: list = []
            refresh(session, now=now, spikes=spikes)
            session.commit()
        topic_spikes.announce(hub, spikes)
        return True
    finally:
        _refresh_lock.release()


def _aware(value: datetime) -> datetime:
    from hotline.accounts.timestamps import as_utc

    return as_utc(value)


def _ranges(days: list[date]) -> Iterator[tuple[date, date]]:
    """Consecutive runs of ``days``, at most CHUNK_DAYS long."""
    start: date | None = None
    prev = date.min
    for d in days:
        if start is None:
            start = prev = d
        elif d == prev + timedelta(days=1) and (d - start).days < CHUNK_DAYS:
            prev = d
        else:
            yield start, prev
            start = prev = d
    if start is not None:
        yield start, prev


# the event facts of the days being rebuilt, computed once for the five groupings (not once per grouping)
_FACTS = Table("rollup_facts", MetaData(), Column("case_id", Integer, primary_key=True),
               Column("responded_at", CaseEvent.__table__.c.at.type), Column("callback_any", Integer),
               Column("callback_answered", Integer), Column("satisfied", Integer), prefixes=["TEMPORARY"])


def _rebuild(session: Session, flt: CaseFilter, *, now: datetime, watermark: int) -> int:
    session.execute(delete(CaseRollup).where(CaseRollup.day >= flt.start, CaseRollup.day <= flt.end))
    ctx = context(session, flt, now, ROLLUP_MEASURES)
    session.execute(DropTable(_FACTS, if_exists=True))
    session.execute(CreateTable(_FACTS))
    session.execute(insert(_FACTS).from_select([c.name for c in _FACTS.c], select(ctx.facts)))
    written = _grouped_rows(session, flt, replace(ctx, facts=select(_FACTS).subquery("facts")), now=now,
                            watermark=watermark)
    session.execute(DropTable(_FACTS))
    return written


def _grouped_rows(session: Session, flt: CaseFilter, ctx, *, now: datetime, watermark: int) -> int:
    day = ctx.sql.local_label(Case.created_at, "day").label("day")
    closed = MEASURES["closed"].where(ctx)
    sums = [
        func.coalesce(func.sum(case((closed, ctx.sql.seconds_between(Case.created_at, Case.closed_at)),
                                    else_=0.0)), 0.0).label("handling_seconds"),
        func.coalesce(func.sum(cast(Call.duration_s, Float)), 0.0).label("call_seconds"),
        func.count(Call.duration_s).label("calls"),
    ]
    written = 0
    for grouping, dims in GROUPINGS.items():
        columns = [_key_column(ctx.sql, d).label(COLUMNS[d]) for d in dims]
        query = cases_with_facts(select(day, *columns, *count_columns(ctx, ROLLUP_MEASURES), *sums), ctx,
                                 ROLLUP_MEASURES)
        query = query.outerjoin(Call, Call.id == Case.call_id).where(flt.where()).group_by(day, *columns)
        rows = []
        for row in session.execute(query):
            m = row._mapping
            item = {"day": date.fromisoformat(m["day"]), "grouping": grouping, "computed_at": now,
                    "event_watermark": watermark, "handling_seconds": float(m["handling_seconds"]),
                    "call_seconds": float(m["call_seconds"]), "calls": int(m["calls"])}
            for d in COLUMNS:
                value = m[COLUMNS[d]] if d in dims else None
                if d == "hour" and value is not None:
                    value = int(value)  # '00'..'23' from strftime / to_char
                item[COLUMNS[d]] = getattr(value, "value", value)
            item.update({f"n_{n}": int(m[n]) for n in ROLLUP_MEASURES})
            rows.append(item)
        if rows:  # a Core executemany: the ORM's bulk path costs more than the query at a million cases
            session.execute(insert(typed(Table, CaseRollup.__table__)), rows)
        written += len(rows)
    return written


def _key_column(sql: SqlTime, dimension: str):
    if dimension == "hour":
        return sql.local_label(Case.created_at, "hour_of_day")
    return group_key(dimension)


# ---- reading -------------------------------------------------------------------------------------------

def _where(flt: CaseFilter, grouping: str):
    conds = [CaseRollup.grouping == grouping, CaseRollup.day >= flt.start, CaseRollup.day <= flt.end]
    for name, value in flt.dimension_values().items():
        column = getattr(CaseRollup, COLUMNS[name])
        if value == "none":
            conds.append(column.is_(None))
        elif name in ("department", "service_item"):
            conds.append(column == int(value))
        else:
            conds.append(column == value)
    return and_(*conds)


def _sums(names):
    return [func.coalesce(func.sum(getattr(CaseRollup, f"n_{n}")), 0).label(n) for n in names]


def counts(session: Session, flt: CaseFilter, grouping: str, names=ROLLUP_MEASURES) -> dict[str, int]:
    row = session.execute(select(*_sums(names)).where(_where(flt, grouping))).one()
    return {n: int(row._mapping[n]) for n in names}


def averages(session: Session, flt: CaseFilter, grouping: str) -> tuple[float | None, float | None]:
    """(mean seconds from acceptance to closure, mean call seconds) over the rollup rows."""
    closed, handling, calls, talk = session.execute(select(
        func.sum(CaseRollup.n_closed), func.sum(CaseRollup.handling_seconds), func.sum(CaseRollup.calls),
        func.sum(CaseRollup.call_seconds)).where(_where(flt, grouping))).one()
    return (handling / closed if closed else None), (talk / calls if calls else None)


def grouped(session: Session, flt: CaseFilter, grouping: str, dimension: str, names: Sequence[str]
            ) -> Sequence[Any]:
    column = getattr(CaseRollup, COLUMNS[dimension])
    return session.execute(select(column, *_sums(names)).where(_where(flt, grouping)).group_by(column)).all()


def hourly(session: Session, flt: CaseFilter) -> list[tuple[str, int, int]]:
    """[(day 'YYYY-MM-DD', China hour 0-23, 受理量)] from the hourly grouping."""
    query = (select(CaseRollup.day, CaseRollup.hour, func.sum(CaseRollup.n_all)).where(_where(flt, "h"))
             .group_by(CaseRollup.day, CaseRollup.hour))
    return [(d.isoformat(), int(h or 0), int(n)) for d, h, n in session.execute(query)]


def daily(session: Session, flt: CaseFilter, grouping: str, dimension: str | None = None
          ) -> list[tuple[str, Any, int]]:
    """[(day 'YYYY-MM-DD', dimension value or None, 受理量)]."""
    column = getattr(CaseRollup, COLUMNS[dimension]) if dimension else None
    cols = [CaseRollup.day] + ([column] if column is not None else [])
    query = select(*cols, func.sum(CaseRollup.n_all)).where(_where(flt, grouping)).group_by(*cols)
    rows: Iterable[Any] = session.execute(query)
    if dimension:
        return [(d.isoformat(), k, int(n)) for d, k, n in rows]
    return [(d.isoformat(), None, int(n)) for d, n in rows]
