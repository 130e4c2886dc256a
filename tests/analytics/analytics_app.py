"""Build the web app with the analytics router for tests, acting as a chosen role."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from hotline.calls.registry import LiveCallRegistry
from hotline.cases.intake import ContactAnalysis
from hotline.db import make_session_factory
from hotline.events import EventHub
from hotline.models import Role
from hotline.settings import load_settings
from tests.web.web_testkit import serve  # noqa: F401  (re-exported for the analytics tests)
from web import auth
from web.app import create_app
from web.context import WebContext
from web.routes import analytics


def analytics_app(engine: Engine, tmp_path, *, role: Role = Role.analyst, username: str = "ana",
                  status: dict | None = None) -> FastAPI:
    ctx = WebContext(
        settings=load_settings(data_dir=tmp_path, env="test"),
        session_factory=make_session_factory(engine),
        hub=EventHub(),
        live_calls=LiveCallRegistry(),
        analyze=lambda text: ContactAnalysis(),
        status=lambda: dict(status or {}),
    )
    app = create_app(ctx)
    if not any(getattr(r, "path", None) == "/analytics" for r in app.routes):
        app.include_router(analytics.router)
    act_as(app, role, username)
    return app


def act_as(app: FastAPI, role: Role, username: str = "user") -> None:
    user = auth.CurrentUser(id=1, username=username, display_name=username, role=role)
    app.dependency_overrides[auth.current_user] = lambda: user
