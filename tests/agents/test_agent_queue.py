"""Queue and presence rules on both databases: distribution, ring timeout, misses, wrap-up, abandon,
overflow with a ring-back request, and the figures computed from the stored rows."""

from __future__ import annotations

import pytest
from agent_testkit import T0, at, create_agent
from sqlalchemy import select

from hotline.agents import call_queue as q
from hotline.agents.figures import queue_figures
from hotline.agents.presence import PresenceError, logged_in_agents, release_wrap_ups, set_presence
from hotline.models import (
    AgentProfile,
    AgentState,
    AgentStateChange,
    QueueEntryState,
    QueueEvent,
    RingBackRequest,
)


def enter(session, call_id: str, *, language="zh", seconds=0.0, caller="13800000001"):
    return q.enter_queue(session, call_id=call_id, caller=caller, language=language, worker="w1",
                         now=at(seconds))


def state(session, user) -> AgentState:
    return session.get(AgentProfile, user.id, populate_existing=True).state


def test_longest_idle_ready_agent_gets_the_call_and_wrap_up_returns_to_ready(db_session):
    early = create_agent(db_session, name="early", ready_at=0)
    create_agent(db_session, name="late", ready_at=5)
    entry = enter(db_session, "c1", seconds=10)
    offer = q.offer_next(db_session, entry_id=entry.id, now=at(11))
    assert offer is not None and offer.agent_id == early.id and offer.phone_uri.startswith("sip:early@")
    assert state(db_session, early) is AgentState.ringing
    q.connect(db_session, entry_id=entry.id, agent_id=early.id, now=at(15))
    assert state(db_session, early) is AgentState.on_call
    q.finish(db_session, entry_id=entry.id, now=at(75), wrap_up_s=30)
    assert state(db_session, early) is AgentState.wrap_up
    figures = queue_figures(db_session, now=at(80), since=T0)
    assert figures["agents"]["wrap_up"] == 1 and figures["agents"]["ready"] == 1
    figures = queue_figures(db_session, now=at(106), since=T0)  # 30 s of wrap-up are over
    assert figures["agents"]["ready"] == 2 and figures["agents"]["wrap_up"] == 0
    assert release_wrap_ups(db_session, now=at(106)) == 1  # (the queue and the desk do this as they pass)
    assert state(db_session, early) is AgentState.ready
    assert figures["answered"] == 1 and figures["answered_within_20s"] == 1
    assert figures["average_handle_s"] == 60.0 and figures["service_level"] == 1.0
    changes = [c.state for c in db_session.scalars(select(AgentStateChange).where(
        AgentStateChange.user_id == early.id).order_by(AgentStateChange.id))]
    assert changes == [AgentState.ready, AgentState.ringing, AgentState.on_call, AgentState.wrap_up,
                       AgentState.ready]


def test_ring_timeout_goes_to_next_agent_and_two_misses_set_not_ready(db_session):
    sleepy = create_agent(db_session, name="sleepy", ready_at=0)
    other = create_agent(db_session, name="other", ready_at=5)
    first = enter(db_session, "c1", seconds=10)
    assert q.offer_next(db_session, entry_id=first.id, now=at(10)).agent_id == sleepy.id
    assert q.ring_missed(db_session, entry_id=first.id, agent_id=sleepy.id, now=at(25)) is False
    assert state(db_session, sleepy) is AgentState.ready  # once: back of the line
    assert q.offer_next(db_session, entry_id=first.id, now=at(25)).agent_id == other.id
    q.connect(db_session, entry_id=first.id, agent_id=other.id, now=at(27))
    second = enter(db_session, "c2", seconds=30)
    assert q.offer_next(db_session, entry_id=second.id, now=at(30)).agent_id == sleepy.id
    assert q.ring_missed(db_session, entry_id=second.id, agent_id=sleepy.id, now=at(45)) is True
    profile = db_session.get(AgentProfile, sleepy.id, populate_existing=True)
    assert profile.state is AgentState.not_ready and profile.reason == "未接听"
    assert q.offer_next(db_session, entry_id=second.id, now=at(46)) is None  # nobody ready: keeps waiting
    assert q.position(db_session, entry_id=second.id) == 1


def test_mongolian_caller_goes_to_a_mongolian_speaker_first(db_session):
    create_agent(db_session, name="mandarin", languages=("zh",), ready_at=0)
    mongol = create_agent(db_session, name="mongol", languages=("zh", "mn"), ready_at=50)
    mn_call = enter(db_session, "mn1", language="mn", seconds=60)
    assert q.offer_next(db_session, entry_id=mn_call.id, now=at(60)).agent_id == mongol.id
    zh_call = enter(db_session, "zh1", seconds=61)
    assert q.offer_next(db_session, entry_id=zh_call.id, now=at(61)).agent_id != mongol.id


