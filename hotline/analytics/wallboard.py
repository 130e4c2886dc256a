"""Today's figures for the live wallboard (China day), and who is signed in to take calls.

There is no agent presence service yet: an agent counts as online when one of their console sessions is
neither revoked nor expired and was seen within the last ``online_minutes``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.analytics.filters import china_midnight_utc, china_today, group_key
from hotline.models import Call, CallDirection, Case, Role, User, WebSession

ONLINE_MINUTES = 15


def agents_online(session: Session, *, now: datetime, online_minutes: int = ONLINE_MINUTES) -> int:
    return session.scalar(
        select(func.count(func.distinct(WebSession.user_id)))
        .join(User, User.id == WebSession.user_id)
        .where(User.role == Role.agent, User.active.is_(True), WebSession.revoked_at.is_(None),
               WebSession.expires_at > now,
               WebSession.last_seen_at >= now - timedelta(minutes=online_minutes))
    ) or 0


def today_counts(session: Session, *, now: datetime) -> dict:
    since = china_midnight_utc(china_today(now))
    intent, channel = group_key("intent").label("k"), group_key("channel").label("k")
    by_intent = {(k or "none"): int(n) for k, n in session.execute(
        select(intent, func.count()).where(Case.created_at >= since).group_by(intent))}
    by_channel = {k: int(n) for k, n in session.execute(
        select(channel, func.count()).where(Case.created_at >= since).group_by(channel))}
    calls = session.scalar(select(func.count()).select_from(Call).where(
        Call.started_at >= since, Call.direction == CallDirection.inbound)) or 0
    return {"since": since.isoformat(), "cases": sum(by_intent.values()), "by_intent": by_intent,
            "by_channel": by_channel, "inbound_calls": int(calls)}
