"""Headless Chromium (Debian's, through Playwright) as every browser test launches it, and screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"  # `playwright install` cannot download here; Debian's build is used
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def launch_chromium(playwright: Any, *extra_args: str) -> Any:
    """A headless Chromium browser; ``extra_args`` add flags (fake media devices for WebRTC, say)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot of ``page`` as test-artifacts/screenshots/NAME.png and return its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@contextmanager
def chromium_page(*extra_args: str, width: int = 1400, height: int = 1000) -> Iterator[tuple[Any, list[str]]]:
    """A zh-CN page in a fresh headless Chromium, and the list that collects its uncaught script errors
    (a test asserts it stays empty). The browser is closed afterwards."""
    with chromium_browser(*extra_args) as browser:
        page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page, errors


@contextmanager
def chromium_browser(*extra_args: str) -> Iterator[Any]:
    """A fresh headless Chromium (closed afterwards), for tests that open several pages or contexts."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, *extra_args)
        try:
            yield browser
        finally:
            browser.close()
