"""The agent's and handler's daily work beside the case lifecycle: cases entered by hand (手工录入), the next
case to confirm, 签收并答复 in one step, a caller's history for the live card, reply templates (答复模板)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse

from hotline.cases import reply_templates, urging
from hotline.cases.caller_history import caller_history
from hotline.cases.errors import CaseError
from hotline.cases.manual_intake import MANUAL_CHANNELS, ManualCase, check_manual_case, enter_manual_case
from hotline.cases.queries import next_to_confirm
from hotline.cases.quick_reply import sign_and_reply
from hotline.db import unit_of_work
from hotline.models import Role, User
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.errors import wants_json
from web.form_schemas import form_body
from web.form_values import form_text
from web.labels import STATUS, china_time, label
from web.public_guard import client_ip
from web.routes.case_action_kit import case_done, form_number, run_case_work
from web.routes.console import reference_data
from web.templating import render

router = APIRouter()
AGENTS = require_roles(Role.agent, Role.supervisor, Role.admin)
TEMPLATE_EDITORS = require_roles(Role.supervisor, Role.admin)
MANUAL_FIELDS = ("channel", "citizen_phone", "citizen_name", "title", "text", "address")


def _manual_page(request: Request, values: dict, error: str | None = None, status_code: int = 200):
    return render(
        request,
        "manual_case.html",
        {"channels": MANUAL_CHANNELS, "v": values, "error": error},
        status_code=status_code,
    )


@router.get("/intake/new")
def manual_case_form(request: Request, _user: CurrentUser = Depends(AGENTS)):
    return _manual_page(request, {"channel": request.query_params.get("channel", "walk_in")})


@router.post("/intake/new", openapi_extra=form_body(*MANUAL_FIELDS))
async def manual_case_submit(request: Request, user: CurrentUser = Depends(AGENTS)):
    form = await request.form()
    values = {k: form_text(form, k) for k in MANUAL_FIELDS}
    manual = ManualCase(**{k: v for k, v in values.items()})
    ctx = request.app.state.ctx
    try:
        _, text, _ = check_manual_case(manual)
        analysis = await run_in_threadpool(ctx.analyze, text)

        def unit():
            with unit_of_work(ctx.session_factory) as session:
                case = enter_manual_case(
                    session, actor=session.get(User, user.id), form=manual, analysis=analysis
                )
                return case.id, case.tracking_code, case.channel.value

        case_id, code, channel = await run_in_threadpool(unit)
    except CaseError as exc:
        if exc.code != "invalid_input":
            raise
        return _manual_page(request, values, exc.message, status_code=422)
    ctx.hub.publish("case.created", case_id=case_id, tracking_code=code, channel=channel)
    return RedirectResponse(f"/cases/{case_id}?" + urlencode({"notice": "created", "done": code}), 303)


@router.get("/intake/next")
def next_case(request: Request, _user: CurrentUser = Depends(AGENTS)):
    """下一件: the oldest case waiting to be confirmed; the notice of what was just done rides along."""
    keep = {k: request.query_params[k] for k in ("notice", "done") if request.query_params.get(k)}
    with request.app.state.ctx.session_factory() as session:
        case = next_to_confirm(session)
    if case is None:
        keep["empty"] = "1"
        return RedirectResponse("/?" + urlencode(keep), status_code=303)
    return RedirectResponse(f"/cases/{case.id}" + ("?" + urlencode(keep) if keep else ""), status_code=303)


@router.post("/cases/{case_id}/sign_reply", openapi_extra=form_body("reply", "note"))
async def case_sign_reply(
    request: Request, case_id: RowId, user: CurrentUser = Depends(require_roles(Role.handler))
):
    def work(session, actor, form):
        sign_and_reply(
            session, case_id=case_id, actor=actor, reply=form_text(form, "reply"), ip=client_ip(request)
        )
        return case_id

    _, status = await run_case_work(request, user, work)
    return case_done(request, case_id, status)


@router.post("/cases/{case_id}/urge", openapi_extra=form_body("note"))
async def case_urge(request: Request, case_id: RowId, user: CurrentUser = Depends(TEMPLATE_EDITORS)):
    """催办 (counted); the handler's queue shows it, and ``case.urged`` reaches open pages."""

    def work(session, actor, form):
        event = urging.urge_case(
            session, case_id=case_id, actor=actor, note=form_text(form, "note"), ip=client_ip(request)
        )
        urged["count"] = int((event.details or {}).get("count", 0))
        return case_id

    urged: dict[str, int] = {}
    _, status = await run_case_work(request, user, work)
    request.app.state.ctx.hub.publish("case.urged", case_id=case_id, count=urged["count"])
    return _back(request, case_id, status, "urged")


