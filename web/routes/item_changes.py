"""Departments keep their own items: propose a change (or a correction from a case); the 政务服务局
reviews and publishes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from hotline.cases.errors import CaseError
from hotline.db import unit_of_work
from hotline.models import ChangeStatus, Department, Role, User, utcnow
from knowledge_base import item_changes, item_history
from knowledge_base.items import get_item
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.form_schemas import form_body
from web.labels import actor_names
from web.routes.public_pages import service_index
from web.templating import render

router = APIRouter()
KEEPERS = require_roles(Role.handler, Role.admin)


@router.get("/kb/changes")
def changes_page(request: Request, code: str | None = None, user: CurrentUser = Depends(KEEPERS)):
    with request.app.state.ctx.session_factory() as session:
        actor = session.get(User, user.id)
        reviewer = item_changes.is_reviewer(session, actor)
        item = get_item(session, code=code) if code else None
        own = (item_changes.list_changes(session, department_id=user.department_id)
               if user.department_id else [])
        pending = item_changes.list_changes(session, status=ChangeStatus.submitted) if reviewer else []
        draft = next((r for r in own if r.item_code == (item.code if item else None)
                      and r.status == ChangeStatus.draft and r.proposed_by == user.username), None)
        return render(request, "item_changes.html", {
            "draft": draft,
            "draft_values": {f: pair[1] for f, pair in (draft.changes if draft else {}).items()},
            "people": actor_names(session, {r.proposed_by for r in own + pending}),
            "shown": item_history.shown,
            "reviewer": reviewer, "item": item, "code": code or "", "fields": item_changes.EDITABLE,
            "department": session.get(Department, user.department_id) if user.department_id else None,
            "own": own, "pending": pending,
            "names": dict(session.execute(select(Department.id, Department.name)).all()),
        })


@router.post("/kb/changes",
             openapi_extra=form_body("case_id", "item_code", "reason", "action", "field_choice", "correction",
                                    *item_changes.EDITABLE))
async def propose(request: Request, user: CurrentUser = Depends(KEEPERS)):
    form = await request.form()
    raw_case = str(form.get("case_id") or "")
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        fields = {f: str(form.get(f) or "") for f in item_changes.EDITABLE}
        choice, correction = str(form.get("field_choice") or ""), str(form.get("correction") or "")
        if choice in item_changes.EDITABLE and correction.strip():  # the case page's 更正: field + value
            fields[choice] = correction
        item_changes.propose_change(
            session, item_code=str(form.get("item_code") or "").strip().upper(),
            actor=session.get(User, user.id), fields=fields,
            reason=str(form.get("reason") or ""), case_id=int(raw_case) if raw_case.isdigit() else None,
            draft=form.get("action") == "draft")
    return RedirectResponse(f"/cases/{raw_case}" if raw_case.isdigit() else "/kb/changes", status_code=303)


@router.post("/kb/changes/{request_id}/review", openapi_extra=form_body("decision", "note"))
async def review(request: Request, request_id: RowId, user: CurrentUser = Depends(KEEPERS)):
    form = await request.form()
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        item_changes.review_change(session, request_id=request_id, actor=session.get(User, user.id),
                                   publish=form.get("decision") == "publish",
                                   note=str(form.get("note") or ""), now=utcnow())
    with request.app.state.ctx.session_factory() as session:
        service_index(request.app).refresh_from_session(session)  # the guide and search see it at once
    return RedirectResponse("/kb/changes", status_code=303)


@router.post("/kb/changes/{request_id}/submit", openapi_extra=form_body())
async def submit(request: Request, request_id: RowId, user: CurrentUser = Depends(KEEPERS)):
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        item_changes.submit_draft(session, request_id=request_id, actor=session.get_one(User, user.id))
    return RedirectResponse("/kb/changes", status_code=303)


@router.get("/kb/items/{code}/history")
def history_page(request: Request, code: str, user: CurrentUser = Depends(KEEPERS)):
    with request.app.state.ctx.session_factory() as session:
        item, revisions = item_history.history(session, code=code[:32])
        requests = item_changes.list_changes(session, item_code=item.code)
        people = {r.proposer for r in revisions} | {r.reviewer or "" for r in revisions}
        people |= {r.proposed_by for r in requests} | {r.reviewed_by or "" for r in requests}
        return render(request, "item_history.html", {
            "item": item, "revisions": revisions, "requests": requests, "fields": item_changes.EDITABLE,
            "reviewer": item_changes.is_reviewer(session, session.get_one(User, user.id)),
            "people": actor_names(session, people), "shown": item_history.shown,
        })


@router.post("/kb/items/{code}/rollback", openapi_extra=form_body("revision_id", "reason"))
async def rollback(request: Request, code: str, user: CurrentUser = Depends(KEEPERS)):
    form = await request.form()
    raw = str(form.get("revision_id") or "")
    if not raw.isdigit():
        raise CaseError("invalid_input", "请选择要回滚到的版本。")
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        item = item_history.rollback(session, code=code[:32], revision_id=int(raw),
                                     actor=session.get_one(User, user.id),
                                     reason=str(form.get("reason") or ""), now=utcnow())
        code = item.code
    with request.app.state.ctx.session_factory() as session:
        service_index(request.app).refresh_from_session(session)
    return RedirectResponse(f"/kb/items/{code}/history", status_code=303)
