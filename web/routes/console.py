"""The agent console: live calls with their transcripts, case detail with its forms, call recordings."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy import select

from hotline.accounts.audit import record_audit
from hotline.attachments.case_photos import photos_of
from hotline.calls.speech_queues import speech_badges
from hotline.cases.appointments import KIND_LABELS, case_window, window_slots
from hotline.cases.caller_history import caller_history
from hotline.cases.conduct_access import shown
from hotline.cases.draft_suggestions import draft_suggestions, site_places
from hotline.cases.duplicates import first_duplicates, possible_duplicates
from hotline.cases.errors import CaseError
from hotline.cases.lifecycle import RETURN_REASON_LABELS
from hotline.cases.queries import CaseFilter, list_cases, may_view, returned_queue
from hotline.cases.queries import case_detail as load_case_detail
from hotline.cases.quick_reply import may_sign_and_reply
from hotline.cases.reply_templates import templates_for_case
from hotline.cases.transitions import RULES
from hotline.cases.urging import URGEABLE, URGERS, urge_count
from hotline.cases.windows import suggest_window
from hotline.cases.working_days import CHINA, china_date, load_work_calendar
from hotline.db import unit_of_work
from hotline.grid.register import linked_by_phone
from hotline.grid.tasks import KIND_LABELS as GRID_KIND_LABELS
from hotline.grid.tasks import OUTCOME_LABELS as GRID_OUTCOME_LABELS
from hotline.grid.tasks import list_tasks
from hotline.models import (
    AppointmentKind,
    Call,
    Case,
    CaseStatus,
    Department,
    Intent,
    Role,
    ServiceItem,
    Site,
    User,
    utcnow,
)
from hotline.privacy.masking import mask_text
from web.auth import ALL_ROLES, CurrentUser, require_roles
from web.bounds import RowId
from web.case_masking import MaskedCase, audit_reveal, masked_utterances, wants_reveal
from web.labels import INTENT, actor_names
from web.public_guard import client_ip
from web.templating import render

router = APIRouter()
STAFF = require_roles(*ALL_ROLES)
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
        recent = list_cases(session, per_page=RECENT_CASES)  # departments loaded with the page
        returned = returned_queue(session, per_page=1).total
        places = site_places(session)
        maybe = first_duplicates(session, places=places,
                                 cases=[c for c in recent.items if c.status in CONFIRMABLE])
        return render(
            request,
            "console.html",
            {
                "live_calls": ctx.live_calls.snapshots(),
                "cases": shown(session, user, recent.items),
                "maybe_duplicates": maybe,
                "returned_total": returned,
                "open_total": list_cases(
                    session, filters=CaseFilter(statuses=CONFIRMABLE[:1]), per_page=1
                ).total,
                **speech_badges(session, [c.call_id for c in recent.items if c.call_id]),
                "relisten_below": ctx.settings.relisten_confidence,
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
def case_detail(request: Request, case_id: RowId, user: CurrentUser = Depends(CASE_VIEWERS)):
    return case_page(request, case_id, user)


def case_page(request: Request, case_id: int, user: CurrentUser, *, intake_error: str | None = None,
              intake_values: dict | None = None, status_code: int = 200):
    """The case page; ``intake_error`` shows a refused 确认 inline above the form with what was typed."""
    ctx = request.app.state.ctx
    with unit_of_work(ctx.session_factory) as session:  # the view is audited
        viewer = session.get(User, user.id)
        detail = load_case_detail(session, case_id=case_id, viewer=viewer, ip=client_ip(request))
        case = detail.case
        reveal = wants_reveal(request)
        if reveal:
            audit_reveal(session, request, user, case.id)
        slots, slot_site, slot_window, day = [], None, None, _slot_day(request)
        site_param = request.query_params.get("site_id")
        if site_param and site_param.isdigit() and len(site_param) < 10:
            slot_site = session.get(Site, int(site_param))
            if slot_site is not None:
                slot_window = case_window(session, case=case, site_id=slot_site.id)
                slots = [s for s in window_slots(session, site_id=slot_site.id, day=day, window=slot_window)
                         if s.free]
        confirmable = case.status in CONFIRMABLE and user.role in (Role.agent, Role.supervisor)
        places = site_places(session)
        hidden = {"callback", "decide_extension"} | ({"dispatch", "answer"} if confirmable else set())
        said = list(case.call.utterances) if case.call else []
        context = {
            "d": detail,
            "case": case if reveal else MaskedCase(case),
            "masked": not reveal,
            "rules": RULES,
            "actions": set(detail.actions),
            "return_reasons": RETURN_REASON_LABELS,
            "kind_labels": KIND_LABELS,
            "home_kinds": [k for k in AppointmentKind if k != AppointmentKind.window],
            "confirmable": confirmable,
            "draft": _draft_shown(draft_suggestions(session, case=case, places=places)
                                  if confirmable else None, reveal=reveal),
            "maybe_duplicates": possible_duplicates(session, case=case, places=places),
            "shown": [a for a in RULES if a in detail.actions and a not in hidden],
            "slots": slots,
            "slot_site": slot_site,
            "slot_window": slot_window,
            "slot_day": day,
            "china": CHINA,
            "routing": case.routing or [],
            "kb_matches": case.kb_matches or [],
            "utterances": said if reveal else masked_utterances(said),
            "history": caller_history(session, phone=case.citizen_phone, exclude_case_id=case.id),
            "reply_templates": templates_for_case(session, case=case),
            "sign_reply": may_sign_and_reply(case, detail.actions),
            "urge_total": urge_count(session, case_id=case.id),
            "photos": photos_of(session, case_id=case.id),
            "urgeable": user.role in URGERS and case.status in URGEABLE,
            "intake_error": intake_error,
            "iv": intake_values or {},
            "actor_names": actor_names(
                session,
                [e.actor for e in detail.events]
                + [c.replied_by for c in detail.co_handlers]
                + [x.requested_by for x in detail.extensions],
            ),
            "calendar_notice": load_work_calendar(session).unknown_notice(case.due_at),
            "window": suggest_window(session, item=case.service_item),
            "grid_linked": linked_by_phone(session, phone=case.citizen_phone),
            "grid_tasks": list_tasks(session, case_id=case.id),
            "grid_kinds": GRID_KIND_LABELS, "grid_outcomes": GRID_OUTCOME_LABELS,
            **reference_data(session),
        }
        return render(request, "case_detail.html", context, status_code=status_code)


def _draft_shown(draft: dict | None, *, reveal: bool) -> dict | None:
    """Phone numbers heard in the conversation, masked like the rest of the page until 显示完整号码."""
    if draft is None or reveal:
        return draft
    return {**draft, "phones": [mask_text(p) for p in draft["phones"]]}


@router.get("/calls/{call_id}/recording")
def call_recording(request: Request, call_id: str, user: CurrentUser = Depends(CASE_VIEWERS)) -> FileResponse:
    """The recording; a handler hears only the calls of cases dispatched to them. Every play is audited."""
    ctx = request.app.state.ctx
    with unit_of_work(ctx.session_factory) as session:
        call = session.get(Call, call_id[:64])
        if call is None or not call.recording_path:
            raise HTTPException(404, "该通话没有录音")
        viewer = session.get(User, user.id)
        case = session.scalar(select(Case).where(Case.call_id == call_id))
        if user.role == Role.handler and (case is None or not may_view(session, case, viewer)):
            raise HTTPException(403, "该通话的工单未派给您所在的单位。")
        path = Path(call.recording_path).resolve()
        if not path.is_file():
            raise HTTPException(404, "录音文件已按保留期限清理或不存在")
        record_audit(session, actor=viewer, action="recording.play", object_type="call", object_id=call_id,
                     ip=client_ip(request), details={"case_id": case.id} if case else None)
    return FileResponse(path, media_type="audio/wav", filename=f"{call_id}.wav")


__all__ = ["router", "reference_data", "Intent"]
