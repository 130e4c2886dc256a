"""Passing a connected call on: blind to another agent or a queue, announced (consult first) to a department
or an agent, and the supervisor's whisper / barge next to 监听.

The console writes a command on the queue entry (``QueueEntry.command``); the worker holding the call reads
it within about a second (``take_command``) and acts (hotline.sip.transfers). Commands:

    transfer NUMBER          blind, to a department's phone number (call_queue.request_command)
    transfer_agent ID        blind, to a ready agent (their phone rings; missed -> the queue)
    transfer_queue zh|mn     blind, back into a language queue (ahead of later callers)
    consult NUMBER           announced: the caller hears music, the agent talks with the department first
    consult_agent ID         announced, with another ready agent (claimed: their phone rings)
    complete | cancel        of an announced transfer: hand the caller over, or back to the caller
    whisper URI | barge URI  a supervisor's phone joins: heard by the agent only, or by both sides

A transferred call keeps its queue entry: the first agent's part ends with a ``transferred`` event (they go
to wrap-up), the entry waits or rings again, and the next agent's ``connected``/``ended`` events follow —
so each agent's talk time is counted from the events (hotline.agents.agent_figures).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.accounts.timestamps import as_utc
from hotline.agents.call_queue import Offer, QueueError, _entry, _event, supervisor_phone
from hotline.agents.presence import record_change, release_wrap_ups
from hotline.models import (
    AgentProfile,
    AgentState,
    Department,
    QueueEntry,
    QueueEntryState,
    Role,
    User,
)

QUEUE_NAMES = {"zh": "汉语队列", "mn": "蒙古语队列"}
ANNOUNCED_STEPS = ("complete", "cancel")


def connected_entry(session: Session, agent_id: int) -> QueueEntry:
    entry = session.scalar(select(QueueEntry).where(QueueEntry.agent_id == agent_id,
                                                    QueueEntry.state == QueueEntryState.connected)
                           .order_by(QueueEntry.id.desc()).limit(1))
    if entry is None:
        raise QueueError("您当前没有接通的来电")
    return entry


def _department_number(session: Session, department_id: int | None) -> str:
    department = session.get(Department, department_id) if department_id else None
    number = "".join(ch for ch in (department.phone or "") if ch.isdigit()) if department else ""
    if not number:
        raise QueueError("请选择有转接电话的承办部门")
    return number


def _ready_agent(session: Session, agent_id: int | None, me: int, now: datetime) -> int:
    if agent_id == me:
        raise QueueError("不能转接给自己，请选择其他坐席")
    profile = session.get(AgentProfile, agent_id) if agent_id else None
    user = session.get(User, agent_id) if agent_id else None
    if profile is None or user is None or user.role != Role.agent:
        raise QueueError("请选择要转接的坐席")
    release_wrap_ups(session, now=now)
    session.refresh(profile)
    if profile.state is not AgentState.ready or not profile.phone_uri:
        raise QueueError(f"坐席 {user.display_name} 当前不是置闲状态，请选择置闲的坐席或转接到队列")
    return profile.user_id


def request_transfer(session: Session, *, agent_id: int, target: str, now: datetime,
                     announced: bool = False, department_id: int | None = None, to_agent: int | None = None,
                     language: str = "") -> str:
    """The agent passes their connected call on. ``target``: department | agent | queue (queue: blind
    only). Returns the command written for the worker."""
    entry = connected_entry(session, agent_id)
    if target == "department":
        number = _department_number(session, department_id)
        command = f"{'consult' if announced else 'transfer'} {number}"
    elif target == "agent":
        other = _ready_agent(session, to_agent, agent_id, now)
        command = f"{'consult_agent' if announced else 'transfer_agent'} {other}"
    elif target == "queue":
        if language not in QUEUE_NAMES:
            raise QueueError("请选择转入的队列：汉语队列或蒙古语队列")
        if announced:
            raise QueueError("转入队列只能直接转接（无人可先商量）")
        command = f"transfer_queue {language}"
    else:
        raise QueueError("请选择转接对象：承办部门、坐席或队列")
    entry.command = command
    _event(session, entry.id, f"request_{command}"[:32], now, agent_id)
    session.flush()
    return command


def request_step(session: Session, *, agent_id: int, step: str, now: datetime) -> None:
    """完成转接 (complete) or 取消转接 (cancel) of the agent's announced transfer."""
    if step not in ANNOUNCED_STEPS:
        raise QueueError("未知的操作；请选择 完成转接 或 取消转接")
    entry = connected_entry(session, agent_id)
    entry.command = step
    _event(session, entry.id, f"request_{step}", now, agent_id)
    session.flush()


