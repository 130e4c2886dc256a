"""Shared fixtures: migrated databases (SQLite and PostgreSQL), a session rolled back per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from testkit.databases import migrated_engine

from hotline.db import make_engine

PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def new_pg_database() -> Iterator:
    """Factory: create an empty PostgreSQL database and return its URL; all are dropped at the end."""
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def create(prefix: str = "hotline_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # the server is part of the test environment: fail loudly, never skip
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc}); start it (.ci/run does) "
                        "or set HOTLINE_TEST_PG_ADMIN_URL")
        created.append(name)
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    yield create
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_url(new_pg_database) -> str:
    """The shared PostgreSQL database of this test session."""
    return new_pg_database()


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory) -> Iterator[Engine]:
    engine = migrated_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'hotline.sqlite3'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_url) -> Iterator[Engine]:
    engine = migrated_engine(pg_url)
    yield engine
    engine.dispose()


def _rolled_back_session(engine: Engine) -> Iterator[Session]:
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_session(request) -> Iterator[Session]:
    """A session on a migrated, seeded database; everything it does is rolled back after the test."""
    engine = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
    yield from _rolled_back_session(engine)


@pytest.fixture
def sqlite_session(sqlite_engine) -> Iterator[Session]:
    yield from _rolled_back_session(sqlite_engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request, tmp_path) -> Iterator[Engine]:
    """A migrated, seeded database of this test's own, for code that commits (pipelines, web apps)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    else:
        url = request.getfixturevalue("new_pg_database")("hotline_fresh")
    engine = migrated_engine(url)
    yield engine
    engine.dispose()
