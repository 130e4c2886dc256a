"""Storing a citizen's answer, whoever collected it (phone keys, an agent by hand, the web rating form).

满意/基本满意 → record_callback (the case becomes 已回访). 不满意 → record_callback(satisfied=False), then
reopen_case (重办) by the system; a case without a handler cannot be reopened automatically, so the note
says so and the callback stays on the supervisors' list (result 不满意) for a manual 重办.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.accounts.timestamps import as_utc
from hotline.cases import lifecycle
from hotline.cases.errors import CaseError
from hotline.models import (
    AnswerSource,
    Callback,
    CallbackResult,
    CallbackState,
    Case,
    CaseStatus,
    User,
)

log = logging.getLogger(__name__)
RESULT_BY_KEY = {"1": CallbackResult.satisfied, "2": CallbackResult.basically_satisfied,
                 "3": CallbackResult.unsatisfied}
RESULT_LABELS = {CallbackResult.satisfied: "满意", CallbackResult.basically_satisfied: "基本满意",
                 CallbackResult.unsatisfied: "不满意"}
SOURCE_LABELS = {AnswerSource.phone: "电话自动回访", AnswerSource.agent: "人工回访",
                 AnswerSource.web: "网上评价"}
CALLBACK_STATUSES = (CaseStatus.closed, CaseStatus.answered)


def parse_result(value: str | CallbackResult | None) -> CallbackResult:
    try:
        return CallbackResult(value or "")
    except ValueError:
        raise CaseError("invalid_input", "请选择评价：满意、基本满意或不满意。") from None


def apply_answer(session: Session, callback: Callback, *, result: CallbackResult, via: AnswerSource,
                 actor: User | None, now: datetime, note: str = "", ip: str | None = None) -> Callback:
    """Store the answer on ``callback`` (locked by the caller) and move the case. Does not commit."""
    now = as_utc(now)
    callback.state = CallbackState.done
    callback.result, callback.answered_via, callback.answered_at = result, via, now
    callback.answered_by_id = actor.id if actor is not None else None
    callback.claimed_by = callback.claimed_until = None
    if note.strip():
        callback.note = note.strip()[:2000]
    case = session.get(Case, callback.case_id)
    label = RESULT_LABELS[result]
    who = SOURCE_LABELS[via]
    if case is not None and case.status in CALLBACK_STATUSES:
        lifecycle.record_callback(session, case_id=case.id, actor=actor, now=now, ip=ip,
                                  satisfied=result != CallbackResult.unsatisfied,
                                  note=f"{who}：{label}" + (f"（{note.strip()}）" if note.strip() else ""))
        if result == CallbackResult.unsatisfied:
            _reopen(session, callback, case, now=now, ip=ip, who=who)
    record_audit(session, actor=actor, action="callback.answer", object_type="callback",
                 object_id=callback.id, ip=ip, at=now,
                 details={"result": result.value, "via": via.value, "case_id": callback.case_id})
    session.flush()
    return callback


def _reopen(session: Session, callback: Callback, case: Case, *, now: datetime, ip: str | None, who: str
            ) -> None:
    try:
        with session.begin_nested():
            lifecycle.reopen_case(session, case_id=case.id, actor=None, now=now, ip=ip,
                                  note=f"{who}群众不满意，重新办理")
    except CaseError as exc:
        log.warning("callback %s: case %s not reopened automatically: %s", callback.id, case.id, exc.message)
        callback.note = (callback.note + "\n" if callback.note else "") + f"未能自动重办：{exc.message}"


def lock_callback(session: Session, callback_id: int) -> Callback:
    row = session.scalar(select(Callback).where(Callback.id == callback_id).with_for_update())
    if row is None:
        raise CaseError("not_found", f"回访记录 {callback_id} 不存在。")
    return row


def record_manual_callback(session: Session, *, callback_id: int, actor: User, result: str, note: str = "",
                           now: datetime, ip: str | None = None) -> Callback:
    """An agent called the citizen from the console and records the answer by hand."""
    callback = lock_callback(session, callback_id)
    if callback.state == CallbackState.done:
        done = RESULT_LABELS[callback.result] if callback.result else "已登记"
        raise CaseError("invalid_transition", f"该回访已有结果（{done}），不能重复登记。")
    if callback.claimed_by and callback.claimed_until and as_utc(callback.claimed_until) > as_utc(now):
        raise CaseError("invalid_transition", "系统正在拨打这通回访电话，请稍后再登记。")
    return apply_answer(session, callback, result=parse_result(result), via=AnswerSource.agent, actor=actor,
                        now=now, note=note, ip=ip)


def record_web_rating(session: Session, *, tracking_code: str, result: str, comment: str = "",
                      now: datetime, ip: str | None = None) -> Callback:
    """The citizen rated on the web (tracking page): stored as the callback's answer, so nobody calls.

    Accepted while the case is closed (or answered) and its callback has no answer yet; a row is created
    when the scheduler has not made one. A dial in progress finds the row answered and keeps only its log.
    """
    from callbacks.policy import CallbackPolicy
    from callbacks.scheduling import on_case_closed

    rating = parse_result(result)
    code = (tracking_code or "").strip().upper()
    case = session.scalar(select(Case).where(Case.tracking_code == code))
    if case is None:
        raise CaseError("not_found", f"查询编号 {code or '（空）'} 不存在，请核对后重新输入。")
    if case.status not in CALLBACK_STATUSES or case.closed_at is None:
        raise CaseError("invalid_transition", "工单办结后才能评价；已评价或正在重新办理的工单不能再次评价。")
    scheduled = on_case_closed(session, case=case, now=now,
                               policy=CallbackPolicy(statuses=tuple(s.value for s in CALLBACK_STATUSES)))
    assert scheduled is not None  # a closed case always has its callback row
    callback = lock_callback(session, scheduled.id)
    if callback.state == CallbackState.done:
        raise CaseError("invalid_transition", "该工单已经评价过了，感谢您的反馈。")
    callback.skip_reason = "web_rated" if callback.attempts == 0 else None
    return apply_answer(session, callback, result=rating, via=AnswerSource.web, actor=None, now=now,
                        note=comment[:500], ip=ip)
