"""Citizen pages on a phone (Chromium, 390 px wide, both languages): every control and navigation link is a
touch target of at least 44 × 44 px (links inside sentences are exempt), the forum's 我要发帖 jumps to the
posting form, and the brand link leads to the citizen home, not the staff login."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.browser import chromium_browser
from web_testkit import page_of, serve

from hotline.models import ServiceItem

TOO_SMALL = """() => [...document.querySelectorAll(
    'a, button, input:not([type=hidden]), select, textarea, summary')]
  .filter(e => e.offsetParent !== null && !e.closest('p'))
  .filter(e => { const r = e.getBoundingClientRect(); return r.width < 44 || r.height < 44; })
  .map(e => { const r = e.getBoundingClientRect();
              return `${e.tagName} “${(e.textContent || e.name || '').trim().slice(0, 12)}” `
                     + `${Math.round(r.width)}×${Math.round(r.height)}`; })"""


@pytest.mark.browser
def test_citizen_pages_have_44px_touch_targets_a_forum_jump_and_a_citizen_brand_link(app, web_engine):
    with Session(web_engine) as session:
        item = session.scalar(select(ServiceItem.code).order_by(ServiceItem.id).limit(1))
    pages = ["/public/submit", "/track", "/forum", "/guide", f"/guide/items/{item}"]
    with serve(app) as base, chromium_browser() as browser:
        phone = page_of(browser, base, width=390, height=844)
        for language in ("zh_CN", "mn_Mong"):
            phone.goto(f"{base}/lang/{language}?next=/public/submit")
            for path in pages:
                phone.goto(base + path)
                assert phone.evaluate(TOO_SMALL) == [], f"{language} {path}"

        phone.goto(f"{base}/forum")
        phone.click("#jump-compose")
        expect(phone).to_have_url(f"{base}/forum#compose")
        expect(phone.locator("#compose input[name=title]")).to_be_in_viewport()
        phone.click(".topbar .brand")
        expect(phone).to_have_url(f"{base}/public/submit")