@router.post("/cases/{case_id}/opinion", openapi_extra=form_body("opinion"))
async def case_opinion(request: Request, case_id: RowId, user: CurrentUser = Depends(TEMPLATE_EDITORS)):
    def work(session, actor, form):
        urging.add_opinion(
            session, case_id=case_id, actor=actor, opinion=form_text(form, "opinion"), ip=client_ip(request)
        )
        return case_id

    _, status = await run_case_work(request, user, work)
    return _back(request, case_id, status, "opinion")


def _back(request: Request, case_id: RowId, status: str, notice: str):
    """Back where the supervisor was (the 督办 list or the case page), with a notice."""
    if wants_json(request):
        return case_done(request, case_id, status)
    target = "/supervision" if request.query_params.get("from") == "supervision" else f"/cases/{case_id}"
    return RedirectResponse(f"{target}?notice={notice}", status_code=303)


@router.get("/api/callers/{phone}/history")
def caller_history_api(request: Request, phone: str, _user: CurrentUser = Depends(AGENTS)):
    """For the live call card (来电弹屏): the number's earlier cases."""
    with request.app.state.ctx.session_factory() as session:
        history = caller_history(session, phone=phone, limit=5)
        cases = [
            {
                "id": c.id,
                "tracking_code": c.tracking_code,
                "title": c.title,
                "status": label(STATUS, c.status),
                "created": china_time(c.created_at),
            }
            for c in history.cases
        ]
    return JSONResponse(
        {"phone": history.phone, "total": history.total, "open_total": history.open_total, "cases": cases}
    )


def _templates_page(
    request: Request, session, *, error: str | None = None, values: dict | None = None, status_code: int = 200
):
    refs = reference_data(session)
    return render(
        request,
        "reply_templates.html",
        {
            "templates": reply_templates.list_templates(session),
            "departments": refs["departments"],
            "items": refs["items"],
            "placeholders": reply_templates.PLACEHOLDERS,
            "error": error,
            "v": values or {},
        },
        status_code=status_code,
    )


@router.get("/reply-templates")
def templates_page(request: Request, _user: CurrentUser = Depends(TEMPLATE_EDITORS)):
    with request.app.state.ctx.session_factory() as session:
        return _templates_page(request, session)


@router.post("/reply-templates", openapi_extra=form_body(
    "name", "body", "department_id", "service_item", "shortcut"))
async def template_create(request: Request, user: CurrentUser = Depends(TEMPLATE_EDITORS)):
    form = await request.form()
    values = {k: form_text(form, k) for k in ("name", "body", "department_id", "service_item", "shortcut")}
    try:
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            reply_templates.create_template(
                session,
                actor=session.get(User, user.id),
                name=values["name"],
                body=values["body"],
                department_id=form_number(form, "department_id", "承办部门"),
                service_item_code=values["service_item"],
                shortcut=form_number(form, "shortcut", "快捷键"),
            )
    except CaseError as exc:
        if exc.code != "invalid_input":
            raise
        with request.app.state.ctx.session_factory() as session:
            return _templates_page(request, session, error=exc.message, values=values, status_code=422)
    return RedirectResponse("/reply-templates?notice=template_saved", status_code=303)


@router.post("/reply-templates/{template_id}/active", openapi_extra=form_body("active"))
async def template_active(request: Request, template_id: RowId,
                          _user: CurrentUser = Depends(TEMPLATE_EDITORS)):
    form = await request.form()
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        reply_templates.set_template_active(
            session, template_id=template_id, active=form_text(form, "active") == "1"
        )
    return RedirectResponse("/reply-templates", status_code=303)
