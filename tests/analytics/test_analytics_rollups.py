"""Rollup-backed figures equal the direct counts, after a full build and after incremental refreshes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.analytics import case_list, figures, rollups
from hotline.analytics.case_list import Selection
from hotline.analytics.filters import CaseFilter
from hotline.demo.seed import seed_demo_cases
from hotline.models import (
    Callback,
    CallbackResult,
    CallbackState,
    Case,
    CaseEvent,
    CaseStatus,
    Channel,
    Intent,
)

NOW = datetime(2026, 3, 20, 4, 30, tzinfo=UTC)
RANGE = dict(start=date(2026, 1, 20), end=date(2026, 3, 20))


def _views(session: Session, now: datetime, use: bool) -> dict:
    flt = CaseFilter(**RANGE)
    out = {"summary": figures.summary(session, flt, now=now, use_rollups=use).__dict__ | {"as_of": None}}
    for dim in ("intent", "town", "channel", "department", "service_item"):
        out[f"by_{dim}"] = figures.breakdown(session, flt, dim, now=now, use_rollups=use,
                                             names=("all", "responded_in_time", "overdue", "satisfied"))
    complaints = CaseFilter(**RANGE, intent="complaint")
    out["complaints_by_department"] = figures.breakdown(session, complaints, "department", now=now,
                                                        names=("all", "closed_in_time"), use_rollups=use)
    town = CaseFilter(**RANGE, town="城川镇", channel="phone")
    out["town_phone"] = figures.measure_counts(session, town, now=now, use_rollups=use)
    out["hour_profile"] = figures.hour_profile(session, flt, use_rollups=use)
    last_week = CaseFilter(start=RANGE["end"] - timedelta(days=6), end=RANGE["end"])
    out["trend_hour"] = figures.trend(session, last_week, "hour", now=now, use_rollups=use)
    out["trend_hour_intent"] = figures.trend(session, last_week, "hour", dimension="intent", now=now,
                                             use_rollups=use)
    for grain in ("day", "week", "month"):
        out[f"trend_{grain}"] = figures.trend(session, flt, grain, now=now, use_rollups=use)
        out[f"trend_{grain}_intent"] = figures.trend(session, flt, grain, dimension="intent", now=now,
                                                     use_rollups=use)
    return out


def _assert_same(session: Session, now: datetime) -> None:
    fast, direct = _views(session, now, True), _views(session, now, False)
    for key in direct:
        if key == "summary":
            for field in ("counts", "rates", "previous_total"):
                assert fast[key][field] == pytest.approx(direct[key][field]), field
            for field in ("avg_handling_hours", "avg_call_minutes"):
                assert fast[key][field] == pytest.approx(direct[key][field], rel=1e-6), field
        else:
            assert fast[key] == direct[key], key


def _assert_drill_counts(session: Session, now: datetime) -> None:
    """The drill-down header reads the figure from the rollups; it equals the live count of its list."""
    flt = CaseFilter(**RANGE)
    covered = [Selection(flt, "satisfied"), Selection(flt, "overdue"),
               Selection(CaseFilter(**RANGE, intent="complaint"), "closed_in_time"),
               Selection(flt, "all", "day", "2026-03-02"),
               Selection(flt, "responded_in_time", "week", "2026-03-02"),
               Selection(flt, "all", "week", "2026-01-19"),  # a week straddling the range start
               Selection(flt, "callback_any", "month", "2026-02")]
    for selection in covered:
        counted = case_list.figure_count(session, selection, now=now)
        assert counted.as_of is not None, selection
        assert counted.total == case_list.count_cases(session, selection, now=now) > 0, selection
    hourly = Selection(flt, "all", "hour", "2026-03-02 09")
    for live in (hourly, Selection(CaseFilter(**RANGE, status="closed"))):
        counted = case_list.figure_count(session, live, now=now)
        assert counted.as_of is None and counted.total == case_list.count_cases(session, live, now=now)


def test_rollups_match_direct_counts_full_and_incremental(fresh_engine):
    seed_demo_cases(fresh_engine, cases=1200, days=60, now=NOW, seed=21, batch=600)
    with Session(fresh_engine) as session:
        assert figures.rollup_plan(session, CaseFilter(**RANGE), None, True) is None  # not built: direct
        assert rollups.refresh(session, now=NOW) > 0
        session.commit()
        assert rollups.state(session).computed_at is not None
        _assert_same(session, NOW)
        _assert_drill_counts(session, NOW)

        # the timeline moves on: an old case gets a callback, an open case closes, a new case arrives
        later = NOW + timedelta(hours=30)
        old = session.scalar(select(Case).where(Case.status == CaseStatus.closed,
                                                Case.created_at < NOW - timedelta(days=30))
                             .order_by(Case.id).limit(1))
        session.add(Callback(case_id=old.id, case_closed_at=later - timedelta(days=1),
                             state=CallbackState.done, due_at=later, deadline_at=later, attempts=1,
                             result=CallbackResult.unsatisfied, answered_at=later))
        open_case = session.scalar(
            select(Case).where(Case.status == CaseStatus.handling).order_by(Case.id).limit(1))
        open_case.status, open_case.closed_at = CaseStatus.closed, later
        session.add(CaseEvent(case_id=open_case.id, at=later, actor="h", action="close", to_status="closed"))
        session.add(Case(tracking_code="T-NEW", source_ref="t:new", channel=Channel.web,
                         status=CaseStatus.accepted, title="新", content="新工单", intent=Intent.complaint,
                         town="城川镇",
                         created_at=NOW + timedelta(hours=1)))
        session.commit()
        before = rollups.state(session).computed_at
        rollups.refresh(session, now=later)  # incremental: only the touched days and the time windows
        session.commit()
        assert rollups.state(session).computed_at > before
        _assert_same(session, later)
        _assert_drill_counts(session, later)


def test_views_outside_the_groupings_are_counted_directly():
    assert rollups.covering_grouping(CaseFilter(**RANGE), None) == "h"  # unfiltered: 24 rows a day
    assert rollups.covering_grouping(CaseFilter(**RANGE), "hour") == "h"
    assert rollups.covering_grouping(CaseFilter(**RANGE, channel="phone"), None) == "itc"
    assert rollups.covering_grouping(CaseFilter(**RANGE), "intent") == "i"  # the year's trend by intent
    assert rollups.covering_grouping(CaseFilter(**RANGE, intent="complaint"), "hour") is None
    assert rollups.covering_grouping(CaseFilter(**RANGE, intent="complaint"), "department") == "di"
    assert rollups.covering_grouping(CaseFilter(**RANGE), "service_item") == "s"
    assert rollups.covering_grouping(CaseFilter(**RANGE, town="城川镇"), "department") is None
    assert rollups.covering_grouping(CaseFilter(**RANGE, keyword="停电"), None) is None
    assert rollups.covering_grouping(CaseFilter(**RANGE, status="closed"), None) is None
