"""A caller who presses 2 (蒙古语) is recorded, not decoded by a model of another language: the case says
"蒙古语来电：需人工听取", has no automatic intent or handler, and waits in triage with language "mn" (for a
Mongolian-speaking person). Over real SIP: test_call_chain_sqlite.py (it shares that module's line)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline.calls.finished import MONGOLIAN_CALL_TEXT
from hotline.db import make_session_factory
from hotline.models import Call, Case, TranscriptStatus
from tests.calls.test_live_pipeline import ScriptedTranscriber, call_info, make_pipeline, summary

FRAME = b"\1\0" * 160  # 20 ms at 8 kHz


def test_a_mongolian_call_is_not_transcribed_or_classified(fresh_engine, tmp_path):
    transcriber = ScriptedTranscriber(["模型瞎猜的", "汉字"])  # what a Chinese model makes of Mongolian
    pipeline, events = make_pipeline(fresh_engine, tmp_path, transcriber)
    asked = []
    pipeline.analyze = lambda text: asked.append(text)
    sink = pipeline.on_call_started(call_info("mn1"))
    for _ in range(50):  # the greeting, before the caller chooses
        assert sink.push(FRAME)
    pipeline.on_language("mn1", "mn")
    for _ in range(200):  # the caller speaks Mongolian: recorded by the endpoint, not fed to the model
        assert sink.push(FRAME)
    pipeline.on_call_ended("mn1", summary("mn1", language="mn"))
    pipeline.close()

    assert transcriber.streams[0].bytes == 50 * len(FRAME)
    assert asked == [] and not [e for e in events if e.kind in ("call.final", "call.analysis")]
    with make_session_factory(fresh_engine)() as session:
        case = session.scalar(select(Case).where(Case.call_id == "mn1"))
        assert case.content == MONGOLIAN_CALL_TEXT and case.content.startswith("蒙古语来电：需人工听取")
        assert case.language == "mn" and case.needs_triage
        assert case.intent is None and case.routing == [] and case.department_id is None
        call = session.get(Call, "mn1", options=[selectinload(Call.utterances)])
        assert call.transcript == "" and call.utterances == []
        assert call.transcript_status == TranscriptStatus.unavailable
