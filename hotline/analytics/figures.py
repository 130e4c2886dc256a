"""Dashboard figures: measure counts, rates, volumes by dimension, trends by China-time period.

Every function takes the session first and a CaseFilter; every count is a plain SQL aggregate over the same
WHERE clause the drill-down list uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, cast, func, select
from sqlalchemy.orm import Session

from hotline.analytics import rollups
from hotline.analytics.filters import NONE, CaseFilter, FilterError, group_key
from hotline.analytics.measures import MEASURES, RATES, cases_with_facts, context, count_columns
from hotline.analytics.sql_time import SqlTime, label_format
from hotline.models import Call, Case, Department, ServiceItem

GRAINS = ("hour", "day", "week", "month")
SUMMARY_MEASURES = tuple(MEASURES)


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]
    rates: dict[str, float | None]
    avg_handling_hours: float | None  # 受理 → 办结, closed cases
    avg_call_minutes: float | None  # talk time of the phone cases' calls
    previous_total: int  # 受理量 of the previous period of equal length
    as_of: datetime  # the moment the time-dependent figures (due, response window) were evaluated at


def rates_of(counts: dict[str, int]) -> dict[str, float | None]:
    return {r.name: (counts[r.numerator] / counts[r.denominator] if counts[r.denominator] else None)
            for r in RATES}


def rollup_plan(session: Session, flt: CaseFilter, dimension: str | None, use_rollups: bool = True, *,
                hourly: bool = False):
    """(grouping, computed_at) when the rollups are built and cover this view, else None."""
    if not use_rollups:
        return None
    grouping = rollups.covering_grouping(flt, dimension, hourly=hourly)
    if grouping is None:
        return None
    at = rollups.state(session).computed_at
    return None if at is None else (grouping, at)


def measure_counts(session: Session, flt: CaseFilter, *, now: datetime | None = None,
                   names: tuple[str, ...] = SUMMARY_MEASURES, use_rollups: bool = True) -> dict[str, int]:
    plan = rollup_plan(session, flt, None, use_rollups)
    if plan:
        return rollups.counts(session, flt, plan[0], names)
    ctx = context(session, flt, now, names)
    query = cases_with_facts(select(*count_columns(ctx, names)), ctx, names)
    row = session.execute(query.where(flt.where())).one()
    return {n: int(row._mapping[n]) for n in names}


def summary(session: Session, flt: CaseFilter, *, now: datetime | None = None,
            use_rollups: bool = True) -> Summary:
    plan = rollup_plan(session, flt, None, use_rollups)
    if plan:
        counts = rollups.counts(session, flt, plan[0])
        handling, talk = rollups.averages(session, flt, plan[0])
        previous = rollups.counts(session, flt.previous_period(), plan[0], ("all",))["all"]
        return Summary(counts=counts, rates=rates_of(counts),
                       avg_handling_hours=None if handling is None else handling / 3600,
                       avg_call_minutes=None if talk is None else talk / 60, previous_total=previous,
                       as_of=plan[1])
    ctx = context(session, flt, now, ("closed",))
    counts = measure_counts(session, flt, now=ctx.now, use_rollups=False)
    closed = MEASURES["closed"].where(ctx)
    handling = session.scalar(
        select(func.avg(ctx.sql.seconds_between(Case.created_at, Case.closed_at)))
        .where(flt.where(), closed)
    )
    talk = session.scalar(
        select(func.avg(cast(Call.duration_s, Float))).select_from(Case).join(Call, Call.id == Case.call_id)
        .where(flt.where(), Call.duration_s.is_not(None))
    )
    previous = measure_counts(session, flt.previous_period(), now=ctx.now, names=("all",),
                              use_rollups=False)["all"]
    return Summary(
        counts=counts,
        rates=rates_of(counts),
        avg_handling_hours=None if handling is None else float(handling) / 3600,
        avg_call_minutes=None if talk is None else float(talk) / 60,
        previous_total=previous,
        as_of=ctx.now,
    )


def _key(value) -> str:
    if value is None:
        return NONE
    return str(getattr(value, "value", value))


def breakdown(session: Session, flt: CaseFilter, dimension: str, *, now: datetime | None = None,
              names: tuple[str, ...] = ("all",), use_rollups: bool = True) -> list[dict]:
    """Counts of ``names`` per value of ``dimension``, largest 受理量 first: [{key, name, counts, rates}]."""
    plan = rollup_plan(session, flt, dimension, use_rollups)
    rows: Sequence[Any]
    if plan:
        rows = rollups.grouped(session, flt, plan[0], dimension, names)
    else:
        ctx = context(session, flt, now, names)
        key = group_key(dimension).label("k")
        query = cases_with_facts(select(key, *count_columns(ctx, names)), ctx, names)
        rows = session.execute(query.where(flt.where()).group_by(key)).all()
    names_by_id = dimension_names(session, dimension, [r[0] for r in rows])
    result: list[dict[str, Any]] = []
    for row in rows:
        counts = {n: int(row._mapping[n]) for n in names}
        item: dict[str, Any] = {"key": _key(row[0]), "name": names_by_id.get(row[0]), "counts": counts}
        if all(r.numerator in counts and r.denominator in counts for r in RATES):
            item["rates"] = rates_of(counts)
        result.append(item)
    result.sort(key=lambda item: (-item["counts"].get("all", 0), item["key"]))
    return result


# a year by service item names ~900 items: reading the catalogue-sized table whole beats binding ~900 ids
# (rendering the IN list cost ~60 ms a page on PostgreSQL)
WHOLE_TABLE_ABOVE = 100


def dimension_names(session: Session, dimension: str, keys) -> dict:
    """Display names for id-valued dimensions (departments, service items); others label in the UI."""
    ids = [k for k in keys if k is not None]
    if dimension not in ("department", "service_item") or not ids:
        return {}
    table: type[Department] | type[ServiceItem] = Department if dimension == "department" else ServiceItem
    query = select(table.id, table.name)
    if len(ids) <= WHOLE_TABLE_ABOVE:
        query = query.where(table.id.in_(ids))
    return {key: name for key, name in session.execute(query)}


def trend(session: Session, flt: CaseFilter, grain: str, *, dimension: str | None = None,
          top: int = 6, now: datetime | None = None, use_rollups: bool = True) -> dict:
    """受理量 per China-time period; with ``dimension``, one series per top value plus 其他.

    Returns {"buckets": [label...], "series": [{key, name, values}]}; every period in the range is present.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    sql = SqlTime.of(session)
    label = sql.local_label(Case.created_at, "day" if grain == "week" else grain).label("b")
    buckets = bucket_labels(flt.start, flt.end, grain)
    plan = rollup_plan(session, flt, dimension, use_rollups, hourly=grain == "hour")
    if plan and grain == "hour":
        rolled = [(f"{d} {h:02d}", None, n) for d, h, n in rollups.hourly(session, flt)]
    elif plan:
        rolled = rollups.daily(session, flt, plan[0], dimension)
        if grain == "month":
            rolled = [(d[:7], k, n) for d, k, n in rolled]
    rows: Sequence[Any]
    if dimension is None:
        if plan:
            rows = [(b, n) for b, _k, n in rolled]
        else:
            rows = session.execute(select(label, func.count()).where(flt.where()).group_by(label)).all()
        values = _fold(buckets, ((b, None, n) for b, n in rows), grain, [None])
        return {"buckets": buckets, "series": [{"key": "all", "name": "受理量", "values": values[None]}]}
    ranked = breakdown(session, flt, dimension, now=now, use_rollups=use_rollups)
    leaders = [item["key"] for item in ranked[:top]]
    if plan:
        rows = rolled
    else:
        key = group_key(dimension).label("k")
        rows = session.execute(select(label, key, func.count()).where(flt.where()).group_by(label, key)).all()
    keyed = ((b, _key(k) if _key(k) in leaders else "other", n) for b, k, n in rows)
    values = _fold(buckets, keyed, grain, [*leaders, "other"])
    names = dimension_names(session, dimension, [int(k) for k in leaders if k.isdigit()])
    series = [{"key": k, "name": names.get(int(k)) if k.isdigit() else None, "values": values[k]}
              for k in [*leaders, "other"] if k != "other" or any(values["other"])]
    return {"buckets": buckets, "series": series}


