"""Headless Chromium on a 390 px phone walks the citizen pages in Mongolian: the language control, a request
submitted and tracked, the answer rated, an item found in the guide by its Mongolian name. Mongolian glyphs
are shaped by a real font (not tofu), headings/item names/text are vertical (writing-mode: vertical-lr),
and no page scrolls sideways. Screenshots go to test-artifacts/screenshots/mn-*.png."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.browser import launch_chromium, screenshot
from web_testkit import make_user, serve

from hotline.cases.lifecycle import answer_case
from hotline.models import Case, Role, User
from knowledge_base.catalog_io import seed_mongolian
from web.i18n_catalog import read_catalogue

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
MONGOLIAN_WORD = "ᠮᠣᠩᠭᠣᠯ"
GLYPHS = """async (word) => {
  await document.fonts.ready;
  const ctx = document.createElement("canvas").getContext("2d");
  const width = (text, font) => { ctx.font = font; return ctx.measureText(text).width; };
  const font = getComputedStyle(document.querySelector("main h2")).fontFamily;
  return {
    font,
    shaped: width(word, `40px ${font}`),
    isolated: width([...word].join("\\u200c"), `40px ${font}`),   // the letters unjoined
    tofu: width("\\u0378".repeat([...word].length), `40px ${font}`),  // what a missing glyph draws
  };
}"""
LAYOUT = """() => {
  const h2 = document.querySelector("main h2");
  const box = h2.getBoundingClientRect();
  return {mode: getComputedStyle(h2).writingMode, width: box.width, height: box.height,
          scroll: document.documentElement.scrollWidth, viewport: window.innerWidth};
}"""


def check_page(page, name: str) -> None:
    """Mongolian, vertical heading, no sideways scroll at 390 px; then a screenshot."""
    assert page.locator("html").get_attribute("lang") == "mn-Mong", page.url
    layout = page.evaluate(LAYOUT)
    assert layout["mode"] == "vertical-lr", (page.url, layout)
    assert layout["scroll"] <= layout["viewport"], (page.url, layout)
    screenshot(page, name)


def test_a_citizen_uses_the_pages_in_mongolian_on_a_phone(app, web_engine):
    mn = {m.id: m.string for m in read_catalogue("mn_Mong") if m.id}
    card_name = seed_mongolian()["ZW-SB-007"][0]
    from playwright.sync_api import expect, sync_playwright

    with serve(app) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True).new_page()
            page.goto(f"{base}/guide")
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            page.click(f'#lang-switch a:has-text("{MONGOLIAN_WORD}")')
            page.wait_for_load_state()
            check_page(page, "mn-01-guide")

            glyphs = page.evaluate(GLYPHS, MONGOLIAN_WORD)
            assert "Noto Sans Mongolian" in glyphs["font"]
            assert abs(glyphs["shaped"] - glyphs["tofu"]) > 2, glyphs  # real glyphs, not missing-glyph boxes
            assert abs(glyphs["shaped"] - glyphs["isolated"]) > 2, glyphs  # letters joined by the shaper
            heading = page.evaluate(LAYOUT)
            assert heading["height"] > heading["width"], heading  # a vertical line, top to bottom

            # search the guide by the Mongolian name, typed with a variation selector and a look-alike vowel
            typed = card_name.replace("ᠭ", "ᠭ\u180b", 1).replace("ᠦ", "ᠥ", 1)
            page.fill('input[name="q"]', typed)
            page.click("form.filters button")
            page.wait_for_load_state()
            first = page.locator("ul.items a.item-name").first
            expect(first).to_have_text(card_name)
            check_page(page, "mn-02-guide-search")
            first.click()
            page.wait_for_load_state()
            expect(page.locator("h2.item-name")).to_have_text(card_name)
            expect(page.locator("#item-answer")).to_contain_text("ᠪᠡᠶ")
            check_page(page, "mn-03-guide-item")

            # submit a request in Mongolian (the choice is remembered: the cookie, no new click)
            page.goto(f"{base}/public/submit")
            check_page(page, "mn-04-submit-form")
            page.fill('input[name="phone"]', "13900004321")
            page.fill('textarea[name="text"]', card_name + " ᠭᠡᠭᠡᠭᠳᠡᠪᠡ᠂ ᠶᠠᠭᠠᠬᠢᠵᠤ ᠨᠥᠬᠥᠴᠡᠬᠦ ᠪᠤᠢ᠃")
            page.click('form.stack button[type="submit"]')
            page.wait_for_load_state()
            expect(page.locator("main h2")).to_have_text(mn["您的诉求已受理"])
            code = page.locator("#tracking-code").inner_text()
            check_page(page, "mn-05-submitted")
            with Session(web_engine) as session:
                case = session.scalar(select(Case).where(Case.tracking_code == code))
                assert case.language == "mn" and case.needs_triage and case.intent is None
                assert case.kb_matches and case.kb_matches[0]["code"] == "ZW-SB-007"

            # track it
            page.goto(f"{base}/track")
            page.fill('#track-form input[name="code"]', code)
            page.fill('#track-form input[name="last4"]', "4321")
            page.click("#track-form button")
            page.wait_for_load_state()
            expect(page.locator("#tracking-status")).to_have_text(mn["已受理"])
            check_page(page, "mn-06-tracking")

            # the case is answered (an agent, in the console), then the citizen rates it
            with Session(web_engine) as session:
                agent = make_user(web_engine, Role.agent)
                actor = session.scalar(select(User).where(User.username == agent))
                answer_case(session, case_id=case.id, actor=actor, reply=mn["已受理"])
                session.commit()
            page.fill('#track-form input[name="last4"]', "4321")
            page.click("#track-form button")
            page.wait_for_load_state()
            form = page.locator("#rating-form")
            form.locator('input[name="last4"]').fill("4321")
            form.locator('input[value="satisfied"]').check()
            form.locator("button").click()
            page.wait_for_load_state()
            expect(page.locator("#tracking-notice")).to_have_text(
                mn["感谢您的评价（{rating}）。"].format(rating=mn["满意"]))
            check_page(page, "mn-07-rated")

            page.goto(f"{base}/forum")
            check_page(page, "mn-08-forum")
        finally:
            browser.close()
