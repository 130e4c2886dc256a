"""The one entry point that turns a contact from any channel into a case (工单).

Phone calls, web forms, forum posts and kiosk requests all arrive here with the same analysis, so every
channel produces the same kind of case. Idempotent by ``source_ref``: a repeated contact returns the
existing case.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.case_draft import mask_id_numbers
from hotline.grid.tasks import auto_route
from hotline.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Channel,
    Department,
    Intent,
    ServiceItem,
    Site,
    utcnow,
)

CodedT = TypeVar("CodedT", Department, Site, ServiceItem)
TITLE_CHARS = 40
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CHANNEL_NAMES = {"phone": "电话", "web": "网站", "forum": "百姓论坛", "kiosk": "自助终端",
                  "walk_in": "窗口来访", "letter": "来信", "desk_phone": "座机来电"}  # timeline notes


@dataclass(frozen=True)
class Contact:
    channel: Channel
    source_ref: str  # "phone:<call id>", "web:<form uuid>", ...: stable across retries
    text: str
    title: str | None = None
    citizen_phone: str | None = None
    citizen_name: str | None = None
    language: str = "zh"
    call_id: str | None = None
    received_at: datetime | None = None
    address: str | None = None
    citizen_language: str | None = None  # the language the citizen reads, when not that of the text


@dataclass(frozen=True)
class ContactAnalysis:
    """What the classifier, the router and the knowledge base made of the text (plain data)."""

    intent: str | None = None  # Intent value, None when unknown
    intent_confidence: float | None = None
    needs_triage: bool = True
    # ranked handler candidates: [{department, level, town, site, score, reasons}]
    routing: list[dict[str, Any]] = field(default_factory=list)
    kb_matches: list[dict[str, Any]] = field(default_factory=list)  # [{code, name, score, department}]

    @property
    def top_route(self) -> dict[str, Any] | None:
        return self.routing[0] if self.routing else None


def new_tracking_code(now: datetime) -> str:
    """Short code a citizen can read out on the phone, e.g. 2611-7K3Q9M."""
    return now.strftime("%y%m") + "-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


def create_case(
    session: Session, *, contact: Contact, analysis: ContactAnalysis, actor: str = "system"
) -> Case:
    """Create the case for ``contact`` (or return the one already created for it). Does not commit."""
    existing = session.scalar(select(Case).where(Case.source_ref == contact.source_ref))
    if existing is not None:
        return existing
    now = contact.received_at or utcnow()
    route = analysis.top_route or {}
    department = _by_code(session, Department, route.get("department"))
    site = _by_code(session, Site, route.get("site"))
    # one decision per case: the item is the chosen department's own item, or none (never another's)
    item = _by_code(session, ServiceItem, (route.get("item") or {}).get("code"))
    text = mask_id_numbers(contact.text.strip())  # ID numbers are masked before anything is stored
    case = Case(
        tracking_code=new_tracking_code(now),
        source_ref=contact.source_ref,
        channel=contact.channel,
        status=CaseStatus.accepted,
        call_id=contact.call_id,
        citizen_phone=contact.citizen_phone or None,
        citizen_name=contact.citizen_name,
        language=contact.language,
        citizen_language=contact.citizen_language,
        title=mask_id_numbers(contact.title or text[:TITLE_CHARS] or "（无文字内容）")[:200],
        content=text,
        address=(contact.address or "").strip()[:200] or None,
        intent=Intent(analysis.intent) if analysis.intent else None,
        intent_confidence=analysis.intent_confidence,
        needs_triage=analysis.needs_triage,
        department=department,  # the objects, not their ids: the new case can show them without a load
        handler_level=route.get("level"),
        site=site,
        town=route.get("town"),
        service_item=item,
        time_limit_days=item.time_limit_days if item else None,
        routing=analysis.routing,
        kb_matches=analysis.kb_matches,
        created_at=now,
    )
    case.events.append(CaseEvent(at=now, actor=actor, action="accept", to_status=CaseStatus.accepted.value,
                                 note=f"{_CHANNEL_NAMES[contact.channel.value]}渠道受理"))
    session.add(case)
    session.flush()
    auto_route(session, case=case, now=now)  # a linked household's 帮办/代办 request → its 中心户
    return case


def _by_code(session: Session, model: type[CodedT], code: str | None) -> CodedT | None:
    if not code:
        return None
    return session.scalar(select(model).where(model.code == code))
