"""The live wallboard: calls active and waiting, agents online and by state, today's queue figures (service
level within 20 s, abandoned, average handle time — computed from the stored queue rows), cases by intent.

The page refreshes its figures whenever /api/events announces call.started, call.ended or case.created.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hotline.agents.figures import queue_figures
from hotline.analytics.filters import china_midnight_utc, china_today
from hotline.analytics.wallboard import ONLINE_MINUTES, agents_online, today_counts
from web import labels

router = APIRouter()


def wallboard_figures(request: Request) -> dict:
    ctx = request.app.state.ctx
    now = datetime.now(UTC)
    with ctx.session_factory() as session:
        today = today_counts(session, now=now)
        online = agents_online(session, now=now)
        queue = queue_figures(session, now=now, since=china_midnight_utc(china_today(now)))
    return {
        "at": labels.china_time(now, "%Y-%m-%d %H:%M:%S"),
        "calls_active": len(ctx.live_calls),
        "calls_waiting": queue["calls_waiting"],  # from the stored queue rows (shared by every worker)
        "queue": {k: v for k, v in queue.items() if k != "per_agent"},
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
