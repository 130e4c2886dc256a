"""Server-side console sessions (sliding expiry) and CSRF tokens. The web layer sets the cookie."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, joinedload

from hotline.accounts.timestamps import as_utc
from hotline.models import User, WebSession


@dataclass(frozen=True)
class SessionPolicy:
    idle_minutes: int = 30  # sliding: each request extends the session this long
    max_hours: int = 12  # absolute: a session never outlives one working day
    touch_seconds: int = 60  # write last_seen at most once a minute


DEFAULT_SESSION_POLICY = SessionPolicy()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_web_session(
    session: Session,
    *,
    user: User,
    now: datetime,
    ip: str | None = None,
    user_agent: str | None = None,
    policy: SessionPolicy = DEFAULT_SESSION_POLICY,
) -> tuple[WebSession, str]:
    """Return the row and the raw token for the cookie (the token is not stored)."""
    now = as_utc(now)
    token = secrets.token_urlsafe(32)
    row = WebSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
                     expires_at=now + timedelta(minutes=policy.idle_minutes), ip=ip,
                     user_agent=(user_agent or "")[:256] or None)
    session.add(row)
    session.flush()
    return row, token


def lookup_web_session(
    session: Session, *, token: str, now: datetime, policy: SessionPolicy = DEFAULT_SESSION_POLICY
) -> WebSession | None:
    """The live session for ``token`` (its user active), extended by the idle time; None otherwise."""
    if not token:
        return None
    now = as_utc(now)
    row = session.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token))
                         .options(joinedload(WebSession.user)))
    if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now or not row.user.active:
        return None
    hard_end = as_utc(row.created_at) + timedelta(hours=policy.max_hours)
    if now - as_utc(row.last_seen_at) >= timedelta(seconds=policy.touch_seconds):
        row.last_seen_at = now
        row.expires_at = min(now + timedelta(minutes=policy.idle_minutes), hard_end)
        session.flush()
    return row


def revoke_web_session(session: Session, *, token: str, now: datetime) -> bool:
    """Logout. True when a live session was ended."""
    query = update(WebSession).where(WebSession.token_hash == token_hash(token),
                                     WebSession.revoked_at.is_(None))
    result = cast(CursorResult[Any], session.execute(query.values(revoked_at=as_utc(now))))
    return bool(result.rowcount)


def revoke_user_sessions(
    session: Session, *, user_id: int, now: datetime, except_session_id: int | None = None
) -> int:
    """End every session of a user (password change or reset, disable). Returns how many."""
    query = update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    if except_session_id is not None:
        query = query.where(WebSession.id != except_session_id)
    query = query.values(revoked_at=as_utc(now)).execution_options(synchronize_session="fetch")
    result = cast(CursorResult[Any], session.execute(query))
    return result.rowcount


def csrf_token(secret_key: str, session_token: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 of the session token with the secret key."""
    return hmac.new(secret_key.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_token_valid(secret_key: str, session_token: str, candidate: str | None) -> bool:
    return candidate is not None and hmac.compare_digest(csrf_token(secret_key, session_token), candidate)
