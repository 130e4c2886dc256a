"""What the hotline agents (接线员, 值班长) do to a case: confirm the intake, answer it directly or dispatch
it, redispatch, merge a duplicate, and close it once the handler has replied (URLs ``/cases/{id}/...``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hotline.cases import lifecycle
from hotline.cases.errors import CaseError
from hotline.cases.intake_confirmation import IntakeForm, confirm_intake
from hotline.models import Case, Role, User
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.case_masking import kept_if_masked
from web.errors import wants_json
from web.form_schemas import form_body
from web.form_values import form_text
from web.public_guard import client_ip
from web.routes.case_action_kit import (
    Perform,
    add_case_actions,
    case_done,
    form_number,
    form_target,
    run_case_work,
    with_note,
    with_reply,
)

router = APIRouter()


def _dispatch(action: str) -> Perform:
    def perform(s: Session, actor: User, case_id: int, form: FormData, ip: str) -> object:
        co = [int(v) for v in form.getlist("co_department_ids")
              if isinstance(v, str) and v.isdigit() and len(v) < 10]
        return lifecycle.dispatch_case(
            s,
            case_id=case_id,
            actor=actor,
            ip=ip,
            action=action,
            co_department_ids=co,
            coordinator_id=form_number(form, "coordinator_id", "协调人"),
            note=form_text(form, "note"),
            **form_target(form),
        )

    return perform


def _master(s: Session, form: FormData) -> int:
    ref = form_text(form, "master").strip().upper()
    master = s.scalar(select(Case.id).where(Case.tracking_code == ref[:32])) if ref else None
    if master is None and ref.isdigit():
        master = form_number(form, "master", "主工单")
    if master is None:
        raise CaseError("invalid_input", "请填写主工单的编号。")
    return master


AGENT_ACTIONS: dict[str, Perform] = {
    "dispatch": _dispatch("dispatch"),
    "redispatch": _dispatch("redispatch"),
    "answer": with_reply(lifecycle.answer_case),
    "close": with_note(lifecycle.close_case),
    "merge": lambda s, actor, case_id, form, ip: lifecycle.merge_case(
        s, case_id=case_id, master_id=_master(s, form), actor=actor, note=form_text(form, "note"), ip=ip
    ),
}
add_case_actions(router, AGENT_ACTIONS)


@router.post("/cases/{case_id}/confirm", openapi_extra=form_body(
    "then", "citizen_phone", "citizen_name", "town", "service_item", "intent", "department_id", "reply",
    "title", "content", "address"))
async def confirm(
    request: Request, case_id: RowId, user: CurrentUser = Depends(require_roles(Role.agent, Role.supervisor))
) -> Any:
    """确认受理信息 (corrections feed the classifier), then optionally 派单 or 直接答复 in the same step.
    A refused form comes back inline with what was typed; after 派单/答复 the next case to confirm opens."""
    then = {"then": "save"}

    def work(session: Session, actor: User, form: FormData) -> int:
        then["then"] = form_text(form, "then") or "save"
        stored = session.get(Case, case_id)
        form_data = IntakeForm(  # the page shows the phone masked: "138****5678" sent back means unchanged
            citizen_phone=kept_if_masked(form_text(form, "citizen_phone"),
                                         stored.citizen_phone if stored else None),
            citizen_name=form_text(form, "citizen_name"),
            town=form_text(form, "town"),
            service_item_code=form_text(form, "service_item"),
            intent=form_text(form, "intent"),
            department_id=form_number(form, "department_id", "承办部门"),
            title=form_text(form, "title"),
            content=form_text(form, "content"),
            address=None if form.get("address") is None else form_text(form, "address"),
        )
        confirm_intake(session, case_id=case_id, actor=actor, form=form_data, ip=client_ip(request))
        if then["then"] == "dispatch":
            _dispatch("dispatch")(session, actor, case_id, form, client_ip(request))
        elif then["then"] == "answer":
            lifecycle.answer_case(
                session, case_id=case_id, actor=actor, reply=form_text(form, "reply"), ip=client_ip(request)
            )
        elif then["then"] != "save":
            raise CaseError("invalid_input", "未知的后续操作。")
        return case_id

    try:
        _, status = await run_case_work(request, user, work)
    except CaseError as exc:
        if exc.code != "invalid_input" or wants_json(request):
            raise
        from web.routes.console import case_page  # the case page renders the refused form inline

        values = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
        return case_page(request, case_id, user, intake_error=exc.message, intake_values=values,
                         status_code=422)
    if wants_json(request) or request.headers.get("x-requested-with") == "fetch":
        return case_done(request, case_id, status)
    code = await run_in_threadpool(_tracking_code, request, case_id)
    if then["then"] in ("dispatch", "answer"):
        notice = "dispatched" if then["then"] == "dispatch" else "answered"
        return RedirectResponse("/intake/next?" + urlencode({"notice": notice, "done": code}), 303)
    return RedirectResponse(f"/cases/{case_id}?" + urlencode({"notice": "saved", "done": code}), 303)


def _tracking_code(request: Request, case_id: int) -> str:
    with request.app.state.ctx.session_factory() as session:
        return session.scalar(select(Case.tracking_code).where(Case.id == case_id)) or ""
