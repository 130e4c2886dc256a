"""党风政风监督: reports on the conduct of officials and staff, for 纪委监委 only.

A conduct report comes in through its own door (the phone menu's key, the web page 党风政风监督, the kiosk
API's ``conduct`` flag), may be anonymous, and is dispatched at once to 纪委监委 — no agent confirms it, so
no agent reads it. Who may read it: :mod:`hotline.cases.conduct_access`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cases import time_limits as clock
from hotline.cases.conduct_access import CONDUCT_DEPARTMENT, CONDUCT_ITEM
from hotline.cases.intake import Contact, ContactAnalysis, create_case
from hotline.cases.timeline import record
from hotline.cases.working_days import load_work_calendar
from hotline.models import Case, CaseStatus, ServiceItem, utcnow


def file_conduct_report(session: Session, *, contact: Contact, now: datetime | None = None,
                        actor: str = "hotline") -> Case:
    """Create the conduct report for ``contact`` and dispatch it to 纪委监委 at once. Idempotent by the
    contact's source_ref (like every intake); does not commit."""
    existing = session.scalar(select(Case).where(Case.source_ref == contact.source_ref))
    if existing is not None:
        return existing
    now = now or contact.received_at or utcnow()
    item = session.scalar(select(ServiceItem).where(ServiceItem.code == CONDUCT_ITEM))
    route = {"department": CONDUCT_DEPARTMENT, "level": "banner", "score": 1.0,
             "reasons": ["党风政风监督：由纪委监委受理"],
             "item": {"code": item.code, "name": item.name} if item else None}
    analysis = ContactAnalysis(intent="complaint", needs_triage=False, routing=[route])
    case = create_case(session, contact=replace(contact, received_at=now), analysis=analysis, actor=actor)
    case.confidential = True
    days = case.time_limit_days or clock.base_limit_days(case)
    due = clock.start_clock(case, now=now, days=days, calendar=load_work_calendar(session))
    record(session, case, "dispatch", actor=actor, now=now, to_status=CaseStatus.dispatched,
           note="党风政风监督件，直接派往纪委监委", details={"department_id": case.department_id,
                                                   "time_limit_days": days, "due_at": due.isoformat()})
    session.flush()
    return case
