"""督办 actions on a case being worked: 催办 (an urge to the handler, counted) and 督办意见 (a supervisor's
instruction). Neither changes the status; both go on the timeline and the audit log. Session first,
keyword-only, never commits; the route announces ``case.urged`` after commit for the handler's pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.cases.errors import CaseError
from hotline.cases.timeline import load_case, moment, record, require_text
from hotline.cases.transitions import OPEN_WORK
from hotline.models import Case, CaseEvent, CaseStatus, Role, User

URGERS = frozenset({Role.supervisor, Role.admin})
URGEABLE = OPEN_WORK | {CaseStatus.returned}
URGE, OPINION = "urge", "supervision_opinion"


@dataclass(frozen=True)
class UrgeState:
    count: int
    last_at: datetime | None
    last_note: str


def _check(session: Session, case_id: int, actor: User) -> Case:
    if actor.role not in URGERS or not actor.active:
        raise CaseError("forbidden", "只有督办员或系统管理员可以催办或填写督办意见。")
    case = load_case(session, case_id)
    if case.status not in URGEABLE:
        raise CaseError("invalid_transition", "只有办理中的工单可以催办或督办。", status=case.status.value)
    return case


def urge_case(
    session: Session,
    *,
    case_id: int,
    actor: User,
    note: str = "",
    now: datetime | None = None,
    ip: str | None = None,
) -> CaseEvent:
    """催办: counted per case; the handler sees the count and the latest note on their queue."""
    case = _check(session, case_id, actor)
    count = urge_count(session, case_id=case.id) + 1
    text = (note or "").strip()[:500] or "请加快办理"
    return record(
        session,
        case,
        URGE,
        actor=actor,
        now=moment(now),
        ip=ip,
        to_status=case.status,
        note=f"第 {count} 次催办：{text}",
        details={"count": count, "department_id": case.department_id},
    )


def add_opinion(
    session: Session,
    *,
    case_id: int,
    actor: User,
    opinion: str,
    now: datetime | None = None,
    ip: str | None = None,
) -> CaseEvent:
    """督办意见: the supervisor's instruction to the handler, kept on the timeline."""
    case = _check(session, case_id, actor)
    text = require_text(opinion, "督办意见", limit=1000)
    return record(
        session, case, OPINION, actor=actor, now=moment(now), ip=ip, to_status=case.status, note=text
    )


def urge_count(session: Session, *, case_id: int) -> int:
    return (
        session.scalar(
            select(func.count(CaseEvent.id)).where(CaseEvent.case_id == case_id, CaseEvent.action == URGE)
        )
        or 0
    )


def urge_states(session: Session, *, case_ids: list[int]) -> dict[int, UrgeState]:
    """For a list page: case id → how often and when last urged (cases never urged are absent)."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.at, CaseEvent.note)
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.action == URGE)
        .order_by(CaseEvent.case_id, CaseEvent.id)
    )
    states: dict[int, UrgeState] = {}
    for case_id, at, note in rows:
        previous = states.get(case_id)
        states[case_id] = UrgeState((previous.count if previous else 0) + 1, at, note)
    return states
