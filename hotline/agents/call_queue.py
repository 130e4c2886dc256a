"""The call queue: entries per language, distribution to the longest-idle ready agent, ring outcomes.

Every transition is a conditional UPDATE on the rows (an agent is claimed with ``WHERE state = 'ready'``),
so two SIP workers offering calls at the same moment never ring the same agent; each transition also writes
a QueueEvent row. An entry belongs to the worker holding its call; only that worker moves it.

Distribution: an entry is offered only when it is the head of its language's queue (the oldest waiting
entry); candidates are ready agents with a phone, skilled in the call's language first (a Mongolian
speaker takes 蒙古语 calls first; Mandarin agents take them when no Mongolian speaker is ready), then the
longest idle; an agent who already missed this call comes last. A missed ring sends the agent to the
back (idle from now); two missed rings in a row set the agent 示忙 with reason 未接听.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from hotline.accounts.timestamps import as_utc
from hotline.agents.presence import MISSED_REASON, record_change, release_wrap_ups
from hotline.db import rows_changed
from hotline.models import (
    AgentProfile,
    AgentState,
    Department,
    QueueEntry,
    QueueEntryState,
    QueueEvent,
    RingBackRequest,
)

MISSES_BEFORE_NOT_READY = 2
DEFAULT_HANDLE_S = 180.0  # expected-wait estimate before any call was answered today
WAITING = (QueueEntryState.waiting, QueueEntryState.offered)


class QueueError(ValueError):
    pass


@dataclass(frozen=True)
class Offer:
    entry_id: int
    agent_id: int
    phone_uri: str


def _event(session: Session, entry_id: int, kind: str, now: datetime, agent_id: int | None = None,
           detail: str = "") -> None:
    session.add(QueueEvent(entry_id=entry_id, kind=kind, agent_id=agent_id, at=now, detail=detail))


def enter_queue(session: Session, *, call_id: str, caller: str, language: str, worker: str,
                now: datetime) -> QueueEntry:
    entry = QueueEntry(call_id=call_id, caller=caller, language=language, worker=worker,
                       state=QueueEntryState.waiting, entered_at=now)
    session.add(entry)
    session.flush()
    _event(session, entry.id, "entered", now, detail=language)
    return entry


def _entry(session: Session, entry_id: int) -> QueueEntry:
    entry = session.get(QueueEntry, entry_id, populate_existing=True)
    if entry is None:
        raise QueueError(f"queue entry {entry_id} does not exist")
    return entry


def position(session: Session, *, entry_id: int) -> int:
    """1 for the caller at the head of their language's queue."""
    entry = _entry(session, entry_id)
    ahead = session.scalar(select(func.count()).select_from(QueueEntry).where(
        QueueEntry.language == entry.language, QueueEntry.state.in_(WAITING),
        or_(QueueEntry.entered_at < entry.entered_at,
            (QueueEntry.entered_at == entry.entered_at) & (QueueEntry.id < entry.id)))) or 0
    return int(ahead) + 1


def expected_wait_s(session: Session, *, entry_id: int, now: datetime) -> float:
    """Position × average talk time of the last 20 answered calls ÷ agents signed in (at least one)."""
    talks = [t for t in session.scalars(select(QueueEntry.talk_s).where(QueueEntry.talk_s.is_not(None))
                                        .order_by(QueueEntry.id.desc()).limit(20)) if t is not None]
    handle = sum(talks) / len(talks) if talks else DEFAULT_HANDLE_S
    agents = session.scalar(select(func.count()).select_from(AgentProfile).where(
        AgentProfile.state.in_((AgentState.ready, AgentState.ringing, AgentState.on_call,
                                AgentState.wrap_up)))) or 1
    return position(session, entry_id=entry_id) * handle / agents


def _candidates(session: Session, language: str, entry_id: int) -> list[AgentProfile]:
    ready = list(session.scalars(select(AgentProfile).where(
        AgentProfile.state == AgentState.ready, AgentProfile.phone_uri != "")))

    def skills(profile: AgentProfile) -> set[str]:
        return {s.strip() for s in profile.languages.split(",") if s.strip()}

    missed = set(session.scalars(select(QueueEvent.agent_id).where(QueueEvent.entry_id == entry_id,
                                                                   QueueEvent.kind == "missed")))
    usable = [p for p in ready if language in skills(p) or (language == "mn" and "zh" in skills(p))]
    return sorted(usable, key=lambda p: (p.user_id in missed, language not in skills(p), as_utc(p.idle_since),
                                         p.user_id))


def offer_next(session: Session, *, entry_id: int, now: datetime) -> Offer | None:
    """Claim the best ready agent for this entry if it heads its queue; None when it must wait."""
    release_wrap_ups(session, now=now)
    entry = _entry(session, entry_id)
    if entry.state is not QueueEntryState.waiting or position(session, entry_id=entry_id) != 1:
        return None
    for agent in _candidates(session, entry.language, entry.id):
        won = rows_changed(session,
            update(AgentProfile).where(AgentProfile.user_id == agent.user_id,
                                       AgentProfile.state == AgentState.ready)
            .values(state=AgentState.ringing, reason="", state_since=now, entry_id=entry.id)
            .execution_options(synchronize_session=False))
        if not won:
            continue  # another worker rang this agent a moment ago
        entry.state, entry.agent_id, entry.offered_at = QueueEntryState.offered, agent.user_id, now
        record_change(session, user_id=agent.user_id, state=AgentState.ringing, reason="", now=now,
                      entry_id=entry.id)
        _event(session, entry.id, "offered", now, agent.user_id)
        session.flush()
        return Offer(entry.id, agent.user_id, agent.phone_uri)
    return None