def _fold(buckets: list[str], rows, grain: str, keys: list) -> dict:
    index = {b: i for i, b in enumerate(buckets)}
    values = {k: [0] * len(buckets) for k in keys}
    for bucket, key, n in rows:
        if grain == "week":
            bucket = week_label(date.fromisoformat(bucket))
        if bucket in index:
            values[key][index[bucket]] += int(n)
    return values


def hour_profile(session: Session, flt: CaseFilter, *, use_rollups: bool = True) -> list[int]:
    """受理量 per China hour of day (0–23) over the range."""
    counts = [0] * 24
    if rollup_plan(session, flt, None, use_rollups, hourly=True):
        rows: Iterable[Any] = ((hour, n) for _day, hour, n in rollups.hourly(session, flt))
    else:
        label = SqlTime.of(session).local_label(Case.created_at, "hour_of_day").label("h")
        rows = session.execute(select(label, func.count()).where(flt.where()).group_by(label))
    for hour, n in rows:
        counts[int(hour)] += int(n)
    return counts


def week_label(day: date) -> str:
    """The Monday that starts ``day``'s week, e.g. '2026-03-02' (weeks run Monday to Sunday)."""
    return (day - timedelta(days=day.weekday())).isoformat()


def bucket_labels(start: date, end: date, grain: str) -> list[str]:
    if grain == "hour":
        return [f"{(start + timedelta(days=d)).isoformat()} {h:02d}"
                for d in range((end - start).days + 1) for h in range(24)]
    days = [start + timedelta(days=d) for d in range((end - start).days + 1)]
    if grain == "day":
        return [d.isoformat() for d in days]
    fold = week_label if grain == "week" else (lambda d: d.isoformat()[:7])
    return list(dict.fromkeys(fold(d) for d in days))


