"""A migrated, seeded database at a URL (SQLite file or PostgreSQL), as `hotline init` makes it."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotline import migrate
from hotline.cases.calendar_admin import seed_holiday_calendar
from hotline.db import make_engine
from hotline.seeding import seed_organisation, seed_routing_rules


def migrated_engine(url: str, *, catalogue: bool = False) -> Engine:
    """Run the migrations and seed the organisation, routing rules and holiday calendar (and, with
    ``catalogue``, the shipped service-item catalogue)."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        seed_organisation(session)
        seed_routing_rules(session)
        seed_holiday_calendar(session)
        if catalogue:
            from knowledge_base.catalog_io import load_seed_catalogue

            load_seed_catalogue(session)
        session.commit()
    return engine
