"""Server-side console sessions with sliding expiry, revocation, and CSRF tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hotline.accounts.authentication import change_password
from hotline.accounts.passwords import hash_password
from hotline.accounts.users import reset_password, set_user_active
from hotline.accounts.web_sessions import (
    SessionPolicy,
    create_web_session,
    csrf_token,
    csrf_token_valid,
    lookup_web_session,
    revoke_web_session,
)
from hotline.models import Role, User

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
POLICY = SessionPolicy(idle_minutes=30, max_hours=8, touch_seconds=60)


def make_user(session, name, role=Role.agent, password="Grassland-2026"):
    user = User(username=name, display_name=name, role=role, password_hash=hash_password(password),
                must_change_password=False, failed_logins=0, active=True)
    session.add(user)
    session.flush()
    return user


def test_sliding_expiry_and_absolute_limit(db_session):
    user = make_user(db_session, "s.agent")
    row, token = create_web_session(db_session, user=user, now=NOW, ip="10.0.0.9", user_agent="Chromium",
                                    policy=POLICY)
    assert row.token_hash != token and len(token) >= 40
    at = NOW
    for _ in range(10):  # active every 25 minutes: still logged in after 4 hours
        at += timedelta(minutes=25)
        assert lookup_web_session(db_session, token=token, now=at, policy=POLICY) is row
    assert lookup_web_session(db_session, token=token, now=at + timedelta(minutes=31), policy=POLICY) is None
    fresh, token2 = create_web_session(db_session, user=user, now=NOW, policy=POLICY)
    at = NOW
    while at + timedelta(minutes=20) < NOW + timedelta(hours=8):
        at += timedelta(minutes=20)
        assert lookup_web_session(db_session, token=token2, now=at, policy=POLICY) is fresh
    assert lookup_web_session(db_session, token=token2, now=NOW + timedelta(hours=8, minutes=1),
                              policy=POLICY) is None
    assert lookup_web_session(db_session, token="not-a-token", now=NOW, policy=POLICY) is None


def test_logout_password_change_reset_and_disable_end_sessions(db_session):
    admin = make_user(db_session, "s.admin", role=Role.admin)
    user = make_user(db_session, "s.handler")
    _, a = create_web_session(db_session, user=user, now=NOW)
    assert revoke_web_session(db_session, token=a, now=NOW)
    assert lookup_web_session(db_session, token=a, now=NOW) is None
    assert not revoke_web_session(db_session, token=a, now=NOW)

    keep, b = create_web_session(db_session, user=user, now=NOW)
    _, c = create_web_session(db_session, user=user, now=NOW)
    change_password(db_session, user=user, old_password="Grassland-2026", new_password="Desert-Rose-77",
                    now=NOW, keep_session_id=keep.id)
    assert lookup_web_session(db_session, token=b, now=NOW) is keep
    assert lookup_web_session(db_session, token=c, now=NOW) is None

    reset_password(db_session, actor=admin, user_id=user.id, now=NOW)
    assert lookup_web_session(db_session, token=b, now=NOW) is None

    _, d = create_web_session(db_session, user=user, now=NOW)
    set_user_active(db_session, actor=admin, user_id=user.id, active=False, now=NOW)
    assert lookup_web_session(db_session, token=d, now=NOW) is None


def test_csrf_token_is_bound_to_the_session_and_the_secret():
    token = csrf_token("secret-a", "session-1")
    assert csrf_token_valid("secret-a", "session-1", token)
    assert not csrf_token_valid("secret-a", "session-2", token)
    assert not csrf_token_valid("secret-b", "session-1", token)
    assert not csrf_token_valid("secret-a", "session-1", None)
    assert not csrf_token_valid("secret-a", "session-1", token[:-1] + ("0" if token[-1] != "0" else "1"))
