"""Creating callback rows when cases reach 办结.

Chosen hook: a poll. Every scheduler tick looks for cases in a callback status (default: closed) whose
current closure (Case.closed_at) has no callback row yet, and creates one. Every close path (agent 办结,
中转办办结, future channels, data fixed by hand) is covered without anyone remembering to call a hook, and a
closure made while no scheduler ran is picked up at the next start. ``on_case_closed`` creates the row at
once for callers who want it in the same transaction; the unique (case_id, case_closed_at) key makes both
safe to race.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callbacks.opt_outs import is_opted_out, normalize_phone
from callbacks.policy import CallbackPolicy
from hotline.accounts.timestamps import as_utc
from hotline.cases.working_days import WorkCalendar, load_work_calendar
from hotline.models import Call, Callback, CallbackState, Case, CaseEvent, CaseStatus

log = logging.getLogger(__name__)


def _agent_of(session: Session, case: Case) -> str | None:
    """Who finished the case: the actor of the latest event that moved it to its current status."""
    return session.scalar(
        select(CaseEvent.actor).where(CaseEvent.case_id == case.id, CaseEvent.to_status == case.status.value)
        .order_by(CaseEvent.id.desc()).limit(1))


def _language(session: Session, case: Case) -> str:
    """The language the citizen chose on the call, else the case's."""
    spoken = session.scalar(select(Call.language).where(Call.id == case.call_id)) if case.call_id else None
    return spoken or case.language or "zh"


def build_callback(session: Session, case: Case, *, policy: CallbackPolicy, calendar: WorkCalendar,
                   now: datetime) -> Callback:
    """The row for the case's current closure: due by policy, or skipped with the reason."""
    closed_at = case.closed_at or now
    due_at, deadline = policy.first_due(as_utc(closed_at), calendar)
    phone = normalize_phone(case.citizen_phone)
    row = Callback(case_id=case.id, case_closed_at=closed_at, state=CallbackState.due, due_at=due_at,
                   deadline_at=deadline, attempts=0, phone=phone, language=_language(session, case),
                   department_id=case.department_id, agent=_agent_of(session, case))
    if phone is None:
        row.state, row.skip_reason = CallbackState.skipped, "no_phone"
    elif is_opted_out(session, phone=phone, case_id=case.id):
        row.state, row.skip_reason = CallbackState.skipped, "opted_out"
    return row


def _pending_cases(policy: CallbackPolicy, now: datetime, limit: int) -> Select[Case]:
    current = exists().where(and_(Callback.case_id == Case.id, Callback.case_closed_at == Case.closed_at))
    return (select(Case).where(Case.status.in_([CaseStatus(s) for s in policy.statuses]),
                               Case.closed_at.is_not(None),
                               Case.confidential.is_(False),  # 纪委监委 answer conduct reporters themselves
                               Case.closed_at >= as_utc(now) - timedelta(days=policy.max_age_days), ~current)
            .order_by(Case.closed_at, Case.id).limit(limit))


def schedule_closed_cases(session: Session, *, policy: CallbackPolicy, now: datetime,
                          calendar: WorkCalendar | None = None, limit: int = 500) -> int:
    """Create the missing callback rows (up to ``limit``); returns how many. Does not commit."""
    now = as_utc(now)
    cases = session.scalars(_pending_cases(policy, now, limit)).all()
    if not cases:
        return 0
    calendar = calendar or load_work_calendar(session)
    created = 0
    for case in cases:
        try:
            with session.begin_nested():
                session.add(build_callback(session, case, policy=policy, calendar=calendar, now=now))
            created += 1
        except IntegrityError:  # another process scheduled it a moment ago
            log.info("case %s: callback already scheduled by another process", case.id)
    return created


def on_case_closed(session: Session, *, case: Case, policy: CallbackPolicy, now: datetime,
                   calendar: WorkCalendar | None = None) -> Callback | None:
    """Schedule the callback of a case just closed (idempotent); None when it has one or is not eligible."""
    if case.status.value not in policy.statuses or case.closed_at is None:
        return None
    existing = session.scalar(select(Callback).where(Callback.case_id == case.id,
                                                     Callback.case_closed_at == case.closed_at))
    if existing is not None:
        return existing
    row = build_callback(session, case, policy=policy, calendar=calendar or load_work_calendar(session),
                         now=now)
    session.add(row)
    session.flush()
    return row
