"""Claiming due callbacks with a conditional UPDATE, and writing each dial's outcome back.

Claim: ``UPDATE callbacks SET claimed_by, claimed_until, attempts = attempts + 1 WHERE id = ? AND
state = 'due' AND due_at <= now AND (claimed_until IS NULL OR claimed_until < now)``, committed together
with an 'in_progress' attempt row before the dial starts. Only one process can win the UPDATE; a process
that dies holding a claim loses it when claimed_until passes.

A dial in flight when its process is killed: the attempt stays counted, the next claimer marks it
'interrupted' and, if attempts remain, dials again (the citizen may hear a second call; no callback is
silently lost). A result is written only by the holder of the claim, so it is never stored twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.orm import Session

from callbacks.answers import apply_answer, lock_callback
from callbacks.dialing import DialOutcome, DialRequest
from callbacks.policy import CallbackPolicy
from hotline.accounts.timestamps import as_utc
from hotline.cases.working_days import WorkCalendar
from hotline.models import (
    AnswerSource,
    Callback,
    CallbackAttempt,
    CallbackState,
    Case,
    CaseStatus,
    DoNotCall,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    request: DialRequest
    attempt_id: int
    worker: str


def _claimable(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (Callback.state == CallbackState.due, Callback.due_at <= now,
            or_(Callback.claimed_until.is_(None), Callback.claimed_until < now))


def due_ids(session: Session, *, now: datetime, limit: int) -> list[int]:
    now = as_utc(now)
    query = select(Callback.id).where(*_claimable(now)).order_by(Callback.due_at, Callback.id).limit(limit)
    return list(session.scalars(query))


def try_claim(session: Session, *, callback_id: int, worker: str, now: datetime, policy: CallbackPolicy
              ) -> Claim | None:
    """Claim one callback and start its attempt (the caller commits at once). None when lost or not to
    be dialled (then the row is already settled: skipped or failed)."""
    now = as_utc(now)
    won = session.execute(
        update(Callback).where(Callback.id == callback_id, *_claimable(now))
        .values(claimed_by=worker, claimed_until=now + timedelta(seconds=policy.claim_timeout_s),
                attempts=Callback.attempts + 1)
        .returning(Callback.case_id, Callback.phone, Callback.language, Callback.attempts)
        .execution_options(synchronize_session=False)).first()
    if won is None:
        return None
    case_id, phone, language, attempts = won
    if attempts > 1:
        _mark_interrupted(session, callback_id, now)
    reason = _reason_not_to_dial(session, case_id, phone)
    if reason is not None or attempts > policy.max_attempts:
        row = session.get_one(Callback, callback_id, populate_existing=True)
        row.attempts -= 1  # this claim places no call
        row.claimed_by = row.claimed_until = None
        if reason is not None:
            row.state, row.skip_reason = CallbackState.skipped, reason
        else:
            row.state = CallbackState.failed
        log.info("callback %s: not dialled (%s)", callback_id, reason or "attempts used up")
        session.flush()
        return None
    attempt = CallbackAttempt(callback_id=callback_id, number=attempts, worker=worker, started_at=now)
    session.add(attempt)
    session.flush()
    request = DialRequest(callback_id=callback_id, case_id=case_id, phone=phone or "",
                          language=language or "zh", attempt=attempts)
    return Claim(request=request, attempt_id=attempt.id, worker=worker)


def _mark_interrupted(session: Session, callback_id: int, now: datetime) -> None:
    """Attempts left 'in_progress' by a process that died: counted, marked interrupted."""
    interrupted = session.scalars(select(CallbackAttempt).where(
        CallbackAttempt.callback_id == callback_id, CallbackAttempt.outcome == "in_progress")).all()
    for attempt in interrupted:
        attempt.outcome, attempt.ended_at = "interrupted", now
        attempt.detail = f"进程 {attempt.worker} 在通话中退出，认领已超时"
        log.warning("callback %s: attempt %s by %s was interrupted; counted", callback_id, attempt.number,
                    attempt.worker)
    if interrupted:
        session.execute(update(Callback).where(Callback.id == callback_id).values(last_outcome="interrupted")
                        .execution_options(synchronize_session=False))


def _reason_not_to_dial(session: Session, case_id: int, phone: str | None) -> str | None:
    opted_out = exists().where(or_(DoNotCall.case_id == case_id, DoNotCall.phone == (phone or "")))
    found = session.execute(select(Case.status, opted_out).where(Case.id == case_id)).first()
    if found is None or found[0] not in (CaseStatus.closed, CaseStatus.answered):
        return "case_changed"
    if not phone:
        return "no_phone"
    if found[1]:
        return "opted_out"
    return None


def finish_dial(session: Session, *, claim: Claim, outcome: DialOutcome, now: datetime,
                policy: CallbackPolicy, calendar: WorkCalendar) -> Callback:
    """Store the attempt's outcome; then, if this process still holds the claim, settle the callback."""
    now = as_utc(now)
    row = lock_callback(session, claim.request.callback_id)
    attempt = session.get_one(CallbackAttempt, claim.attempt_id)
    attempt.ended_at, attempt.outcome = now, outcome.kind
    attempt.sip_status, attempt.digits = outcome.sip_status, outcome.digits[:32]
    attempt.call_id = outcome.call_id
    attempt.recording_path, attempt.duration_s = outcome.recording_path, outcome.duration_s
    attempt.detail = outcome.detail[:2000]
    held = row.claimed_by == claim.worker and row.attempts == claim.request.attempt
    if not held or row.state != CallbackState.due:
        log.warning("callback %s: claim lost before the outcome (%s) was stored; attempt logged only",
                    row.id, outcome.kind)
        session.flush()
        return row
    row.last_outcome = outcome.kind
    if outcome.recording_path:
        row.recording_path = outcome.recording_path
    row.claimed_by = row.claimed_until = None
    if outcome.kind == "answered" and outcome.result is not None:
        apply_answer(session, row, result=outcome.result, via=AnswerSource.phone, actor=None, now=now)
    elif outcome.kind == "no_line":
        row.attempts -= 1  # our side had no line: not the citizen's attempt
        row.due_at = policy.next_call_time(now + timedelta(minutes=1), calendar)
    elif policy.retryable(outcome.kind) and row.attempts < policy.max_attempts:
        row.due_at = policy.retry_at(now, row.attempts, calendar)
    else:
        row.state = CallbackState.failed
    session.flush()
    return row
