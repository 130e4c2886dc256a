"""Every case transition as a plain form POST (or fetch with the X-CSRF-Token header): one route per action,
one service call per route, one unit of work per request. On success the browser goes back to the case
page (JSON clients get ``{ok, case_id, status}``); errors are rendered by web.errors.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import select

from hotline.cases import appointments, coordination, lifecycle
from hotline.cases.errors import CaseError
from hotline.cases.intake_confirmation import IntakeForm, confirm_intake
from hotline.cases.queries import may_view
from hotline.cases.transitions import RULES
from hotline.db import unit_of_work
from hotline.models import Appointment, AppointmentKind, Case, CaseExtension, Role, User
from web.auth import CurrentUser, require_roles
from web.bounds import MAX_COUNT, MAX_ROW_ID, NumberOutOfRange, RowId, bounded_int
from web.case_masking import kept_if_masked
from web.errors import wants_json
from web.form_schemas import case_action_body, form_body
from web.public_guard import client_ip

router = APIRouter()
NON_HANDLERS = frozenset({Role.agent, Role.supervisor, Role.admin, Role.analyst})
BOOKERS = (Role.agent, Role.supervisor, Role.handler, Role.admin)


def _text(form, key: str) -> str:
    return str(form.get(key) or "")


def _int(form, key: str, what: str) -> int | None:
    raw = _text(form, key).strip()
    if not raw:
        return None
    try:
        return bounded_int(raw, what, high=MAX_COUNT if "天" in what or "时限" in what else MAX_ROW_ID)
    except NumberOutOfRange as exc:
        raise CaseError("invalid_input", str(exc)) from None


def _target(form) -> dict:
    return {
        "department_id": _int(form, "department_id", "承办部门"),
        "site_id": _int(form, "site_id", "服务站点"),
        "time_limit_days": _int(form, "time_limit_days", "办理时限"),
    }


def _dispatch(action: str):
    def perform(s, actor, case_id, form, ip):
        co = [int(v) for v in form.getlist("co_department_ids") if str(v).isdigit() and len(str(v)) < 10]
        return lifecycle.dispatch_case(
            s,
            case_id=case_id,
            actor=actor,
            ip=ip,
            action=action,
            co_department_ids=co,
            coordinator_id=_int(form, "coordinator_id", "协调人"),
            note=_text(form, "note"),
            **_target(form),
        )

    return perform


def _master(s, form) -> int:
    ref = _text(form, "master").strip().upper()
    master = s.scalar(select(Case.id).where(Case.tracking_code == ref[:32])) if ref else None
    if master is None and ref.isdigit():
        master = _int(form, "master", "主工单")
    if master is None:
        raise CaseError("invalid_input", "请填写主工单的编号。")
    return master


def _note(fn):
    return lambda s, actor, case_id, form, ip: fn(
        s, case_id=case_id, actor=actor, note=_text(form, "note"), ip=ip
    )


def _reply(fn):
    return lambda s, actor, case_id, form, ip: fn(
        s, case_id=case_id, actor=actor, reply=_text(form, "reply"), ip=ip
    )


Perform = Callable[..., object]
CASE_ACTIONS: dict[str, Perform] = {
    "dispatch": _dispatch("dispatch"),
    "redispatch": _dispatch("redispatch"),
    "answer": _reply(lifecycle.answer_case),
    "sign": _note(lifecycle.sign_case),
    "start": _note(lifecycle.start_handling),
    "reply": _reply(lifecycle.reply_case),
    "co_reply": _reply(coordination.co_reply_case),
    "close": _note(lifecycle.close_case),
    "coordinator_close": _note(lifecycle.coordinator_close),
    "archive": _note(lifecycle.archive_case),
    "suspend": _note(lifecycle.suspend_case),
    "resume": _note(lifecycle.resume_case),
    "return": lambda s, actor, case_id, form, ip: lifecycle.return_case(
        s, case_id=case_id, actor=actor, reason=_text(form, "reason"), note=_text(form, "note"), ip=ip
    ),
    "reopen": lambda s, actor, case_id, form, ip: lifecycle.reopen_case(
        s, case_id=case_id, actor=actor, note=_text(form, "note"), ip=ip, **_target(form)
    ),
    "merge": lambda s, actor, case_id, form, ip: lifecycle.merge_case(
        s, case_id=case_id, master_id=_master(s, form), actor=actor, note=_text(form, "note"), ip=ip
    ),
    "request_extension": lambda s, actor, case_id, form, ip: coordination.request_extension(
        s,
        case_id=case_id,
        actor=actor,
        days=_int(form, "days", "延期天数") or 0,
        reason=_text(form, "reason"),
        ip=ip,
    ),
}


def route_roles(action: str) -> tuple[Role, ...]:
    """Who may reach the route: the rule's roles, plus anyone who can be a case's coordinator (中转办)."""
    rule = RULES[action]
    return tuple(sorted(rule.roles | (NON_HANDLERS if rule.coordinator else frozenset())))


def _done(request: Request, case_id: RowId, status: str) -> object:
    if wants_json(request) or request.headers.get("x-requested-with") == "fetch":
        return JSONResponse({"ok": True, "case_id": case_id, "status": status})
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


async def _run(request: Request, user: CurrentUser, work: Callable) -> tuple[int, str]:
    form = await request.form()
    ctx = request.app.state.ctx

    def unit() -> tuple[int, str]:
        with unit_of_work(ctx.session_factory) as session:
            actor = session.get(User, user.id)
            case_id = work(session, actor, form)
            case = session.get(Case, case_id)
            return case_id, case.status.value

    case_id, status = await run_in_threadpool(unit)
    ctx.hub.publish("case.updated", case_id=case_id, status=status, actor=user.username)
    return case_id, status


def _case_endpoint(action: str, perform: Perform):
    guard = require_roles(*route_roles(action))

    async def endpoint(request: Request, case_id: RowId, user: CurrentUser = Depends(guard)):
        def work(session, actor, form):
            perform(session, actor, case_id, form, client_ip(request))
            return case_id

        _, status = await _run(request, user, work)
        return _done(request, case_id, status)

    endpoint.__name__ = f"case_{action}"
    return endpoint


for _action, _perform in CASE_ACTIONS.items():
    router.add_api_route(
        f"/cases/{{case_id}}/{_action}",
        _case_endpoint(_action, _perform),
        methods=["POST"],
        name=f"case_{_action}",
        openapi_extra=case_action_body(_action),
    )


@router.post("/cases/{case_id}/confirm", openapi_extra=form_body(
    "then", "citizen_phone", "citizen_name", "town", "service_item", "intent", "department_id", "reply",
    "title", "content", "address"))
async def confirm(
    request: Request, case_id: RowId, user: CurrentUser = Depends(require_roles(Role.agent, Role.supervisor))
):
    """确认受理信息 (corrections feed the classifier), then optionally 派单 or 直接答复 in the same step.
    A refused form comes back inline with what was typed; after 派单/答复 the next case to confirm opens."""
    then = {"then": "save"}

    def work(session, actor, form):
        then["then"] = _text(form, "then") or "save"
        stored = session.get(Case, case_id)
        form_data = IntakeForm(  # the page shows the phone masked: "138****5678" sent back means unchanged
            citizen_phone=kept_if_masked(_text(form, "citizen_phone"),
                                         stored.citizen_phone if stored else None),
            citizen_name=_text(form, "citizen_name"),
            town=_text(form, "town"),
            service_item_code=_text(form, "service_item"),
            intent=_text(form, "intent"),
            department_id=_int(form, "department_id", "承办部门"),
            title=_text(form, "title"),
            content=_text(form, "content"),
            address=None if form.get("address") is None else _text(form, "address"),
        )
        confirm_intake(session, case_id=case_id, actor=actor, form=form_data, ip=client_ip(request))
        if then["then"] == "dispatch":
            _dispatch("dispatch")(session, actor, case_id, form, client_ip(request))
        elif then["then"] == "answer":
            lifecycle.answer_case(
                session, case_id=case_id, actor=actor, reply=_text(form, "reply"), ip=client_ip(request)
            )
        elif then["then"] != "save":
            raise CaseError("invalid_input", "未知的后续操作。")
        return case_id

    try:
        _, status = await _run(request, user, work)
    except CaseError as exc:
        if exc.code != "invalid_input" or wants_json(request):
            raise
        from web.routes.console import case_page  # the case page renders the refused form inline

        values = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
        return case_page(request, case_id, user, intake_error=exc.message, intake_values=values,
                         status_code=422)
    if wants_json(request) or request.headers.get("x-requested-with") == "fetch":
        return _done(request, case_id, status)
    code = await run_in_threadpool(_tracking_code, request, case_id)
    if then["then"] in ("dispatch", "answer"):
        notice = "dispatched" if then["then"] == "dispatch" else "answered"
        return RedirectResponse("/intake/next?" + urlencode({"notice": notice, "done": code}), 303)
    return RedirectResponse(f"/cases/{case_id}?" + urlencode({"notice": "saved", "done": code}), 303)


def _tracking_code(request: Request, case_id: int) -> str:
    with request.app.state.ctx.session_factory() as session:
        return session.scalar(select(Case.tracking_code).where(Case.id == case_id)) or ""


@router.post("/extensions/{extension_id}/decide", openapi_extra=form_body("approve", "days", "note"))
async def decide_extension(
    request: Request,
    extension_id: RowId,
    user: CurrentUser = Depends(require_roles(*route_roles("decide_extension"))),
):
    def work(session, actor, form):
        coordination.decide_extension(
            session,
            extension_id=extension_id,
            actor=actor,
            approve=_text(form, "approve") == "1",
            days=_int(form, "days", "延期天数"),
            note=_text(form, "note"),
            ip=client_ip(request),
        )
        return session.get(CaseExtension, extension_id).case_id

    case_id, status = await _run(request, user, work)
    return _done(request, case_id, status)


def _check_booker(session, actor: User, case_id: RowId) -> None:
    """Handlers book only for cases of their own department or site."""
    case = session.get(Case, case_id)
    if case is None:
        raise CaseError("not_found", f"工单 {case_id} 不存在。")
    if not may_view(session, case, actor):
        raise CaseError("not_case_handler", "该工单未派给您所在的单位。")


def _slot_start(form) -> datetime:
    try:
        return datetime.fromisoformat(_text(form, "slot_start"))
    except ValueError:
        raise CaseError("invalid_input", "请从可选时段中选择预约时间。") from None


@router.post("/cases/{case_id}/appointments/window", openapi_extra=form_body("slot_start", "site_id", "note"))
async def book_window(request: Request, case_id: RowId, user: CurrentUser = Depends(require_roles(*BOOKERS))):
    def work(session, actor, form):
        _check_booker(session, actor, case_id)
        appointments.book_window(
            session,
            case_id=case_id,
            site_id=_int(form, "site_id", "站点") or 0,
            slot_start=_slot_start(form),
            actor=actor,
            note=_text(form, "note"),
        )
        return case_id

    _, status = await _run(request, user, work)
    return _done(request, case_id, status)


@router.post("/cases/{case_id}/appointments/home",
             openapi_extra=form_body("day", "kind", "town", "address", "note"))
async def book_home(request: Request, case_id: RowId, user: CurrentUser = Depends(require_roles(*BOOKERS))):
    def work(session, actor, form):
        _check_booker(session, actor, case_id)
        try:
            day = date.fromisoformat(_text(form, "day"))
        except ValueError:
            raise CaseError("invalid_input", "请选择上门服务日期。") from None
        kind = _text(form, "kind")
        if kind not in ("red_team", "service_vehicle"):
            raise CaseError("invalid_input", "请选择红色服务队或流动服务车。")
        appointments.book_home_visit(
            session,
            case_id=case_id,
            kind=AppointmentKind(kind),
            town=_text(form, "town"),
            day=day,
            address=_text(form, "address"),
            actor=actor,
            note=_text(form, "note"),
        )
        return case_id

    _, status = await _run(request, user, work)
    return _done(request, case_id, status)


@router.post("/appointments/{appointment_id}/cancel", openapi_extra=form_body("reason"))
async def cancel_appointment(
    request: Request, appointment_id: RowId, user: CurrentUser = Depends(require_roles(*BOOKERS))
):
    def work(session, actor, form):
        appointment = session.get(Appointment, appointment_id)
        if appointment is None:
            raise CaseError("not_found", f"预约 {appointment_id} 不存在。")
        _check_booker(session, actor, appointment.case_id)
        appointments.cancel_appointment(
            session, appointment_id=appointment_id, actor=actor, reason=_text(form, "reason")
        )
        return appointment.case_id

    case_id, status = await _run(request, user, work)
    return _done(request, case_id, status)
