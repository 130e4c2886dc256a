"""Headless Chromium through the whole loop: an agent watches a live call's transcript and suggestions
stream in (the real LiveCallPipeline fed by a scripted transcriber), accepts the suggested handler and
dispatches; the handler signs, handles, replies; the agent closes; a citizen submits the web form and
follows the case by its tracking code. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.browser import launch_chromium, screenshot
from web_testkit import build_app, make_user, serve, sign_in

from asr.transcript import Transcript, Utterance
from hotline.calls.live import LiveCallPipeline
from hotline.calls.registry import LiveCallRegistry
from hotline.calls.spool import Spool
from hotline.events import EventHub
from hotline.models import Case, Department, Role
from hotline.sip.protocol import CallInfo, CallSummary, EndReason

pytestmark = pytest.mark.browser
XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"


class StepStream:
    """An ASR stream whose recognition the test speaks, one partial/final at a time."""

    def __init__(self, on_partial, on_final):
        self.on_partial, self.on_final, self.finals = on_partial, on_final, []

    def feed(self, pcm: bytes) -> bool:
        return True

    def say(self, text: str) -> None:
        self.on_partial(text[: max(1, len(text) // 2)])
        utterance = Utterance(text, len(self.finals) * 2.0, len(self.finals) * 2.0 + 1.5, 0.9)
        self.finals.append(utterance)
        self.on_final(utterance)

    def close(self, timeout):
        return Transcript(
            utterances=list(self.finals), audio_seconds=len(self.finals) * 2.0, sample_rate=8000
        )


class StepTranscriber:
    def __init__(self):
        self.streams: dict[str, StepStream] = {}
        self._next: list[str] = []

    def expect(self, call_id: str) -> None:
        self._next.append(call_id)

    def open_stream(self, sample_rate, *, on_partial=None, on_final=None, phrases=None):
        stream = StepStream(on_partial, on_final)
        self.streams[self._next.pop(0)] = stream
        return stream


def call_info(call_id: str, caller: str) -> CallInfo:
    return CallInfo(
        call_id=call_id,
        sip_call_id=f"sip-{call_id}",
        caller=caller,
        caller_uri="",
        callee="7812345",
        direction="inbound",
        started_at=datetime.now(UTC),
        remote_address="127.0.0.1:5070",
        sample_rate=8000,
        frame_bytes=320,
    )


def summary(call_id: str) -> CallSummary:
    now = datetime.now(UTC)
    return CallSummary(
        call_id=call_id,
        sip_call_id=f"sip-{call_id}",
        reason=EndReason.CALLER_HANGUP,
        status_code=200,
        status_text="OK",
        started_at=now - timedelta(seconds=20),
        answered_at=now - timedelta(seconds=19),
        ended_at=now,
        duration_s=19.0,
        recording_path=None,
        recording_seconds=19.0,
        frames_received=950,
        frames_dropped=0,
        language="zh",
        language_source="default",
    )


def act(page, action: str, **fields) -> None:
    form = page.locator(f'form[data-action="{action}"]')
    for name, value in fields.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.locator('button[type="submit"]').click()
    page.wait_for_load_state()


def test_live_call_to_closed_case_and_citizen_tracking(web_engine, analyzer, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    hub, registry, transcriber = EventHub(), LiveCallRegistry(), StepTranscriber()
    app = build_app(web_engine, analyzer, tmp_path, hub=hub, registry=registry)
    pipeline = LiveCallPipeline(
        transcriber=transcriber,
        analyze=analyzer,
        hub=hub,
        registry=registry,
        session_factory=app.state.ctx.session_factory,
        spool=Spool(tmp_path / "spool"),
    )
    agent = make_user(web_engine, Role.agent)
    dialogs = []
    with serve(app) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            sign_in(page, base, agent)
            expect(page.locator("#sse-state")).to_have_text("实时", timeout=10000)

            transcriber.expect("call-1")
            pipeline.on_call_started(call_info("call-1", "13945670001"))
            card = page.locator('[data-call-id="call-1"]')
            expect(card.locator(".caller")).to_have_text("13945670001")
            stream = transcriber.streams["call-1"]
            stream.say("你好我想问一下")
            expect(card.locator(".finals")).to_have_text("你好我想问一下")
            stream.say("党组织关系怎么转接到上海庙镇")
            expect(card.locator(".finals")).to_have_text("你好我想问一下党组织关系怎么转接到上海庙镇")
            expect(card.locator(".top-route")).to_contain_text("建议承办", timeout=15000)
            expect(card.locator(".intent")).to_contain_text("诉求类型")

            transcriber.expect("call-xss")  # a hostile caller id and transcript stay text
            pipeline.on_call_started(call_info("call-xss", XSS))
            transcriber.streams["call-xss"].say(XSS)
            hostile = page.locator('[data-call-id="call-xss"]')
            expect(hostile.locator(".finals")).to_have_text(XSS)
            expect(hostile.locator(".caller")).to_have_text(XSS)
            assert page.locator("#live-calls img, #live-calls script").count() == 0
            screenshot(page, "01-console-live-call")

            pipeline.on_call_ended("call-1", summary("call-1"))
            link = card.locator("a.confirm-case")
            expect(link).to_be_visible(timeout=20000)
            expect(page.locator("#recent-cases tr.new-case")).to_have_count(1)  # case.created arrived too
            link.click()
            page.wait_for_load_state()
            expect(page.locator("#intake")).to_be_visible()
            expect(page.locator("#case-content")).to_contain_text("党组织关系怎么转接")
            screenshot(page, "02-case-intake-form")
            page.locator(".use-route").first.click()
            chosen = page.locator('#intake-form select[name="department_id"]').input_value()
            assert chosen
            case_url = page.url
            page.click("#confirm-dispatch")
            expect(page.locator("#notice")).to_contain_text("已派单")  # and the next case to confirm opens
            page.goto(case_url)
            expect(page.locator("#case-status")).to_have_text("已派单")
            screenshot(page, "03-case-dispatched")
            with Session(web_engine) as session:
                case = session.scalar(select(Case).where(Case.call_id == "call-1"))
                department = session.get(Department, case.department_id)
            assert case.department_id == int(chosen)
            page.goto(f"{base}/cases")
            screenshot(page, "04-case-list")
            page.goto(f"{base}/returned")
            screenshot(page, "05-returned-queue")

            handler = make_user(web_engine, Role.handler, department=department.code)
            hpage = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN").new_page()
            hpage.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            sign_in(hpage, base, handler)
            expect(hpage.locator("body")).to_contain_text(case.tracking_code)
            screenshot(hpage, "06-handler-queue")
            hpage.click(f"text={case.tracking_code}")
            act(hpage, "sign")
            expect(hpage.locator("#case-status")).to_have_text("已签收")
            act(hpage, "start")
            expect(hpage.locator("#case-status")).to_have_text("办理中")
            act(hpage, "reply", reply="党组织关系转接可在网上办理，也可到镇党群服务中心窗口办理。")
            expect(hpage.locator("#case-status")).to_have_text("已答复")
            screenshot(hpage, "07-handler-replied")

            page.goto(case_url)
            act(page, "close")
            expect(page.locator("#case-status")).to_have_text("已办结")
            expect(page.locator("#timeline")).to_contain_text("办结")
            screenshot(page, "08-case-closed")

            cpage = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN").new_page()
            cpage.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            cpage.goto(f"{base}/public/submit")
            cpage.fill('input[name="name"]', "赵六")
            cpage.fill('input[name="phone"]', "13712345678")
            cpage.select_option('select[name="town"]', "上海庙镇")
            cpage.fill('textarea[name="text"]', "村里的路灯坏了，晚上出行不安全，希望尽快维修。")
            screenshot(cpage, "09-public-form")
            cpage.click('button[type="submit"]')
            code = cpage.locator("#tracking-code").inner_text()
            screenshot(cpage, "10-public-done")
            cpage.click("text=进度查询")
            cpage.fill('input[name="code"]', code)
            cpage.fill('input[name="last4"]', "5678")
            cpage.click("#track-form button")
            expect(cpage.locator("#tracking-status")).to_have_text("已受理")
            expect(cpage.locator("#tracking-view")).to_contain_text("工单已受理")
            screenshot(cpage, "11-public-tracking")
            for path, name in (
                ("/forum", "12-forum"),
                ("/guide", "13-guide"),
                ("/guide/items/ZW-SB-007", "14-guide-item"),
            ):
                cpage.goto(base + path)
                screenshot(cpage, name)

            boss = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN").new_page()
            sign_in(boss, base, make_user(web_engine, Role.admin))
            for path, name in (
                ("/admin/users", "15-admin-users"),
                ("/admin/audit", "16-audit-log"),
                ("/supervision", "17-supervision"),
            ):
                boss.goto(base + path)
                expect(boss.locator("main")).not_to_contain_text("无权")
                screenshot(boss, name)
        finally:
            browser.close()
            pipeline.close()
    assert dialogs == []  # no script from a caller ever ran
