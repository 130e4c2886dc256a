"""Headless Chromium for the console's browser tests: one browser per test, pages signed in as a user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from test_web_browser import CHROMIUM_ARGS, sign_in


@contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def page_of(browser, base: str, username: str | None = None, *, width: int = 1280, height: int = 900,
            **context):
    """A page in a fresh context (its own cookies), signed in as ``username`` when given."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", **context)
    page = context.new_page()
    if username:
        sign_in(page, base, username)
    return page
