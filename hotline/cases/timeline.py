"""Load a case for a transition, authorise it against the rules, and write the timeline event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.accounts.audit import actor_name, record_audit
from hotline.accounts.timestamps import as_utc
from hotline.cases.conduct_access import may_read, reader_ids
from hotline.cases.errors import CaseError
from hotline.cases.transitions import RULES, Rule, check
from hotline.models import Case, CaseCoHandler, CaseEvent, CaseStatus, User, utcnow


def moment(now: datetime | None) -> datetime:
    return as_utc(now) if now is not None else utcnow()


def load_case(session: Session, case_id: int, *, lock: bool = True) -> Case:
    """The case, row-locked on PostgreSQL so two users cannot move it at once."""
    # transitions read the timeline and the item's time limit
    query = select(Case).where(Case.id == case_id).options(selectinload(Case.events),
                                                           selectinload(Case.service_item))
    if lock:
        query = query.with_for_update()
    case = session.scalar(query)
    if case is None:
        raise CaseError("not_found", f"工单 {case_id} 不存在。")
    return case


def case_events(session: Session, case_id: int) -> list[CaseEvent]:
    """The case's timeline, oldest first."""
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def pending_co_departments(session: Session, case: Case) -> frozenset[int]:
    rows = session.scalars(select(CaseCoHandler.department_id).where(
        CaseCoHandler.case_id == case.id, CaseCoHandler.replied_at.is_(None)))
    return frozenset(rows)


def authorise(session: Session, case: Case, action: str, actor: User | None) -> Rule:
    rule = RULES[action]
    if case.confidential and actor is not None and not may_read(actor, case, reader_ids(session)):
        raise CaseError("forbidden", "此工单为党风政风监督件，仅纪委监委和督办人员可以查看和办理。")
    pending = pending_co_departments(session, case) if rule.co_handler else frozenset()
    check(rule, case, actor, pending)
    return rule


def record(
    session: Session,
    case: Case,
    rule: Rule | str,
    *,
    actor: User | str | None,
    now: datetime,
    note: str = "",
    details: dict[str, Any] | None = None,
    to_status: CaseStatus | None = None,
    ip: str | None = None,
) -> CaseEvent:
    """Move the case to the rule's target (or ``to_status``) and append the event. Call after validation."""
    action = rule.action if isinstance(rule, Rule) else rule
    target = to_status or (rule.target if isinstance(rule, Rule) else None) or case.status
    before = case.status
    case.status = target
    event = CaseEvent(case=case, at=now, actor=actor_name(actor), action=action, from_status=before.value,
                      to_status=target.value, note=note.strip(), details=details or {})
    session.add(event)  # joins case.events when that is loaded, without loading it
    record_audit(session, actor=actor, action=f"case.{action}", object_type="case", object_id=case.id, ip=ip,
                 at=now, details={"from": before.value, "to": target.value, **(details or {})})
    session.flush()
    return event


def require_text(value: str | None, what: str, *, limit: int = 4000) -> str:
    text = (value or "").strip()
    if not text:
        raise CaseError("invalid_input", f"请填写{what}。")
    if len(text) > limit:
        raise CaseError("invalid_input", f"{what}过长（最多 {limit} 字）。")
    return text
