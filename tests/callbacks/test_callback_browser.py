"""Headless Chromium: a supervisor signs in, opens the callback audit list, plays a recording (the <audio>
element loads the WAV) and records a verdict."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from callback_web_kit import callback_app
from sqlalchemy.orm import Session
from testkit.browser import chromium_page, screenshot

from hotline.models import AuditVerdict, Callback, Role

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from web_testkit import PASSWORD, make_user, serve  # noqa: E402


@pytest.mark.browser
def test_supervisor_plays_a_callback_recording_and_records_a_verdict(tmp_path):
    app, engine, facts = callback_app(tmp_path)
    username = make_user(engine, Role.supervisor)
    cb = facts["callback_ids"]["13900000103"]  # the 不满意 one
    with serve(app) as base, chromium_page(width=1500, height=900) as (page, errors):
        page.goto(f"{base}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit], form button")
        page.wait_for_load_state("networkidle")
        page.goto(f"{base}/callbacks/audit?result=unsatisfied", wait_until="networkidle")
        row = page.locator(f"tr[data-callback-id='{cb}']")
        assert "不满意" in row.inner_text() and "按键 3" in row.inner_text()
        audio = row.locator("audio")
        audio.evaluate("a => a.play()")
        page.wait_for_function(
            "a => a.readyState >= 2 && a.currentTime > 0.2", arg=audio.element_handle(), timeout=15_000
        )
        state = audio.evaluate("a => ({duration: a.duration, readyState: a.readyState, error: a.error})")
        assert abs(state["duration"] - 2.0) < 0.05 and state["error"] is None, state
        screenshot(page, "callbacks-audit")
        form = row.locator("form.verdict-form")
        form.locator("select[name=verdict]").select_option("wrong")
        form.locator("input[name=note]").fill("群众按3但录音中表示满意，需复核")
        form.locator("button").click()
        page.wait_for_load_state("networkidle")
        row = page.locator(f"tr[data-callback-id='{cb}']")
        assert "有误" in row.inner_text() and "需复核" in row.inner_text()
        screenshot(page, "callbacks-audit-verdict")
    with Session(engine) as s:
        row = s.get(Callback, cb)
        assert row.verdict == AuditVerdict.wrong and row.verdict_by_id is not None
    assert errors == []
    engine.dispose()
