"""Small builders for agent/queue tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from hotline.agents.presence import set_presence, set_profile
from hotline.models import AgentState, Role, User

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 China time, a Monday


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def create_agent(session: Session, *, name: str, languages=("zh",), ready_at: float | None = 0.0,
                 phone_uri: str | None = None) -> User:
    user = User(username=f"{name}-{uuid.uuid4().hex[:6]}", display_name=name, role=Role.agent,
                password_hash="x", must_change_password=False, failed_logins=0, active=True)
    session.add(user)
    session.flush()
    set_profile(session, user_id=user.id, phone_uri=phone_uri or f"sip:{name}@127.0.0.1:5090",
                languages=list(languages))
    if ready_at is not None:
        set_presence(session, user_id=user.id, state=AgentState.ready, now=at(ready_at))
    return user
