"""A call's text joins its utterances like asr.Transcript does: Chinese without spaces, Latin words apart."""

from __future__ import annotations

from datetime import UTC, datetime

from hotline.calls.finished import FinishedCall
from hotline.calls.registry import LiveCall, LiveCallRegistry

PARTS = ["我想问一下", "wifi 密码", "怎么改", "OK thanks"]
JOINED = "我想问一下 wifi 密码怎么改 OK thanks"


def test_the_live_text_keeps_latin_words_apart():
    registry = LiveCallRegistry()
    registry.add(LiveCall(call_id="c1", caller="13800000000", callee="7812345", started_at=datetime.now(UTC)))
    text = None
    for part in PARTS:
        text = registry.append_final("c1", part)
    assert text == JOINED


def test_the_finished_call_text_is_joined_the_same_way():
    call = FinishedCall(
        call_id="c1", sip_call_id="s1", caller="13800000000", callee="7812345", direction="inbound",
        started_at="2026-03-02T01:00:00+00:00", ended_at="2026-03-02T01:01:00+00:00", end_reason="hangup",
        duration_s=60.0, language="zh", recording_path=None, frames_received=3000, frames_dropped=0,
        transcript_status="complete",
        utterances=[{"text": t, "start": i, "end": i + 0.5, "confidence": 0.9, "words": []}
                    for i, t in enumerate(PARTS)])
    assert call.text == JOINED and call.case_text() == JOINED
