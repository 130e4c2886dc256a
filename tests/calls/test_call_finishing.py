"""A call whose finishing goes wrong still becomes a case and leaves nothing behind on the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from hotline.calls.live import LiveCallPipeline
from hotline.calls.registry import LiveCallRegistry
from hotline.calls.spool import Spool
from hotline.db import make_session_factory
from hotline.events import EventHub
from hotline.models import Call, Case, TranscriptStatus
from hotline.sip.protocol import CallInfo, CallSummary, EndReason


class _Stream:
    def __init__(self, close_error: Exception | None) -> None:
        self.close_error = close_error

    def feed(self, pcm: bytes) -> bool:
        return True

    def close(self, timeout):
        from asr.transcript import Transcript, Utterance

        if self.close_error is not None:
            raise self.close_error
        return Transcript(utterances=[Utterance("我要投诉噪音", 0.0, 1.2, 0.9)], audio_seconds=2.0,
                          sample_rate=16000)


class _Transcriber:
    def __init__(self, close_error: Exception | None = None) -> None:
        self.close_error = close_error

    def open_stream(self, sample_rate, *, on_partial=None, on_final=None, phrases=None):
        return _Stream(self.close_error)


def _broken_analyzer(text: str):
    raise RuntimeError("intent model file is corrupt")


def _run_one_call(engine, tmp_path, transcriber, analyze) -> LiveCallPipeline:
    pipeline = LiveCallPipeline(transcriber=transcriber, analyze=analyze,
                                session_factory=make_session_factory(engine), hub=EventHub(),
                                registry=LiveCallRegistry(), spool=Spool(tmp_path / "spool"))
    now = datetime.now(UTC)
    info = CallInfo(call_id="f1", sip_call_id="sip-f1", caller="13800000009", caller_uri="", callee="7812345",
                    direction="inbound", started_at=now - timedelta(seconds=3),
                    remote_address="127.0.0.1:5070", sample_rate=16000, frame_bytes=640)
    sink = pipeline.on_call_started(info)
    assert sink.push(b"\0" * 640)
    assert len(pipeline.registry) == 1
    pipeline.on_call_ended("f1", CallSummary(
        call_id="f1", sip_call_id="sip-f1", reason=EndReason.CALLER_HANGUP, status_code=200, status_text="OK",
        started_at=info.started_at, answered_at=info.started_at, ended_at=now, duration_s=3.0,
        recording_path=None, recording_seconds=3.0, frames_received=150, frames_dropped=0, language="zh",
        language_source="default"))
    pipeline.close()
    return pipeline


def test_a_failing_analyzer_still_gives_a_case_for_triage(fresh_engine, tmp_path):
    pipeline = _run_one_call(fresh_engine, tmp_path, _Transcriber(), _broken_analyzer)
    assert len(pipeline.registry) == 0 and pipeline.spool.pending() == []
    with make_session_factory(fresh_engine)() as session:
        case = session.scalar(select(Case).where(Case.call_id == "f1"))
        assert case.content == "我要投诉噪音" and case.needs_triage and case.intent is None


def test_a_failing_asr_stream_still_gives_a_case_saying_why(fresh_engine, tmp_path):
    pipeline = _run_one_call(fresh_engine, tmp_path, _Transcriber(RuntimeError("decoder crashed")),
                             lambda text: _broken_analyzer(text))
    assert len(pipeline.registry) == 0
    with make_session_factory(fresh_engine)() as session:
        case = session.scalar(select(Case).where(Case.call_id == "f1"))
        assert "语音转写不可用" in case.content and "decoder crashed" in case.content
        assert session.get(Call, "f1").transcript_status == TranscriptStatus.unavailable