def ring_missed(session: Session, *, entry_id: int, agent_id: int, now: datetime, detail: str = "") -> bool:
    """The agent's phone was not answered in time (or refused): the entry waits again. True when the agent
    was set 示忙 for missing twice in a row."""
    entry = _entry(session, entry_id)
    if entry.state is QueueEntryState.offered and entry.agent_id == agent_id:
        entry.state, entry.agent_id = QueueEntryState.waiting, None
    _event(session, entry_id, "missed", now, agent_id, detail)
    agent = session.get(AgentProfile, agent_id, populate_existing=True)
    if agent is None or agent.state is not AgentState.ringing or agent.entry_id != entry_id:
        session.flush()
        return False
    agent.missed_in_row += 1
    agent.entry_id, agent.state_since = None, now
    if agent.missed_in_row >= MISSES_BEFORE_NOT_READY:
        agent.state, agent.reason = AgentState.not_ready, MISSED_REASON
    else:
        agent.state, agent.reason, agent.idle_since = AgentState.ready, "", now  # to the back of the line
    record_change(session, user_id=agent_id, state=agent.state, reason=agent.reason, now=now,
                  entry_id=entry_id)
    session.flush()
    return agent.state is AgentState.not_ready


def connect(session: Session, *, entry_id: int, agent_id: int, now: datetime) -> QueueEntry:
    entry = _entry(session, entry_id)
    first = entry.answered_at is None  # a transferred call keeps its first answer and wait
    entry.state, entry.agent_id = QueueEntryState.connected, agent_id
    if first:
        entry.answered_at = now
        entry.wait_s = (as_utc(now) - as_utc(entry.entered_at)).total_seconds()
    _event(session, entry_id, "connected", now, agent_id, "" if first else "transfer")
    agent = session.get(AgentProfile, agent_id, populate_existing=True)
    if agent is not None:
        agent.state, agent.reason, agent.state_since, agent.missed_in_row = AgentState.on_call, "", now, 0
        agent.entry_id = entry_id
        record_change(session, user_id=agent_id, state=AgentState.on_call, reason="", now=now,
                      entry_id=entry_id)
    session.flush()
    return entry


def finish(session: Session, *, entry_id: int, now: datetime, wrap_up_s: float) -> QueueEntry:
    """The answered call is over: the agent goes to 话后整理 for ``wrap_up_s`` (0: straight to ready)."""
    entry = _entry(session, entry_id)
    if entry.state is not QueueEntryState.connected:
        return abandon(session, entry_id=entry_id, now=now)
    entry.state, entry.ended_at = QueueEntryState.ended, now
    entry.talk_s = (as_utc(now) - as_utc(entry.answered_at)).total_seconds()  # type: ignore[arg-type]
    _event(session, entry_id, "ended", now, entry.agent_id)
    agent = session.get(AgentProfile, entry.agent_id, populate_existing=True) if entry.agent_id else None
    if agent is not None and agent.state is AgentState.on_call and agent.entry_id == entry_id:
        agent.state, agent.state_since = AgentState.wrap_up, now
        agent.wrap_up_until = as_utc(now) + timedelta(seconds=wrap_up_s)
        record_change(session, user_id=agent.user_id, state=AgentState.wrap_up, reason="", now=now,
                      entry_id=entry_id)
        session.flush()
        release_wrap_ups(session, now=now)
    session.flush()
    return entry


def _leave(session: Session, entry: QueueEntry, state: QueueEntryState, now: datetime) -> None:
    """Leave the queue unanswered; an agent still ringing for the entry is free again (not a miss)."""
    offered_to = entry.agent_id if entry.state is QueueEntryState.offered else None
    entry.state, entry.ended_at = state, now
    if entry.answered_at is not None:  # answered, then transferred: still an answered call, ended here
        entry.state, entry.agent_id = QueueEntryState.ended, None
        entry.talk_s = (as_utc(now) - as_utc(entry.answered_at)).total_seconds()
    else:
        entry.wait_s = (as_utc(now) - as_utc(entry.entered_at)).total_seconds()
    if offered_to is not None:
        won = rows_changed(session,
            update(AgentProfile).where(AgentProfile.user_id == offered_to, AgentProfile.entry_id == entry.id,
                                       AgentProfile.state == AgentState.ringing)
            .values(state=AgentState.ready, state_since=now, entry_id=None)
            .execution_options(synchronize_session=False))
        if won:
            record_change(session, user_id=offered_to, state=AgentState.ready, reason="来电已挂断", now=now,
                          entry_id=entry.id)