_BUCKET_EXAMPLES = {  # grain -> (label, example)
    "hour": ("按小时", "2026-03-02 09"), "day": ("按日", "2026-03-02"),
    "week": ("按周", "2026-03-02（该周的周一）"), "month": ("按月", "2026-03"),
    "hour_of_day": ("按一天中的小时", "09"),
}


def check_bucket(grain: str, bucket: str) -> None:
    """Raise FilterError (saying what to send) unless ``bucket`` is a label of ``grain``."""
    if grain not in _BUCKET_EXAMPLES:
        raise FilterError(f"未知的时间粒度 {grain!r}；可用：{'、'.join(_BUCKET_EXAMPLES)}")
    label, example = _BUCKET_EXAMPLES[grain]
    try:
        parsed = datetime.strptime(bucket, label_format("day" if grain == "week" else grain))
    except ValueError:
        raise FilterError(f"时段 {bucket!r} 不是{label}统计的时段，应形如 {example}") from None
    if grain == "week" and parsed.weekday() != 0:
        raise FilterError(f"按周的时段应为该周的周一，例如 {example}")


def bucket_days(grain: str, bucket: str) -> tuple[date, date] | None:
    """The first and last China day of a day, week or month bucket; None for hourly buckets."""
    if grain == "day":
        first = last = date.fromisoformat(bucket)
    elif grain == "week":
        first = date.fromisoformat(bucket)
        last = first + timedelta(days=6)
    elif grain == "month":
        first = date.fromisoformat(bucket + "-01")
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    else:
        return None
    return first, last


def bucket_condition(session: Session, grain: str, bucket: str):
    """The WHERE clause selecting the cases of one trend bucket (for drill-down)."""
    sql = SqlTime.of(session)
    if grain == "week":
        first, last = bucket_days(grain, bucket) or (date.min, date.min)  # never None for a week
        day = sql.local_label(Case.created_at, "day")
        return and_(day >= first.isoformat(), day <= last.isoformat())
    if grain not in ("hour", "day", "month", "hour_of_day"):
        raise ValueError(f"unknown grain {grain!r}")
    return sql.local_label(Case.created_at, grain) == bucket
