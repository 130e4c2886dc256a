"""Case time limits (办理时限) in working days: due date, warning point, paused time, 督办 state."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from hotline.accounts.timestamps import as_utc, as_utc_or_none
from hotline.cases.working_days import DAY, WorkCalendar
from hotline.models import Case, CaseStatus, Intent

log = logging.getLogger(__name__)

# Statuses in which the clock runs: the handler owes the citizen an answer.
CLOCK_RUNNING = frozenset({CaseStatus.dispatched, CaseStatus.signed, CaseStatus.handling,
                           CaseStatus.reopened})


def _default_intent_days() -> dict[str, int]:
    return {Intent.consultation.value: 1, Intent.appointment.value: 3, Intent.complaint.value: 5,
            Intent.suggestion.value: 10}


@dataclass(frozen=True)
class TimeLimitPolicy:
    intent_days: Mapping[str, int] = field(default_factory=_default_intent_days)
    default_days: int = 5  # intent unknown
    warning_share: float = 0.8  # 预警 when this share of the limit is used


DEFAULT_POLICY = TimeLimitPolicy()


def base_limit_days(case: Case, policy: TimeLimitPolicy = DEFAULT_POLICY) -> int:
    """The service item's limit when it has one (0 = 即办 falls back), else the intent's default."""
    item = case.service_item
    if item is not None and item.time_limit_days > 0:
        return item.time_limit_days
    if case.intent is not None:
        return policy.intent_days.get(case.intent.value, policy.default_days)
    return policy.default_days


def start_clock(case: Case, *, now: datetime, days: int, calendar: WorkCalendar,
                policy: TimeLimitPolicy = DEFAULT_POLICY) -> datetime:
    """A new time limit of ``days`` working days from ``now`` (dispatch, re-dispatch, reopen); returns the
    due time."""
    if days < 1:
        raise ValueError("a time limit is at least one working day")
    now = as_utc(now)
    case.dispatched_at = now
    case.time_limit_days = days
    case.due_at = due_at = calendar.add_working_days(now, days)
    case.warn_at = warning_point(due_at, days, calendar, policy)
    notice = calendar.unknown_notice(due_at)
    if notice:
        log.warning("case %s: %s", case.id, notice)
    return due_at


def extend_clock(case: Case, *, days: int, calendar: WorkCalendar, policy: TimeLimitPolicy = DEFAULT_POLICY
                 ) -> None:
    """An approved extension: the due date moves by ``days`` working days."""
    if case.due_at is None:
        raise ValueError("only a running time limit can be extended")
    case.time_limit_days = (case.time_limit_days or 0) + days
    case.due_at = due_at = calendar.add_working_days(as_utc(case.due_at), days)
    case.warn_at = warning_point(due_at, case.time_limit_days, calendar, policy)


def shift_clock(case: Case, *, paused_from: datetime, paused_to: datetime, calendar: WorkCalendar) -> None:
    """Resume after 挂起: the working time spent suspended is added to the due and warning points."""
    if case.due_at is None:
        return
    paused = calendar.working_seconds(paused_from, paused_to)
    case.due_at = calendar.add_working_time(as_utc(case.due_at), paused)
    if case.warn_at is not None:
        case.warn_at = calendar.add_working_time(as_utc(case.warn_at), paused)


def clear_clock(case: Case) -> None:
    case.due_at = None
    case.warn_at = None


def warning_point(due_at: datetime, days: int, calendar: WorkCalendar, policy: TimeLimitPolicy) -> datetime:
    return calendar.subtract_working_time(due_at, (1.0 - policy.warning_share) * days * DAY)


def suspension_intervals(case: Case) -> list[tuple[datetime, datetime | None]]:
    """(suspended, resumed or None) pairs from the timeline."""
    intervals: list[tuple[datetime, datetime | None]] = []
    for event in case.events:
        if event.action == "suspend":
            intervals.append((as_utc(event.at), None))
        elif event.action == "resume" and intervals and intervals[-1][1] is None:
            intervals[-1] = (intervals[-1][0], as_utc(event.at))
    return intervals


def working_time_used(case: Case, *, now: datetime, calendar: WorkCalendar) -> float:
    """Working seconds since the clock started, suspended time excluded."""
    if case.dispatched_at is None:
        return 0.0
    start = as_utc(case.dispatched_at)
    pauses = [(a, b) for a, b in suspension_intervals(case) if (b is None or b > start)]
    return calendar.working_seconds(start, now, pauses)


def deadline_state(case: Case, *, now: datetime) -> str | None:
    """'overdue', 'warning', 'ok', or None when no clock runs (not dispatched, suspended, finished)."""
    due = as_utc_or_none(case.due_at)
    if due is None or case.status not in CLOCK_RUNNING:
        return None
    now = as_utc(now)
    if now >= due:
        return "overdue"
    warn = as_utc_or_none(case.warn_at)
    return "warning" if warn is not None and now >= warn else "ok"
