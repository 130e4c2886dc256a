"""Accounts through the browser forms: login, lockout, forced password change, logout, cookies, CSRF,
admin user management and the audit log."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_testkit import PASSWORD, csrf_of, form_token_of, login, make_user, signed_in

from hotline.models import AuditRecord, Role, User, WebSession


def _user(engine, username) -> User:
    with Session(engine) as session:
        return session.scalar(select(User).where(User.username == username))


def test_login_sets_a_hardened_session_cookie_and_logout_ends_it(client, web_engine):
    username = make_user(web_engine, Role.agent)
    response = login(client, username)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "坐席工作台" in client.get("/").text
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 303
    with Session(web_engine) as session:
        row = session.scalar(select(WebSession).join(User).where(User.username == username))
        assert row.revoked_at is not None
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"


def test_unauthenticated_pages_redirect_and_apis_answer_401_json(client):
    page = client.get("/cases?status=accepted", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/cases%3Fstatus%3Daccepted"
    api = client.get("/api/live-calls")
    assert api.status_code == 401 and api.json()["code"] == "unauthenticated"


def test_wrong_passwords_throttle_that_address_without_revealing_or_locking_the_account(client, web_engine):
    """Issue 14, finding 5: same answer for known and unknown names; a stranger cannot lock the owner out."""
    username = make_user(web_engine, Role.agent)
    unknown = login(client, f"no-such-{username}", "wrong-password-1")
    for _attempt in range(5):
        response = login(client, username, "wrong-password-1")
        assert response.status_code == 401
        assert response.text.replace(username, "").replace(f"no-such-{username}", "") == \
            unknown.text.replace(f"no-such-{username}", "")
    throttled = login(client, username)  # the right password, from the guessing address
    assert throttled.status_code == 429 and "分钟后再试" in throttled.text
    assert "hotline_session" not in throttled.headers.get("set-cookie", "")
    assert _user(web_engine, username).locked_until is None
    with Session(web_engine) as session:
        failures = session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.actor == username, AuditRecord.action == "login.failed")
        )
    assert failures == 5

def test_login_form_needs_its_form_token(client, web_engine):
    username = make_user(web_engine, Role.agent)
    client.get("/login")
    forged = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "form_token": "0" * 64},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and "hotline_session" not in forged.headers.get("set-cookie", "")


def test_first_login_forces_a_password_change(client, web_engine):
    username = make_user(web_engine, Role.agent, must_change=True)
    assert login(client, username).headers["location"] == "/account/password"
    assert client.get("/cases", follow_redirects=False).headers["location"] == "/account/password"
    assert client.get("/api/live-calls").json()["code"] == "password_change_required"
    weak = client.post(
        "/account/password",
        data={
            "old_password": PASSWORD,
            "new_password": "short",
            "new_password2": "short",
            "csrf_token": csrf_of(client),
        },
    )
    assert weak.status_code == 422 and "至少 10 个字符" in weak.text
    done = client.post(
        "/account/password",
        data={
            "old_password": PASSWORD,
            "new_password": "Brand-New-Pass-7",
            "new_password2": "Brand-New-Pass-7",
            "csrf_token": csrf_of(client),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.get("/cases").status_code == 200
    assert not _user(web_engine, username).must_change_password


def test_state_changing_requests_without_the_csrf_token_are_refused(client, web_engine):
    signed_in(client, web_engine, Role.admin)
    before = _count_users(web_engine)
    for token in (None, "forged"):
        data = {"username": f"x{token}", "display_name": "某人", "role": "agent"}
        if token:
            data["csrf_token"] = token
        response = client.post("/admin/users", data=data)
        assert response.status_code == 403 and "CSRF" in response.text
    assert _count_users(web_engine) == before
    header = client.post(
        "/admin/users",
        data={"username": "viaheader", "display_name": "某人", "role": "agent"},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert header.status_code == 200 and _count_users(web_engine) == before + 1


def _count_users(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(User))


def test_admin_manages_users_with_one_time_passwords(client, web_engine):
    signed_in(client, web_engine, Role.admin)
    token = csrf_of(client)
    created = client.post(
        "/admin/users",
        data={
            "username": "wang.handler",
            "display_name": "王承办",
            "role": "handler",
            "department_id": "1",
            "csrf_token": token,
        },
    )
    assert created.status_code == 200
    otp = re.search(r'<code class="otp">([^<]+)</code>', created.text).group(1)
    assert otp not in client.get("/admin/users").text  # shown once only
    newcomer = client.new_browser()
    assert login(newcomer, "wang.handler", otp).headers["location"] == "/account/password"

    user = _user(web_engine, "wang.handler")
    edited = client.post(
        f"/admin/users/{user.id}",
        data={"display_name": "王承办", "role": "handler", "department_id": "2", "csrf_token": token},
    )
    assert edited.status_code == 200 and _user(web_engine, "wang.handler").department_id == 2
    bad = client.post(
        f"/admin/users/{user.id}",
        data={"display_name": "王承办", "role": "handler", "department_id": "", "csrf_token": token},
    )
    assert bad.status_code == 422 and "必须归属" in bad.text

    assert (
        client.post(f"/admin/users/{user.id}/active", data={"active": "0", "csrf_token": token}).status_code
        == 200
    )
    assert login(newcomer.new_browser(), "wang.handler", otp).status_code == 403
    assert newcomer.get("/account/password", follow_redirects=False).status_code == 303  # session ended
    client.post(f"/admin/users/{user.id}/active", data={"active": "1", "csrf_token": token})
    reset = client.post(f"/admin/users/{user.id}/reset", data={"csrf_token": token})
    new_otp = re.search(r'<code class="otp">([^<]+)</code>', reset.text).group(1)
    assert new_otp != otp and login(newcomer.new_browser(), "wang.handler", new_otp).status_code == 303

    audit = client.get("/admin/audit", params={"object_type": "user", "object_id": user.id})
    for action in ("新建账户", "修改账户", "停用账户", "启用账户", "重置密码"):  # actions in Chinese
        assert action in audit.text
    assert otp not in audit.text and new_otp not in audit.text


def test_audit_log_is_for_admins_and_supervisors(client, web_engine):
    signed_in(client, web_engine, Role.supervisor)
    assert client.get("/admin/audit", params={"action": "login"}).status_code == 200
    assert client.get("/admin/users").status_code == 403
    agent = client.new_browser()
    signed_in(agent, web_engine, Role.agent)
    assert agent.get("/admin/audit").status_code == 403


def test_production_cookies_are_secure(web_engine, analyzer, tmp_path):
    from web_testkit import WebClient, build_app, serve

    from hotline.settings import load_settings

    app = build_app(web_engine, analyzer, tmp_path)
    app.state.ctx.settings = load_settings(data_dir=tmp_path, env="production", secret_key="s" * 40)
    username = make_user(web_engine, Role.agent)
    with serve(app) as url, WebClient(app, url) as c:
        page = c.get("/login")
        form_cookie = page.headers["set-cookie"].split(";")[0]  # a Secure cookie is not sent over http
        response = c.post(
            "/login",
            data={"username": username, "password": PASSWORD, "form_token": form_token_of(page.text)},
            headers={"cookie": form_cookie},
            follow_redirects=False,
        )
    assert "Secure" in page.headers["set-cookie"]
    assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]


def test_login_returns_only_to_local_pages(client, web_engine):
    username = make_user(web_engine, Role.agent)
    for target, expected in (
        ("/cases?q=1", "/cases?q=1"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
    ):
        page = client.new_browser()
        form = page.get("/login", params={"next": target})
        response = page.post(
            "/login",
            data={
                "username": username,
                "password": PASSWORD,
                "next": target,
                "form_token": form_token_of(form.text),
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == expected
