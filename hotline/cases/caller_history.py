"""Caller history (来电弹屏 · 历史工单): a number's earlier cases, newest first, for the live card and the
case page. Session first, keyword-only, read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.cases.loading import CASE_ROW
from hotline.cases.transitions import OPEN_WORK
from hotline.models import Case, CaseStatus

HISTORY_LIMIT = 10
_OPEN = OPEN_WORK | {CaseStatus.accepted, CaseStatus.returned}  # still being worked on


@dataclass(frozen=True)
class CallerHistory:
    phone: str
    total: int  # all earlier cases of the number
    open_total: int  # of which still being worked on
    cases: list[Case]  # the newest ``limit``


def normalise_phone(raw: str | None) -> str:
    return "".join(ch for ch in (raw or "") if ch.isdigit())


def caller_history(
    session: Session,
    *,
    phone: str | None,
    exclude_case_id: int | None = None,
    before: datetime | None = None,
    limit: int = HISTORY_LIMIT,
) -> CallerHistory:
    """The cases of ``phone`` other than ``exclude_case_id`` (and, given ``before``, accepted before it)."""
    number = normalise_phone(phone)
    if len(number) < 5:  # no number, or an extension: no history worth showing
        return CallerHistory(number, 0, 0, [])
    # a conduct report never shows in a number's history: its reporter is protected
    where = [Case.citizen_phone == number, Case.confidential.is_(False)]
    if exclude_case_id is not None:
        where.append(Case.id != exclude_case_id)
    if before is not None:
        where.append(Case.created_at < before)
    total = session.scalar(select(func.count(Case.id)).where(*where)) or 0
    open_total = session.scalar(select(func.count(Case.id)).where(*where, Case.status.in_(list(_OPEN)))) or 0
    cases = list(
        session.scalars(
            select(Case).where(*where).options(*CASE_ROW)
            .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)
        )
    )
    return CallerHistory(number, total, open_total, cases)
