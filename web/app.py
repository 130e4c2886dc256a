"""FastAPI application factory. Routes are thin: each calls one service."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from web.context import WebContext
from web.routes import console, health, live
from web.templating import make_templates

STATIC_DIR = Path(__file__).parent / "static"


def create_app(ctx: WebContext) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        ctx.hub.attach_loop(asyncio.get_running_loop())
        yield

    app = FastAPI(title="7812345 热线", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)
    app.state.ctx = ctx
    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (health, live, console):
        app.include_router(module.router)
    return app
