"""转接 from the agent's desk over HTTP (to a department, an agent or a queue, blind or 咨询后转接;
完成/取消), and the supervisor's 耳语 / 强插: each writes the command the worker takes; bad choices say
why in Chinese."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from test_web_agent_desk import act, user_id
from web_testkit import signed_in

from hotline.agents.call_queue import connect, enter_queue, finish, offer_next
from hotline.agents.presence import set_presence, set_profile
from hotline.models import AgentProfile, AgentState, Department, QueueEntry, Role


def test_agent_passes_the_call_on_and_the_supervisor_whispers_and_barges(client, web_engine):
    me = user_id(web_engine, signed_in(client, web_engine, Role.agent))
    now = datetime.now(UTC)
    with Session(web_engine) as s:
        set_profile(s, user_id=me, phone_uri="sip:me@127.0.0.1:5090", languages=["zh"])
        set_presence(s, user_id=me, state=AgentState.ready, now=now)
        s.commit()
    try:
        refused = act(client, "/agent/pass", target="queue:mn", mode="blind")
        assert refused.status_code == 409 and "没有接通" in refused.json()["error"]
    finally:
        with Session(web_engine) as s:
            set_presence(s, user_id=me, state=AgentState.not_ready, reason="小休", now=now)
            s.commit()
    with Session(web_engine) as s:
        # the web database is shared by the test files of this xdist worker: an agent another file left
        # 置闲 would be offered the call (longest idle first), so only this test's agent is ready
        for other in s.scalars(select(AgentProfile.user_id).where(AgentProfile.state == AgentState.ready,
                                                                  AgentProfile.user_id != me)):
            set_presence(s, user_id=other, state=AgentState.offline, now=now)
        set_presence(s, user_id=me, state=AgentState.ready, now=now)
        entry = enter_queue(s, call_id="c-pass", caller="13800000079", language="zh", worker="w", now=now)
        assert offer_next(s, entry_id=entry.id, now=now).agent_id == me
        connect(s, entry_id=entry.id, agent_id=me, now=now)
        department = s.scalar(select(Department).where(Department.phone.is_not(None)))
        s.commit()
        entry_id, department_id = entry.id, department.id
    desk = client.get("/api/agent/desk").json()
    labels = [t["label"] for t in desk["pass_to"]]
    assert "队列 · 蒙古语队列" in labels and any(label.startswith("部门 · ") for label in labels)

    def command() -> str:
        with Session(web_engine) as s:
            return s.get(QueueEntry, entry_id).command

    busy = act(client, "/agent/pass", target="agent:99999", mode="blind")
    assert busy.status_code == 409 and "选择要转接的坐席" in busy.json()["error"]
    no_queue = act(client, "/agent/pass", target="queue:xx", mode="announced")
    assert no_queue.status_code == 409 and "队列" in no_queue.json()["error"]
    assert act(client, "/agent/pass", target="queue:mn", mode="blind").json()["ok"]
    assert command() == "transfer_queue mn"
    announced = act(client, "/agent/pass", target=f"department:{department_id}", mode="announced")
    assert announced.json()["ok"]
    assert command().startswith("consult ") and command()[8:].isdigit()
    assert act(client, "/agent/consult/cancel").json()["ok"] and command() == "cancel"
    assert act(client, "/agent/consult/complete").json()["ok"] and command() == "complete"

    supervisor = client.new_browser()
    leader = user_id(web_engine, signed_in(supervisor, web_engine, Role.supervisor))
    no_phone = act(supervisor, "/supervise/calls/c-pass/whisper")
    assert no_phone.status_code == 409 and "话机地址" in no_phone.json()["error"]
    with Session(web_engine) as s:
        set_profile(s, user_id=leader, phone_uri="sip:leader@127.0.0.1:5098", languages=["zh"])
        s.commit()
    assert act(supervisor, "/supervise/calls/c-pass/whisper").json()["ok"]
    assert command() == "whisper sip:leader@127.0.0.1:5098"
    assert act(supervisor, "/supervise/calls/c-pass/barge").json()["ok"]
    assert command() == "barge sip:leader@127.0.0.1:5098"
    assert act(client, "/supervise/calls/c-pass/barge").status_code == 403  # agents cannot barge
    gone = act(supervisor, "/supervise/calls/nothing/whisper")
    assert gone.status_code == 409 and "未接通" in gone.json()["error"]
    with Session(web_engine) as s:  # leave no agent holding a call for the next test on this database
        finish(s, entry_id=entry_id, now=now, wrap_up_s=0)
        set_presence(s, user_id=me, state=AgentState.offline, now=now)
        s.commit()