def request_supervision(session: Session, *, supervisor_id: int, call_id: str, mode: str,
                        now: datetime, browser_phone_uri: str = "") -> QueueEntry:
    """耳语 whisper (the agent hears the supervisor, the caller does not) or 强插 barge (both hear them);
    the supervisor's phone is dialled in (or switched over if already listening in) and hears both sides."""
    if mode not in ("whisper", "barge"):
        raise QueueError("未知的班长操作；请选择 监听、耳语 或 强插")
    entry = session.scalar(select(QueueEntry).where(QueueEntry.call_id == call_id))
    if entry is None or entry.state is not QueueEntryState.connected:
        raise QueueError("该来电未接通坐席，无法耳语或强插")
    phone = supervisor_phone(session, supervisor_id, browser_phone_uri)  # desk phone, else the softphone
    if not phone:
        raise QueueError("请先填写您的话机地址（SIP URI），再耳语或强插")
    entry.command = f"{mode} {phone}"[:80]
    _event(session, entry.id, mode, now, supervisor_id)
    session.flush()
    return entry


# -- the worker's side (one short transaction each, via hotline.calls.agent_queue) -------------------------
def _to_wrap_up(session: Session, agent_id: int | None, entry_id: int, now: datetime,
                wrap_up_s: float) -> None:
    agent = session.get(AgentProfile, agent_id, populate_existing=True) if agent_id else None
    if agent is not None and agent.state is AgentState.on_call and agent.entry_id == entry_id:
        agent.state, agent.state_since = AgentState.wrap_up, now
        agent.wrap_up_until = as_utc(now) + timedelta(seconds=wrap_up_s)
        record_change(session, user_id=agent.user_id, state=AgentState.wrap_up, reason="", now=now,
                      entry_id=entry_id)
        session.flush()
        release_wrap_ups(session, now=now)


def pass_on(session: Session, *, entry_id: int, now: datetime, wrap_up_s: float, language: str = "",
            detail: str = "") -> QueueEntry:
    """The agent's part of the call ends (a ``transferred`` event; they go to wrap-up) and the entry waits
    again — at its old place in the queue, ahead of later callers — for the next agent."""
    entry = _entry(session, entry_id)
    if entry.state is not QueueEntryState.connected:
        return entry
    agent_id = entry.agent_id
    _event(session, entry_id, "transferred", now, agent_id, detail[:255])
    entry.state, entry.agent_id, entry.command = QueueEntryState.waiting, None, ""
    if language in QUEUE_NAMES:
        entry.language = language
    _to_wrap_up(session, agent_id, entry_id, now, wrap_up_s)
    session.flush()
    return entry


