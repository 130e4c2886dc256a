"""Shared fixtures: migrated databases (SQLite and PostgreSQL), a session rolled back per test."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from testkit.databases import migrated_engine

from hotline.db import make_engine

PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def new_pg_database() -> Iterator:
    """Factory: create an empty PostgreSQL database (or a copy of a template) and return its URL; all are
    dropped at the end. Names are random, so xdist workers never share one."""
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def create(prefix: str = "hotline_test", *, template: str | None = None) -> str:
        """``template``: the name of a database to copy (none may be connected to it)."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
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


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory, new_pg_database) -> Callable[[str], str]:
    """Per backend, a database migrated and seeded once per test session (per xdist worker): the SQLite file,
    or the PostgreSQL database name. ``fresh_engine`` copies it instead of migrating again (same rows)."""
    made: dict[str, str] = {}

    def template(backend: str) -> str:
        if backend not in made:
            if backend == "sqlite":
                made[backend] = str(tmp_path_factory.mktemp("template") / "template.sqlite3")
                url = f"sqlite:///{made[backend]}"
            else:
                url = new_pg_database("hotline_template")
                made[backend] = url.rsplit("/", 1)[1]
            migrated_engine(url).dispose()  # CREATE DATABASE ... TEMPLATE needs it unconnected
        return made[backend]

    return template


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request, tmp_path, migrated_template) -> Iterator[Engine]:
    """A migrated, seeded database of this test's own, for code that commits (pipelines, web apps): a copy of
    the session's migrated template."""
    if request.param == "sqlite":
        path = tmp_path / "fresh.sqlite3"
        with closing(sqlite3.connect(migrated_template("sqlite"))) as source, \
                closing(sqlite3.connect(path)) as copy:
            source.backup(copy)
        url = f"sqlite:///{path}"
    else:
        template = migrated_template("postgresql")
        url = request.getfixturevalue("new_pg_database")("hotline_fresh", template=template)
    engine = make_engine(url)
    yield engine
    engine.dispose()
