"""Who is asking: the signed-in user, and the role check every route declares.

Every route depends on ``require_roles(...)`` (or ``current_user``); tests replace ``current_user`` through
``app.dependency_overrides`` when they are not about signing in.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request

from hotline.models import Role

SESSION_COOKIE = "hotline_session"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    role: Role
    department_id: int | None = None
    site_id: int | None = None


def current_user(request: Request) -> CurrentUser:
    """The user of the request's session cookie; 401 when there is none or it expired."""
    resolver = getattr(request.app.state, "resolve_session", None)
    token = request.cookies.get(SESSION_COOKIE)
    user = resolver(request, token) if (resolver and token) else None
    if user is None:
        raise HTTPException(401, "请先登录", headers={"X-Login": "/login"})
    return user


def require_roles(*roles: Role):
    """A dependency that lets only ``roles`` through (403 otherwise, with nothing changed)."""
    allowed = frozenset(roles)

    def check(user: CurrentUser = Depends(current_user)) -> CurrentUser:
        if user.role not in allowed:
            raise HTTPException(403, "无权访问此功能")
        return user

    check.allowed_roles = allowed  # read by the permission-matrix test
    return check
