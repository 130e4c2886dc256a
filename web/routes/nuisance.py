"""骚扰来电黑名单: supervisors keep the list (/nuisance); agents flag a phone case's caller."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse

from hotline.db import unit_of_work
from hotline.models import Case, Channel, Role, User, utcnow
from hotline.nuisance import blacklist
from hotline.nuisance.blacklist import NuisanceError
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.form_schemas import form_body
from web.labels import NUISANCE_STATE, actor_names
from web.public_guard import client_ip
from web.templating import render

router = APIRouter()
SUPERVISORS = require_roles(Role.supervisor, Role.admin)
AGENTS = require_roles(Role.agent, Role.supervisor, Role.admin)
ADD_FIELDS = ("phone", "reason", "days")


def _days(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise NuisanceError("期限请填写天数（整数），或留空表示长期有效。")
    return int(raw)


def _text(form, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _page(request: Request, *, error: str | None = None, values: dict | None = None, status_code: int = 200):
    with request.app.state.ctx.session_factory() as session:
        lists = blacklist.blacklist(session, now=utcnow())
        people = {r.flagged_by for r in (*lists.pending, *lists.active, *lists.past)}
        people |= {r.decided_by for r in (*lists.active, *lists.past) if r.decided_by}
        names = actor_names(session, people)
        context = {"lists": lists, "names": names, "error": error, "states": NUISANCE_STATE,
                   "v": values or {}}
        return render(request, "nuisance.html", context, status_code=status_code)


@router.get("/nuisance")
def nuisance_page(request: Request, _user: CurrentUser = Depends(SUPERVISORS)):
    return _page(request)


@router.post("/nuisance", openapi_extra=form_body(*ADD_FIELDS))
async def nuisance_add(request: Request, user: CurrentUser = Depends(SUPERVISORS)):
    async with request.form() as form:
        values = {k: _text(form, k) for k in ADD_FIELDS}
    try:
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            blacklist.add_entry(session, phone=values["phone"], reason=values["reason"],
                                days=_days(values["days"]), actor=session.get(User, user.id), now=utcnow(),
                                ip=client_ip(request))
    except NuisanceError as exc:
        return _page(request, error=str(exc), values=values, status_code=422)
    return RedirectResponse("/nuisance?notice=nuisance_added", status_code=303)


@router.post("/nuisance/{entry_id}/{step}", openapi_extra=form_body("days"))
async def nuisance_decide(request: Request, entry_id: RowId, step: str,
                          user: CurrentUser = Depends(SUPERVISORS)):
    """confirm (with an expiry in days, or none), reject, or lift an entry."""
    async with request.form() as form:
        days = _text(form, "days")
    try:
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            actor, now, ip = session.get(User, user.id), utcnow(), client_ip(request)
            if step == "confirm":
                blacklist.confirm(session, entry_id=entry_id, days=_days(days), actor=actor, now=now, ip=ip)
            elif step == "reject":
                blacklist.reject(session, entry_id=entry_id, actor=actor, now=now, ip=ip)
            elif step == "lift":
                blacklist.lift(session, entry_id=entry_id, actor=actor, now=now, ip=ip)
            else:
                raise NuisanceError("未知操作，请在黑名单页面上点按钮操作。")
    except NuisanceError as exc:
        return _page(request, error=str(exc), status_code=422)
    return RedirectResponse(f"/nuisance?notice=nuisance_{step}", status_code=303)


@router.post("/cases/{case_id}/flag_nuisance", openapi_extra=form_body("reason"))
async def flag_case_caller(request: Request, case_id: RowId, user: CurrentUser = Depends(AGENTS)):
    """An agent flags the caller of a phone case; a supervisor confirms it on /nuisance."""
    async with request.form() as form:
        reason = _text(form, "reason")
    try:
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            case = session.get(Case, case_id)
            if case is None or case.channel is not Channel.phone or not case.citizen_phone:
                raise NuisanceError("只能标记电话来电的号码。")
            blacklist.flag_call(session, phone=case.citizen_phone, reason=reason,
                                actor=session.get(User, user.id), now=utcnow(), case_id=case.id,
                                call_id=case.call_id, ip=client_ip(request))
    except NuisanceError:
        return RedirectResponse(f"/cases/{case_id}?notice=nuisance_bad#nuisance-flag", status_code=303)
    return RedirectResponse(f"/cases/{case_id}?notice=nuisance_flagged", status_code=303)


@router.post("/nuisance/flag", openapi_extra=form_body("phone", "reason", "call_id"))
async def flag_live_caller(request: Request, user: CurrentUser = Depends(AGENTS)):
    """标记骚扰来电 from a live call card (JSON answer); a supervisor confirms it on /nuisance."""
    async with request.form() as form:
        phone, reason, call_id = _text(form, "phone"), _text(form, "reason"), _text(form, "call_id")[:64]
    try:
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            entry = blacklist.flag_call(session, phone=phone, reason=reason, actor=session.get(User, user.id),
                                        now=utcnow(), call_id=call_id or None, ip=client_ip(request))
            state = entry.state.value
    except NuisanceError as exc:
        return JSONResponse({"ok": False, "error": str(exc)}, status_code=422)
    return JSONResponse({"ok": True, "state": NUISANCE_STATE[state]})
