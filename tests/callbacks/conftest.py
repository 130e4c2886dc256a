"""Callback fixtures: a session factory whose commits stay inside one rolled-back transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated, seeded database (both kinds); unit-of-work commits become savepoints and
    the whole test is rolled back, so tests never see each other's callbacks."""
    engine = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
    with engine.connect() as conn:
        outer = conn.begin()
        yield sessionmaker(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        outer.rollback()
