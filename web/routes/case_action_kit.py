"""What every case-action route shares: reading the form, one unit of work per request, the answer.

A route's ``work(session, actor, form)`` does one service call and returns the case id; :func:`run_case_work`
runs it in a thread with the signed-in user, publishes ``case.updated`` and returns ``(case_id, status)``;
:func:`case_done` answers (JSON for fetch clients, else back to the case page). Errors are rendered by
web.errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hotline.cases.errors import CaseError
from hotline.cases.transitions import RULES
from hotline.db import unit_of_work
from hotline.models import Case, Role, User
from web.auth import CurrentUser, require_roles
from web.bounds import MAX_COUNT, MAX_ROW_ID, NumberOutOfRange, RowId, bounded_int
from web.errors import wants_json
from web.form_schemas import case_action_body
from web.form_values import form_text
from web.public_guard import client_ip

# Anyone who can be a case's coordinator (中转办) besides handlers.
NON_HANDLERS = frozenset({Role.agent, Role.supervisor, Role.admin, Role.analyst})

# perform(session, actor, case_id, form, ip): one transition of the case
Perform = Callable[[Session, User, int, FormData, str], object]
Work = Callable[[Session, User, FormData], int]


def form_number(form: FormData, key: str, what: str) -> int | None:
    """An optional whole number; ``what`` names it in the error (a day count when it says 天 or 时限)."""
    raw = form_text(form, key).strip()
    if not raw:
        return None
    try:
        return bounded_int(raw, what, high=MAX_COUNT if "天" in what or "时限" in what else MAX_ROW_ID)
    except NumberOutOfRange as exc:
        raise CaseError("invalid_input", str(exc)) from None


class Target(TypedDict):
    department_id: int | None
    site_id: int | None
    time_limit_days: int | None


def form_target(form: FormData) -> Target:
    """Where a case goes: department, site and time limit."""
    return {
        "department_id": form_number(form, "department_id", "承办部门"),
        "site_id": form_number(form, "site_id", "服务站点"),
        "time_limit_days": form_number(form, "time_limit_days", "办理时限"),
    }


def with_note(service: Callable[..., object]) -> Perform:
    """A transition whose form carries only a note."""
    return lambda s, actor, case_id, form, ip: service(
        s, case_id=case_id, actor=actor, note=form_text(form, "note"), ip=ip
    )


def with_reply(service: Callable[..., object]) -> Perform:
    """A transition whose form carries the reply to the citizen."""
    return lambda s, actor, case_id, form, ip: service(
        s, case_id=case_id, actor=actor, reply=form_text(form, "reply"), ip=ip
    )


def route_roles(action: str) -> tuple[Role, ...]:
    """Who may reach the route: the rule's roles, plus anyone who can be a case's coordinator (中转办)."""
    rule = RULES[action]
    return tuple(sorted(rule.roles | (NON_HANDLERS if rule.coordinator else frozenset())))


def case_done(request: Request, case_id: int, status: str) -> Any:
    if wants_json(request) or request.headers.get("x-requested-with") == "fetch":
        return JSONResponse({"ok": True, "case_id": case_id, "status": status})
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


async def run_case_work(request: Request, user: CurrentUser, work: Work) -> tuple[int, str]:
    form = await request.form()
    ctx = request.app.state.ctx

    def unit() -> tuple[int, str]:
        with unit_of_work(ctx.session_factory) as session:
            actor = session.get_one(User, user.id)
            case_id = work(session, actor, form)
            case = session.get_one(Case, case_id)
            return case_id, case.status.value

    case_id, status = await run_in_threadpool(unit)
    ctx.hub.publish("case.updated", case_id=case_id, status=status, actor=user.username)
    return case_id, status


def _case_endpoint(action: str, perform: Perform) -> Callable[..., Any]:
    guard = require_roles(*route_roles(action))

    async def endpoint(request: Request, case_id: RowId, user: CurrentUser = Depends(guard)) -> Any:
        def work(session: Session, actor: User, form: FormData) -> int:
            perform(session, actor, case_id, form, client_ip(request))
            return case_id

        _, status = await run_case_work(request, user, work)
        return case_done(request, case_id, status)

    endpoint.__name__ = f"case_{action}"
    return endpoint


def add_case_actions(router: APIRouter, actions: dict[str, Perform]) -> None:
    """``POST /cases/{case_id}/{action}`` for each action: the form's fields go to ``perform``."""
    for action, perform in actions.items():
        router.add_api_route(
            f"/cases/{{case_id}}/{action}",
            _case_endpoint(action, perform),
            methods=["POST"],
            name=f"case_{action}",
            openapi_extra=case_action_body(action),
        )
