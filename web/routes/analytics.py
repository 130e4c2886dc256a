"""Analytics for analysts and supervisors: dashboard, drill-down case lists, exports, topics, wallboard.

Every route requires the analyst, supervisor or admin role. Phone and ID numbers are masked unless a
supervisor or admin asks for ``unmask=1``; each unmasking is written to the audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from hotline.accounts.audit import record_audit
from hotline.analytics import rollups
from hotline.analytics.case_list import Selection, figure_count, iter_cases, page_of_cases
from hotline.analytics.exports import csv_chunks, xlsx_chunks
from hotline.analytics.figures import GRAINS, check_bucket
from hotline.analytics.filters import FilterError, parse_filter
from hotline.analytics.measures import MEASURES, RATES
from hotline.cases.conduct_access import SEALED_MESSAGE, may_read_conduct, protected_row
from hotline.db import unit_of_work
from hotline.models import Role
from hotline.privacy.unmasking import masked_row, may_unmask, record_unmask
from web.analytics import (
    agents_routes,
    presenting,
    speech_routes,
    spike_notices,
    topics_routes,
    wallboard_routes,
)
from web.auth import CurrentUser, require_roles
from web.bounds import OptionalRowId, RowId
from web.labels import actor_names

ANALYSTS = require_roles(Role.analyst, Role.supervisor, Role.admin)
router = APIRouter(dependencies=[Depends(ANALYSTS)])
router.include_router(wallboard_routes.router)
router.include_router(topics_routes.router)
router.include_router(agents_routes.router)
router.include_router(speech_routes.router)
router.include_router(spike_notices.router)
MAX_HOUR_GRAIN_DAYS = 31


def _filter(request: Request):
    try:
        return parse_filter(request.query_params)
    except FilterError as exc:
        raise HTTPException(400, str(exc)) from None


def _selection(request: Request) -> Selection:
    params = request.query_params
    measure = params.get("measure") or "all"
    if measure not in MEASURES:
        raise HTTPException(400, f"未知的统计口径 {measure!r}；可用：{'、'.join(MEASURES)}")
    grain, bucket = params.get("grain"), params.get("bucket")
    if grain and grain not in (*GRAINS, "hour_of_day"):
        raise HTTPException(400, f"未知的时间粒度 {grain!r}")
    if grain and bucket:
        try:
            check_bucket(grain, bucket)
        except FilterError as exc:
            raise HTTPException(400, str(exc)) from None
    return Selection(_filter(request), measure, grain or None, bucket or None)


def _grain(request: Request, flt) -> str:
    grain = request.query_params.get("grain") or presenting.default_grain(flt)
    if grain not in GRAINS:
        raise HTTPException(400, f"时间粒度应为 {'、'.join(GRAINS)} 之一")
    if grain == "hour" and flt.days > MAX_HOUR_GRAIN_DAYS:
        raise HTTPException(400, f"按小时统计时日期范围最长 {MAX_HOUR_GRAIN_DAYS} 天：请缩小范围或按日统计")
    return grain


def _unmask(request: Request, user: CurrentUser, *, object_type: str, object_id: object,
            details: dict) -> bool:
    """True when the user asked for clear numbers and may see them; the unmasking is audited first."""
    if request.query_params.get("unmask") not in ("1", "true"):
        return False
    if not may_unmask(user.role):
        raise HTTPException(403, "分析员只能查看脱敏号码；如需完整号码请联系督办人员")
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        record_unmask(session, actor=user.username, role=user.role, object_type=object_type,
                      object_id=object_id, ip=request.client.host if request.client else None,
                      details=details)
    return True


def _render(request: Request, template: str, context: dict) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, context)


@router.get("/analytics", response_class=HTMLResponse)
def dashboard(request: Request, user: CurrentUser = Depends(ANALYSTS)):
    flt = _filter(request)
    grain = _grain(request, flt)
    now = datetime.now(UTC)
    rollups.refresh_if_stale(request.app.state.ctx.session_factory, now=now,
                             hub=request.app.state.ctx.hub)
    with request.app.state.ctx.session_factory() as session:
        data = {
            "summary": presenting.summary_view(session, flt, now=now),
            "breakdowns": [presenting.breakdown_view(session, flt, d, now=now)
                           for d in presenting.DASHBOARD_DIMENSIONS],
            "department_rates": presenting.breakdown_view(session, flt, "department", with_rates=True,
                                                          now=now),
            "trend": presenting.trend_view(session, flt, grain),
            "trend_by_intent": presenting.trend_view(session, flt, grain, "intent"),
            "hours": presenting.hour_view(session, flt),
        }
        options = _filter_options(session)
    return _render(request, "analytics/dashboard.html", {
        "flt": flt, "grain": grain, "data": data, "options": options, "user": user, "rates": RATES,
        "grains": presenting.GRAIN_LABELS, "export_query": presenting.filter_url(flt, ""),
    })


def _filter_options(session) -> dict:
    from sqlalchemy import select

    from hotline.models import Department, ServiceItem, Site, SiteLevel

    return {
        "departments": session.execute(select(Department.id, Department.name).order_by(Department.id)).all(),
        "towns": sorted(set(session.scalars(select(Site.town).where(Site.level == SiteLevel.town)))),
        "service_items": session.execute(
            select(ServiceItem.id, ServiceItem.name).order_by(ServiceItem.code)).all(),
    }


@router.get("/api/analytics/summary")
def api_summary(request: Request) -> dict:
    flt = _filter(request)
    with request.app.state.ctx.session_factory() as session:
        return presenting.summary_view(session, flt)


@router.get("/api/analytics/breakdown")
def api_breakdown(request: Request, dimension: str = "intent", rates: bool = False) -> dict:
    if dimension not in presenting.DIMENSIONS:
        raise HTTPException(400, f"维度应为 {'、'.join(presenting.DIMENSIONS)} 之一")
    flt = _filter(request)
    with request.app.state.ctx.session_factory() as session:
        return presenting.breakdown_view(session, flt, dimension, with_rates=rates, limit=10_000)


@router.get("/api/analytics/trend")
def api_trend(request: Request, dimension: str | None = None) -> dict:
    flt = _filter(request)
    grain = _grain(request, flt)
    if dimension is not None and dimension not in presenting.DIMENSIONS:
        raise HTTPException(400, f"维度应为 {'、'.join(presenting.DIMENSIONS)} 之一")
    with request.app.state.ctx.session_factory() as session:
        return presenting.trend_view(session, flt, grain, dimension)


@router.get("/analytics/cases", response_class=HTMLResponse)
def drill_down(request: Request, before: OptionalRowId = None, user: CurrentUser = Depends(ANALYSTS)):
    selection = _selection(request)
    unmask = _unmask(request, user, object_type="case_list", object_id=None,
                     details={"selection": selection.query_params(), "before": before})
    with request.app.state.ctx.session_factory() as session:
        counted = figure_count(session, selection)
        rows = page_of_cases(session, selection, before_id=before,
                             reads_conduct=may_read_conduct(session, user))
    if not unmask:
        rows = [masked_row(r) for r in rows]
    query = selection.query_params()
    return _render(request, "analytics/cases.html", {
        "selection": selection, "measure": MEASURES[selection.measure], "rows": rows, "total": counted.total,
        "total_as_of": counted.as_of,
        "query": query, "next_before": rows[-1]["id"] if len(rows) == 50 else None, "unmasked": unmask,
        "may_unmask": may_unmask(user.role), "user": user,
        "export_query": presenting.drill_url(selection, ""), "dimensions": presenting.DIMENSIONS,
        "key_label": presenting.key_label,
    })


@router.get("/analytics/cases/{case_id}", response_class=HTMLResponse)
def case_view(request: Request, case_id: RowId, user: CurrentUser = Depends(ANALYSTS)):
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from hotline.models import Call, Case

    unmask = _unmask(request, user, object_type="case", object_id=case_id, details={})
    with request.app.state.ctx.session_factory() as session:
        case = session.scalar(select(Case).where(Case.id == case_id).options(
            selectinload(Case.events), selectinload(Case.department), selectinload(Case.service_item),
            selectinload(Case.call).selectinload(Call.utterances)))
        if case is None:
            raise HTTPException(404, "工单不存在")
        if case.confidential and not may_read_conduct(session, user):
            raise HTTPException(403, SEALED_MESSAGE.format(code=case.tracking_code))
        fields = protected_row({"citizen_phone": case.citizen_phone, "title": case.title,
                                "content": case.content, "reply": case.reply,
                                "confidential": case.confidential}, readable=True)
        said = case.call.utterances if case.call and not case.confidential else []  # the reporter's voice
        utterances = [{"start_s": u.start_s, "text": u.text} for u in said]
        if not unmask:
            fields = masked_row(fields)
            utterances = [masked_row(u) for u in utterances]
        return _render(request, "analytics/case.html", {
            "case": case, "fields": fields, "utterances": utterances, "unmasked": unmask,
            "may_unmask": may_unmask(user.role), "user": user,
            "actor_names": actor_names(session, [e.actor for e in case.events]),
        })


def _export(request: Request, user: CurrentUser, fmt: str) -> StreamingResponse:
    selection = _selection(request)
    unmask = _unmask(request, user, object_type="case_export", object_id=fmt,
                     details={"selection": selection.query_params()})
    factory = request.app.state.ctx.session_factory
    if not unmask:  # a masked export still takes the cases away: who, what selection, when
        with unit_of_work(factory) as session:
            record_audit(session, actor=user.username, action="analytics.export", object_type="case_export",
                         object_id=fmt, ip=request.client.host if request.client else None,
                         details={"selection": selection.query_params(), "masked": True})
    now = datetime.now(UTC)

    def rows():
        with factory() as session:
            yield from iter_cases(session, selection, now=now, reads_conduct=may_read_conduct(session, user))

    stamp = now.astimezone(presenting.labels.CHINA).strftime("%Y%m%d-%H%M")
    name = f"工单-{MEASURES[selection.measure].label}-{stamp}.{fmt}"
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
               "Cache-Control": "no-store"}
    if fmt == "csv":
        return StreamingResponse(csv_chunks(rows(), presenting.EXPORT_LABELS, unmask=unmask),
                                 media_type="text/csv; charset=utf-8", headers=headers)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return StreamingResponse(xlsx_chunks(rows(), presenting.EXPORT_LABELS, unmask=unmask),
                             media_type=media, headers=headers)


@router.get("/analytics/export.csv")
def export_csv(request: Request, user: CurrentUser = Depends(ANALYSTS)) -> StreamingResponse:
    return _export(request, user, "csv")


@router.get("/analytics/export.xlsx")
def export_xlsx(request: Request, user: CurrentUser = Depends(ANALYSTS)) -> StreamingResponse:
    return _export(request, user, "xlsx")
