"""What supervisors (督办) and a case's coordinator (中转办) do: close as coordinator, reopen, archive, and
decide on a handler's request for more time."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hotline.cases import coordination, lifecycle
from hotline.models import CaseExtension, User
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.form_schemas import form_body
from web.form_values import form_text
from web.public_guard import client_ip
from web.routes.case_action_kit import (
    Perform,
    add_case_actions,
    case_done,
    form_number,
    form_target,
    route_roles,
    run_case_work,
    with_note,
)

router = APIRouter()

SUPERVISOR_ACTIONS: dict[str, Perform] = {
    "coordinator_close": with_note(lifecycle.coordinator_close),
    "archive": with_note(lifecycle.archive_case),
    "reopen": lambda s, actor, case_id, form, ip: lifecycle.reopen_case(
        s, case_id=case_id, actor=actor, note=form_text(form, "note"), ip=ip, **form_target(form)
    ),
}
add_case_actions(router, SUPERVISOR_ACTIONS)


@router.post("/extensions/{extension_id}/decide", openapi_extra=form_body("approve", "days", "note"))
async def decide_extension(
    request: Request,
    extension_id: RowId,
    user: CurrentUser = Depends(require_roles(*route_roles("decide_extension"))),
) -> Any:
    def work(session: Session, actor: User, form: FormData) -> int:
        coordination.decide_extension(
            session,
            extension_id=extension_id,
            actor=actor,
            approve=form_text(form, "approve") == "1",
            days=form_number(form, "days", "延期天数"),
            note=form_text(form, "note"),
            ip=client_ip(request),
        )
        return session.get_one(CaseExtension, extension_id).case_id

    case_id, status = await run_case_work(request, user, work)
    return case_done(request, case_id, status)
