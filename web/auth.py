"""Who is asking: the signed-in user, the role check every route declares, and CSRF protection.

Every route depends on ``require_roles(...)`` or is marked ``@public`` (the permission-matrix test checks).
A state-changing request (POST, PUT, PATCH, DELETE) through ``require_roles`` must also carry the session's
CSRF token, in the ``csrf_token`` form field or the ``X-CSRF-Token`` header. Tests that are not about signing
in may replace ``current_user`` through ``app.dependency_overrides``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol, cast

from fastapi import Depends, HTTPException, Request

from hotline.accounts.web_sessions import csrf_token, csrf_token_valid, lookup_web_session
from hotline.db import unit_of_work
from hotline.models import Role, utcnow
from web.form_values import form_text

SESSION_COOKIE = "hotline_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALL_ROLES = tuple(Role)
CSRF_MESSAGE = "页面已过期或请求来源无法验证（CSRF 校验失败）。请刷新页面后重新提交。"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    role: Role
    department_id: int | None = None
    site_id: int | None = None
    must_change_password: bool = False
    session_id: int | None = None


def resolve_web_session(request: Request, token: str) -> CurrentUser | None:
    """The default ``app.state.resolve_session``: a live server-side session (sliding expiry)."""
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        row = lookup_web_session(session, token=token, now=utcnow())
        if row is None:
            return None
        u = row.user
        return CurrentUser(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            department_id=u.department_id,
            site_id=u.site_id,
            must_change_password=u.must_change_password,
            session_id=row.id,
        )


def session_user(request: Request) -> CurrentUser:
    """The user of the session cookie, even one who still has to change the password; 401 otherwise."""
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    resolver = getattr(request.app.state, "resolve_session", None)
    token = request.cookies.get(SESSION_COOKIE)
    user = resolver(request, token) if (resolver and token) else None
    if user is None:
        raise HTTPException(401, "请先登录", headers={"X-Login": "/login"})
    request.state.user = user
    return user


def current_user(request: Request, user: CurrentUser = Depends(session_user)) -> CurrentUser:
    """The signed-in user; one who must change the password first is sent there (403 on APIs)."""
    if user.must_change_password:
        raise HTTPException(
            403, "首次登录或密码已重置，请先修改密码。", headers={"X-Password-Change": "/account/password"}
        )
    return user


def request_csrf_token(request: Request) -> str:
    """The CSRF token for the current session (empty when not signed in)."""
    token = request.cookies.get(SESSION_COOKIE)
    return csrf_token(request.app.state.ctx.settings.secret_key, token) if token else ""


async def verify_csrf(request: Request) -> None:
    if request.method not in UNSAFE_METHODS:
        return
    token = request.cookies.get(SESSION_COOKIE) or ""
    candidate = request.headers.get(CSRF_HEADER)
    if not candidate and "form" in (request.headers.get("content-type") or ""):
        candidate = form_text(await request.form(), CSRF_FIELD)
    if not token or not csrf_token_valid(request.app.state.ctx.settings.secret_key, token, candidate):
        raise HTTPException(403, CSRF_MESSAGE, headers={"X-Error-Code": "csrf_failed"})


class RoleCheck(Protocol):
    """The dependency ``require_roles`` returns; ``allowed_roles`` is read by the permission-matrix test."""

    allowed_roles: frozenset[Role]

    def __call__(self, request: Request, user: CurrentUser) -> Awaitable[CurrentUser]: ...


def require_roles(*roles: Role, password_change_ok: bool = False) -> RoleCheck:
    """A dependency that lets only ``roles`` through (403 otherwise, with nothing changed) and checks the
    CSRF token of state-changing requests. ``password_change_ok``: also before the forced password change."""
    allowed = frozenset(roles)
    who = session_user if password_change_ok else current_user

    async def check(request: Request, user: CurrentUser = Depends(who)) -> CurrentUser:
        if user.role not in allowed:
            raise HTTPException(403, "您的角色无权使用此功能。")
        request.state.user = user
        await verify_csrf(request)
        return user

    role_check = cast(RoleCheck, check)
    role_check.allowed_roles = allowed
    return role_check


def public(endpoint):
    """Mark a route as deliberately open to everyone (public pages, login, kiosk API with its own key)."""
    endpoint.public_access = True
    return endpoint
