"""The working-day clock in China time: official holidays and 调休 working weekends.

A working day counts as 24 hours of working time; a limit of N working days from time t ends at the same
time of day on the N-th following working day (t on a rest day: at the end of the N-th working day).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.accounts.timestamps import as_utc
from hotline.models import CalendarDay, CalendarYear, DayKind

CHINA = ZoneInfo("Asia/Shanghai")
DAY = 86400.0
_MAX_DAYS = 3660  # ten years: a guard against a calendar without working days


class WorkCalendar:
    """Monday–Friday are working days unless ``overrides`` says otherwise (date -> is working).

    ``known_until`` is the last day of the last year whose official arrangement is entered; past it the
    Monday–Friday rule is only a guess, and :meth:`unknown_notice` says so (None: not tracked).
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None, *, known_until: date | None = None
                 ) -> None:
        self.overrides = dict(overrides or {})
        self.known_until = known_until

    def is_working_day(self, day: date) -> bool:
        return self.overrides.get(day, day.weekday() < 5)

    def is_known(self, day: date) -> bool:
        """False when ``day`` lies past the entered arrangements (its holidays are not known yet)."""
        return self.known_until is None or day <= self.known_until

    def unknown_notice(self, until: datetime | None) -> str | None:
        """A warning when a computation reaching ``until`` went past the known calendar, else None."""
        if until is None or self.known_until is None:
            return None
        day = china_date(until)
        if self.is_known(day):
            return None
        return (f"截止时间 {day:%Y年%m月%d日} 超出已录入的节假日安排（至 {self.known_until:%Y年%m月%d日}）："
                f"{self.known_until.year + 1} 年暂按周一至周五计算工作日，"
                "国务院公布的放假调休安排录入后可能变化。")

    def working_days(self, start: date, end: date) -> list[date]:
        """Working days in [start, end]."""
        return [d for d in _days(start, end) if self.is_working_day(d)]

    def add_working_days(self, at: datetime, days: float) -> datetime:
        return self.add_working_time(at, days * DAY)

    def add_working_time(self, at: datetime, seconds: float) -> datetime:
        """The instant when ``seconds`` of working time have passed since ``at`` (UTC)."""
        local = as_utc(at).astimezone(CHINA)
        left = seconds
        for _ in range(_MAX_DAYS):
            midnight = _next_midnight(local)
            if self.is_working_day(local.date()):
                available = (midnight - local).total_seconds()
                if left <= available:
                    return as_utc(local + timedelta(seconds=left))
                left -= available
            local = midnight
        raise ValueError("no working days in the calendar")

    def subtract_working_time(self, at: datetime, seconds: float) -> datetime:
        """The instant ``seconds`` of working time before ``at`` (UTC)."""
        local = as_utc(at).astimezone(CHINA)
        left = seconds
        for _ in range(_MAX_DAYS):
            day_start = datetime.combine(local.date(), time(), CHINA)
            if day_start == local:
                day_start = datetime.combine(local.date() - timedelta(days=1), time(), CHINA)
            if self.is_working_day(day_start.date()):
                available = (local - day_start).total_seconds()
                if left <= available:
                    return as_utc(local - timedelta(seconds=left))
                left -= available
            local = day_start
        raise ValueError("no working days in the calendar")

    def working_seconds(self, start: datetime, end: datetime,
                        pauses: Iterable[tuple[datetime, datetime | None]] = ()) -> float:
        """Working time between two instants, minus the working time inside ``pauses`` (open: until end)."""
        total = self._between(start, end)
        for pause_start, pause_end in pauses:
            lo = max(as_utc(pause_start), as_utc(start))
            hi = min(as_utc(pause_end or end), as_utc(end))
            if hi > lo:
                total -= self._between(lo, hi)
        return max(total, 0.0)

    def _between(self, start: datetime, end: datetime) -> float:
        local, stop = as_utc(start).astimezone(CHINA), as_utc(end).astimezone(CHINA)
        total = 0.0
        while local < stop:
            midnight = _next_midnight(local)
            if self.is_working_day(local.date()):
                total += (min(midnight, stop) - local).total_seconds()
            local = midnight
        return total


def _next_midnight(local: datetime) -> datetime:
    return datetime.combine(local.date() + timedelta(days=1), time(), CHINA)


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def china_date(at: datetime) -> date:
    return as_utc(at).astimezone(CHINA).date()


def load_work_calendar(session: Session) -> WorkCalendar:
    rows = session.execute(select(CalendarDay.day, CalendarDay.kind))
    last_year = session.scalar(select(func.max(CalendarYear.year)))
    return WorkCalendar({day: kind == DayKind.workday for day, kind in rows},
                        known_until=date(last_year, 12, 31) if last_year else date.min)
