"""Liveness and component status."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text

from web.auth import public

router = APIRouter()


@router.get("/healthz")
@public
def healthz(request: Request) -> dict:
    ctx = request.app.state.ctx
    with ctx.session_factory() as session:
        session.execute(text("select 1"))
    return {"status": "ok", "live_calls": len(ctx.live_calls), **ctx.status()}
