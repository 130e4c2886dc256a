"""转接 (blind or 咨询后转接 announced) to a department, another agent or a queue, 完成/取消转接, and the
supervisor's 耳语 / 强插 next to 监听. Each route writes a command the worker holding the call takes within
about a second (hotline.agents.transfers)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from hotline.agents import transfers
from hotline.models import Role, utcnow
from hotline.sip.browser_phones import configured_browser_phone_uri
from web.auth import CurrentUser, require_roles
from web.form_schemas import form_body
from web.routes.agent_desk import AGENT, _change

router = APIRouter()
SUPERVISOR = require_roles(Role.supervisor)


@router.post("/agent/pass", openapi_extra=form_body("target", "mode"))
async def pass_call(request: Request, user: CurrentUser = Depends(AGENT)):
    """target: department:ID | agent:ID | queue:zh|mn; mode: blind (转接) | announced (咨询后转接)."""
    def work(session, form):
        transfers.request_from_console(session, agent_id=user.id, choice=str(form.get("target", "")),
                                       announced=form.get("mode") == "announced", now=utcnow())

    return await _change(request, user, work)


@router.post("/agent/consult/complete", openapi_extra=form_body())
async def complete(request: Request, user: CurrentUser = Depends(AGENT)):
    return await _change(request, user, lambda session, form: transfers.request_step(
        session, agent_id=user.id, step="complete", now=utcnow()))


@router.post("/agent/consult/cancel", openapi_extra=form_body())
async def cancel(request: Request, user: CurrentUser = Depends(AGENT)):
    return await _change(request, user, lambda session, form: transfers.request_step(
        session, agent_id=user.id, step="cancel", now=utcnow()))


@router.post("/supervise/calls/{call_id}/whisper", openapi_extra=form_body())
async def whisper(request: Request, call_id: str, user: CurrentUser = Depends(SUPERVISOR)):
    """耳语: the supervisor's phone hears both sides; only the agent hears the supervisor."""
    phone = configured_browser_phone_uri(request.app.state.ctx.settings, user.username) or ""
    return await _change(request, user, lambda session, form: transfers.request_supervision(
        session, supervisor_id=user.id, call_id=call_id, mode="whisper", now=utcnow(),
        browser_phone_uri=phone))


@router.post("/supervise/calls/{call_id}/barge", openapi_extra=form_body())
async def barge(request: Request, call_id: str, user: CurrentUser = Depends(SUPERVISOR)):
    """强插: the supervisor talks with both the caller and the agent."""
    phone = configured_browser_phone_uri(request.app.state.ctx.settings, user.username) or ""
    return await _change(request, user, lambda session, form: transfers.request_supervision(
        session, supervisor_id=user.id, call_id=call_id, mode="barge", now=utcnow(),
        browser_phone_uri=phone))
