"""坐席统计: per-agent and per-day figures from the stored queue and presence events (issue 13)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from hotline.agents.agent_figures import agent_day_figures
from hotline.analytics.filters import china_midnight_utc, china_today

router = APIRouter()
DEFAULT_DAYS = 7
MAX_DAYS = 92


def _day(request: Request, name: str, default: date) -> date:
    raw = request.query_params.get(name)
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        raise HTTPException(400, f"参数 {name} 应为日期，如 2026-03-02，收到 {raw!r}") from None


def _figures(request: Request) -> dict:
    today = china_today()
    start = _day(request, "start", today - timedelta(days=DEFAULT_DAYS - 1))
    end = _day(request, "end", today)
    if end < start:
        raise HTTPException(400, "结束日期早于开始日期：请调换或重新选择")
    if (end - start).days >= MAX_DAYS:
        raise HTTPException(400, f"日期范围最长 {MAX_DAYS} 天：请缩小范围")
    with request.app.state.ctx.session_factory() as session:
        figures = agent_day_figures(session, since=china_midnight_utc(start),
                                    until=china_midnight_utc(end + timedelta(days=1)), now=datetime.now(UTC))
    return {**figures, "start": start.isoformat(), "end": end.isoformat()}


@router.get("/api/analytics/agents")
def agents_api(request: Request) -> dict:
    return _figures(request)


@router.get("/analytics/agents", response_class=HTMLResponse)
def agents_page(request: Request):
    return request.app.state.templates.TemplateResponse(request, "analytics/agents.html", _figures(request))
