"""Policy arithmetic: quiet hours, rest days (holidays, 调休 working weekends), first call, backoff."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from callback_testkit import cn

from callbacks.policy import CallbackPolicy, PolicyError
from hotline.cases.working_days import WorkCalendar

# 2026: 国庆 Oct 1–7 off (Oct 1 is a Thursday); Sunday Sep 27 and Saturday Oct 10 are 调休 working days
CAL = WorkCalendar(
    {**{date(2026, 10, d): False for d in range(1, 8)}, date(2026, 9, 27): True, date(2026, 10, 10): True}
)


def test_calls_only_inside_the_daily_window_on_working_days():
    p = CallbackPolicy()
    assert p.may_call_at(cn(2026, 9, 29, 8, 0), CAL)
    assert p.may_call_at(cn(2026, 9, 29, 20, 59), CAL)
    assert not p.may_call_at(cn(2026, 9, 29, 21, 0), CAL)
    assert not p.may_call_at(cn(2026, 9, 29, 7, 59), CAL)
    assert not p.may_call_at(cn(2026, 10, 2, 10, 0), CAL)  # National Day holiday
    assert not p.may_call_at(cn(2026, 10, 11, 10, 0), CAL)  # an ordinary Sunday
    assert p.may_call_at(cn(2026, 10, 10, 10, 0), CAL)  # 调休 working Saturday
    assert p.may_call_at(cn(2026, 9, 27, 10, 0), CAL)  # 调休 working Sunday
    assert CallbackPolicy(call_on_rest_days=True).may_call_at(cn(2026, 10, 2, 10, 0), CAL)


def test_next_call_time_skips_quiet_hours_and_the_holiday_week():
    p = CallbackPolicy()
    assert p.next_call_time(cn(2026, 9, 29, 22, 30), CAL) == cn(2026, 9, 30, 8, 0)
    assert p.next_call_time(cn(2026, 9, 30, 6, 0), CAL) == cn(2026, 9, 30, 8, 0)
    assert p.next_call_time(cn(2026, 9, 30, 21, 0), CAL) == cn(2026, 10, 8, 8, 0)  # after 国庆
    assert p.next_call_time(cn(2026, 9, 30, 14, 0), CAL) == cn(2026, 9, 30, 14, 0)


def test_first_call_and_deadline_count_working_hours_only():
    p = CallbackPolicy(first_call_after_hours=2, within_working_hours=48)
    due, deadline = p.first_due(cn(2026, 9, 30, 20, 30), CAL)
    # 2 working hours after 20:30 on the last day before the holiday is 22:30 → quiet → after the holiday
    assert due == cn(2026, 10, 8, 8, 0)
    assert deadline == cn(2026, 10, 9, 20, 30)  # 3.5 h on Sep 30, then Oct 8 and most of Oct 9


def test_backoff_grows_and_respects_the_window():
    p = CallbackPolicy(retry_after_minutes=(30, 120))
    now = cn(2026, 9, 29, 10, 0)
    assert p.retry_at(now, 1, CAL) == now + timedelta(minutes=30)
    assert p.retry_at(now, 2, CAL) == now + timedelta(minutes=120)
    assert p.retry_at(now, 5, CAL) == now + timedelta(minutes=120)
    assert p.retry_at(cn(2026, 9, 29, 20, 0), 2, CAL) == cn(2026, 9, 30, 8, 0)


def test_bad_settings_are_refused_with_the_setting_named():
    with pytest.raises(PolicyError, match="quiet"):
        CallbackPolicy(quiet_start=time(7, 0), quiet_end=time(9, 0))
    with pytest.raises(PolicyError, match="max_attempts"):
        CallbackPolicy(max_attempts=0)
