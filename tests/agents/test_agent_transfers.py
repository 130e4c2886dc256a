"""Transfers and supervision on the fake endpoint (manual clock) over a real database: the department leg's
audio goes to its own stream, blind transfer to another agent or a queue, announced transfer (consult,
cancel, complete) to a department or an agent, supervisor whisper and barge. The rules, fast."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_agent_call_flow import agent_state, agents, bridged_call, entry, line  # noqa: F401

from hotline.agents.call_queue import QueueError, request_listen
from hotline.agents.presence import set_profile
from hotline.agents.transfers import request_step, request_supervision, request_transfer
from hotline.models import AgentState, Department, QueueEntryState, QueueEvent, Role, User
from hotline.sip.protocol import NullObserver


class PartyObserver(NullObserver):
    """Keeps what each further leg sends (the sink the pipeline would feed to ASR)."""

    def __init__(self) -> None:
        self.parties: list[tuple[str, str, bytearray]] = []

    def on_party_leg(self, call_id, speaker, leg):
        heard = bytearray()
        self.parties.append((call_id, speaker, heard))

        class Sink:
            def push(self, pcm: bytes) -> bool:
                heard.extend(pcm)
                return True

        return Sink()


def ask(line, **kwargs) -> None:  # noqa: F811
    with line.factory() as session:
        request_transfer(session, now=line.wall_clock(), **kwargs)
        session.commit()


def step(line, agent: int, what: str) -> None:  # noqa: F811
    with line.factory() as session:
        request_step(session, agent_id=agent, step=what, now=line.wall_clock())
        session.commit()


def department(line) -> tuple[int, str]:  # noqa: F811
    with line.factory() as session:
        d = session.scalar(select(Department).where(Department.phone.is_not(None)))
        return d.id, "".join(ch for ch in d.phone if ch.isdigit())


def events(line, caller) -> list[tuple[str, int | None]]:  # noqa: F811
    with line.factory() as session:
        return [(e.kind, e.agent_id) for e in session.scalars(
            select(QueueEvent).where(QueueEvent.entry_id == entry(line, caller).id).order_by(QueueEvent.id))
            if not e.kind.startswith("request_") and " " not in e.kind]


def new_leg(line, *known):  # noqa: F811
    [leg] = [r for r in line.remotes.values() if r not in known and not r.hung_up]
    return leg


def test_blind_transfer_the_department_leg_is_recorded_and_goes_to_its_own_stream(line):  # noqa: F811
    observer = PartyObserver()
    line.observer = observer
    [agent] = agents(line, ("a1", ("zh",), 0))
    caller, leg = bridged_call(line, "13800000011")
    department_id, number = department(line)
    ask(line, agent_id=agent, target="department", department_id=department_id)
    caller.wait(1.5)
    target = new_leg(line, caller, leg)
    assert target.live.info.callee == number and target.live.record  # the department leg is recorded
    assert [(c, s) for c, s, _ in observer.parties] == [(caller.call_id, "department")]
    target.answer()
    caller.wait(0.5)
    target.send_audio(b"\x10\x20" * 8000)  # one second of the department speaking
    assert bytes(observer.parties[0][2]).count(b"\x10\x20") == 8000  # all of it reached its stream
    assert line.bridges == [(caller.call_id, target.call_id)]
    caller.hang_up()
    assert target.hung_up and entry(line, caller).state is QueueEntryState.ended


def test_blind_transfer_to_another_agent_then_the_queue_goes_on_if_they_miss(line):  # noqa: F811
    first, second, third = agents(line, ("first", ("zh",), -300), ("second", ("zh",), -200),
                                  ("third", ("zh",), -100))
    caller, leg = bridged_call(line, "13800000012")
    assert leg.live.info.callee == "first"
    waited = entry(line, caller).wait_s
    with pytest.raises(QueueError, match="自己"):
        ask(line, agent_id=first, target="agent", to_agent=first)
    ask(line, agent_id=first, target="agent", to_agent=third)
    caller.wait(1.5)
    assert leg.hung_up and not caller.hung_up and agent_state(line, first) is AgentState.wrap_up
    ring = new_leg(line, caller, leg)
    assert ring.live.info.callee == "third" and agent_state(line, third) is AgentState.ringing
    caller.wait(9)  # ring timeout 8 s: the queue offers the call to the next ready agent
    assert agent_state(line, third) is AgentState.ready
    nxt = new_leg(line, caller, leg, ring)
    assert nxt.live.info.callee == "second"
    nxt.answer()
    caller.wait(1)
    assert line.bridges == [(caller.call_id, nxt.call_id)]
    got = entry(line, caller)
    assert got.state is QueueEntryState.connected and got.agent_id == second and got.wait_s == waited
    caller.wait(5)
    caller.hang_up()
    assert entry(line, caller).state is QueueEntryState.ended
    assert events(line, caller) == [("entered", None), ("offered", first), ("connected", first),
                                    ("transferred", first), ("offered", third), ("missed", third),
                                    ("offered", second), ("connected", second), ("ended", second)]


def test_blind_transfer_to_the_mongolian_queue(line):  # noqa: F811
    zh, mn = agents(line, ("zh1", ("zh",), -300), ("mn1", ("mn",), -100))
    caller, leg = bridged_call(line, "13800000013")
    assert leg.live.info.callee == "zh1"
    with pytest.raises(QueueError, match="队列"):
        ask(line, agent_id=zh, target="queue", language="xx")
    ask(line, agent_id=zh, target="queue", language="mn")
    caller.wait(2.5)
    assert entry(line, caller).language == "mn"
    ring = new_leg(line, caller, leg)
    assert ring.live.info.callee == "mn1"
    ring.answer()
    caller.wait(1)
    assert line.bridges == [(caller.call_id, ring.call_id)] and agent_state(line, mn) is AgentState.on_call
    ring.hang_up()
    caller.wait(0.5)
    assert caller.hung_up and entry(line, caller).state is QueueEntryState.ended


def test_announced_transfer_to_a_department_cancel_then_complete(line):  # noqa: F811
    observer = PartyObserver()
    line.observer = observer
    [agent] = agents(line, ("a2", ("zh",), 0))
    caller, leg = bridged_call(line, "13800000014")
    department_id, number = department(line)
    ask(line, agent_id=agent, target="department", department_id=department_id, announced=True)
    caller.wait(1.5)
    dept = new_leg(line, caller, leg)
    assert dept.live.info.callee == number and line.bridges == []  # the caller is parted ...
    heard = len(caller.heard)
    caller.wait(1)
    assert bytes(caller.heard[heard:]).strip(b"\x00")  # ... and hears music
    dept.answer()
    caller.wait(0.5)
    assert line.bridges == [(leg.call_id, dept.call_id)]  # the agent talks with the department
    step(line, agent, "cancel")
    caller.wait(1.5)
    assert dept.hung_up and line.bridges == [(caller.call_id, leg.call_id)]
    ask(line, agent_id=agent, target="department", department_id=department_id, announced=True)
    caller.wait(1.5)
    dept2 = new_leg(line, caller, leg)
    dept2.answer()
    caller.wait(1.5)
    step(line, agent, "complete")
    caller.wait(1.5)
    assert leg.hung_up and line.bridges == [(caller.call_id, dept2.call_id)]
    assert agent_state(line, agent) is AgentState.wrap_up
    assert entry(line, caller).state is QueueEntryState.ended
    assert [s for _, s, _ in observer.parties] == ["department", "department"]
    dept2.hang_up()
    caller.wait(0.5)
    assert caller.hung_up


def test_agent_hanging_up_while_consulting_completes_the_transfer(line):  # noqa: F811
    [agent] = agents(line, ("a3", ("zh",), 0))
    caller, leg = bridged_call(line, "13800000017")
    assert leg.shown_caller == "13800000017"  # the agent's phone shows the citizen's number, not 7812345
    department_id, _ = department(line)
    ask(line, agent_id=agent, target="department", department_id=department_id, announced=True)
    caller.wait(1.5)
    dept = new_leg(line, caller, leg)
    assert dept.shown_caller == "13800000017"
    dept.answer()
    caller.wait(1.5)
    leg.hang_up()  # the agent puts the desk phone down while the department is on the line
    caller.wait(1.5)
    assert not caller.hung_up and not dept.hung_up
    assert (caller.call_id, dept.call_id) in line.bridges  # the caller talks with the department
    assert agent_state(line, agent) is AgentState.wrap_up
    assert entry(line, caller).state is QueueEntryState.ended
    dept.hang_up()
    caller.wait(0.5)
    assert caller.hung_up


def test_announced_transfer_to_an_agent(line):  # noqa: F811
    first, second = agents(line, ("c1", ("zh",), -200), ("c2", ("zh",), -100))
    caller, leg = bridged_call(line, "13800000015")
    ask(line, agent_id=first, target="agent", to_agent=second, announced=True)
    caller.wait(1.5)
    other = new_leg(line, caller, leg)
    assert other.live.info.callee == "c2" and agent_state(line, second) is AgentState.ringing
    with pytest.raises(QueueError, match="置闲"):  # a ringing agent cannot be chosen again
        ask(line, agent_id=first, target="agent", to_agent=second)
    other.answer()
    caller.wait(1.5)
    assert line.bridges == [(leg.call_id, other.call_id)] and agent_state(line, second) is AgentState.on_call
    assert entry(line, caller).agent_id == first  # still the first agent's call
    step(line, first, "complete")
    caller.wait(1.5)
    assert leg.hung_up and line.bridges == [(caller.call_id, other.call_id)]
    assert agent_state(line, first) is AgentState.wrap_up
    got = entry(line, caller)
    assert got.agent_id == second and got.state is QueueEntryState.connected
    caller.wait(3)
    caller.hang_up()
    assert other.hung_up and agent_state(line, second) is AgentState.wrap_up


def test_consulted_agent_not_answering_returns_the_agent_to_the_caller(line):  # noqa: F811
    first, second = agents(line, ("d1", ("zh",), -200), ("d2", ("zh",), -100))
    caller, leg = bridged_call(line, "13800000016")
    ask(line, agent_id=first, target="agent", to_agent=second, announced=True)
    caller.wait(1.5)
    other = new_leg(line, caller, leg)
    caller.wait(17)  # twice the ring timeout
    assert other.hung_up and line.bridges == [(caller.call_id, leg.call_id)]
    assert agent_state(line, second) is AgentState.ready and agent_state(line, first) is AgentState.on_call


def test_supervisor_listen_whisper_barge(line):  # noqa: F811
    agents(line, ("e1", ("zh",), 0))
    with line.factory() as session:
        leader = User(username="leader2", display_name="班长", role=Role.supervisor, password_hash="x")
        session.add(leader)
        session.flush()
        set_profile(session, user_id=leader.id, phone_uri="sip:leader@127.0.0.1:5098", languages=["zh"])
        session.commit()
        leader_id = leader.id
    caller, leg = bridged_call(line, "13800000017")

    def supervise(mode: str) -> None:
        with line.factory() as session:
            if mode == "listen":
                request_listen(session, supervisor_id=leader_id, call_id=caller.call_id,
                               now=line.wall_clock())
            else:
                request_supervision(session, supervisor_id=leader_id, call_id=caller.call_id, mode=mode,
                                    now=line.wall_clock())
            session.commit()
        caller.wait(1.5)

    with line.factory() as session, pytest.raises(QueueError, match="未接通"):
        request_supervision(session, supervisor_id=leader_id, call_id="none", mode="whisper",
                            now=line.wall_clock())
    supervise("whisper")
    ear = new_leg(line, caller, leg)
    ear.answer()
    caller.wait(0.5)
    assert line.listens == [(ear.call_id, caller.call_id, leg.call_id)]
    assert line.sends == {(ear.call_id, leg.call_id)}  # only the agent hears the supervisor
    supervise("barge")
    assert line.sends == {(ear.call_id, leg.call_id), (ear.call_id, caller.call_id)}
    supervise("listen")
    assert line.sends == set() and line.bridges == [(caller.call_id, leg.call_id)]
    caller.hang_up()
    assert ear.hung_up and leg.hung_up
