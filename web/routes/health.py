"""Liveness and component status."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text

router = APIRouter()


@router.get("/healthz")
def healthz(request: Request) -> dict:
    ctx = request.app.state.ctx
    with ctx.session_factory() as session:
        session.execute(text("select 1"))
    return {"status": "ok", "live_calls": len(ctx.live_calls), **ctx.status()}
