"""Case lists: search with filters and pages, the agents' 退单 queue, the 督办 list, the handler's queue."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from hotline.cases.conduct_access import shown
from hotline.cases.coordination import pending_extensions
from hotline.cases.errors import CaseError
from hotline.cases.escalation import escalations
from hotline.cases.lifecycle import RETURN_REASON_LABELS
from hotline.cases.queries import CaseFilter, handler_queue, list_cases, returned_queue, supervision_list
from hotline.cases.time_limits import deadline_state
from hotline.cases.urging import urge_states
from hotline.cases.working_days import CHINA
from hotline.models import Case, CaseStatus, Channel, Department, Intent, Role, Site, User, utcnow
from web.auth import CurrentUser, require_roles
from web.bounds import NumberOutOfRange, PageNumber, bounded_int
from web.labels import actor_names
from web.templating import render

router = APIRouter()
AGENTS = require_roles(Role.agent, Role.supervisor, Role.admin)
SUPERVISORS = require_roles(Role.supervisor, Role.admin)
HANDLERS = require_roles(Role.handler)
PER_PAGE = 20


def _enum(enum_type, raw: str | None):
    if not raw:
        return None
    try:
        return enum_type(raw)
    except ValueError:
        raise CaseError("invalid_input", f"筛选条件 {raw!r} 无效。") from None


def _day(raw: str | None, *, end: bool = False) -> datetime | None:
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        raise CaseError("invalid_input", "日期格式应为 YYYY-MM-DD。") from None
    return datetime.combine(day + timedelta(days=1) if end else day, time(), CHINA)


def _int(raw: str | None) -> int | None:
    try:
        return bounded_int(raw, "部门")
    except NumberOutOfRange as exc:
        raise CaseError("invalid_input", str(exc)) from None


def case_filter(params) -> CaseFilter:
    status = _enum(CaseStatus, params.get("status"))
    return CaseFilter(
        statuses=(status,) if status else (),
        intent=_enum(Intent, params.get("intent")),
        channel=_enum(Channel, params.get("channel")),
        department_id=_int(params.get("department_id")),
        town=params.get("town") or None,
        created_from=_day(params.get("from")),
        created_to=_day(params.get("to"), end=True),
        overdue=params.get("overdue") == "1",
        text=params.get("q") or None,
    )


def _with_deadlines(session, user: CurrentUser, cases: list[Case]) -> list[tuple[Case, str | None]]:
    """Rows with their deadline state; conduct reports the user may not read are sealed."""
    now = utcnow()
    return [(c, deadline_state(c, now=now)) for c in shown(session, user, cases)]


@router.get("/cases")
def cases_page(request: Request, page: PageNumber = 1, user: CurrentUser = Depends(AGENTS)):
    params = request.query_params
    filters = case_filter(params)
    with request.app.state.ctx.session_factory() as session:
        result = list_cases(session, filters=filters, page=page, per_page=PER_PAGE)
        departments = list(session.scalars(select(Department).order_by(Department.name)))
        towns = sorted(set(session.scalars(select(Site.town).where(Site.town.is_not(None)))))
        query = {k: v for k, v in params.items() if k != "page" and v}
        return render(
            request,
            "cases.html",
            {
                "page": result,
                "rows": _with_deadlines(session, user, result.items),
                "params": params,
                "query": query,
                "departments": departments,
                "towns": towns,
                "statuses": CaseStatus,
                "intents": Intent,
                "channels": Channel,
                "show_reason": False,
            },
        )


@router.get("/returned")
def returned_page(request: Request, page: PageNumber = 1, user: CurrentUser = Depends(AGENTS)):
    with request.app.state.ctx.session_factory() as session:
        result = returned_queue(session, page=page, per_page=PER_PAGE)
        return render(
            request,
            "queue.html",
            {
                "title": "退单待处理",
                "page": result,
                "rows": _with_deadlines(session, user, result.items),
                "show_reason": True,
                "return_reasons": RETURN_REASON_LABELS,
                "query": {},
            },
        )


@router.get("/supervision")
def supervision_page(request: Request, user: CurrentUser = Depends(SUPERVISORS)):
    with request.app.state.ctx.session_factory() as session:
        listed = supervision_list(session)
        entries = list(zip(shown(session, user, [c for c, _ in listed]), [s for _, s in listed], strict=True))
        extensions = pending_extensions(session)
        ext_cases = shown(session, user, [session.get(Case, e.case_id) for e in extensions])
        cases = dict(zip([e.case_id for e in extensions], ext_cases, strict=True))
        urged = urge_states(session, case_ids=[c.id for c, _ in entries])
        return render(
            request,
            "supervision.html",
            {
                "entries": entries,
                "extensions": extensions,
                "ext_cases": cases,
                "urged": urged,
                "escalated": escalations(session, case_ids=[c.id for c, _ in entries]),
                "actor_names": actor_names(session, [e.requested_by for e in extensions]),
            },
        )


@router.get("/my/cases")
def my_cases(request: Request, page: PageNumber = 1, user: CurrentUser = Depends(HANDLERS)):
    with request.app.state.ctx.session_factory() as session:
        result = handler_queue(session, user=session.get(User, user.id), page=page, per_page=PER_PAGE)
        return render(
            request,
            "queue.html",
            {
                "title": "我的待办工单",
                "page": result,
                "rows": _with_deadlines(session, user, result.items),
                "urged": urge_states(session, case_ids=[c.id for c in result.items]),
                "escalated": escalations(session, case_ids=[c.id for c in result.items]),
                "show_reason": False,
                "query": {},
            },
        )