def offer_to(session: Session, *, entry_id: int, agent_id: int, now: datetime,
             consult: bool = False) -> Offer | None:
    """Ring this agent for the entry (claimed only if still ready). ``consult``: the entry stays connected
    to the first agent while the second is consulted."""
    entry = _entry(session, entry_id)
    won = session.execute(
        update(AgentProfile).where(AgentProfile.user_id == agent_id, AgentProfile.state == AgentState.ready,
                                   AgentProfile.phone_uri != "")
        .values(state=AgentState.ringing, reason="", state_since=now, entry_id=entry.id)
        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    if not won:
        return None
    if not consult:
        entry.state, entry.agent_id, entry.offered_at = QueueEntryState.offered, agent_id, now
    record_change(session, user_id=agent_id, state=AgentState.ringing, reason="", now=now, entry_id=entry.id)
    _event(session, entry.id, "offered", now, agent_id, "consult" if consult else "transfer")
    session.flush()
    profile = session.get(AgentProfile, agent_id, populate_existing=True)
    return Offer(entry.id, agent_id, profile.phone_uri if profile else "")


def release(session: Session, *, entry_id: int, agent_id: int, now: datetime) -> None:
    """A consulted agent is not needed any more (cancelled, or the consultation ended): ready again."""
    won = session.execute(
        update(AgentProfile).where(AgentProfile.user_id == agent_id, AgentProfile.entry_id == entry_id,
                                   AgentProfile.state.in_((AgentState.ringing, AgentState.on_call)))
        .values(state=AgentState.ready, state_since=now, entry_id=None)
        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    if won:
        record_change(session, user_id=agent_id, state=AgentState.ready, reason="转接已取消", now=now,
                      entry_id=entry_id)
    session.flush()


def consulted(session: Session, *, entry_id: int, agent_id: int, now: datetime) -> None:
    """The consulted agent answered (talking with the first agent; the caller on hold)."""
    agent = session.get(AgentProfile, agent_id, populate_existing=True)
    if agent is not None and agent.entry_id == entry_id and agent.state is AgentState.ringing:
        agent.state, agent.state_since, agent.missed_in_row = AgentState.on_call, now, 0
        record_change(session, user_id=agent_id, state=AgentState.on_call, reason="", now=now,
                      entry_id=entry_id)
    _event(session, entry_id, "consulted", now, agent_id)
    session.flush()


def hand_over(session: Session, *, entry_id: int, to_agent: int, now: datetime, wrap_up_s: float) -> None:
    """An announced transfer completed: the first agent to wrap-up, the consulted agent has the call."""
    entry = _entry(session, entry_id)
    first = entry.agent_id
    _event(session, entry_id, "transferred", now, first, f"agent {to_agent}")
    _to_wrap_up(session, first, entry_id, now, wrap_up_s)
    entry.agent_id = to_agent
    _event(session, entry_id, "connected", now, to_agent, "transfer")
    agent = session.get(AgentProfile, to_agent, populate_existing=True)
    if agent is not None:
        agent.state, agent.state_since, agent.entry_id = AgentState.on_call, now, entry_id
    session.flush()


def transfer_targets(session: Session, *, agent_id: int, now: datetime) -> list[dict]:
    """What the agent's 转接 list offers: departments with a transfer number, the agents ready now, the
    queues. ``value`` is what the console posts back (department:ID, agent:ID, queue:zh|mn)."""
    release_wrap_ups(session, now=now)
    departments = session.scalars(
        select(Department).where(Department.active.is_(True), Department.phone.is_not(None))
        .order_by(Department.kind, Department.name))
    targets = [{"value": f"department:{d.id}", "label": f"部门 · {d.name} {d.phone}"} for d in departments]
    ready = session.execute(
        select(User.id, User.display_name).join(AgentProfile, AgentProfile.user_id == User.id)
        .where(AgentProfile.state == AgentState.ready, AgentProfile.phone_uri != "", User.id != agent_id,
               User.role == Role.agent).order_by(User.display_name))
    targets += [{"value": f"agent:{uid}", "label": f"坐席 · {name}（置闲）"} for uid, name in ready]
    targets += [{"value": f"queue:{code}", "label": f"队列 · {name}"} for code, name in QUEUE_NAMES.items()]
    return targets


def request_from_console(session: Session, *, agent_id: int, choice: str, announced: bool,
                         now: datetime) -> str:
    """``choice`` as posted by the console (department:ID, agent:ID, queue:zh|mn)."""
    kind, _, value = choice.partition(":")
    number = int(value) if value.isdigit() else None
    if kind == "department":
        return request_transfer(session, agent_id=agent_id, target=kind, now=now, announced=announced,
                                department_id=number)
    if kind == "agent":
        return request_transfer(session, agent_id=agent_id, target=kind, now=now, announced=announced,
                                to_agent=number)
    return request_transfer(session, agent_id=agent_id, target="queue" if kind == "queue" else kind, now=now,
                            announced=announced, language=value)
