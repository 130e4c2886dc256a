"""The agent's desk on the console: presence (置闲/示忙/签出), my phone and skills, my ringing or connected
call with the live 市民/坐席 transcript, the case of the call just ended, and the 回拨请求 list.

Thin routes: each calls one hotline.agents service in a unit of work and announces the change on the hub.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import select

from hotline.agents import call_queue, ring_backs, transfers
from hotline.agents.call_queue import QueueError
from hotline.agents.presence import (
    NOT_READY_REASONS,
    PresenceError,
    profile_for,
    release_wrap_ups,
    set_presence,
    set_profile,
)
from hotline.agents.ring_backs import RingBackError
from hotline.db import unit_of_work
from hotline.models import AgentState, Case, Department, QueueEntry, QueueEntryState, Role, utcnow
from hotline.sip.browser_phones import configured_browser_phone_uri
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.form_schemas import form_body

router = APIRouter()
AGENT = require_roles(Role.agent)
PHONE_OWNERS = require_roles(Role.agent, Role.supervisor)  # supervisors set a phone to listen in
STATE_LABELS = {"offline": "未登录", "ready": "置闲", "not_ready": "示忙", "ringing": "振铃",
                "on_call": "通话中", "wrap_up": "话后整理"}


def _desk(ctx, user_id: int) -> dict:
    with unit_of_work(ctx.session_factory) as session:
        now = utcnow()
        release_wrap_ups(session, now=now)
        profile = profile_for(session, user_id=user_id)
        last = session.scalar(select(QueueEntry).where(QueueEntry.agent_id == user_id,
                                                       QueueEntry.state == QueueEntryState.ended)
                              .order_by(QueueEntry.id.desc()).limit(1))
        last_case = session.scalar(select(Case).where(Case.call_id == last.call_id)) if last else None
        requests = [{"id": r.id, "phone": r.phone, "language": r.language, "state": r.state.value,
                     "mine": r.agent_id == user_id, "attempts": r.attempts,
                     "requested_at": r.created_at.isoformat()} for r in ring_backs.open_requests(session)]
        desk = {
            "state": profile.state.value, "state_label": STATE_LABELS[profile.state.value],
            "reason": profile.reason, "phone_uri": profile.phone_uri,
            "languages": profile.languages.split(","), "reasons": list(NOT_READY_REASONS),
            "wrap_up_until": profile.wrap_up_until.isoformat() if profile.wrap_up_until else None,
            "last_call": _last_call(last, last_case),
            "ring_backs": requests,
            "transfer_to": [{"id": d.id, "name": d.name, "phone": d.phone} for d in session.scalars(
                select(Department).where(Department.active.is_(True), Department.phone.is_not(None))
                .order_by(Department.kind, Department.name))],
        }
        desk["pass_to"] = transfers.transfer_targets(session, agent_id=user_id, now=now)
    mine = [c for c in ctx.live_calls.snapshots() if c.get("agent_id") == user_id and c.get("agent_state")]
    desk["call"] = mine[-1] if mine else None
    return desk


def _last_call(entry: QueueEntry | None, case: Case | None) -> dict | None:
    if entry is None:
        return None
    return {"call_id": entry.call_id, "caller": entry.caller, "case_id": case.id if case else None,
            "tracking_code": case.tracking_code if case else None, "content": case.content if case else ""}


@router.get("/api/agent/desk")
async def desk(request: Request, user: CurrentUser = Depends(AGENT)) -> dict:
    return await run_in_threadpool(_desk, request.app.state.ctx, user.id)


async def _change(request: Request, user: CurrentUser, work) -> object:
    """Run ``work(session, form)``; JSON for fetch callers, else back to the console; errors say why."""
    form = await request.form()
    ctx = request.app.state.ctx

    def unit() -> None:
        with unit_of_work(ctx.session_factory) as session:
            work(session, form)

    fetch = request.headers.get("x-requested-with") == "fetch"
    try:
        await run_in_threadpool(unit)
    except (PresenceError, RingBackError, QueueError) as exc:
        if fetch:
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=409)
        return RedirectResponse(f"/?desk_error={exc}", status_code=303)
    ctx.hub.publish("agent.presence", agent_id=user.id)
    return JSONResponse({"ok": True}) if fetch else RedirectResponse("/", status_code=303)


@router.post("/agent/presence", openapi_extra=form_body("state", "reason"))
async def presence(request: Request, user: CurrentUser = Depends(AGENT)):
    settings = request.app.state.ctx.settings  # softphone on: the console is a deskless agent's phone

    def work(session, form):
        try:
            state = AgentState(str(form.get("state", "")))
        except ValueError:
            raise PresenceError("未知的状态；请选择 置闲、示忙 或 签出") from None
        set_presence(session, user_id=user.id, state=state, reason=str(form.get("reason", "")), now=utcnow(),
                     browser_phone_uri=configured_browser_phone_uri(settings, user.username) or "")

    return await _change(request, user, work)


@router.post("/agent/phone", openapi_extra=form_body("phone_uri", "languages", lists=("languages",)))
async def phone(request: Request, user: CurrentUser = Depends(PHONE_OWNERS)):
    def work(session, form):
        set_profile(session, user_id=user.id, phone_uri=str(form.get("phone_uri", "")),
                    languages=[str(v) for v in form.getlist("languages")])

    return await _change(request, user, work)


@router.post("/agent/ring-backs/{request_id}/claim", openapi_extra=form_body())
async def claim(request: Request, request_id: RowId, user: CurrentUser = Depends(AGENT)):
    return await _change(request, user, lambda session, form: ring_backs.claim(
        session, request_id=request_id, agent_id=user.id))


@router.post("/agent/ring-backs/{request_id}/result", openapi_extra=form_body("connected", "note"))
async def result(request: Request, request_id: RowId, user: CurrentUser = Depends(AGENT)):
    return await _change(request, user, lambda session, form: ring_backs.record_attempt(
        session, request_id=request_id, agent_id=user.id, connected=form.get("connected") == "1",
        note=str(form.get("note", "")), now=utcnow()))


@router.post("/agent/call/{command}", openapi_extra=form_body("department_id"))
async def call_command(request: Request, command: str, user: CurrentUser = Depends(AGENT)):
    """保持 / 恢复 / 挂断 / 转接 (blind, to a department's phone) on my connected call; the worker holding it
    acts within about a second."""
    def work(session, form):
        department = str(form.get("department_id", "") or "")
        call_queue.request_command(session, agent_id=user.id, command=command, now=utcnow(),
                                   department_id=int(department) if department.isdigit() else None)

    return await _change(request, user, work)


@router.post("/supervise/calls/{call_id}/listen", openapi_extra=form_body())
async def listen(request: Request, call_id: str, user: CurrentUser = Depends(require_roles(Role.supervisor))):
    """监听: the supervisor's phone is dialled into the connected call and hears both sides silently."""
    phone = configured_browser_phone_uri(request.app.state.ctx.settings, user.username) or ""
    return await _change(request, user, lambda session, form: call_queue.request_listen(
        session, supervisor_id=user.id, call_id=call_id, now=utcnow(), browser_phone_uri=phone))

