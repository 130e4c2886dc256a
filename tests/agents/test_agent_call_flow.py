"""The call flow with the agents' queue on the fake endpoint (manual clock) over a real database: music and
position, ringing the longest-idle agent's phone as a second call, the bridge, ring timeout, abandon,
overflow to message or ring-back. The same rows the wallboard reads."""

from __future__ import annotations

import dataclasses

import pytest
from agent_testkit import create_agent
from sqlalchemy import select

from hotline.agents.call_queue import QueueError, request_command, request_listen
from hotline.agents.figures import queue_figures
from hotline.agents.presence import PresenceError, set_presence, set_profile
from hotline.calls.agent_queue import DatabaseAgentQueue
from hotline.db import make_session_factory
from hotline.models import (
    AgentProfile,
    AgentState,
    Department,
    QueueEntry,
    QueueEntryState,
    RingBackRequest,
    Role,
    User,
)
from hotline.sip.config import QueueConfig, RecordingConfig, SipConfig
from hotline.sip.fake import FakeSipEndpoint


@pytest.fixture
def line(fresh_engine, tmp_path):
    config = dataclasses.replace(
        SipConfig(), recording=RecordingConfig(directory=tmp_path / "rec", retention_days=0),
        queue=QueueConfig(max_wait_s=40, announce_every_s=15, ring_timeout_s=8, wrap_up_s=5,
                          menu_timeout_s=4, transfer_uri="sip:{number}@127.0.0.1:5099"))
    factory = make_session_factory(fresh_engine)
    holder: dict = {}
    queue = DatabaseAgentQueue(factory, worker="fake", wrap_up_s=5, clock=lambda: holder["fake"].wall_clock())
    fake = FakeSipEndpoint(config, queue=queue)
    holder["fake"] = fake
    fake.start()
    fake.factory = factory
    yield fake
    fake.stop()


def agents(fake, *specs):
    with fake.factory() as session:
        users = [create_agent(session, name=name, languages=langs, ready_at=ready)
                 for name, langs, ready in specs]
        session.commit()
        return [u.id for u in users]


def entry(fake, caller_remote) -> QueueEntry:
    with fake.factory() as session:
        return session.scalar(select(QueueEntry).where(QueueEntry.call_id == caller_remote.call_id))


def agent_state(fake, agent_id) -> AgentState:
    with fake.factory() as session:
        return session.get(AgentProfile, agent_id).state


def heard_prompt(remote, fake, name: str) -> bool:
    frame = fake.prompts[name][3200:3200 + fake.frame_bytes]
    return bytes(frame) in bytes(remote.heard)


def test_waits_with_music_then_rings_answers_and_bridges(line):
    [busy] = agents(line, ("busy", ("zh",), None))
    with line.factory() as session:
        set_presence(session, user_id=busy, state=AgentState.not_ready, reason="小休", now=line.wall_clock())
        session.commit()
    caller = line.incoming_call(caller="13800000001")
    caller.press("1")
    caller.wait(6)
    assert entry(line, caller).state is QueueEntryState.waiting
    assert heard_prompt(caller, line, "queue_busy_zh") and heard_prompt(caller, line, "hold_music")
    with line.factory() as session:
        set_presence(session, user_id=busy, state=AgentState.ready, now=line.wall_clock())
        session.commit()
    caller.wait(1.5)
    assert agent_state(line, busy) is AgentState.ringing and line.active_calls() == 2
    [leg] = [r for r in line.remotes.values() if r is not caller]
    assert leg.live.info.callee == "busy"
    caller.wait(1)
    leg.answer()
    caller.wait(0.5)
    assert line.bridges == [(caller.call_id, leg.call_id)]
    assert agent_state(line, busy) is AgentState.on_call
    assert entry(line, caller).state is QueueEntryState.connected
    caller.wait(10)
    caller.hang_up()
    assert leg.hung_up  # the agent's leg is hung up with the caller's
    assert entry(line, caller).state is QueueEntryState.ended
    assert agent_state(line, busy) is AgentState.wrap_up
    caller.wait(6)
    with line.factory() as session:
        figures = queue_figures(session, now=line.wall_clock(), since=line.wall_clock().replace(year=2000))
    assert figures["answered"] == 1 and figures["abandoned"] == 0
    assert figures["agents"]["ready"] == 1  # wrap-up over
    assert 8 < figures["average_wait_s"] < 10 and 9 < figures["average_handle_s"] < 12


def test_ring_timeout_goes_to_the_next_agent_and_mongolian_first(line):
    mongol, other = agents(line, ("mongol", ("zh", "mn"), 0), ("other", ("zh",), -100))
    caller = line.incoming_call(caller="13800000002")
    caller.press("2")
    caller.wait(1.5)
    [first] = [r for r in line.remotes.values() if r is not caller]
    assert first.live.info.callee == "mongol"  # skilled first, though "other" idles longer
    caller.wait(9)  # ring timeout 8 s: missed, then the next agent
    assert first.hung_up and agent_state(line, mongol) is AgentState.ready
    legs = [r for r in line.remotes.values() if r not in (caller, first)]
    assert [r.live.info.callee for r in legs] == ["other"]
    legs[0].reject(486)
    caller.wait(1.5)
    assert agent_state(line, other) is AgentState.ready  # refused once: back of the line, still ready
    caller.hang_up()
    got = entry(line, caller)
    assert got.state is QueueEntryState.abandoned and got.wait_s > 10


