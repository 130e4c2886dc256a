"""Headless Chromium: the agent's desk rings, shows the connected call with live 市民/坐席 lines and notes,
and after hang-up offers the call's prefilled case, answered on the spot (当场答复) with the notes carried in.
Call events come from the real LiveCallPipeline (scripted transcriber), queue rows from hotline.agents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_web_browser import StepTranscriber, call_info, summary
from testkit.browser import launch_chromium, screenshot
from web_testkit import build_app, make_user, serve, sign_in

from hotline.agents.call_queue import connect, enter_queue, finish, offer_next
from hotline.agents.presence import set_presence, set_profile
from hotline.calls.live import LiveCallPipeline
from hotline.calls.registry import LiveCallRegistry
from hotline.calls.spool import Spool
from hotline.events import EventHub
from hotline.models import AgentState, Case, CaseStatus, Role, User

pytestmark = pytest.mark.browser


def test_desk_rings_shows_both_speakers_and_answers_the_case_on_the_spot(web_engine, analyzer, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    hub, registry, transcriber = EventHub(), LiveCallRegistry(), StepTranscriber()
    app = build_app(web_engine, analyzer, tmp_path, hub=hub, registry=registry)
    pipeline = LiveCallPipeline(transcriber=transcriber, analyze=analyzer, hub=hub, registry=registry,
                                session_factory=app.state.ctx.session_factory,
                                spool=Spool(tmp_path / "spool"))
    username = make_user(web_engine, Role.agent)
    with Session(web_engine) as s:
        me = s.scalar(select(User.id).where(User.username == username))
        set_profile(s, user_id=me, phone_uri="sip:desk@127.0.0.1:5090", languages=["zh"])
        set_presence(s, user_id=me, state=AgentState.ready, now=datetime.now(UTC))
        s.commit()
    with serve(app) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
            sign_in(page, base, username)
            expect(page.locator("#desk-state")).to_have_text("置闲")
            expect(page.locator("#sse-state")).to_have_text("实时", timeout=10000)

            transcriber.expect("call-a")
            pipeline.on_call_started(call_info("call-a", "13945670002"))
            now = datetime.now(UTC)
            with Session(web_engine) as s:
                entry = enter_queue(s, call_id="call-a", caller="13945670002", language="zh", worker="t",
                                    now=now)
                offer_next(s, entry_id=entry.id, now=now)
                s.commit()
                entry_id = entry.id
            transcriber.expect("call-a:agent")
            pipeline.on_agent_leg("call-a", me, call_info("call-a-leg", "desk"))
            expect(page.locator("#desk-call-state")).to_have_text("振铃中")
            expect(page.locator("#desk-caller")).to_have_text("13945670002")
            with Session(web_engine) as s:
                connect(s, entry_id=entry_id, agent_id=me, now=datetime.now(UTC))
                s.commit()
            pipeline.on_agent_connected("call-a", me)
            expect(page.locator("#desk-call-state")).to_have_text("通话中")
            live_card = page.locator('#live-calls [data-call-id="call-a"]')
            expect(live_card).to_have_count(1)
            expect(page.locator("#live-count")).to_have_text("1")
            transcriber.streams["call-a"].say("我想问一下居住证怎么办理")
            transcriber.streams["call-a:agent"].say("您好请带身份证到社区服务站")
            lines = page.locator("#desk-lines li")
            expect(lines).to_have_text(["市民：我想问一下居住证怎么办理", "坐席：您好请带身份证到社区服务站"])
            page.fill("#desk-notes", "已告知带身份证到社区服务站办理")
            screenshot(page, "agent-desk-call")

            with Session(web_engine) as s:
                finish(s, entry_id=entry_id, now=datetime.now(UTC), wrap_up_s=60)
                s.commit()
            pipeline.on_agent_gone("call-a", me, True)
            pipeline.on_call_ended("call-a", summary("call-a"))
            expect(page.locator("#desk-last")).to_be_visible(timeout=20000)
            expect(live_card).to_have_count(0)  # 正在进行的通话 follows the end without a refresh
            expect(page.locator("#live-count")).to_have_text("0")
            expect(page.locator("#no-live-calls")).to_have_text("当前没有通话")
            expect(page.locator("#desk-state")).to_have_text("话后整理")
            expect(page.locator("#desk-last-content")).to_contain_text("坐席：您好请带身份证到社区服务站")
            expect(page.locator("#desk-answer")).to_have_value("已告知带身份证到社区服务站办理")
            screenshot(page, "agent-desk-after-call")
            page.click("#desk-answer-form button")
            page.wait_for_load_state()
            with Session(web_engine) as s:
                case = s.scalar(select(Case).where(Case.call_id == "call-a"))
                assert case.status is CaseStatus.answered and case.reply == "已告知带身份证到社区服务站办理"
        finally:
            browser.close()
            pipeline.close()
