"""The supervisors' console notice of hot-topic spikes: labels for people, and the 知道了 button."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from hotline.analytics import topic_spikes
from hotline.analytics.filters import CaseFilter
from hotline.db import unit_of_work
from hotline.models import Role, ServiceItem, utcnow
from web.analytics.presenting import filter_url
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.form_schemas import form_body
from web.labels import INTENT

router = APIRouter()
SUPERVISORS = require_roles(Role.supervisor)
SHOWN_TERMS = 5


def _where(session, dimension: str, value: str) -> str:
    if not dimension:
        return "全旗"
    if dimension == "intent":
        return f"{INTENT.get(value, '其他')}类诉求"
    if dimension == "service_item" and value.isdigit():
        name = session.scalar(select(ServiceItem.name).where(ServiceItem.id == int(value)))
        return f"事项“{name or '未知事项'}”"
    return value if dimension == "town" else "其他"


def spike_notices(session, *, shown: int = SHOWN_TERMS) -> list[dict]:
    """This week's unseen spikes, one entry per term (the busiest place first), at most ``shown``."""
    notices: dict[str, dict] = {}
    for spike in topic_spikes.unseen(session):
        where = _where(session, spike.dimension, spike.value)
        entry = notices.get(spike.term)
        if entry is not None:
            entry["where"] += f"、{where}"
            continue
        if len(notices) >= shown:
            continue
        flt = CaseFilter(start=spike.week, end=spike.week + timedelta(days=6), keyword=spike.term)
        if spike.dimension:
            flt = flt.with_dimension(spike.dimension, spike.value)
        notices[spike.term] = {"id": spike.id, "term": spike.term, "cases": spike.cases,
                               "baseline": spike.baseline, "where": where,
                               "url": filter_url(flt, "/analytics/cases")}
    return list(notices.values())


@router.get("/api/topic-spikes")
def spike_notices_now(request: Request, user: CurrentUser = Depends(SUPERVISORS)) -> dict:
    """The notice as data, for an open console page told of new spikes by the event stream (console.js)."""
    with request.app.state.ctx.session_factory() as session:
        return {"notices": spike_notices(session)}


@router.post("/analytics/spikes/{spike_id}/seen", openapi_extra=form_body())
def spike_seen(request: Request, spike_id: RowId, user: CurrentUser = Depends(SUPERVISORS)):
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        topic_spikes.mark_seen(session, spike_id=spike_id, by=user.username, now=utcnow())
    return RedirectResponse("/analytics/topics", status_code=303)
