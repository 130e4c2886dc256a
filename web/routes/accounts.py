"""Sign in (with lockout messages), sign out, and the password change forced at first login."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from hotline.accounts.authentication import authenticate, change_password
from hotline.accounts.errors import AccountError, LoginFailed
from hotline.accounts.web_sessions import create_web_session, revoke_web_session
from hotline.db import unit_of_work
from hotline.models import Role, User, utcnow
from web.auth import ALL_ROLES, SESSION_COOKIE, CurrentUser, public, require_roles
from web.form_schemas import form_body
from web.public_guard import FORM_FIELD, check_form_token, client_ip, form_token, set_form_cookie
from web.templating import render

router = APIRouter()
SIGNED_IN = require_roles(*ALL_ROLES, password_change_ok=True)
HOME = {Role.handler: "/my/cases", Role.analyst: "/analytics", Role.admin: "/admin/users"}


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect a signed-in user to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


def _login_page(
    request: Request, *, error: str = "", username: str = "", next_url: str = "", status_code: int = 200
):
    token, fresh = form_token(request)
    response = render(
        request,
        "login.html",
        {
            "error": error,
            "username": username,
            "next": next_url,
            "form_token": token,
            "form_field": FORM_FIELD,
        },
        status_code,
    )
    return set_form_cookie(request, response, fresh)


@router.get("/login")
@public
def login_form(request: Request, next: str = ""):
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login")
@public
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form(""),
    form_token: str = Form(""),
):
    check_form_token(request, form_token)
    ctx = request.app.state.ctx
    now = utcnow()
    failure: LoginFailed | None = None
    with unit_of_work(ctx.session_factory) as session:  # commits the failure count and audit row too
        try:
            user = authenticate(session, username=username, password=password, now=now, ip=client_ip(request))
        except LoginFailed as exc:
            failure = exc
        else:
            row, token = create_web_session(
                session,
                user=user,
                now=now,
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
            )
            must_change, role = user.must_change_password, user.role
    if failure is not None:
        statuses = {"account_locked": 423, "invalid_credentials": 401, "rate_limited": 429}
        status = statuses.get(failure.code, 403)
        return _login_page(
            request, error=failure.message, username=username, next_url=_safe_next(next), status_code=status
        )
    target = "/account/password" if must_change else (_safe_next(next) or HOME.get(role, "/"))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        path="/",
        secure=ctx.settings.env == "production",
    )
    return response


@router.post("/logout", openapi_extra=form_body())
def logout(request: Request, _user: CurrentUser = Depends(SIGNED_IN)):
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        revoke_web_session(session, token=request.cookies.get(SESSION_COOKIE, ""), now=utcnow())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/password")
def password_form(request: Request, user: CurrentUser = Depends(SIGNED_IN)):
    return render(request, "password.html", {"forced": user.must_change_password})


@router.post("/account/password")
def password_change(
    request: Request,
    old_password: str = Form(""),
    new_password: str = Form(""),
    new_password2: str = Form(""),
    user: CurrentUser = Depends(SIGNED_IN),
):
    ctx = request.app.state.ctx
    error = ""
    if new_password != new_password2:
        error = "两次输入的新密码不一致。"
    else:
        try:
            with unit_of_work(ctx.session_factory) as session:
                change_password(
                    session,
                    user=session.get(User, user.id),
                    old_password=old_password,
                    new_password=new_password,
                    now=utcnow(),
                    ip=client_ip(request),
                    keep_session_id=user.session_id,
                )
        except AccountError as exc:
            error = exc.message
    if error:
        return render(request, "password.html", {"forced": user.must_change_password, "error": error}, 422)
    return RedirectResponse(HOME.get(user.role, "/") + "?notice=password_changed", status_code=303)
