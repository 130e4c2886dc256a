"""督办 escalation beyond 催办: 黄牌 (a formal warning to the handling department) and 红牌 (a 督办单 to the
department's leader: serious, counted against the department), 批量催办 of several cases at once, and the
notices a handler's list shows. Session first, keyword-only, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cases.errors import CaseError
from hotline.cases.timeline import moment, record, require_text
from hotline.cases.urging import _check, urge_case
from hotline.models import CaseEvent, User

CARDS = {"yellow": "yellow_card", "red": "red_card"}
CARD_NAMES = {"yellow": "黄牌", "red": "红牌（督办单，抄送部门负责人）"}
SLA_WARNING = "sla_warning"
MAX_BULK = 100


def issue_card(session: Session, *, case_id: int, actor: User, color: str, note: str,
               now: datetime | None = None, ip: str | None = None) -> CaseEvent:
    """黄牌/红牌 on a case being worked; the reason is required (it goes to the department)."""
    if color not in CARDS:
        raise CaseError("invalid_input", "请选择黄牌或红牌。")
    case = _check(session, case_id, actor)
    text = require_text(note, "亮牌理由", limit=500)
    return record(session, case, CARDS[color], actor=actor, now=moment(now), ip=ip, to_status=case.status,
                  note=f"{CARD_NAMES[color]}：{text}", details={"department_id": case.department_id})


@dataclass(frozen=True)
class BulkResult:
    urged: list[int]
    skipped: dict[int, str]  # case id -> why not (Chinese)


def urge_many(session: Session, *, case_ids: list[int], actor: User, note: str = "",
              now: datetime | None = None, ip: str | None = None) -> BulkResult:
    """批量催办: every case that can be urged is; the others are named with the reason."""
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        raise CaseError("invalid_input", "请先勾选要催办的工单。")
    if len(ids) > MAX_BULK:
        raise CaseError("invalid_input", f"一次最多批量催办 {MAX_BULK} 件工单。")
    urged, skipped = [], {}
    for case_id in ids:
        try:
            with session.begin_nested():
                urge_case(session, case_id=case_id, actor=actor, note=note, now=now, ip=ip)
            urged.append(case_id)
        except CaseError as exc:
            if exc.code == "forbidden":
                raise
            skipped[case_id] = exc.message
    return BulkResult(urged, skipped)


@dataclass(frozen=True)
class Escalation:
    warned: bool
    yellow: int
    red: int


def escalations(session: Session, *, case_ids: list[int]) -> dict[int, Escalation]:
    """For a list page: case id -> 临期预警 sent and 黄牌/红牌 counts (cases with none are absent)."""
    if not case_ids:
        return {}
    actions = (SLA_WARNING, *CARDS.values())
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.action)
                           .where(CaseEvent.case_id.in_(case_ids), CaseEvent.action.in_(actions)))
    found: dict[int, list[str]] = {}
    for case_id, action in rows:
        found.setdefault(case_id, []).append(action)
    return {cid: Escalation(SLA_WARNING in acts, acts.count(CARDS["yellow"]), acts.count(CARDS["red"]))
            for cid, acts in found.items()}