def abandon(session: Session, *, entry_id: int, now: datetime) -> QueueEntry:
    """The caller hung up before an agent answered: an abandoned call, with its wait."""
    entry = _entry(session, entry_id)
    if entry.state in WAITING:
        _leave(session, entry, QueueEntryState.abandoned, now)
        _event(session, entry_id, "abandoned" if entry.state is QueueEntryState.abandoned else "ended", now,
               detail=f"{entry.wait_s:.1f}")
        session.flush()
    return entry


def overflow(session: Session, *, entry_id: int, now: datetime, reason: str) -> QueueEntry:
    """The caller leaves the queue for the message path (``reason``: waited_too_long, no_agent, closed)."""
    entry = _entry(session, entry_id)
    if entry.state in WAITING:
        _leave(session, entry, QueueEntryState.overflow, now)
        _event(session, entry_id, "overflow", now, detail=reason)
        session.flush()
    return entry


def choose_outcome(session: Session, *, entry_id: int, outcome: str, now: datetime) -> RingBackRequest | None:
    """What an overflowed caller chose: 'message' (robot intake) or 'ring_back' (a 回拨请求 row)."""
    if outcome not in ("message", "ring_back", "hangup"):
        raise QueueError(f"unknown overflow outcome {outcome!r}")
    entry = _entry(session, entry_id)
    entry.outcome = outcome
    _event(session, entry_id, outcome, now)
    request = None
    if outcome == "ring_back":
        request = RingBackRequest(entry_id=entry.id, call_id=entry.call_id, phone=entry.caller,
                                  language=entry.language)
        session.add(request)
    session.flush()
    return request


def close_orphans(session: Session, *, worker: str, now: datetime) -> int:
    """A worker (re)starting holds no call yet: entries it left open (crash, kill) end now — waiting or
    ringing ones as abandoned, connected ones as ended — and their agents are released. Returns how many."""
    open_states = (*WAITING, QueueEntryState.connected)
    entries = list(session.scalars(select(QueueEntry).where(QueueEntry.worker == worker,
                                                            QueueEntry.state.in_(open_states))))
    for entry in entries:
        if entry.state is QueueEntryState.connected:
            finish(session, entry_id=entry.id, now=now, wrap_up_s=0)
        else:
            abandon(session, entry_id=entry.id, now=now)
        _event(session, entry.id, "orphaned", now, detail=worker)
    session.flush()
    return len(entries)


CALL_COMMANDS = ("hold", "resume", "hangup", "transfer")


def request_command(session: Session, *, agent_id: int, command: str, now: datetime,
                    department_id: int | None = None) -> QueueEntry:
    """The agent asks for hold / resume / hangup / transfer (blind, to a department's phone number) on their
    connected call; the worker holding it acts."""
    if command not in CALL_COMMANDS:
        raise QueueError(f"unknown call command {command!r}; expected hold, resume, hangup or transfer")
    entry = session.scalar(select(QueueEntry).where(QueueEntry.agent_id == agent_id,
                                                    QueueEntry.state == QueueEntryState.connected)
                           .order_by(QueueEntry.id.desc()).limit(1))
    if entry is None:
        raise QueueError("您当前没有接通的来电")
    if command == "transfer":
        department = session.get(Department, department_id) if department_id else None
        number = "".join(ch for ch in (department.phone or "") if ch.isdigit()) if department else ""
        if not number:
            raise QueueError("请选择有转接电话的承办部门")
        command = f"transfer {number}"
    entry.command = command
    _event(session, entry.id, f"request_{command}"[:32], now, agent_id)
    session.flush()
    return entry


def supervisor_phone(session: Session, supervisor_id: int, browser_phone_uri: str) -> str:
    """The supervisor's desk phone, else the console's softphone (when the centre runs one), else ''."""
    profile = session.get(AgentProfile, supervisor_id)
    return (profile.phone_uri if profile is not None else "") or browser_phone_uri


def request_listen(session: Session, *, supervisor_id: int, call_id: str, now: datetime,
                   browser_phone_uri: str = "") -> QueueEntry:
    """监听: a supervisor's phone is dialled into a connected call and hears both sides, silently.
    ``browser_phone_uri``: the supervisor's console softphone, used when they set no desk phone."""
    entry = session.scalar(select(QueueEntry).where(QueueEntry.call_id == call_id))
    if entry is None or entry.state is not QueueEntryState.connected:
        raise QueueError("该来电未接通坐席，无法监听")
    phone = supervisor_phone(session, supervisor_id, browser_phone_uri)
    if not phone:
        raise QueueError("请先填写您的话机地址（SIP URI），再监听")
    entry.command = f"listen {phone}"[:80]
    _event(session, entry.id, "request_listen", now, supervisor_id)
    session.flush()
    return entry


def take_command(session: Session, *, entry_id: int, now: datetime) -> str:
    """The pending command of a connected entry, cleared (only the worker holding the call calls this)."""
    entry = _entry(session, entry_id)
    command = entry.command
    if command:
        entry.command = ""
        _event(session, entry_id, command[:32], now, entry.agent_id)
        session.flush()
    return command

