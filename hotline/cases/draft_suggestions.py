"""Suggestions for the case confirm form, taken from what the citizen said or wrote (phone and text alike).

The agent confirms each one; nothing is written to the case here. ID numbers only ever appear masked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.case_draft import extract_draft
from classifier.routing import Place, places_from_sites
from hotline.models import Case, Site


def site_places(session: Session) -> list[Place]:
    """The gazetteer (towns and 嘎查 village stations) of the active sites."""
    sites = [
        {"code": s.code, "name": s.name, "level": s.level.value, "town": s.town or "", "place": s.place or ""}
        for s in session.scalars(select(Site).where(Site.active.is_(True)))
    ]
    return places_from_sites(sites)


def draft_suggestions(
    session: Session, *, case: Case, places: list[Place] | None = None
) -> dict[str, Any] | None:
    """The draft as plain data (name, phones, masked ID numbers, town / 嘎查 / 组, the routed item), or None
    when the text says none of it."""
    text = case.content or ""
    if not text.strip():
        return None
    top = (case.routing or [{}])[0] or {}
    places = site_places(session) if places is None else places
    draft = extract_draft(text, places=places, item=top.get("item")).as_dict()
    said = draft["name"] or draft["phones"] or draft["id_numbers_masked"] or draft["address"]
    return draft if said or draft["item"] else None
