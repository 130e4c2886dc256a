"""Every dashboard figure equals a count computed independently from the raw rows (SQLite and PostgreSQL).

The expected values come from plain SQL (text queries) plus the written definitions evaluated in Python,
not from the analytics query builder.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline.analytics import case_list, figures
from hotline.analytics.filters import CaseFilter
from hotline.demo.seed import seed_demo_cases

CHINA = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 20, 4, 30, tzinfo=UTC)  # 12:30 in China
CLOSED = {"answered", "closed", "callback_done", "archived"}
SATISFIED = {"satisfied", "basically_satisfied"}


def _utc(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _raw(engine, flt: CaseFilter) -> list[dict]:
    """Cases of the range with their events, read with plain SQL."""
    low, high = flt.utc_range
    with engine.connect() as conn:
        cases = [dict(r._mapping) for r in conn.execute(text(
            "SELECT id, status, intent, channel, town, department_id, service_item_id, created_at, "
            "closed_at, due_at, dispatched_at FROM cases WHERE created_at >= :lo AND created_at < :hi"),
            {"lo": low, "hi": high})]
        events = conn.execute(text(
            "SELECT case_id, at, to_status FROM case_events WHERE case_id IN "
            "(SELECT id FROM cases WHERE created_at >= :lo AND created_at < :hi)"),
            {"lo": low, "hi": high}).all()
        callbacks = conn.execute(text(
            "SELECT case_id, state, attempts, result FROM callbacks WHERE case_id IN "
            "(SELECT id FROM cases WHERE created_at >= :lo AND created_at < :hi)"),
            {"lo": low, "hi": high}).all()
    by_case: dict[int, list] = {}
    for ev in events:
        by_case.setdefault(ev.case_id, []).append((_utc(ev.at), ev.to_status))
    callbacks_of: dict[int, list] = {}
    for cb in callbacks:
        callbacks_of.setdefault(cb.case_id, []).append(cb)
    for c in cases:
        for key in ("created_at", "closed_at", "due_at", "dispatched_at"):
            c[key] = _utc(c[key])
        c["events"] = by_case.get(c["id"], [])
        c["callbacks"] = callbacks_of.get(c["id"], [])
    return cases


def _expected(c: dict, now: datetime) -> set[str]:
    """The measures a case belongs to, straight from the written definitions."""
    out = {"all"}
    if c["status"] == "merged":
        return out
    responses = [at for at, to in c["events"] if to in ("signed", "answered")]
    first = min(responses) if responses else None
    closed = c["status"] in CLOSED and c["closed_at"] is not None
    if first is not None or c["created_at"] <= now - timedelta(hours=24):
        out.add("response_due")
        if first is not None and first - c["created_at"] <= timedelta(hours=24):
            out.add("responded_in_time")
        else:
            out.add("not_responded_in_time")
    if closed:
        out.add("closed")
        if c["due_at"] is None or c["closed_at"] <= c["due_at"]:
            out.add("closed_in_time")
        else:
            out.add("closed_late")
    if c["due_at"] is not None and c["due_at"] <= now:
        out.add("due")
        out.add("on_time" if closed and c["closed_at"] <= c["due_at"] else "overdue")
    dialled = [cb for cb in c["callbacks"]
               if cb.state in ("done", "failed") or cb.attempts > 0 or cb.result is not None]
    if closed and dialled:
        out.add("callback_any")
    if any(cb.result is not None for cb in c["callbacks"]):
        out.add("callback_answered")
    if any(cb.result in SATISFIED for cb in c["callbacks"]):
        out.add("satisfied")
    if c["intent"] == "consultation":
        if c["dispatched_at"] is None and c["status"] in CLOSED:
            out.add("consult_on_call")
        if c["dispatched_at"] is not None:
            out.add("consult_dispatched")
    return out


@pytest.fixture
def seeded(fresh_engine):
    seed_demo_cases(fresh_engine, cases=1500, days=60, now=NOW, seed=11, batch=500)
    return fresh_engine


def test_every_measure_and_rate_equals_an_independent_count(seeded):
    flt = CaseFilter(start=date(2026, 2, 1), end=date(2026, 3, 20))
    raw = _raw(seeded, flt)
    expected = Counter(m for c in raw for m in _expected(c, NOW))
    with Session(seeded) as session:
        counts = figures.measure_counts(session, flt, now=NOW)
        summary = figures.summary(session, flt, now=NOW)
        # the drill-down list holds exactly the cases each figure counts
        for name in ("responded_in_time", "overdue", "satisfied", "consult_on_call"):
            ids = {r["id"] for r in case_list.iter_cases(session, case_list.Selection(flt, name), now=NOW)}
            assert ids == {c["id"] for c in raw if name in _expected(c, NOW)}, name
    assert len(raw) > 800
    for name, value in counts.items():
        assert value == expected[name], name
    assert expected["satisfied"] > 0 and expected["overdue"] > 0 and expected["not_responded_in_time"] > 0
    assert summary.rates["satisfaction_rate"] == pytest.approx(
        expected["satisfied"] / expected["callback_answered"])
    assert summary.rates["response_rate"] == pytest.approx(
        expected["responded_in_time"] / expected["response_due"])
    closed = [c for c in raw if "closed" in _expected(c, NOW)]
    hours = sum((c["closed_at"] - c["created_at"]).total_seconds() for c in closed) / len(closed) / 3600
    assert summary.avg_handling_hours == pytest.approx(hours, rel=1e-4)


def test_volumes_by_dimension_trend_and_hours_match_sql(seeded):
    flt = CaseFilter(start=date(2026, 2, 1), end=date(2026, 3, 20), channel="phone")
    low, high = flt.utc_range
    with seeded.connect() as conn:
        by_town = dict(conn.execute(text(
            "SELECT coalesce(town, 'none'), count(*) FROM cases WHERE created_at >= :lo AND created_at < :hi "
            "AND channel = 'phone' GROUP BY coalesce(town, 'none')"), {"lo": low, "hi": high}).all())
        by_dept = dict(conn.execute(text(
            "SELECT department_id, count(*) FROM cases WHERE created_at >= :lo AND created_at < :hi "
            "AND channel = 'phone' GROUP BY department_id"), {"lo": low, "hi": high}).all())
        created = [_utc(v) for (v,) in conn.execute(text(
            "SELECT created_at FROM cases WHERE created_at >= :lo AND created_at < :hi "
            "AND channel = 'phone'"),
            {"lo": low, "hi": high})]
    local = [c.astimezone(CHINA) for c in created]
    with Session(seeded) as session:
        towns = {i["key"]: i["counts"]["all"] for i in figures.breakdown(session, flt, "town")}
        departments = {int(i["key"]): i["counts"]["all"]
                       for i in figures.breakdown(session, flt, "department")}
        daily = figures.trend(session, flt, "day")
        weekly = figures.trend(session, flt, "week", dimension="intent")
        monthly = figures.trend(session, flt, "month")
        hours = figures.hour_profile(session, flt)
    assert towns == by_town and departments == by_dept
    assert dict(zip(daily["buckets"], daily["series"][0]["values"], strict=True)) == {
        b: n for b, n in Counter(d.date().isoformat() for d in local).items()} | {
        b: 0 for b in daily["buckets"] if b not in {d.date().isoformat() for d in local}}
    week_totals = [sum(s["values"][i] for s in weekly["series"]) for i in range(len(weekly["buckets"]))]
    expected_weeks = Counter((d.date() - timedelta(days=d.weekday())).isoformat() for d in local)
    assert dict(zip(weekly["buckets"], week_totals, strict=True)) == {b: expected_weeks.get(b, 0)
                                                                      for b in weekly["buckets"]}
    assert monthly["buckets"] == ["2026-02", "2026-03"]
    assert monthly["series"][0]["values"] == [sum(1 for d in local if d.month == m) for m in (2, 3)]
    assert hours == [sum(1 for d in local if d.hour == h) for h in range(24)]
    assert sum(hours[8:12]) > sum(hours[0:4]) * 3  # the seeded working-hours rhythm shows


def test_china_day_boundary_is_midnight_in_china(db_session):
    from hotline.models import Case, CaseStatus, Channel

    def case(at: datetime, n: int) -> Case:
        return Case(tracking_code=f"T-{n}", source_ref=f"t:{n}", channel=Channel.web,
                    status=CaseStatus.accepted, title="t", content="t", created_at=at)

    # 15:59 and 16:00 UTC on 1 March are 23:59 on 1 March and 00:00 on 2 March in China
    db_session.add_all([case(datetime(2025, 3, 1, 15, 59, tzinfo=UTC), 1),
                        case(datetime(2025, 3, 1, 16, 0, tzinfo=UTC), 2)])
    db_session.flush()
    flt = CaseFilter(start=date(2025, 3, 1), end=date(2025, 3, 2))
    trend = figures.trend(db_session, flt, "day")
    assert trend["buckets"] == ["2025-03-01", "2025-03-02"]
    assert trend["series"][0]["values"] == [1, 1]
    assert figures.hour_profile(db_session, flt)[23] == 1 and figures.hour_profile(db_session, flt)[0] == 1
    assert figures.measure_counts(db_session, CaseFilter(start=date(2025, 3, 2), end=date(2025, 3, 2)),
                                  names=("all",)) == {"all": 1}
