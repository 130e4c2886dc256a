"""The household register: 中心户 under each village station and the herder households linked to them.

Services take the session first and keyword-only arguments, return ORM objects and never commit.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.models import GridHousehold, GridHouseholdKind, LinkedHousehold, Site, SiteLevel
from hotline.seeding import read_seed_csv

LINKED_PER_HOUSEHOLD = 10  # the banner links about ten ordinary households to each 中心户
UNREGISTERED = "待登记"


def seed_grid_households(session: Session) -> dict[str, int]:
    """Insert the 84 shipped 中心户 that are missing, each with ten linked-household places to fill in."""
    sites = {s.code: s for s in session.scalars(select(Site).where(Site.level == SiteLevel.village))}
    known = set(session.scalars(select(GridHousehold.code)))
    added = {"grid_households": 0, "linked_households": 0}
    for row in read_seed_csv("grid_households.csv"):
        if row["code"] in known:
            continue
        household = GridHousehold(code=row["code"], name=row["name"], kind=GridHouseholdKind(row["kind"]),
                                  site_id=sites[row["site"]].id)
        household.linked = [LinkedHousehold(head_name=f"{UNREGISTERED}{n:02d}")
                            for n in range(1, LINKED_PER_HOUSEHOLD + 1)]
        session.add(household)
        added["grid_households"] += 1
        added["linked_households"] += LINKED_PER_HOUSEHOLD
    session.flush()
    return added


def phone_key(phone: str | None) -> str:
    """Digits only, without a leading +86/0086: the form household phones are compared in."""
    digits = re.sub(r"\D", "", phone or "")
    return re.sub(r"^(0086|86)(?=1\d{10}$)", "", digits)


def household_of_user(session: Session, *, user_id: int) -> GridHousehold | None:
    return session.scalar(select(GridHousehold).where(GridHousehold.user_id == user_id,
                                                      GridHousehold.active.is_(True))
                          .options(selectinload(GridHousehold.site), selectinload(GridHousehold.linked)))


def linked_by_phone(session: Session, *, phone: str | None) -> LinkedHousehold | None:
    """The linked household whose phone is ``phone`` (the caller of a case), if any."""
    key = phone_key(phone)
    if not key:
        return None
    stmt = select(LinkedHousehold).where(LinkedHousehold.phone == key).options(
        selectinload(LinkedHousehold.grid_household))
    return session.scalars(stmt).first()


def station_households(session: Session, *, site_id: int) -> list[GridHousehold]:
    stmt = (select(GridHousehold).where(GridHousehold.site_id == site_id)
            .options(selectinload(GridHousehold.linked)).order_by(GridHousehold.code))
    return list(session.scalars(stmt))


def register_linked(session: Session, *, linked_id: int, head_name: str, phone: str | None, place: str = "",
                    note: str = "") -> LinkedHousehold:
    """Fill in or correct one linked household (the station keeps the register)."""
    linked = session.get(LinkedHousehold, linked_id)
    if linked is None:
        raise LookupError(linked_id)
    linked.head_name, linked.phone = head_name.strip()[:64], phone_key(phone) or None
    linked.place, linked.note = place.strip()[:64], note.strip()[:200]
    session.flush()
    return linked
