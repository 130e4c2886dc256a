"""督办 escalation routes: 黄牌/红牌 on a case (a 红牌 texts the department through the SMS outbox) and
批量催办 from the 督办 list."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from hotline.cases.errors import CaseError
from hotline.cases.escalation import issue_card, urge_many
from hotline.db import unit_of_work
from hotline.models import Role, SmsKind, User, utcnow
from hotline.sms.outbox import queue_staff_notice
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.form_schemas import form_body
from web.public_guard import client_ip

router = APIRouter()
SUPERVISORS = require_roles(Role.supervisor, Role.admin)


@router.post("/cases/{case_id}/card", openapi_extra=form_body("color", "note"))
async def case_card(request: Request, case_id: RowId, user: CurrentUser = Depends(SUPERVISORS)):
    async with request.form() as form:
        color, note = str(form.get("color") or ""), str(form.get("note") or "")

    def work() -> tuple[str, str]:
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            event = issue_card(session, case_id=case_id, actor=session.get(User, user.id), color=color,
                               note=note, ip=client_ip(request))
            if color == "red":
                queue_staff_notice(session, case=event.case, kind=SmsKind.red_card, now=utcnow(),
                                   note=note.strip()[:40])
            return event.case.tracking_code, event.action

    try:
        code, action = await run_in_threadpool(work)
    except CaseError as exc:
        if exc.code not in ("invalid_input", "invalid_transition"):
            raise
        return RedirectResponse(f"/cases/{case_id}?" + urlencode({"notice": "card_bad"}) + "#supervise", 303)
    request.app.state.ctx.hub.publish("case.urged", case_id=case_id, card=action)
    return RedirectResponse(f"/cases/{case_id}?" + urlencode({"notice": action, "done": code}), 303)


@router.post("/supervision/urge", openapi_extra=form_body("case_ids", "note", lists=("case_ids",)))
async def bulk_urge(request: Request, user: CurrentUser = Depends(SUPERVISORS)):
    async with request.form() as form:
        raw_ids, note = form.getlist("case_ids"), str(form.get("note") or "")
    ids = [int(v) for v in raw_ids if isinstance(v, str) and v.isdigit() and len(v) < 10]

    def work():
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            return urge_many(session, case_ids=ids, actor=session.get(User, user.id), note=note,
                             ip=client_ip(request))

    try:
        result = await run_in_threadpool(work)
    except CaseError as exc:
        if exc.code != "invalid_input":
            raise
        return RedirectResponse("/supervision?notice=bulk_none", status_code=303)
    for case_id in result.urged:
        request.app.state.ctx.hub.publish("case.urged", case_id=case_id)
    done = f"{len(result.urged)} 件" + (f"，{len(result.skipped)} 件未催办" if result.skipped else "")
    return RedirectResponse("/supervision?" + urlencode({"notice": "bulk_urged", "done": done}), 303)
