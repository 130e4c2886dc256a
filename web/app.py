"""FastAPI application factory. Routes are thin: each calls one service."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from web.auth import resolve_web_session
from web.context import WebContext
from web.errors import install_error_handlers
from web.input_guard import InputGuard
from web.public_guard import RateLimiter
from web.routes import (
    accounts,
    admin,
    agent_desk,
    agent_transfer,
    analytics,
    api_schema,
    callbacks,
    case_actions,
    case_photos,
    cases,
    console,
    daily_work,
    escalation,
    grid,
    health,
    holiday_calendar,
    home_visit_requests,
    item_changes,
    kb_import,
    kiosk,
    language,
    live,
    metrics,
    nuisance,
    prompts,
    public_conduct,
    public_forum,
    public_pages,
    public_rating,
    red_team_plan,
    red_teams,
    relisten,
    reports,
    softphone,
    transfer,
    windows,
)
from web.security_headers import SecurityHeaders
from web.templating import make_templates

STATIC_DIR = Path(__file__).parent / "static"
PUBLIC_SUBMISSIONS_PER_10_MIN = 5
KIOSK_CONTACTS_PER_MIN = 30
TRACKING_LOOKUPS_PER_10_MIN = 20  # guessing the last four phone digits takes thousands of tries


def create_app(ctx: WebContext) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        ctx.hub.attach_loop(asyncio.get_running_loop())
        public_pages.service_index(app)  # build the knowledge-base index once, before the first request
        yield

    app = FastAPI(title="7812345 热线", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)  # the document is served to admins only: web.routes.api_schema
    app.state.ctx = ctx
    app.state.templates = make_templates()
    app.state.resolve_session = resolve_web_session
    app.state.public_limiter = RateLimiter(PUBLIC_SUBMISSIONS_PER_10_MIN, 600)
    app.state.kiosk_limiter = RateLimiter(KIOSK_CONTACTS_PER_MIN, 60)
    app.state.track_limiter = RateLimiter(TRACKING_LOOKUPS_PER_10_MIN, 600)
    app.state.kiosk_keys = ctx.kiosk_api_keys or ctx.settings.kiosk_keys
    install_error_handlers(app)
    metrics.install_metrics(app)
    app.add_middleware(InputGuard)
    app.add_middleware(SecurityHeaders, connect_sources=(ctx.settings.softphone_ws_url,))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        health,
        live,
        accounts,
        admin,
        console,
        cases,
        case_actions,
        case_photos,
        daily_work,
        escalation,
        nuisance,
        public_pages,
        public_rating,
        public_forum,
        public_conduct,
        language,
        kiosk,
        analytics,
        callbacks,
        softphone,
        prompts,
        metrics,
        reports,
        api_schema,
        holiday_calendar,
        grid,
        windows,
        transfer,
        red_teams,
        red_team_plan,
        home_visit_requests,
        item_changes,
        kb_import,
        agent_desk,
        agent_transfer,
        relisten,
    ):
        app.include_router(module.router)
    return app
