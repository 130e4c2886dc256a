"""The live wallboard: calls active and waiting, agents online, today's cases by intent.

The page refreshes its figures whenever /api/events announces call.started, call.ended or case.created.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hotline.analytics.wallboard import ONLINE_MINUTES, agents_online, today_counts
from web import labels

router = APIRouter()


def wallboard_figures(request: Request) -> dict:
    ctx = request.app.state.ctx
    now = datetime.now(UTC)
    status = ctx.status() or {}
    with ctx.session_factory() as session:
        today = today_counts(session, now=now)
        online = agents_online(session, now=now)
    return {
        "at": labels.china_time(now, "%Y-%m-%d %H:%M:%S"),
        "calls_active": len(ctx.live_calls),
        "calls_waiting": int(status.get("calls_waiting", 0)),
        "agents_online": online,
        "online_minutes": ONLINE_MINUTES,
        "today": today,
        "intent_labels": {**labels.INTENT, "none": "未分类"},
        "intent_order": [*labels.INTENT, "none"],
        "live_calls": [{"call_id": c["call_id"], "started_at": c["started_at"], "language": c["language"],
                        "intent": (c.get("suggestion") or {}).get("intent")}
                       for c in ctx.live_calls.snapshots()],
    }


@router.get("/api/analytics/wallboard")
def wallboard_api(request: Request) -> dict:
    return wallboard_figures(request)


@router.get("/analytics/wallboard", response_class=HTMLResponse)
def wallboard_page(request: Request):
    return request.app.state.templates.TemplateResponse(
        request, "analytics/wallboard.html", {"figures": wallboard_figures(request)})
