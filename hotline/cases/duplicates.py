"""可能重复: other open cases that are likely the same matter, across channels.

Two cases are possible duplicates when, within DUPLICATE_WINDOW of each other,
- the same citizen phone number raised a matter with the same department or item, or said nearly the
  same thing (a citizen who calls again, then writes on the web about the same problem), or
- the same place (the 嘎查 / community when both name one, else the town) and the same problem: the same
  service item or department and similar words (neighbours reporting the same broken well).

``duplicate_reason`` is pure (the bench measures it on a generated set); ``possible_duplicates`` finds the
candidates of one case in the database. The agent decides: merging stays a person's click.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from classifier.case_draft import extract_draft
from classifier.routing import Place
from classifier.text import normalize
from hotline.cases.loading import CASE_ROW
from hotline.models import Case, CaseStatus

DUPLICATE_WINDOW = timedelta(days=14)
SAME_PLACE_SIMILARITY = 0.1  # word overlap needed besides the same place and department / item
SAME_PHONE_SIMILARITY = 0.35  # a phone number with another department or item: nearly the same words
ANY_PLACE_SIMILARITY = 0.6  # nearly the same words and the same town
MAX_CANDIDATES = 400
CLOSED = (CaseStatus.merged, CaseStatus.archived)
_NOISE = re.compile(r"[\s，。！？、,.!?：:；;“”\"'（）()0-9a-z*]+")
_STOP = set("的了吗呢啊吧呀哦嗯我你他她们这那是在有就都也还要想问一下个")


@dataclass(frozen=True)
class CaseFacts:
    id: int
    created_at: datetime
    text: str
    phone: str = ""
    town: str = ""
    village: str = ""
    department: str = ""
    item: str = ""


def _bigrams(text: str) -> set[str]:
    chars = [c for c in _NOISE.sub("", normalize(text)) if c not in _STOP]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def similarity(a: str, b: str) -> float:
    """Overlap of the character bigrams of two texts (0..1, Jaccard), fillers and digits left out."""
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def duplicate_reason(a: CaseFacts, b: CaseFacts, window: timedelta = DUPLICATE_WINDOW) -> str | None:
    """Why ``b`` may be a duplicate of ``a`` (shown to the agent), or None."""
    if a.id == b.id or abs(a.created_at - b.created_at) > window:
        return None
    same_matter = (a.item and a.item == b.item) or (a.department and a.department == b.department)
    words = similarity(a.text, b.text)
    if (
        a.phone
        and a.phone == b.phone
        and (same_matter and words >= SAME_PLACE_SIMILARITY or words >= SAME_PHONE_SIMILARITY)
    ):
        return "同一来电号码、同一事项"
    other_village = bool(a.village and b.village and a.village != b.village)
    same_place = (a.village and a.village == b.village) or (a.town and a.town == b.town and not other_village)
    if same_place and same_matter and words >= SAME_PLACE_SIMILARITY:
        return f"同一地点（{a.village or a.town}）、同一问题"
    if a.town and a.town == b.town and not other_village and words >= ANY_PLACE_SIMILARITY:
        return f"同一地点（{a.town}）、内容几乎相同"
    return None


def facts_of(case: Case, places: list[Place]) -> CaseFacts:
    draft = extract_draft(case.content or case.title or "", places=places)
    top = (case.routing or [{}])[0] or {}
    return CaseFacts(
        id=case.id,
        created_at=case.created_at,
        text=case.content or case.title or "",
        phone="".join(ch for ch in (case.citizen_phone or "") if ch.isdigit()),
        town=case.town or draft.town or "",
        village=draft.village or "",
        department=case.department.code if case.department else top.get("department") or "",
        item=case.service_item.code if case.service_item else ((top.get("item") or {}).get("code") or ""),
    )


def possible_duplicates(
    session: Session, *, case: Case, places: list[Place], limit: int = 3
) -> list[tuple[Case, str]]:
    """Open cases within the window that may be the same matter as ``case``, with the reason."""
    if case.status in CLOSED or case.confidential:  # a conduct report is never paired with another case
        return []
    me = facts_of(case, places)
    near = [Case.town == me.town] if me.town else []
    if case.citizen_phone:
        near.append(Case.citizen_phone == case.citizen_phone)
    if case.department_id:
        near.append(Case.department_id == case.department_id)
    if not near:
        return []
    rows = session.scalars(
        select(Case)
        .where(
            Case.id != case.id,
            Case.status.not_in(CLOSED),
            Case.confidential.is_(False),
            Case.merged_into_id.is_(None),
            Case.created_at >= case.created_at - DUPLICATE_WINDOW,
            Case.created_at <= case.created_at + DUPLICATE_WINDOW,
            or_(*near),
        )
        .options(*CASE_ROW)
        .order_by(Case.created_at.desc())
        .limit(MAX_CANDIDATES)
    )
    found = []
    for other in rows:
        reason = duplicate_reason(me, facts_of(other, places))
        if reason:
            found.append((other, reason))
            if len(found) >= limit:
                break
    return found


def first_duplicates(session: Session, *, cases: list[Case], places: list[Place]
                     ) -> dict[int, tuple[Case, str]]:
    """The first possible duplicate of each of ``cases`` (a list page's rows): one query for the open cases
    around them all, each case's facts worked out once."""
    mine = [c for c in cases if c.status not in CLOSED and not c.confidential]
    if not mine:
        return {}
    pool = list(session.scalars(
        select(Case)
        .options(selectinload(Case.department), selectinload(Case.service_item))
        .where(
            Case.status.not_in(CLOSED),
            Case.confidential.is_(False),
            Case.merged_into_id.is_(None),
            Case.created_at >= min(c.created_at for c in mine) - DUPLICATE_WINDOW,
            Case.created_at <= max(c.created_at for c in mine) + DUPLICATE_WINDOW,
        )
        .order_by(Case.created_at.desc())
        .limit(MAX_CANDIDATES)
    ))
    facts = {c.id: facts_of(c, places) for c in [*mine, *pool]}
    found: dict[int, tuple[Case, str]] = {}
    for case in mine:
        for other in pool:
            reason = duplicate_reason(facts[case.id], facts[other.id])
            if reason:
                found[case.id] = (other, reason)
                break
    return found
