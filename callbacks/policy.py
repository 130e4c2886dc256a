"""When to call a citizen back: first call after closure, quiet hours, rest days, retries with backoff.

All instants are aware UTC; windows are judged in China time on the working-day calendar (holidays and
调休 working weekends included). A call may start only inside the daily window [quiet_end, quiet_start).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hotline.accounts.timestamps import as_utc
from hotline.cases.working_days import CHINA, WorkCalendar

RETRYABLE = frozenset({"no_answer", "busy", "hung_up", "error", "interrupted", "no_line"})


class PolicyError(ValueError):
    """A callback policy setting is unusable; the message names it."""


@dataclass(frozen=True)
class CallbackPolicy:
    first_call_after_hours: float = 1.0  # working hours after 办结 before the first call
    within_working_hours: float = 48.0  # deadline: the callback should be done by then
    quiet_start: time = time(21, 0)  # no calls from this China time ...
    quiet_end: time = time(8, 0)  # ... until this one
    call_on_rest_days: bool = False  # holidays and weekends (调休 working Saturdays are working days)
    max_attempts: int = 3
    retry_after_minutes: tuple[float, ...] = (60, 180, 720)  # backoff after attempt 1, 2, 3...
    retry_no_input: bool = False  # answered but no key pressed twice: give up by default
    claim_timeout_s: float = 600.0  # a claim older than this is taken over (its process died)
    max_age_days: int = 30  # closures older than this are not called back (feature rollout, backlog)
    concurrent_calls: int = 1  # lines the scheduler may use at once (inbound callers keep the rest)
    sample_percent: float = 10.0  # share of yesterday's answered callbacks offered for audit each day
    statuses: tuple[str, ...] = ("closed",)  # case statuses that get a callback ("answered" may be added)

    def __post_init__(self) -> None:
        if not self.quiet_end < self.quiet_start:
            raise PolicyError("quiet hours must span midnight: quiet_end (e.g. 08:00) before quiet_start "
                              "(e.g. 21:00)")
        if self.max_attempts < 1:
            raise PolicyError("max_attempts must be at least 1")
        if not self.retry_after_minutes or min(self.retry_after_minutes) <= 0:
            raise PolicyError("retry_after_minutes needs at least one positive number of minutes")
        if not 0 <= self.sample_percent <= 100:
            raise PolicyError("sample_percent must be 0–100")
        if self.concurrent_calls < 1:
            raise PolicyError("concurrent_calls must be at least 1")

    def day_allowed(self, day: date, calendar: WorkCalendar) -> bool:
        return self.call_on_rest_days or calendar.is_working_day(day)

    def may_call_at(self, at: datetime, calendar: WorkCalendar) -> bool:
        local = as_utc(at).astimezone(CHINA)
        return self.day_allowed(local.date(), calendar) and self.quiet_end <= local.time() < self.quiet_start

    def next_call_time(self, at: datetime, calendar: WorkCalendar) -> datetime:
        """``at`` itself when a call is allowed then, else the start of the next allowed window."""
        local = as_utc(at).astimezone(CHINA)
        for _ in range(400):
            if self.day_allowed(local.date(), calendar):
                if local.time() < self.quiet_end:
                    return as_utc(datetime.combine(local.date(), self.quiet_end, CHINA))
                if local.time() < self.quiet_start:
                    return as_utc(local)
            local = datetime.combine(local.date() + timedelta(days=1), time(), CHINA)
        raise PolicyError("no day in the next 400 allows calls: check the calendar and call_on_rest_days")

    def first_due(self, closed_at: datetime, calendar: WorkCalendar) -> tuple[datetime, datetime]:
        """(first dial time, deadline) for a closure at ``closed_at``."""
        earliest = calendar.add_working_time(closed_at, self.first_call_after_hours * 3600)
        deadline = calendar.add_working_time(closed_at, self.within_working_hours * 3600)
        return self.next_call_time(earliest, calendar), deadline

    def retry_at(self, now: datetime, attempts: int, calendar: WorkCalendar) -> datetime:
        minutes = self.retry_after_minutes[min(attempts, len(self.retry_after_minutes)) - 1]
        return self.next_call_time(as_utc(now) + timedelta(minutes=minutes), calendar)

    def retryable(self, outcome: str) -> bool:
        return outcome in RETRYABLE or (self.retry_no_input and outcome == "no_input")
