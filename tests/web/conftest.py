"""Web test fixtures (helpers live in web_testkit.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from web_testkit import WebClient, build_app, migrated_with_catalogue, serve


@pytest.fixture(scope="session")
def web_engine(tmp_path_factory) -> Iterator[Engine]:
    """One SQLite database with the service catalogue for the web tests; each test makes its own users and
    cases, so tests never depend on each other's data."""
    engine = migrated_with_catalogue(f"sqlite:///{tmp_path_factory.mktemp('webdb') / 'web.sqlite3'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def analyzer(web_engine):
    """The real ContactAnalyzer (intent, routing, knowledge base), loaded once."""
    from hotline.calls.analyzer import ContactAnalyzer

    with Session(web_engine) as session:
        return ContactAnalyzer.load(session, model_dir=None, registry_root=None, threshold=0.45)


@pytest.fixture
def app(web_engine, analyzer, tmp_path) -> FastAPI:
    return build_app(web_engine, analyzer, tmp_path)


@pytest.fixture
def client(app) -> Iterator[WebClient]:
    with serve(app) as url, WebClient(app, url) as c:
        yield c


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def any_web_engine(request, tmp_path_factory) -> Iterator[Engine]:
    """A database with the service catalogue on SQLite, then on PostgreSQL (one per test module)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('anydb') / 'web.sqlite3'}"
    else:
        url = request.getfixturevalue("new_pg_database")("hotline_web")
    engine = migrated_with_catalogue(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def any_client(any_web_engine, analyzer, tmp_path_factory) -> Iterator[WebClient]:
    """A served app on ``any_web_engine`` (module scope: build your own users and cases per test)."""
    app = build_app(any_web_engine, analyzer, tmp_path_factory.mktemp("anyapp"))
    with serve(app) as url, WebClient(app, url) as c:
        c.engine = any_web_engine
        yield c
