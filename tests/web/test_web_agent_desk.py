"""The agent's desk on the console over HTTP: presence with its rules, my phone and skills, my call with the
live 市民/坐席 lines, the case of the call just ended answered on the spot (当场答复), 回拨请求 worked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from web_testkit import WebClient, build_app, csrf_of, serve, signed_in

from hotline.agents.call_queue import choose_outcome, connect, enter_queue, finish, offer_next, overflow
from hotline.calls.finished import FinishedCall, record_finished_call
from hotline.calls.registry import LiveCall
from hotline.models import (
    AgentProfile,
    AgentState,
    Case,
    CaseStatus,
    QueueEntry,
    RingBackRequest,
    RingBackState,
    Role,
    User,
)

FETCH = {"X-Requested-With": "fetch"}


def act(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_of(client), **data}, headers=FETCH)


def user_id(engine, username: str) -> int:
    with Session(engine) as s:
        return s.scalar(select(User.id).where(User.username == username))


def test_presence_phone_and_my_call_with_both_speakers(client, web_engine, app):
    me = user_id(web_engine, signed_in(client, web_engine, Role.agent))
    assert 'id="agent-desk"' in client.get("/").text
    refused = act(client, "/agent/presence", state="ready")
    assert refused.status_code == 409 and "话机地址" in refused.json()["error"]
    bad = act(client, "/agent/phone", phone_uri="agent1@10.0.0.21", languages="zh")
    assert bad.status_code == 409 and "SIP URI" in bad.json()["error"]
    saved = act(client, "/agent/phone", phone_uri="sip:agent1@127.0.0.1:5090", languages=["zh", "mn"])
    assert saved.json()["ok"]
    assert act(client, "/agent/presence", state="ready").json()["ok"]
    desk = client.get("/api/agent/desk").json()
    assert desk["state_label"] == "置闲" and desk["languages"] == ["zh", "mn"] and desk["call"] is None
    no_reason = act(client, "/agent/presence", state="not_ready", reason="")
    assert no_reason.status_code == 409 and "原因" in no_reason.json()["error"]
    assert act(client, "/agent/presence", state="not_ready", reason="培训").json()["ok"]
    assert client.get("/api/agent/desk").json()["reason"] == "培训"

    registry = app.state.ctx.live_calls
    registry.add(LiveCall("c-desk", "13800000077", "7812345", datetime.now(UTC)))
    registry.update("c-desk", agent_id=me, agent_state="connected")
    registry.append_final("c-desk", "我家门口的路灯坏了", "citizen")
    registry.append_final("c-desk", "好的，请问具体在哪个小区", "agent")
    call = client.get("/api/agent/desk").json()["call"]
    assert call["caller"] == "13800000077" and call["finals"] == ["我家门口的路灯坏了"]
    assert [line["speaker"] for line in call["lines"]] == ["citizen", "agent"]

    idle = act(client, "/agent/call/hold")
    assert idle.status_code == 409 and "没有接通" in idle.json()["error"]
    assert act(client, "/agent/call/transfer").status_code == 409

    supervisor = client.new_browser()
    signed_in(supervisor, web_engine, Role.supervisor)
    assert act(supervisor, "/agent/presence", state="ready").status_code == 403
    assert "监听坐席通话" in supervisor.get("/").text
    assert act(supervisor, "/agent/phone", phone_uri="sip:leader@127.0.0.1:5098", languages="zh").json()["ok"]
    not_connected = act(supervisor, "/supervise/calls/c-desk/listen")
    assert not_connected.status_code == 409 and "无法监听" in not_connected.json()["error"]
    assert act(client, "/supervise/calls/c-desk/listen").status_code == 403


def bridged_call(call_id: str, at: datetime) -> FinishedCall:
    said = [("citizen", "请问办理居住证需要什么材料", 1.0), ("agent", "您需要带身份证", 4.0)]
    return FinishedCall(
        call_id=call_id, sip_call_id="x", caller="13800000078", callee="7812345", direction="inbound",
        started_at=at.isoformat(), ended_at=at.isoformat(), end_reason="local_hangup", duration_s=30.0,
        language="zh", recording_path=None, frames_received=1500, frames_dropped=0,
        transcript_status="complete",
        utterances=[{"text": t, "start": s, "end": s + 2, "confidence": 0.9, "words": [], "speaker": who}
                    for who, t, s in said])


def test_call_just_ended_is_answered_on_the_spot_and_ring_backs_are_worked(client, web_engine, app):
    me = user_id(web_engine, signed_in(client, web_engine, Role.agent))
    act(client, "/agent/phone", phone_uri="sip:me@127.0.0.1:5090", languages="zh")
    act(client, "/agent/presence", state="ready")
    now = datetime.now(UTC)
    call_id = uuid.uuid4().hex
    with Session(web_engine) as s:
        entry = enter_queue(s, call_id=call_id, caller="13800000078", language="zh", worker="w", now=now)
        assert offer_next(s, entry_id=entry.id, now=now).agent_id == me
        connect(s, entry_id=entry.id, agent_id=me, now=now)
        finish(s, entry_id=entry.id, now=now, wrap_up_s=60)
        case_id = record_finished_call(s, record=bridged_call(call_id, now)).id
        waiting = enter_queue(s, call_id="rb-1", caller="13912340000", language="zh", worker="w", now=now)
        overflow(s, entry_id=waiting.id, now=now, reason="no_agent")
        request_id = choose_outcome(s, entry_id=waiting.id, outcome="ring_back", now=now).id
        s.commit()
    desk = client.get("/api/agent/desk").json()
    assert desk["state_label"] == "话后整理"
    assert desk["last_call"]["case_id"] == case_id and desk["last_call"]["caller"] == "13800000078"
    assert desk["last_call"]["content"] == "市民：请问办理居住证需要什么材料\n坐席：您需要带身份证"
    assert [r["phone"] for r in desk["ring_backs"] if r["id"] == request_id] == ["13912340000"]

    reply = "带身份证和居住证明到社区服务站办理。"
    answered = client.post(f"/cases/{case_id}/answer", data={"csrf_token": csrf_of(client), "reply": reply},
                           follow_redirects=False)
    assert answered.status_code == 303
    with Session(web_engine) as s:
        case = s.get(Case, case_id)
        assert case.status is CaseStatus.answered and case.reply.startswith("带身份证")

    other = client.new_browser()
    signed_in(other, web_engine, Role.agent)
    assert act(client, f"/agent/ring-backs/{request_id}/claim").json()["ok"]
    taken = act(other, f"/agent/ring-backs/{request_id}/claim")
    assert taken.status_code == 409 and "其他坐席" in taken.json()["error"]
    assert act(client, f"/agent/ring-backs/{request_id}/result", connected="1", note="已解答").json()["ok"]
    with Session(web_engine) as s:
        request = s.get(RingBackRequest, request_id)
        assert request.state is RingBackState.answered and request.answered_at and request.note == "已解答"
        assert s.get(AgentProfile, me).state in (AgentState.wrap_up, AgentState.ready)


def test_with_the_softphone_an_agent_without_a_desk_phone_takes_calls_in_the_console(web_engine, analyzer,
                                                                                     tmp_path):
    app = build_app(web_engine, analyzer, tmp_path, softphone_ws_url="ws://192.0.2.10:8088",
                    softphone_sip_domain="192.0.2.10:5060", softphone_secret="s" * 32)
    with serve(app) as url, WebClient(app, url) as client:
        name = signed_in(client, web_engine, Role.agent)
        assert "留空：来电响在本页的软电话上" in client.get("/").text
        assert act(client, "/agent/presence", state="not_ready", reason="小休").json()["ok"]  # signed in
        with Session(web_engine) as s:
            profile = s.get(AgentProfile, user_id(web_engine, name))
            assert profile.phone_uri == f"sip:{name}@192.0.2.10:5060"
            assert profile.state is AgentState.not_ready
        assert act(client, "/agent/presence", state="ready").json()["ok"]
        # a desk phone set on the profile is kept
        assert act(client, "/agent/phone", phone_uri="sip:desk@10.0.0.21:5060", languages="zh").json()["ok"]
        assert act(client, "/agent/presence", state="ready").json()["ok"]
        assert client.get("/api/agent/desk").json()["phone_uri"] == "sip:desk@10.0.0.21:5060"
        now = datetime.now(UTC)
        with Session(web_engine) as s:  # a connected call, then a supervisor who set no phone listens in
            entry = enter_queue(s, call_id="c-soft", caller="13800000081", language="zh", worker="w", now=now)
            assert offer_next(s, entry_id=entry.id, now=now).agent_id == user_id(web_engine, name)
            connect(s, entry_id=entry.id, agent_id=user_id(web_engine, name), now=now)
            s.commit()
            entry_id = entry.id
        supervisor = client.new_browser()
        boss = signed_in(supervisor, web_engine, Role.supervisor)
        try:
            for mode in ("listen", "whisper", "barge"):  # the supervisor's console softphone rings
                assert act(supervisor, f"/supervise/calls/c-soft/{mode}").json()["ok"]
                with Session(web_engine) as s:
                    assert s.get(QueueEntry, entry_id).command == f"{mode} sip:{boss}@192.0.2.10:5060"
        finally:
            with Session(web_engine) as s:
                finish(s, entry_id=entry_id, now=now, wrap_up_s=0)
                s.commit()
        assert act(client, "/agent/presence", state="offline").json()["ok"]  # 签出: rings nobody else's test