def test_no_agent_signed_in_offers_menu_and_ring_back(line):
    caller = line.incoming_call(caller="13912345678")
    caller.press("1")
    caller.wait(1)
    assert entry(line, caller).state is QueueEntryState.overflow
    caller.wait(9.5)  # the menu prompt (8.6 s); no key yet within menu_timeout (4 s)
    assert heard_prompt(caller, line, "queue_menu_zh") and not heard_prompt(caller, line, "hold_music")
    caller.press("2")
    caller.wait(10)
    assert caller.hung_up
    with line.factory() as session:
        [request] = session.scalars(select(RingBackRequest)).all()
        assert request.phone == "13912345678" and request.state.value == "open"


def test_waited_too_long_then_message_by_default(line):
    agents(line, ("away", ("zh",), None))
    with line.factory() as session:
        set_presence(session, user_id=session.scalars(select(AgentProfile.user_id)).first(),
                     state=AgentState.not_ready, reason="培训", now=line.wall_clock())
        session.commit()
    caller = line.incoming_call(caller="13800000003")
    caller.press("1")
    caller.wait(41)
    got = entry(line, caller)
    assert got.state is QueueEntryState.overflow and got.wait_s == pytest.approx(40, abs=1.5)
    caller.wait(9 + 4 + 1)  # menu prompt, no key within menu_timeout: the message path
    assert line._calls[caller.call_id].flow.stage.value in ("instructing", "listening")
    with line.factory() as session:
        assert session.scalar(select(QueueEntry.outcome)) == "message"


def bridged_call(line, number: str):
    """A caller who chose 1 and the ready agent's leg, answered and bridged: (caller, agent leg)."""
    caller = line.incoming_call(caller=number)
    caller.press("1")
    caller.wait(1.5)
    [leg] = [r for r in line.remotes.values() if r is not caller]
    leg.answer()
    caller.wait(1)
    return caller, leg


def test_agent_holds_resumes_and_hangs_up_from_the_console(line):
    [agent] = agents(line, ("holder", ("zh",), 0))
    caller, leg = bridged_call(line, "13800000004")
    assert line.bridges == [(caller.call_id, leg.call_id)]
    with line.factory() as session:
        request_command(session, agent_id=agent, command="hold", now=line.wall_clock())
        session.commit()
    heard_before = len(caller.heard)
    caller.wait(1.5)
    assert line.bridges == [] and heard_prompt(caller, line, "hold_music")
    assert bytes(caller.heard[heard_before:]).strip(b"\x00")  # the caller on hold hears the music
    with line.factory() as session:
        request_command(session, agent_id=agent, command="resume", now=line.wall_clock())
        session.commit()
    caller.wait(1.5)
    assert line.bridges == [(caller.call_id, leg.call_id)]
    with line.factory() as session:
        request_command(session, agent_id=agent, command="hangup", now=line.wall_clock())
        session.commit()
    caller.wait(1.5)
    assert leg.hung_up and caller.hung_up
    assert entry(line, caller).state is QueueEntryState.ended
    with line.factory() as session, pytest.raises(QueueError, match="没有接通"):
        request_command(session, agent_id=agent, command="hold", now=line.wall_clock())


def test_blind_transfer_to_a_department_number_frees_the_agent(line):
    [agent] = agents(line, ("transferer", ("zh",), 0))
    caller, leg = bridged_call(line, "13800000005")
    with line.factory() as session:
        department = session.scalar(select(Department).where(Department.phone.is_not(None)))
        with pytest.raises(QueueError, match="转接电话"):
            request_command(session, agent_id=agent, command="transfer", now=line.wall_clock())
        request_command(session, agent_id=agent, command="transfer", department_id=department.id,
                        now=line.wall_clock())
        number = "".join(ch for ch in department.phone if ch.isdigit())
        session.commit()
    caller.wait(1.5)
    assert leg.hung_up and not caller.hung_up
    [target] = [r for r in line.remotes.values() if r not in (caller, leg)]
    assert target.live.info.callee == number and line.bridges == []
    assert agent_state(line, agent) is AgentState.wrap_up
    assert entry(line, caller).state is QueueEntryState.ended
    target.answer()
    caller.wait(1)
    assert line.bridges == [(caller.call_id, target.call_id)]
    target.hang_up()
    caller.wait(0.5)
    assert caller.hung_up



def test_supervisor_listens_in_on_both_sides_silently(line):
    agents(line, ("talker", ("zh",), 0))
    with line.factory() as session:
        supervisor = User(username="leader", display_name="班长", role=Role.supervisor, password_hash="x")
        session.add(supervisor)
        session.flush()
        set_profile(session, user_id=supervisor.id, phone_uri="sip:leader@127.0.0.1:5098", languages=["zh"])
        session.commit()
        supervisor_id = supervisor.id
    caller, leg = bridged_call(line, "13800000006")
    with line.factory() as session:
        with pytest.raises(QueueError, match="未接通"):
            request_listen(session, supervisor_id=supervisor_id, call_id="nothing", now=line.wall_clock())
        request_listen(session, supervisor_id=supervisor_id, call_id=caller.call_id, now=line.wall_clock())
        session.commit()
        with pytest.raises(PresenceError, match="话务员"):
            set_presence(session, user_id=supervisor_id, state=AgentState.ready, now=line.wall_clock())
    caller.wait(1.5)
    [ear] = [r for r in line.remotes.values() if r not in (caller, leg)]
    assert ear.live.info.callee == "leader"
    ear.answer()
    caller.wait(0.5)
    assert line.listens == [(ear.call_id, caller.call_id, leg.call_id)]  # hears the caller and the agent
    assert line.bridges == [(caller.call_id, leg.call_id)]  # and nobody hears the supervisor
    caller.hang_up()
    assert ear.hung_up and leg.hung_up
