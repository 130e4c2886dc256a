"""中转办 co-handling replies, and 延期 extensions (a handler requests, a supervisor decides)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.audit import actor_name
from hotline.cases import time_limits as clock
from hotline.cases.errors import CaseError
from hotline.cases.time_limits import DEFAULT_POLICY, TimeLimitPolicy
from hotline.cases.timeline import authorise, load_case, moment, record, require_text
from hotline.cases.working_days import WorkCalendar, load_work_calendar
from hotline.models import CaseCoHandler, CaseExtension, ExtensionStatus, User

MAX_EXTENSION_DAYS = 30


def co_handlers(session: Session, *, case_id: int) -> list[CaseCoHandler]:
    return list(session.scalars(select(CaseCoHandler).where(CaseCoHandler.case_id == case_id)
                                .order_by(CaseCoHandler.id)))


def co_reply_case(session: Session, *, case_id: int, actor: User, reply: str, now: datetime | None = None,
                  ip: str | None = None) -> CaseCoHandler:
    """A co-handling department's reply (协办答复); the case status does not change."""
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, "co_reply", actor)
    text = require_text(reply, "协办答复内容")
    row = session.scalar(select(CaseCoHandler).where(CaseCoHandler.case_id == case.id,
                                                     CaseCoHandler.department_id == actor.department_id))
    if row is None:  # authorise() admits only a co-handling department's users
        raise CaseError("forbidden", "您的单位不是该工单的协办单位。")
    row.reply, row.replied_at, row.replied_by = text, now, actor_name(actor)
    record(session, case, rule, actor=actor, now=now, note=text, ip=ip,
           details={"department_id": actor.department_id})
    return row


def request_extension(session: Session, *, case_id: int, actor: User, days: int, reason: str,
                      now: datetime | None = None, ip: str | None = None) -> CaseExtension:
    """申请延期: one pending request per case; the due date moves only when a supervisor approves."""
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, "request_extension", actor)
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise CaseError("invalid_input", f"延期天数须为 1–{MAX_EXTENSION_DAYS} 个工作日。")
    reason = require_text(reason, "延期理由")
    pending = session.scalar(select(CaseExtension.id).where(CaseExtension.case_id == case.id,
                                                            CaseExtension.status == ExtensionStatus.pending))
    if pending is not None:
        raise CaseError("extension_pending", "该工单已有待审批的延期申请，请等待督办审批。")
    extension = CaseExtension(case_id=case.id, requested_by=actor_name(actor), requested_at=now, days=days,
                              reason=reason, status=ExtensionStatus.pending)
    session.add(extension)
    session.flush()
    record(session, case, rule, actor=actor, now=now, note=f"申请延期 {days} 个工作日：{reason}", ip=ip,
           details={"extension_id": extension.id, "days": days})
    return extension


def decide_extension(session: Session, *, extension_id: int, actor: User, approve: bool,
                     days: int | None = None, note: str = "", now: datetime | None = None,
                     ip: str | None = None, calendar: WorkCalendar | None = None,
                     policy: TimeLimitPolicy = DEFAULT_POLICY) -> CaseExtension:
    """Approve (``days`` defaults to the requested number) or reject (note required) a pending request."""
    now = moment(now)
    extension = session.get(CaseExtension, extension_id)
    if extension is None:
        raise CaseError("not_found", f"延期申请 {extension_id} 不存在。")
    case = load_case(session, extension.case_id)
    rule = authorise(session, case, "decide_extension", actor)
    if extension.status != ExtensionStatus.pending:
        raise CaseError("invalid_transition", "该延期申请已经审批过。")
    if approve:
        granted = days if days is not None else extension.days
        if not 1 <= granted <= MAX_EXTENSION_DAYS:
            raise CaseError("invalid_input", f"批准的延期天数须为 1–{MAX_EXTENSION_DAYS} 个工作日。")
        if case.due_at is None:
            raise CaseError("invalid_transition", "该工单没有办理时限，无需延期。")
        calendar = calendar or load_work_calendar(session)
        clock.extend_clock(case, days=granted, calendar=calendar, policy=policy)
        extension.status, extension.approved_days = ExtensionStatus.approved, granted
        text = f"批准延期 {granted} 个工作日" + (f"：{note.strip()}" if note.strip() else "")
    else:
        note = require_text(note, "不予延期的理由")
        extension.status = ExtensionStatus.rejected
        text = f"不予延期：{note}"
    extension.decided_by, extension.decided_at, extension.decision_note = actor_name(actor), now, note.strip()
    record(session, case, rule, actor=actor, now=now, note=text, ip=ip,
           details={"extension_id": extension.id, "approved": approve,
                    "approved_days": extension.approved_days,
                    "due_at": case.due_at.isoformat() if case.due_at else None})
    return extension


def case_extensions(session: Session, *, case_id: int) -> list[CaseExtension]:
    return list(session.scalars(select(CaseExtension).where(CaseExtension.case_id == case_id)
                                .order_by(CaseExtension.id)))


def pending_extensions(session: Session) -> list[CaseExtension]:
    """The supervisors' approval queue, oldest first."""
    return list(session.scalars(select(CaseExtension).where(CaseExtension.status == ExtensionStatus.pending)
                                .order_by(CaseExtension.requested_at)))
