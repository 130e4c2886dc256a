"""Agent presence: the state machine of one agent, each change stored as an AgentStateChange row.

置闲 ready / 示忙 not_ready (reason) are set by the agent; 振铃 ringing, 通话中 on_call and 话后整理 wrap_up
by the queue. Wrap-up ends by itself after its seconds (``release_wrap_ups``, called before every
distribution and every presence read).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.accounts.timestamps import as_utc
from hotline.db import rows_changed
from hotline.models import AgentProfile, AgentState, AgentStateChange, Role, User, utcnow

NOT_READY_REASONS = ("小休", "培训", "处理工单", "会议", "用餐")
MISSED_REASON = "未接听"  # set by the queue after two missed rings in a row
AGENT_SET = (AgentState.ready, AgentState.not_ready, AgentState.offline)
MAX_LANGUAGES = ("zh", "mn")


class PresenceError(ValueError):
    """A presence change that cannot be made; the message says what to do."""


def profile_for(session: Session, *, user_id: int) -> AgentProfile:
    """The agent's (or a supervisor's, for listening in) profile, created (offline) on first use."""
    profile = session.get(AgentProfile, user_id)
    if profile is None:
        user = session.get(User, user_id)
        if user is None or user.role not in (Role.agent, Role.supervisor):
            raise PresenceError("只有话务员（或监听的班长）账号可以设置话机")
        now = utcnow()
        profile = AgentProfile(user_id=user_id, state=AgentState.offline, state_since=now, idle_since=now)
        session.add(profile)
        session.flush()
    return profile


def record_change(session: Session, *, user_id: int, state: AgentState, reason: str, now: datetime,
                  entry_id: int | None = None) -> None:
    session.add(AgentStateChange(user_id=user_id, state=state, reason=reason, at=now, entry_id=entry_id))


def set_profile(session: Session, *, user_id: int, phone_uri: str, languages: list[str]) -> AgentProfile:
    phone_uri = phone_uri.strip()
    if phone_uri and not phone_uri.startswith(("sip:", "sips:")):
        raise PresenceError(f"话机地址应为 SIP URI，例如 sip:agent1@10.0.0.21:5060，而不是 {phone_uri!r}")
    bad = [lang for lang in languages if lang not in MAX_LANGUAGES]
    if bad or not languages:
        raise PresenceError("语言技能只能是 zh（汉语）和/或 mn（蒙古语），至少选一种")
    profile = profile_for(session, user_id=user_id)
    profile.phone_uri = phone_uri
    profile.languages = ",".join(dict.fromkeys(languages))
    return profile


def set_presence(session: Session, *, user_id: int, state: AgentState, reason: str = "",
                 now: datetime, browser_phone_uri: str = "") -> AgentProfile:
    """The agent sets 置闲, 示忙 (with a reason) or signs off. Not while ringing or talking.

    ``browser_phone_uri``: the console's softphone (when the centre runs one); an agent who set no desk
    phone takes calls there, so signing in with 置闲/示忙 is all a browser agent does."""
    if state not in AGENT_SET:
        raise PresenceError("坐席只能设置 置闲、示忙 或 签出")
    user = session.get(User, user_id)
    if user is None or user.role != Role.agent:
        raise PresenceError("只有话务员账号可以接听来电")
    release_wrap_ups(session, now=now)  # a wrap-up already over is stored as ended when it ended
    profile = profile_for(session, user_id=user_id)
    if profile.state in (AgentState.ringing, AgentState.on_call):
        raise PresenceError("通话中（或振铃中）不能改变状态；挂机后再设置")
    if not profile.phone_uri and browser_phone_uri and state is not AgentState.offline:
        profile.phone_uri = browser_phone_uri
    if state is AgentState.ready and not profile.phone_uri:
        raise PresenceError("请先在“我的话机”中填写话机地址（SIP URI），再置闲")
    if state is AgentState.not_ready and reason not in NOT_READY_REASONS and reason != MISSED_REASON:
        raise PresenceError(f"示忙请选择原因：{'、'.join(NOT_READY_REASONS)}")
    profile.state, profile.state_since = state, now
    profile.reason = reason if state is AgentState.not_ready else ""
    profile.wrap_up_until = None
    if state is AgentState.ready:
        profile.idle_since, profile.missed_in_row = now, 0
    record_change(session, user_id=user_id, state=state, reason=profile.reason, now=now)
    session.flush()
    return profile


def release_wrap_ups(session: Session, *, now: datetime) -> int:
    """Agents whose wrap-up time is over become ready (longest idle counted from now)."""
    due = list(session.execute(select(AgentProfile.user_id, AgentProfile.wrap_up_until).where(
        AgentProfile.state == AgentState.wrap_up, AgentProfile.wrap_up_until <= now)))
    released = 0
    for user_id, until in due:
        won = rows_changed(session,
            update(AgentProfile)
            .where(AgentProfile.user_id == user_id, AgentProfile.state == AgentState.wrap_up)
            .values(state=AgentState.ready, reason="", state_since=now, idle_since=now, wrap_up_until=None,
                    entry_id=None)
            .execution_options(synchronize_session="fetch"))
        if won:
            # stored when the wrap-up ended, not when it was noticed (the figures count wrap-up time)
            record_change(session, user_id=user_id, state=AgentState.ready, reason="话后整理结束",
                          now=min(as_utc(until), as_utc(now)) if until is not None else now)
            released += 1
    return released


def end_wrap_up(session: Session, *, user_id: int, now: datetime) -> AgentProfile:
    """The agent finished wrap-up early (置闲 from the console)."""
    profile = profile_for(session, user_id=user_id)
    if profile.state is AgentState.wrap_up:
        profile.wrap_up_until = as_utc(now) - timedelta(seconds=1)
        session.flush()
        release_wrap_ups(session, now=now)
        session.refresh(profile)
    return profile


def agents_by_state(session: Session, *, now: datetime) -> dict[str, int]:
    """Read-only (the wallboard reads in a plain session): a finished wrap-up counts as ready."""
    counts = {state.value: 0 for state in AgentState}
    for state, until in session.execute(select(AgentProfile.state, AgentProfile.wrap_up_until)):
        if state is AgentState.wrap_up and until is not None and as_utc(until) <= as_utc(now):
            state = AgentState.ready
        counts[state.value] += 1
    return counts


def logged_in_agents(session: Session) -> int:
    """Agents signed in to take calls (any state but offline) with a phone to ring."""
    return len(list(session.scalars(select(AgentProfile.user_id).where(
        AgentProfile.state != AgentState.offline, AgentProfile.phone_uri != ""))))
