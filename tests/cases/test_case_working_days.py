"""The working-day clock in China time, across official holidays and 调休 working weekend days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.accounts.audit import list_audit
from hotline.cases.calendar_admin import (
    list_calendar_days,
    remove_calendar_day,
    seed_holiday_calendar,
    set_calendar_day,
)
from hotline.cases.errors import CaseError
from hotline.cases.working_days import DAY, WorkCalendar, load_work_calendar
from hotline.models import DayKind

HOUR = 3600.0


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_shipped_calendar_holds_the_state_council_arrangements(calendar, db_session):
    assert seed_holiday_calendar(db_session) == 0  # idempotent
    days = {d.day: d.kind for d in list_calendar_days(db_session, year=2026)}
    assert days[date(2026, 1, 4)] == DayKind.workday  # Sunday worked for 元旦
    assert all(days[date(2026, 2, d)] == DayKind.holiday for d in range(15, 24))  # 春节 9 days
    assert days[date(2026, 2, 14)] == days[date(2026, 2, 28)] == DayKind.workday
    assert days[date(2026, 9, 20)] == days[date(2026, 10, 10)] == DayKind.workday
    assert calendar.is_working_day(date(2026, 2, 14))  # a Saturday
    assert not calendar.is_working_day(date(2026, 2, 16))  # a Monday in 春节
    assert not calendar.is_working_day(date(2025, 10, 8))  # 国庆+中秋 2025, a Wednesday
    assert calendar.is_working_day(date(2025, 4, 27))  # a Sunday worked for 劳动节 2025
    assert calendar.is_working_day(date(2027, 3, 1)) and not calendar.is_working_day(date(2027, 3, 6))


def test_add_working_days_across_spring_festival_with_a_working_saturday(calendar):
    start = cn(2026, 2, 13, 10, 0)  # Friday before 春节
    assert calendar.add_working_days(start, 1) == cn(2026, 2, 14, 10, 0)  # the 调休 Saturday counts
    assert calendar.add_working_days(start, 2) == cn(2026, 2, 24, 10, 0)  # 2/15–23 do not
    assert calendar.add_working_days(start, 3) == cn(2026, 2, 25, 10, 0)
    weekdays_only = WorkCalendar()
    assert weekdays_only.add_working_days(start, 3) == cn(2026, 2, 18, 10, 0)


def test_a_limit_starting_on_a_rest_day_runs_from_the_next_working_day(calendar):
    assert calendar.add_working_days(cn(2026, 3, 7, 15, 0), 1) == cn(2026, 3, 10, 0, 0)  # Sat -> end of Mon
    assert calendar.add_working_days(cn(2026, 10, 3, 9, 0), 1) == cn(2026, 10, 9, 0, 0)  # 国庆 -> end of 10/8


def test_working_time_elapsed_skips_holidays_and_counts_working_sundays(calendar):
    assert calendar.working_seconds(cn(2026, 9, 30, 12, 0), cn(2026, 10, 9, 12, 0)) == 2 * DAY
    assert calendar.working_seconds(cn(2026, 9, 19, 10, 0), cn(2026, 9, 21, 10, 0)) == 34 * HOUR
    assert WorkCalendar().working_seconds(cn(2026, 9, 19, 10, 0), cn(2026, 9, 21, 10, 0)) == 10 * HOUR


def test_paused_intervals_are_not_counted(calendar):
    start, end = cn(2026, 3, 2, 9, 0), cn(2026, 3, 6, 9, 0)  # Monday to Friday: 4 working days
    pauses = [(cn(2026, 3, 3, 9, 0), cn(2026, 3, 4, 9, 0)), (cn(2026, 3, 5, 21, 0), None)]
    assert calendar.working_seconds(start, end, pauses) == 4 * DAY - DAY - 12 * HOUR


def test_subtracting_is_the_inverse_of_adding(calendar):
    for start in (cn(2026, 2, 13, 10, 0), cn(2026, 9, 30, 23, 30), cn(2026, 5, 8, 0, 0)):
        for seconds in (HOUR, 0.8 * DAY, 3 * DAY, 7.5 * DAY):
            due = calendar.add_working_time(start, seconds)
            assert calendar.working_seconds(start, due) == pytest.approx(seconds)
            back = calendar.subtract_working_time(due, seconds)
            assert back <= due and calendar.working_seconds(back, due) == pytest.approx(seconds)
            assert calendar.working_seconds(start, back) == pytest.approx(0)


def test_admins_edit_the_calendar_and_the_clock_follows(db_session, calendar, people):
    monday = date(2026, 3, 9)
    with pytest.raises(CaseError) as err:
        set_calendar_day(db_session, actor=people.supervisor, day=monday, kind=DayKind.holiday, name="x",
                         now=cn(2026, 3, 1, 9, 0))
    assert err.value.code == "forbidden"
    with pytest.raises(CaseError) as err:
        set_calendar_day(db_session, actor=people.admin, day=date(2026, 3, 10), kind=DayKind.workday,
                         name="x", now=cn(2026, 3, 1, 9, 0))
    assert err.value.code == "invalid_input"
    set_calendar_day(db_session, actor=people.admin, day=monday, kind=DayKind.holiday, name="那达慕",
                     now=cn(2026, 3, 1, 9, 0), ip="10.0.0.5")
    edited = load_work_calendar(db_session)
    assert edited.add_working_days(cn(2026, 3, 6, 10, 0), 1) == cn(2026, 3, 10, 10, 0)
    assert remove_calendar_day(db_session, actor=people.admin, day=monday, now=cn(2026, 3, 1, 9, 5))
    assert load_work_calendar(db_session).add_working_days(cn(2026, 3, 6, 10, 0), 1) == cn(2026, 3, 9, 10, 0)
    records = list_audit(db_session, object_type="calendar_day", object_id="2026-03-09")
    assert [r.action for r in records] == ["calendar.remove", "calendar.set"]
    assert records[1].actor == people.admin.username and records[1].ip == "10.0.0.5"
