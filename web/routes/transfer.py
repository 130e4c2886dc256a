"""The 中转办 coordinator's board: multi-department cases, pending co-handler replies, offline steps."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from hotline.cases import transfer_board
from hotline.cases.errors import CaseError
from hotline.cases.working_days import china_date
from hotline.db import unit_of_work
from hotline.models import Role, User, utcnow
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.form_schemas import form_body
from web.templating import render

router = APIRouter()
COORDINATORS = require_roles(Role.agent, Role.supervisor, Role.admin)


@router.get("/transfer")
def board(request: Request, user: CurrentUser = Depends(COORDINATORS)):
    today = china_date(utcnow())
    with request.app.state.ctx.session_factory() as session:
        rows = transfer_board.coordinator_board(session, viewer=session.get(User, user.id), today=today)
        return render(request, "transfer_board.html", {"rows": rows, "today": today,
                                                       "overdue": transfer_board.is_overdue})


@router.post("/transfer/cases/{case_id}/steps", openapi_extra=form_body("due_on", "title"))
async def add_step(request: Request, case_id: RowId, user: CurrentUser = Depends(COORDINATORS)):
    form = await request.form()
    raw_due = str(form.get("due_on") or "").strip()
    try:
        due_on = date.fromisoformat(raw_due) if raw_due else None
    except ValueError:
        raise CaseError("invalid_input", "日期格式应为 YYYY-MM-DD。") from None
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        transfer_board.add_step(session, case_id=case_id, actor=session.get(User, user.id),
                                title=str(form.get("title") or ""), due_on=due_on, now=utcnow())
    return RedirectResponse(f"/transfer#case-{case_id}", status_code=303)


@router.post("/transfer/steps/{step_id}/done", openapi_extra=form_body())
def complete_step(request: Request, step_id: RowId, user: CurrentUser = Depends(COORDINATORS)):
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        step = transfer_board.complete_step(session, step_id=step_id, actor=session.get(User, user.id),
                                            now=utcnow())
        case_id = step.case_id
    return RedirectResponse(f"/transfer#case-{case_id}", status_code=303)