def test_only_the_head_of_the_queue_is_offered_and_positions_count(db_session):
    create_agent(db_session, name="solo", ready_at=None)
    a, b, c = (enter(db_session, f"c{i}", seconds=i) for i in range(3))
    assert [q.position(db_session, entry_id=e.id) for e in (a, b, c)] == [1, 2, 3]
    assert q.expected_wait_s(db_session, entry_id=c.id, now=at(3)) == 3 * q.DEFAULT_HANDLE_S
    q.abandon(db_session, entry_id=a.id, now=at(40))
    assert q.position(db_session, entry_id=c.id) == 2
    [agent] = db_session.scalars(select(AgentProfile)).all()[-1:]
    set_presence(db_session, user_id=agent.user_id, state=AgentState.ready, now=at(41))
    assert q.offer_next(db_session, entry_id=c.id, now=at(41)) is None  # b is older
    assert q.offer_next(db_session, entry_id=b.id, now=at(41)) is not None


def test_abandoned_in_queue_keeps_its_wait_and_frees_a_ringing_agent(db_session):
    agent = create_agent(db_session, name="ringing", ready_at=0)
    entry = enter(db_session, "c1", seconds=10)
    q.offer_next(db_session, entry_id=entry.id, now=at(12))
    q.abandon(db_session, entry_id=entry.id, now=at(17.5))
    assert entry.state is QueueEntryState.abandoned and entry.wait_s == 7.5
    assert state(db_session, agent) is AgentState.ready
    assert db_session.get(AgentProfile, agent.id).missed_in_row == 0  # a caller hanging up is no miss
    figures = queue_figures(db_session, now=at(20), since=T0)
    assert figures["abandoned"] == 1 and figures["abandoned_wait_s"] == [7.5]
    assert figures["service_level"] == 0.0 and figures["calls_waiting"] == 0


def test_no_agent_then_overflow_with_a_ring_back_request(db_session):
    assert logged_in_agents(db_session) == 0
    waiting = enter(db_session, "c0", seconds=0)
    entry = enter(db_session, "c1", seconds=5, caller="13912345678")
    figures = queue_figures(db_session, now=at(65), since=T0)
    assert figures["calls_waiting"] == 2 and figures["longest_wait_s"] == 65.0
    q.overflow(db_session, entry_id=entry.id, now=at(65), reason="waited_too_long")
    request = q.choose_outcome(db_session, entry_id=entry.id, outcome="ring_back", now=at(70))
    assert request.phone == "13912345678" and request.call_id == "c1"
    q.overflow(db_session, entry_id=waiting.id, now=at(66), reason="waited_too_long")
    assert q.choose_outcome(db_session, entry_id=waiting.id, outcome="message", now=at(68)) is None
    figures = queue_figures(db_session, now=at(70), since=T0)
    assert figures["overflow"] == 2 and figures["ring_backs_open"] == 1 and figures["calls_waiting"] == 0
    kinds = [e.kind for e in db_session.scalars(select(QueueEvent).where(QueueEvent.entry_id == entry.id)
                                                .order_by(QueueEvent.id))]
    assert kinds == ["entered", "overflow", "ring_back"]
    assert db_session.scalars(select(RingBackRequest)).all()[-1].state.value == "open"


def test_presence_rules_say_what_to_do(db_session):
    agent = create_agent(db_session, name="p", ready_at=None, phone_uri="sip:p@127.0.0.1")
    with pytest.raises(PresenceError, match="示忙请选择原因"):
        set_presence(db_session, user_id=agent.id, state=AgentState.not_ready, reason="", now=at(1))
    set_presence(db_session, user_id=agent.id, state=AgentState.not_ready, reason="培训", now=at(1))
    assert logged_in_agents(db_session) == 1
    entry = enter(db_session, "c1", seconds=2)
    set_presence(db_session, user_id=agent.id, state=AgentState.ready, now=at(3))
    q.offer_next(db_session, entry_id=entry.id, now=at(3))
    with pytest.raises(PresenceError, match="通话中"):
        set_presence(db_session, user_id=agent.id, state=AgentState.not_ready, reason="小休", now=at(4))


def test_a_restarted_worker_closes_the_calls_it_left_open(db_session):
    agent = create_agent(db_session, name="held", ready_at=0)
    talking, waiting = enter(db_session, "c1", seconds=1), enter(db_session, "c2", seconds=2)
    q.offer_next(db_session, entry_id=talking.id, now=at(3))
    q.connect(db_session, entry_id=talking.id, agent_id=agent.id, now=at(4))
    other = q.enter_queue(db_session, call_id="c3", caller="", language="zh", worker="w2", now=at(5))
    assert q.close_orphans(db_session, worker="w1", now=at(60)) == 2
    assert talking.state is QueueEntryState.ended and waiting.state is QueueEntryState.abandoned
    assert other.state is QueueEntryState.waiting and state(db_session, agent) is AgentState.ready
