"""Migrations run up and down on both databases; the schema matches the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from hotline import migrate
from hotline.db import make_engine
from hotline.models import Base, Department, Site, SiteLevel
from hotline.seeding import seed_organisation


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.sqlite3'}"
    return request.getfixturevalue("new_pg_database")("hotline_mig")


def test_upgrade_downgrade_upgrade(empty_url):
    engine = make_engine(empty_url)
    try:
        migrate.upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert migrate.is_initialised(engine)
    finally:
        engine.dispose()


def test_migrations_match_the_models(empty_url):
    engine = make_engine(empty_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    Base.metadata)
        assert diff == [], f"models and migrations differ; add a migration: {diff}"
    finally:
        engine.dispose()


def test_organisation_seed_is_complete_and_idempotent(db_session):
    assert seed_organisation(db_session) == {"departments": 0, "sites": 0, "windows": 0}
    towns = db_session.scalars(select(Site.town).where(Site.level == SiteLevel.town)).all()
    assert sorted(towns) == sorted(["敖勒召其镇", "上海庙镇", "城川镇", "昂素镇"])
    villages = db_session.scalars(select(Site).where(Site.level == SiteLevel.village)).all()
    assert len(villages) == 12
    names = set(db_session.scalars(select(Department.name)))
    for expected in ["旗委组织部", "旗纪委监委", "旗医疗保障局", "旗农牧局", "上海庙镇人民政府"]:
        assert expected in names
