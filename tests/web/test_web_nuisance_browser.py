"""骚扰来电黑名单 in headless Chromium: an agent flags the caller of a phone case, a supervisor confirms it
with an expiry on /nuisance (the number now blocks calls), a bad number is refused inline with what was typed
kept, the entry is lifted, and the audit log says all of it in Chinese. An agent also flags a caller from the
live call card of the console."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.browser import chromium_browser, screenshot
from web_testkit import build_app, make_user, new_case, page_of, serve

from hotline.calls.registry import LiveCall, LiveCallRegistry
from hotline.models import AuditRecord, Channel, NuisanceNumber, NuisanceState, Role, utcnow
from hotline.nuisance.blacklist import blocking_entry


@pytest.mark.browser
def test_agent_flags_supervisor_confirms_then_lifts(app, web_engine):
    phone = "139" + str(uuid.uuid4().int)[:8]
    case_id = new_case(app, "有人每天打电话骂人", phone=phone, channel=Channel.phone)
    agent, supervisor = make_user(web_engine, Role.agent), make_user(web_engine, Role.supervisor)
    with serve(app) as base, chromium_browser() as browser:
        page = page_of(browser, base, agent)
        page.goto(f"{base}/cases/{case_id}")
        page.click("#nuisance-flag summary")
        page.fill("#nuisance-flag input[name=reason]", "反复拨打辱骂坐席")
        page.click("#flag-nuisance")
        expect(page.locator("#notice")).to_contain_text("已标记为骚扰来电")
        with Session(web_engine) as session:  # a flag alone blocks nothing
            assert blocking_entry(session, phone=phone, now=utcnow()) is None

        boss = page_of(browser, base, supervisor)
        boss.goto(f"{base}/nuisance")
        row = boss.locator(f"#nuisance-pending tr[data-phone='{phone}']")
        expect(row).to_contain_text("反复拨打辱骂坐席")
        expect(row).to_contain_text(f"测试{agent}")  # the agent's name, not the username alone
        row.locator("input[name=days]").fill("7")
        row.locator("button.confirm-nuisance").click()
        expect(boss.locator("#notice")).to_contain_text("已确认")
        active = boss.locator(f"#nuisance-active tr[data-phone='{phone}']")
        expect(active).to_contain_text("0 次")
        with Session(web_engine) as session:
            entry = blocking_entry(session, phone=phone, now=utcnow())
            assert entry is not None and entry.expires_at is not None

        boss.fill("#nuisance-add input[name=phone]", "abc")
        boss.fill("#nuisance-add input[name=reason]", "深夜骚扰")
        boss.click("#nuisance-add button[type=submit]")
        expect(boss.locator("#nuisance-error")).to_contain_text("请填写正确的电话号码")
        expect(boss.locator("#nuisance-add input[name=reason]")).to_have_value("深夜骚扰")
        screenshot(boss, "nuisance-list")

        boss.goto(f"{base}/nuisance")
        boss.locator(f"#nuisance-active tr[data-phone='{phone}'] button").click()
        expect(boss.locator("#notice")).to_contain_text("已解除")
        expect(boss.locator("#nuisance-past")).to_contain_text("已解除")

        boss.goto(f"{base}/admin/audit")
        for text in ("标记骚扰来电", "确认黑名单", "解除黑名单"):
            expect(boss.locator("body")).to_contain_text(text)
    with Session(web_engine) as session:
        entry = session.scalar(select(NuisanceNumber).where(NuisanceNumber.phone == phone))
        assert entry.state is NuisanceState.lifted and entry.case_id == case_id
        assert session.scalar(select(AuditRecord.actor).where(AuditRecord.action == "nuisance.flag",
                                                              AuditRecord.object_id == phone)) == agent


@pytest.mark.browser
def test_agent_flags_the_caller_of_a_live_call_from_the_console(web_engine, analyzer, tmp_path):
    phone = "138" + str(uuid.uuid4().int)[:8]
    registry = LiveCallRegistry()
    registry.add(LiveCall("live-nuisance-1", phone, "7812345", utcnow()))
    app = build_app(web_engine, analyzer, tmp_path, registry=registry)
    agent = make_user(web_engine, Role.agent)
    with serve(app) as base, chromium_browser() as browser:
        page = page_of(browser, base, agent)
        page.goto(f"{base}/")
        card = page.locator("[data-call-id='live-nuisance-1']")
        page.once("dialog", lambda dialog: dialog.accept("每天打来辱骂"))
        card.locator("button.flag-nuisance").click()
        expect(card.locator(".flagged-nuisance")).to_contain_text("待确认")
    with Session(web_engine) as session:
        entry = session.scalar(select(NuisanceNumber).where(NuisanceNumber.phone == phone))
        assert entry.state is NuisanceState.pending and entry.call_id == "live-nuisance-1"
        assert entry.reason == "每天打来辱骂" and entry.flagged_by == agent
