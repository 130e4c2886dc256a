"""Hot topics: keywords per week × town / department / intent / service item with spikes, and the month's
recurring problems."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hotline.analytics import rollups
from hotline.analytics.figures import breakdown
from hotline.analytics.filters import CaseFilter, FilterError, china_today, parse_filter
from hotline.analytics.hot_topics import recurring_problems, weekly_topics
from hotline.models import Department, Intent, Site, SiteLevel
from web.analytics.presenting import filter_url
from web.labels import INTENT as INTENT_LABELS

router = APIRouter()
TOP_PER_CELL = 5
TOP_DEPARTMENTS = 8


def _week(request: Request) -> date:
    raw = request.query_params.get("week")
    try:
        day = date.fromisoformat(raw) if raw else china_today()
    except ValueError:
        raise HTTPException(400, f"参数 week 应为日期，如 2026-03-02，收到 {raw!r}") from None
    return day - timedelta(days=day.weekday())


@router.get("/analytics/topics", response_class=HTMLResponse)
def topics_page(request: Request):
    week = _week(request)
    try:
        base = parse_filter({**request.query_params, "start": week.isoformat(),
                             "end": (week + timedelta(days=6)).isoformat()})
    except FilterError as exc:
        raise HTTPException(400, str(exc)) from None
    # this week's terms as of now
    rollups.refresh_if_stale(request.app.state.ctx.session_factory, now=datetime.now(UTC),
                             hub=request.app.state.ctx.hub)
    with request.app.state.ctx.session_factory() as session:
        main = weekly_topics(session, base, week=week)
        towns = sorted(set(session.scalars(select(Site.town).where(Site.level == SiteLevel.town))))
        by_town = [(t, weekly_topics(session, base.with_dimension("town", t), week=week, top=TOP_PER_CELL))
                   for t in towns] if base.town is None else []
        departments = session.execute(select(Department.id, Department.name).order_by(Department.id)).all()
        busiest = [item for item in breakdown(session, base, "department")
                   if item["key"] != "none"][:TOP_DEPARTMENTS] if base.department is None else []
        by_department = [(item["name"] or item["key"], item["key"],
                          weekly_topics(session, base.with_dimension("department", item["key"]), week=week,
                                        top=TOP_PER_CELL)) for item in busiest]
        by_intent = [(INTENT_LABELS[i.value], i.value, weekly_topics(
            session, base.with_dimension("intent", i.value), week=week, top=TOP_PER_CELL))
            for i in Intent] if base.intent is None else []
        items = [item for item in breakdown(session, base, "service_item")
                 if item["key"] != "none"][:TOP_DEPARTMENTS] if base.service_item is None else []
        by_item = [(item["name"] or item["key"], item["key"], weekly_topics(
            session, base.with_dimension("service_item", item["key"]), week=week, top=TOP_PER_CELL))
            for item in items]
        recurring = recurring_problems(session, base, month=week)
    for kw in main.keywords:
        kw["url"] = filter_url(CaseFilter(**{**base.__dict__, "keyword": kw["term"]}), "/analytics/cases")
    return request.app.state.templates.TemplateResponse(request, "analytics/topics.html", {
        "flt": base, "week": week, "main": main, "by_town": by_town, "recurring": recurring,
        "by_department": by_department, "by_intent": by_intent, "by_item": by_item,
        "towns": towns, "departments": departments,
        "prev_week": (week - timedelta(weeks=1)).isoformat(),
        "next_week": (week + timedelta(weeks=1)).isoformat(),
    })
