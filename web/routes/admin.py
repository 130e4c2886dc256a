"""Account management for admins (one-time passwords shown once) and the audit log (admins, supervisors)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from hotline.accounts import users
from hotline.accounts.audit import list_audit
from hotline.accounts.errors import AccountError
from hotline.cases.working_days import CHINA
from hotline.db import unit_of_work
from hotline.models import Department, Role, Site, User, utcnow
from web.auth import CurrentUser, require_roles
from web.bounds import NumberOutOfRange, PageNumber, RowId, bounded_int
from web.form_schemas import form_body
from web.form_values import form_optional
from web.labels import actor_names, china_time
from web.public_guard import client_ip
from web.templating import render

router = APIRouter()
ADMINS = require_roles(Role.admin)
AUDITORS = require_roles(Role.admin, Role.supervisor)
AUDIT_PAGE = 100


def _opt_int(raw: str | None) -> int | None:
    try:
        return bounded_int(raw, "部门或站点")
    except NumberOutOfRange:
        raise AccountError("invalid_input", "部门或站点选择无效。") from None


def _role(raw: str | None) -> Role:
    try:
        return Role(raw or "")
    except ValueError:
        raise AccountError("invalid_input", "请选择角色。") from None


def _users_page(request: Request, session, **extra):
    return render(
        request,
        "admin_users.html",
        {
            "users": users.list_users(session),
            "roles": Role,
            "departments": list(session.scalars(select(Department).order_by(Department.name))),
            "sites": list(session.scalars(select(Site).order_by(Site.name))),
            "department_names": dict(session.execute(select(Department.id, Department.name)).all()),
            "site_names": dict(session.execute(select(Site.id, Site.name)).all()),
            "now_key": china_time(utcnow(), "%Y%m%d%H%M%S"),
            **extra,
        },
    )


@router.get("/admin/users")
def users_page(request: Request, _user: CurrentUser = Depends(ADMINS)):
    with request.app.state.ctx.session_factory() as session:
        return _users_page(request, session)


@router.post("/admin/users", openapi_extra=form_body("username", "display_name", "role", "department_id",
                                                     "site_id"))
async def create_user(request: Request, user: CurrentUser = Depends(ADMINS)):
    form = await request.form()
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        created, password = users.create_user(
            session,
            actor=session.get(User, user.id),
            username=str(form.get("username") or ""),
            display_name=str(form.get("display_name") or ""),
            role=_role(form_optional(form, "role")),
            now=utcnow(),
            department_id=_opt_int(form_optional(form, "department_id")),
            site_id=_opt_int(form_optional(form, "site_id")),
            ip=client_ip(request),
        )
        # shown exactly once, on this response; never stored in clear or logged
        return _users_page(request, session, one_time={"username": created.username, "password": password})


@router.post("/admin/users/{user_id}", openapi_extra=form_body("display_name", "role", "department_id",
                                                               "site_id"))
async def update_user(request: Request, user_id: RowId, user: CurrentUser = Depends(ADMINS)):
    form = await request.form()
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        changed = users.update_user(
            session,
            actor=session.get(User, user.id),
            user_id=user_id,
            now=utcnow(),
            display_name=form_optional(form, "display_name"),
            role=_role(form_optional(form, "role")),
            department_id=_opt_int(form_optional(form, "department_id")),
            site_id=_opt_int(form_optional(form, "site_id")),
            ip=client_ip(request),
        )
        return _users_page(request, session, notice=f"已保存账户 {changed.username}。")


@router.post("/admin/users/{user_id}/active", openapi_extra=form_body("active"))
async def set_active(request: Request, user_id: RowId, user: CurrentUser = Depends(ADMINS)):
    form = await request.form()
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        changed = users.set_user_active(
            session,
            actor=session.get(User, user.id),
            user_id=user_id,
            active=form.get("active") == "1",
            now=utcnow(),
            ip=client_ip(request),
        )
        state = "启用" if changed.active else "停用"
        return _users_page(request, session, notice=f"已{state}账户 {changed.username}。")


@router.post("/admin/users/{user_id}/reset", openapi_extra=form_body())
async def reset_password(request: Request, user_id: RowId, user: CurrentUser = Depends(ADMINS)):
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        changed, password = users.reset_password(
            session, actor=session.get(User, user.id), user_id=user_id, now=utcnow(), ip=client_ip(request)
        )
        return _users_page(request, session, one_time={"username": changed.username, "password": password})


def _day(raw: str | None, end: bool = False) -> datetime | None:
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date() if raw else None
    except ValueError:
        raise AccountError("invalid_input", "日期格式应为 YYYY-MM-DD。") from None
    return datetime.combine(day + timedelta(days=1) if end else day, time(), CHINA) if day else None


@router.get("/admin/audit")
def audit_page(request: Request, page: PageNumber = 1, _user: CurrentUser = Depends(AUDITORS)):
    p = request.query_params
    page = max(page, 1)
    with request.app.state.ctx.session_factory() as session:
        rows = list_audit(
            session,
            actor=p.get("actor") or None,
            action=p.get("action") or None,
            object_type=p.get("object_type") or None,
            object_id=p.get("object_id") or None,
            since=_day(p.get("from")),
            until=_day(p.get("to"), end=True),
            limit=AUDIT_PAGE + 1,
            offset=(page - 1) * AUDIT_PAGE,
        )
        query = {k: v for k, v in p.items() if k != "page" and v}
        return render(
            request,
            "audit.html",
            {
                "rows": rows[:AUDIT_PAGE],
                "more": len(rows) > AUDIT_PAGE,
                "actor_names": actor_names(session, [r.actor for r in rows]),
                "department_names": dict(session.execute(select(Department.id, Department.name)).all()),
                "page": page,
                "params": p,
                "query": query,
            },
        )
