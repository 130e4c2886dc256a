"""First start: create the data directory and database, migrate, seed, create the admin account."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from hotline import migrate
from hotline.accounts.passwords import hash_password, one_time_password
from hotline.db import make_engine, make_session_factory, unit_of_work
from hotline.models import Role, User
from hotline.seeding import seed_organisation, seed_routing_rules
from hotline.settings import Settings


@dataclass
class InitReport:
    database_url: str
    revision: str | None
    organisation_added: dict[str, int] = field(default_factory=dict)
    items_added: int = 0
    rules_added: int = 0
    calendar_days_added: int = 0
    grid_added: dict[str, int] = field(default_factory=dict)
    admin_password: str | None = None  # shown once, only when the admin was created now


def initialise(settings: Settings, *, admin_username: str = "admin") -> InitReport:
    """Idempotent: safe to run on an initialised database (adds only what is missing)."""
    from hotline.cases.calendar_admin import seed_holiday_calendar
    from hotline.cases.red_teams import seed_red_teams
    from hotline.grid.register import seed_grid_households
    from knowledge_base.catalog_io import load_seed_catalogue

    for folder in (settings.data_dir, settings.recordings_dir, settings.models_dir):
        folder.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    try:
        migrate.upgrade(engine)
        report = InitReport(settings.effective_database_url, migrate.current_revision(engine))
        with unit_of_work(make_session_factory(engine)) as session:
            report.organisation_added = seed_organisation(session)
            report.items_added = load_seed_catalogue(session, actor="init")
            report.rules_added = seed_routing_rules(session)
            report.calendar_days_added = seed_holiday_calendar(session)
            report.grid_added = seed_grid_households(session)
            report.grid_added["red_teams"] = seed_red_teams(session)
            if session.scalar(select(User).where(User.role == Role.admin)) is None:
                report.admin_password = one_time_password()
                session.add(User(username=admin_username, display_name="系统管理员", role=Role.admin,
                                 password_hash=hash_password(report.admin_password),
                                 must_change_password=True))
        return report
    finally:
        engine.dispose()
