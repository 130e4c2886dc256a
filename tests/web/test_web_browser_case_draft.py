"""Headless Chromium on the case page: the suggestions from the conversation fill the confirm form with
one click, and a possible duplicate (可能重复) is merged into the first case with one click."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from testkit.browser import launch_chromium, screenshot
from web_testkit import build_app, make_user, new_case, serve, sign_in

from hotline.models import Case, Channel, Role

pytestmark = pytest.mark.browser


def test_fill_from_the_conversation_then_merge_the_possible_duplicate(web_engine, analyzer, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    app = build_app(web_engine, analyzer, tmp_path)
    first = new_case(app, "上海庙镇芒哈图嘎查的饮水井泵坏了，一个礼拜没水喝了", phone="13847780012",
                     channel=Channel.phone)
    second = new_case(app, "喂你好我叫王建国，我们芒哈图嘎查饮水井又坏了，牲口都没水喝，"
                           "我电话是幺三八 四七七八 洞洞幺二", phone="13847780012")
    with Session(web_engine) as session:
        master_code = session.get(Case, first).tracking_code
    agent = make_user(web_engine, Role.agent)
    with serve(app) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
            sign_in(page, base, agent)
            page.goto(f"{base}/cases/{second}")
            suggestions = page.locator("#draft-suggestions")
            expect(suggestions).to_contain_text("王建国")
            suggestions.locator('.use-draft[data-field="citizen_name"]').click()
            expect(page.locator('#intake-form input[name="citizen_name"]')).to_have_value("王建国")
            suggestions.locator('.use-draft[data-field="town"]').click()
            expect(page.locator('#intake-form select[name="town"]')).to_have_value("上海庙镇")
            duplicates = page.locator("#maybe-duplicates")
            expect(duplicates).to_contain_text(master_code)
            expect(duplicates).to_contain_text("同一来电号码")
            screenshot(page, "20-case-draft-and-possible-duplicate")
            duplicates.locator("button.merge-into").first.click()
            page.wait_for_load_state()
            expect(page.locator("#case-status")).to_have_text("已合并")
        finally:
            browser.close()
    with Session(web_engine) as session:
        assert session.get(Case, second).merged_into_id == first
