"""坐席统计: calls driven through the fake endpoint's queue over a real database (a missed ring, two answered
calls, wrap-up, 示忙, an abandoned call); the analytics page shows per agent and per day what the test did."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from agent_testkit import create_agent
from sqlalchemy import select

from hotline.agents.agent_figures import agent_day_figures
from hotline.agents.call_queue import request_command
from hotline.agents.presence import set_presence
from hotline.analytics.filters import CHINA
from hotline.calls.agent_queue import DatabaseAgentQueue
from hotline.db import make_session_factory
from hotline.models import AgentState, QueueEntry
from hotline.sip.config import QueueConfig, RecordingConfig, SipConfig
from hotline.sip.fake import FakeSipEndpoint
from tests.analytics.analytics_app import analytics_app, serve

WRAP_UP_S = 5


@pytest.fixture
def line(fresh_engine, tmp_path):
    """The fake endpoint on a clock two hours in the past (the page cuts its figures at the real now)."""
    config = dataclasses.replace(
        SipConfig(), recording=RecordingConfig(directory=tmp_path / "rec", retention_days=0),
        queue=QueueConfig(max_wait_s=120, announce_every_s=15, ring_timeout_s=8, wrap_up_s=WRAP_UP_S))
    factory = make_session_factory(fresh_engine)
    holder: dict = {}
    queue = DatabaseAgentQueue(factory, worker="fake", wrap_up_s=WRAP_UP_S,
                               clock=lambda: holder["fake"].wall_clock())
    fake = FakeSipEndpoint(config, queue=queue)
    base = datetime.now(UTC) - timedelta(hours=2)
    fake.wall_clock = lambda: base + timedelta(seconds=fake.now)
    holder["fake"] = fake
    fake.start()
    fake.factory = factory
    yield fake
    fake.stop()


def test_the_agents_page_shows_per_agent_and_per_day_what_the_calls_did(line, fresh_engine, tmp_path):
    with line.factory() as session:
        first = create_agent(session, name="甲", ready_at=None)
        second = create_agent(session, name="乙", ready_at=None)
        set_presence(session, user_id=first.id, state=AgentState.ready, now=line.wall_clock())
        line.now += 1
        set_presence(session, user_id=second.id, state=AgentState.ready, now=line.wall_clock())
        session.commit()
        first_id, second_id = first.id, second.id
    # call 1: 甲 (longest idle) misses the ring (8 s), 乙 answers, talks, the caller hangs up
    c1 = line.incoming_call(caller="13800000021")
    c1.press("1")
    c1.wait(1.5)
    [ring1] = [r for r in line.remotes.values() if r is not c1]
    c1.wait(9)
    [ring2] = [r for r in line.remotes.values() if r not in (c1, ring1)]
    assert ring2.live.info.callee == "乙"
    ring2.answer()
    answered1 = line.now
    c1.wait(10)
    c1.hang_up()
    talk1 = line.now - answered1
    c1.wait(WRAP_UP_S + 1)
    # call 2: 甲 (ready again after the miss, idle longest) answers; the agent hangs up from the console
    c2 = line.incoming_call(caller="13800000022")
    c2.press("1")
    c2.wait(1.5)
    [ring3] = [r for r in line.remotes.values() if r.live.info.callee == "甲" and not r.hung_up]
    ring3.answer()
    answered2 = line.now
    c2.wait(20)
    with line.factory() as session:
        request_command(session, agent_id=first_id, command="hangup", now=line.wall_clock())
        session.commit()
    c2.wait(1.5)
    assert c2.hung_up
    with line.factory() as session:  # the console's hang-up is taken within a second
        talk2 = session.scalar(select(QueueEntry.talk_s).where(QueueEntry.call_id == c2.call_id))
    assert 20 <= talk2 <= 21.6 and answered2 > 0
    c2.wait(WRAP_UP_S + 1)
    # 甲 and 乙 go 示忙 for 30 s; call 3 waits 12 s and hangs up (abandoned)
    with line.factory() as session:
        for agent in (first_id, second_id):
            set_presence(session, user_id=agent, state=AgentState.not_ready, reason="小休",
                         now=line.wall_clock())
        session.commit()
    c3 = line.incoming_call(caller="13800000023")
    c3.press("1")
    c3.wait(12)
    c3.hang_up()
    c3.wait(30 - 12)
    with line.factory() as session:
        for agent in (first_id, second_id):
            set_presence(session, user_id=agent, state=AgentState.ready, now=line.wall_clock())
        session.commit()

    day = line.wall_clock().astimezone(CHINA).date().isoformat()
    app = analytics_app(fresh_engine, tmp_path)
    with serve(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        data = client.get("/api/analytics/agents", params={"start": day, "end": day}).json()
        page = client.get("/analytics/agents", params={"start": day, "end": day}).text
        assert client.get("/analytics/agents", params={"start": "yesterday"}).status_code == 400
    [today] = data["days"]
    assert (today["queued"], today["answered"], today["within_20s"], today["abandoned"]) == (3, 2, 2, 1)
    assert today["service_level"] == pytest.approx(2 / 3, abs=0.001)
    rows = {r["agent"]: r for r in data["agents"] if r["day"] == day}
    a, b = rows["甲"], rows["乙"]
    assert (a["answered"], a["missed"], b["answered"], b["missed"]) == (1, 1, 1, 0)
    assert b["talk_s"] == pytest.approx(talk1, abs=0.5) and a["talk_s"] == pytest.approx(talk2, abs=0.5)
    assert a["wrap_up_s"] == pytest.approx(WRAP_UP_S, abs=0.1) and b["wrap_up_s"] == pytest.approx(WRAP_UP_S,
                                                                                                   abs=0.1)
    assert a["average_handle_s"] == pytest.approx(talk2 + WRAP_UP_S, abs=0.6)
    assert a["not_ready_s"] == pytest.approx(30, abs=0.5) and b["not_ready_s"] == pytest.approx(30, abs=0.5)
    # the page shows the same numbers
    assert f'<tr data-day="{day}"><td>{day}</td><td class="num" data-f="queued">3</td>' in page
    assert 'data-f="service_level">67%<' in page and "服务水平" in page
    assert (f'data-agent="{first_id}" data-day="{day}"><td>{day}</td><td>甲</td>'
            '<td class="num" data-f="answered">1</td>\n<td class="num" data-f="missed">1</td>') in page
    with line.factory() as session:  # the figures are computed from stored rows: the same in a new session
        again = agent_day_figures(session, since=line.wall_clock() - timedelta(hours=1),
                                  until=datetime.now(UTC), now=datetime.now(UTC))
    assert {r["agent"]: r["answered"] for r in again["agents"]} == {"甲": 1, "乙": 1}
