"""The agent console: live calls with their transcripts, case detail with its forms, call recordings."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy import select

from hotline.cases.appointments import KIND_LABELS, window_slots
from hotline.cases.draft_suggestions import draft_suggestions, site_places
from hotline.cases.duplicates import possible_duplicates
from hotline.cases.errors import CaseError
from hotline.cases.lifecycle import RETURN_REASON_LABELS
from hotline.cases.queries import CaseFilter, list_cases, returned_queue
from hotline.cases.queries import case_detail as load_case_detail
from hotline.cases.transitions import RULES
from hotline.cases.working_days import CHINA, china_date
from hotline.db import unit_of_work
from hotline.models import (
    AppointmentKind,
    Call,
    CaseStatus,
    Department,
    Intent,
    Role,
    ServiceItem,
    Site,
    User,
    utcnow,
)
from web.auth import ALL_ROLES, CurrentUser, require_roles
from web.labels import INTENT
from web.public_guard import client_ip
from web.templating import render

router = APIRouter()
STAFF = require_roles(*ALL_ROLES)
CONSOLE = require_roles(Role.agent, Role.supervisor, Role.admin)
CASE_VIEWERS = require_roles(Role.agent, Role.supervisor, Role.admin, Role.handler)
RECENT_CASES = 20
CONFIRMABLE = (CaseStatus.accepted, CaseStatus.returned)


@router.get("/")
def home(request: Request, user: CurrentUser = Depends(STAFF)):
    if user.role == Role.handler:
        return RedirectResponse("/my/cases", status_code=303)
    if user.role == Role.analyst:
        return RedirectResponse("/analytics", status_code=303)
    ctx = request.app.state.ctx
    with ctx.session_factory() as session:
        recent = list_cases(session, per_page=RECENT_CASES)
        returned = returned_queue(session, per_page=1).total
        for case in recent.items:
            _ = case.department
        places = site_places(session)
        maybe = {c.id: possible_duplicates(session, case=c, places=places, limit=1)
                 for c in recent.items if c.status in CONFIRMABLE}
        return render(
            request,
            "console.html",
            {
                "live_calls": ctx.live_calls.snapshots(),
                "cases": recent.items,
                "maybe_duplicates": {k: v[0] for k, v in maybe.items() if v},
                "returned_total": returned,
                "open_total": list_cases(
                    session, filters=CaseFilter(statuses=CONFIRMABLE[:1]), per_page=1
                ).total,
            },
        )


def reference_data(session) -> dict:
    """Choices for the case forms: departments, sites, towns, service items, intents."""
    sites = list(session.scalars(select(Site).where(Site.active.is_(True)).order_by(Site.level, Site.name)))
    return {
        "departments": list(
            session.scalars(
                select(Department)
                .where(Department.active.is_(True))
                .order_by(Department.kind, Department.name)
            )
        ),
        "sites": sites,
        "towns": sorted({s.town for s in sites if s.town}),
        "items": list(
            session.execute(
                select(ServiceItem.code, ServiceItem.name)
                .where(ServiceItem.status == "active")
                .order_by(ServiceItem.code)
            )
        ),
        "intents": INTENT,
        "coordinators": list(
            session.scalars(
                select(User).where(User.active.is_(True), User.role != Role.handler).order_by(User.username)
            )
        ),
    }


def _slot_day(request: Request) -> date:
    raw = request.query_params.get("day")
    try:
        return date.fromisoformat(raw) if raw else china_date(utcnow()) + timedelta(days=1)
    except ValueError:
        raise CaseError("invalid_input", "日期格式应为 YYYY-MM-DD。") from None


@router.get("/cases/{case_id}")
def case_detail(request: Request, case_id: int, user: CurrentUser = Depends(CASE_VIEWERS)):
    ctx = request.app.state.ctx
    with unit_of_work(ctx.session_factory) as session:  # the view is audited
        viewer = session.get(User, user.id)
        detail = load_case_detail(session, case_id=case_id, viewer=viewer, ip=client_ip(request))
        case = detail.case
        slots, slot_site, day = [], None, _slot_day(request)
        site_param = request.query_params.get("site_id")
        if site_param and site_param.isdigit():
            slot_site = session.get(Site, int(site_param))
            if slot_site is not None:
                slots = [s for s in window_slots(session, site_id=slot_site.id, day=day) if s.free]
        confirmable = case.status in CONFIRMABLE and user.role in (Role.agent, Role.supervisor)
        places = site_places(session)
        hidden = {"callback", "decide_extension"} | ({"dispatch", "answer"} if confirmable else set())
        context = {
            "d": detail,
            "case": case,
            "rules": RULES,
            "actions": set(detail.actions),
            "return_reasons": RETURN_REASON_LABELS,
            "kind_labels": KIND_LABELS,
            "home_kinds": [k for k in AppointmentKind if k != AppointmentKind.window],
            "confirmable": confirmable,
            "draft": draft_suggestions(session, case=case, places=places) if confirmable else None,
            "maybe_duplicates": possible_duplicates(session, case=case, places=places),
            "shown": [a for a in RULES if a in detail.actions and a not in hidden],
            "slots": slots,
            "slot_site": slot_site,
            "slot_day": day,
            "china": CHINA,
            "routing": case.routing or [],
            "kb_matches": case.kb_matches or [],
            "utterances": list(case.call.utterances) if case.call else [],
            **reference_data(session),
        }
        return render(request, "case_detail.html", context)


@router.get("/calls/{call_id}/recording")
def call_recording(request: Request, call_id: str, _user: CurrentUser = Depends(CONSOLE)) -> FileResponse:
    ctx = request.app.state.ctx
    with ctx.session_factory() as session:
        call = session.get(Call, call_id)
    if call is None or not call.recording_path:
        raise HTTPException(404, "该通话没有录音")
    path = Path(call.recording_path).resolve()
    if not path.is_file():
        raise HTTPException(404, "录音文件已按保留期限清理或不存在")
    return FileResponse(path, media_type="audio/wav", filename=f"{call_id}.wav")


__all__ = ["router", "reference_data", "Intent"]
