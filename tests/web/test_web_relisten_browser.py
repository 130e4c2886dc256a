"""Headless Chromium on the 待复听 queue: two calls decoded live by real Vosk (Korean model) fall below the
confidence bound and wait for re-listening; an agent hears the recording, keeps the first transcript and
corrects the second; the measured CER on 语音识别质量 moves from — to 0.0 % to the exact figure."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from testkit.browser import launch_chromium, screenshot
from web_testkit import build_app, make_user, migrated_with_catalogue, serve, sign_in

from asr import character_errors
from hotline.calls.live import LiveCallPipeline
from hotline.calls.registry import LiveCallRegistry
from hotline.calls.speech_policy import SpeechPolicy
from hotline.calls.spool import Spool
from hotline.db import make_session_factory
from hotline.events import EventHub
from hotline.models import Call, Case, DeferredTranscription, Role, TranscriptReview
from tests.calls.call_testkit import (
    KO_SHORT,
    ko_model_dir,
    pipeline_call_ended,
    pipeline_call_started,
    wav_frames,
    write_speech,
)

pytestmark = [pytest.mark.browser, pytest.mark.vosk]
SAID = "안녕하세요 주차 문제를 신고합니다"  # what the espeak caller really said (KO_SHORT)


def decode_calls(engine, analyzer, tmp_path, call_ids) -> None:
    """Calls through the live pipeline with real Vosk; a confidence bound of 0.99 sends them to 待复听."""
    import asr

    speech = write_speech(tmp_path / "said.wav", KO_SHORT, lead_s=0.3, tail_s=0.8)
    frames = wav_frames(speech)
    service = asr.TranscriptionService(asr.load_model(ko_model_dir()), pool_size=1, decode_threads=1)
    pipeline = LiveCallPipeline(transcriber=service, analyze=analyzer,
                                session_factory=make_session_factory(engine), hub=EventHub(),
                                registry=LiveCallRegistry(), spool=Spool(tmp_path / "spool"),
                                speech_policy=SpeechPolicy(relisten_confidence=0.99, defer_lag_s=600),
                                close_timeout_s=600)  # decoded live however loaded the machine
    try:
        for call_id in call_ids:
            sink = pipeline_call_started(pipeline, call_id)
            for frame in frames:
                sink.push(frame)
            pipeline_call_ended(pipeline, call_id, shutil.copy(speech, tmp_path / f"{call_id}.wav"),
                                len(frames))
        pipeline.close()
        busy = LiveCallPipeline(transcriber=service, analyze=analyzer,
                                session_factory=make_session_factory(engine), hub=EventHub(),
                                registry=LiveCallRegistry(), spool=Spool(tmp_path / "spool"),
                                speech_policy=SpeechPolicy(defer_lag_s=0))  # past capacity: recorded only
        pipeline_call_started(busy, "later")
        pipeline_call_ended(busy, "later", shutil.copy(speech, tmp_path / "later.wav"), len(frames))
        busy.close()
    finally:
        service.shutdown()


def test_a_low_confidence_call_is_relistened_corrected_and_moves_the_cer(analyzer, tmp_path):
    """A database of this test's own, so the queue and the CER figures are this test's alone."""
    from playwright.sync_api import expect, sync_playwright

    engine = migrated_with_catalogue(f"sqlite:///{tmp_path / 'relisten.sqlite3'}")
    decode_calls(engine, analyzer, tmp_path, ["kept", "fixed"])
    with Session(engine) as session:
        recognised = {c.id: c.transcript for c in session.scalars(select(Call)) if c.id in ("kept", "fixed")}
        confidence = {c.id: c.asr_confidence for c in session.scalars(select(Call))}
        fixed_case = session.scalar(select(Case).where(Case.call_id == "fixed"))
        assert all(0 < confidence[c] < 0.99 and recognised[c] for c in ("kept", "fixed"))
    e1, c1 = character_errors(recognised["kept"], recognised["kept"])
    e2, c2 = character_errors(SAID, recognised["fixed"])
    assert e1 == 0 and e2 > 0
    expected = f"{(e1 + e2) / (c1 + c2) * 100:.1f}%"

    app = build_app(engine, analyzer, tmp_path)
    agent, supervisor = make_user(engine, Role.agent), make_user(engine, Role.supervisor)
    with serve(app) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            boss = browser.new_page(locale="zh-CN")
            sign_in(boss, base, supervisor)
            boss.goto(f"{base}/analytics/speech")
            expect(boss.locator("#overall-cer")).to_have_text("字错率 —")
            expect(boss.locator("#pending-reviews")).to_have_text("待复听 2")

            page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
            sign_in(page, base, agent)
            expect(page.locator("#relisten-pending")).to_have_text("待复听 2")  # the console's badges
            expect(page.locator("#transcription-queued")).to_have_text("转写排队中 1")
            page.locator("#relisten-pending").click()
            items = page.locator(".relisten-item")
            expect(items).to_have_count(2)
            first = items.first
            expect(first.locator(".confidence")).to_have_text(f"{confidence['kept']:.0%}")
            src = first.locator("audio").get_attribute("src")
            assert page.request.get(f"{base}{src}").status == 200  # the recording plays
            screenshot(page, "30-relisten-queue")
            first.locator("button", has_text="保存校对").click()  # heard it: the transcript was right
            expect(page.locator(".notice")).to_contain_text("已保存校对文字")
            boss.reload()
            expect(boss.locator("#overall-cer")).to_have_text("字错率 0.0%")

            item = page.locator(".relisten-item")
            expect(item).to_have_count(1)
            item.locator("textarea").fill("")
            item.locator("button", has_text="保存校对").click()  # empty: refused in Chinese, nothing lost
            expect(page.locator(".relisten-item .error")).to_contain_text("请填写复听后的正确文字")
            page.locator(".relisten-item textarea").fill(SAID)
            page.locator(".relisten-item button", has_text="保存校对").click()
            expect(page.locator(".empty")).to_have_text("没有待复听的通话")

            boss.reload()
            expect(boss.locator("#overall-cer")).to_have_text(f"字错率 {expected}")
            expect(boss.locator("#cer-table tbody tr")).to_have_count(1)
            expect(boss.locator("#cer-table tbody tr td").nth(2)).to_have_text("PCMA")
            expect(boss.locator("#cer-table .cer")).to_have_text(expected)
            expect(boss.locator("#pending-reviews")).to_have_text("待复听 0")
            screenshot(boss, "31-speech-quality")

            page.goto(f"{base}/cases/{fixed_case.id}")
            expect(page.locator("#call-confidence")).to_have_text(f"{confidence['fixed']:.0%}")
            expect(page.locator("body")).to_contain_text("复听校对")
        finally:
            browser.close()
    with Session(engine) as session:
        review = session.scalar(select(TranscriptReview).where(TranscriptReview.call_id == "fixed"))
        assert review.corrected_text == SAID and review.char_errors == e2
        assert session.get(Case, fixed_case.id).content == SAID
        session.execute(delete(DeferredTranscription))  # the shared database: leave no queue behind
        session.commit()
