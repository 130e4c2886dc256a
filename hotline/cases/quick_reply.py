"""签收并答复 in one step: a handler answers a simple case (咨询/建议/预约) without three posts. The rules are
those of 签收, 办理 and 答复 applied in turn inside the caller's unit of work, so either all three are on the
timeline or none. Complaints (投诉) keep the full 签收 → 办理 → 答复 path."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.cases.errors import CaseError
from hotline.cases.lifecycle import reply_case, sign_case, start_handling
from hotline.cases.timeline import load_case, moment, require_text
from hotline.models import Case, CaseStatus, Intent, User

NOTE = "签收并答复（一步办理）"


def may_sign_and_reply(case: Case, actions: set[str] | list[str]) -> bool:
    """Shown on the case page when the viewer may 签收 and the case is not a complaint."""
    return "sign" in actions and case.intent != Intent.complaint and case.status == CaseStatus.dispatched


def sign_and_reply(
    session: Session,
    *,
    case_id: int,
    actor: User,
    reply: str,
    now: datetime | None = None,
    ip: str | None = None,
) -> Case:
    now = moment(now)
    reply = require_text(reply, "答复内容")
    case = load_case(session, case_id)
    if case.intent == Intent.complaint:
        raise CaseError("invalid_transition", "投诉类工单须依次签收、办理、答复，不能一步答复。")
    sign_case(session, case_id=case_id, actor=actor, now=now, note=NOTE, ip=ip)
    start_handling(session, case_id=case_id, actor=actor, now=now, note=NOTE, ip=ip)
    return reply_case(session, case_id=case_id, actor=actor, reply=reply, now=now, note=NOTE, ip=ip)
