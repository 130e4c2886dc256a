"""IVR prompts recorded by people: Chromium records from its fake microphone (MediaRecorder), the server
converts to 8 kHz WAV, the admin previews and activates it (the running endpoint is told at once), every
version stays in the history; uploads of other formats are converted, bad files refused with a message."""

from __future__ import annotations

import array
import math
import subprocess
import wave

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.browser import launch_chromium, screenshot
from web_testkit import csrf_of, make_user, serve, sign_in, signed_in

from hotline.models import PromptRecording, Role

FAKE_MICROPHONE = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def rms(path) -> float:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        samples = array.array("h", wav.readframes(wav.getnframes()))
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


@pytest.mark.browser
def test_an_admin_records_a_prompt_in_the_browser_previews_and_activates_it(app, web_engine):
    from playwright.sync_api import expect, sync_playwright

    activated = []
    app.state.ctx.on_prompt_activated = lambda slot, path: activated.append((slot, path))
    admin = make_user(web_engine, Role.admin)
    with serve(app) as base, sync_playwright() as p:
        browser = launch_chromium(p, *FAKE_MICROPHONE)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            sign_in(page, base, admin)
            page.goto(f"{base}/admin/prompts")
            slot = page.locator("#greeting_mn")
            slot.locator("button.record").click()
            expect(slot.locator("button.stop")).to_be_enabled()
            page.wait_for_timeout(2500)
            slot.locator("button.stop").click()
            expect(page.locator("#prompt-notice")).to_be_visible(timeout=20000)
            with Session(web_engine) as session:
                recording = session.scalars(select(PromptRecording).where(
                    PromptRecording.slot == "greeting_mn").order_by(PromptRecording.id.desc())).first()
            assert recording.source == "browser" and 1.5 < recording.seconds < 5 and not recording.active
            path = app.state.ctx.settings.data_dir / recording.path
            assert rms(path) > 100  # the fake microphone's beeps, not silence
            row = page.locator(f'#greeting_mn tr.version[data-id="{recording.id}"]')
            duration = row.locator("audio").evaluate("a => new Promise(r => a.readyState >= 1 ? r(a.duration)"
                                                     " : a.onloadedmetadata = () => r(a.duration))")
            assert abs(duration - recording.seconds) < 0.2  # the preview plays the converted file
            screenshot(page, "prompts-01-recorded")
            row.locator("button.activate").click()
            expect(page.locator("#prompt-notice")).to_contain_text("已启用")
            active = page.locator(f'#greeting_mn tr.version[data-id="{recording.id}"] .badge')
            expect(active).to_have_text("使用中")
            assert activated == [("greeting_mn", path)]
            screenshot(page, "prompts-02-activated")
        finally:
            browser.close()


def test_uploads_are_converted_kept_as_history_and_bad_files_refused(client, web_engine, tmp_path):
    signed_in(client, web_engine, Role.admin)
    headers = {"X-CSRF-Token": csrf_of(client), "Accept": "application/json"}
    mp3 = tmp_path / "tone.mp3"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1.5",
                    "-ar", "44100", str(mp3)], check=True)
    ids = []
    for _ in range(2):
        done = client.post("/admin/prompts/listen_mn", headers=headers,
                           files={"audio": ("tone.mp3", mp3.read_bytes(), "audio/mpeg")})
        assert done.status_code == 201, done.text
        ids.append(done.json()["id"])
    assert abs(done.json()["seconds"] - 1.5) < 0.1
    bad = client.post("/admin/prompts/listen_mn", headers=headers,
                      files={"audio": ("notes.txt", b"not audio at all", "text/plain")})
    assert bad.status_code == 422 and "无法识别该音频文件" in bad.json()["message"]
    unknown = client.post("/admin/prompts/nowhere_mn", headers=headers,
                          files={"audio": ("tone.mp3", mp3.read_bytes(), "audio/mpeg")})
    assert unknown.status_code == 422 and "nowhere_mn" in unknown.json()["message"]
    for recording_id in ids:
        assert client.post(f"/admin/prompts/recordings/{recording_id}/activate", headers=headers,
                           follow_redirects=False).status_code == 303
    with Session(web_engine) as session:
        rows = session.scalars(select(PromptRecording).where(PromptRecording.id.in_(ids))).all()
        assert {r.id: r.active for r in rows} == {ids[0]: False, ids[1]: True}  # one active, both kept
    page = client.get("/admin/prompts").text
    assert all(f"/admin/prompts/recordings/{i}.wav" in page for i in ids)
    assert client.get(f"/admin/prompts/recordings/{ids[0]}.wav").headers["content-type"] == "audio/wav"
