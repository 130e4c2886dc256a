"""The live-call pipeline turns SIP hooks + ASR results into one case per call, and loses nothing."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from hotline.calls.live import LiveCallPipeline
from hotline.calls.registry import LiveCallRegistry
from hotline.calls.spool import Spool
from hotline.cases.intake import ContactAnalysis
from hotline.db import make_session_factory
from hotline.events import EventHub
from hotline.models import Call, Case, TranscriptStatus
from hotline.sip.protocol import CallInfo, CallSummary, EndReason


class ScriptedStream:
    """Stands in for an asr Stream: counts the audio it was fed and 'recognises' a scripted sentence."""

    def __init__(self, on_partial, on_final, words):
        self.on_partial, self.on_final, self.words = on_partial, on_final, words
        self.bytes = 0

    def feed(self, pcm: bytes) -> bool:
        self.bytes += len(pcm)
        return True

    def close(self, timeout):
        from asr.transcript import Transcript, Utterance

        utts = [Utterance(w, i * 1.0, i * 1.0 + 0.8, 0.9) for i, w in enumerate(self.words)]
        for u in utts:
            self.on_final(u)
        return Transcript(utterances=utts, audio_seconds=self.bytes / 16000, sample_rate=8000)


class ScriptedTranscriber:
    def __init__(self, words):
        self.words, self.streams = words, []

    def open_stream(self, sample_rate, *, on_partial=None, on_final=None, phrases=None):
        self.streams.append(ScriptedStream(on_partial, on_final, self.words))
        return self.streams[-1]


def analysis_of(text: str) -> ContactAnalysis:
    return ContactAnalysis(intent="consultation", intent_confidence=0.9, needs_triage=False,
                           routing=[{"department": "zzb", "level": "banner", "reasons": ["test"]}])


def call_info(call_id: str) -> CallInfo:
    return CallInfo(call_id=call_id, sip_call_id=f"sip-{call_id}", caller="13800000001", caller_uri="",
                    callee="7812345", direction="inbound", started_at=datetime.now(UTC),
                    remote_address="127.0.0.1:5070", sample_rate=8000, frame_bytes=320)


def summary(call_id: str, *, seconds: float = 3.0, language: str = "zh") -> CallSummary:
    now = datetime.now(UTC)
    return CallSummary(call_id=call_id, sip_call_id=f"sip-{call_id}", reason=EndReason.CALLER_HANGUP,
                       status_code=200, status_text="OK", started_at=now - timedelta(seconds=seconds),
                       answered_at=now,
                       ended_at=now, duration_s=seconds, recording_path=None, recording_seconds=seconds,
                       frames_received=int(seconds * 50), frames_dropped=0, language=language,
                       language_source="dtmf")


def make_pipeline(engine, tmp_path, transcriber, session_factory=None):
    hub = EventHub()
    events = []
    hub.add_listener(events.append)
    pipeline = LiveCallPipeline(transcriber=transcriber, analyze=analysis_of,
                                session_factory=session_factory or make_session_factory(engine), hub=hub,
                                registry=LiveCallRegistry(), spool=Spool(tmp_path / "spool"))
    return pipeline, events


def run_call(pipeline, call_id: str, frames: int = 150, language: str = "zh"):
    sink = pipeline.on_call_started(call_info(call_id))
    pipeline.on_language(call_id, language)
    for _ in range(frames):
        assert sink is None or sink.push(b"\0" * 320)
    pipeline.on_call_ended(call_id, summary(call_id, language=language))


def test_a_call_becomes_one_case_with_its_transcript(fresh_engine, tmp_path):
    transcriber = ScriptedTranscriber(["我想问一下", "党组织关系怎么转"])
    pipeline, events = make_pipeline(fresh_engine, tmp_path, transcriber)
    run_call(pipeline, "c1")
    pipeline.close()
    with make_session_factory(fresh_engine)() as session:
        case = session.scalar(select(Case).where(Case.call_id == "c1").options(selectinload(Case.department)))
        assert case is not None and case.content == "我想问一下党组织关系怎么转"
        assert case.intent.value == "consultation" and case.department.code == "zzb"
        assert case.language == "zh" and case.citizen_phone == "13800000001"
        call = session.get(Call, "c1", options=[selectinload(Call.utterances)])
        assert [u.text for u in call.utterances] == ["我想问一下", "党组织关系怎么转"]
        assert call.transcript_status == TranscriptStatus.complete
    kinds = [e.kind for e in events]
    assert kinds.index("call.started") < kinds.index("call.final") < kinds.index("case.created")
    assert pipeline.registry.snapshots() == []


def test_no_asr_model_still_creates_a_case_marked_transcript_unavailable(fresh_engine, tmp_path):
    pipeline, _ = make_pipeline(fresh_engine, tmp_path, transcriber=None)
    run_call(pipeline, "c2")
    pipeline.close()
    with make_session_factory(fresh_engine)() as session:
        case = session.scalar(select(Case).where(Case.call_id == "c2"))
        assert "语音转写不可用" in case.content and case.needs_triage
        assert session.get(Call, "c2").transcript_status == TranscriptStatus.unavailable


def test_database_outage_is_retried_not_lost(fresh_engine, tmp_path):
    real = make_session_factory(fresh_engine)
    outage = threading.Event()
    outage.set()

    def flaky_factory():
        if outage.is_set():
            raise OperationalError("connect", {}, Exception("database is down"))
        return real()

    pipeline, events = make_pipeline(fresh_engine, tmp_path, ScriptedTranscriber(["喂你好"]), flaky_factory)
    run_call(pipeline, "c3")
    deadline = time.monotonic() + 10
    while not pipeline.spool.pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert len(pipeline.spool.pending()) == 1, "the finished call must wait in the spool"
    outage.clear()
    assert pipeline.flush_spool() == (1, 0)
    assert pipeline.flush_spool() == (0, 0)
    pipeline.close()
    with real() as session:
        assert session.scalar(select(func.count()).select_from(Case).where(Case.call_id == "c3")) == 1
    assert [e.kind for e in events].count("case.created") == 1


def test_replaying_the_same_call_twice_creates_one_case(fresh_engine, tmp_path):
    pipeline, _ = make_pipeline(fresh_engine, tmp_path, ScriptedTranscriber(["你好"]))
    run_call(pipeline, "c4")
    pipeline.close()
    with make_session_factory(fresh_engine)() as session:
        first = session.scalar(select(Case).where(Case.call_id == "c4"))
        assert first is not None
    # the same finished call spooled again (e.g. a crash between commit and spool delete)
    from hotline.calls.finished import FinishedCall, record_finished_call

    with make_session_factory(fresh_engine)() as session:
        call = session.get(Call, "c4")
        again = FinishedCall(call_id="c4", sip_call_id="x", caller="1", callee="7812345", direction="inbound",
                             started_at=call.started_at.isoformat(), ended_at=call.ended_at.isoformat(),
                             end_reason="caller_hangup", duration_s=1, language="zh", recording_path=None,
                             frames_received=1, frames_dropped=0, transcript_status="complete")
        case = record_finished_call(session, record=again)
        session.commit()
        assert case.id == first.id
        assert session.scalar(select(func.count()).select_from(Case).where(Case.call_id == "c4")) == 1


def test_silent_call_gives_a_case_saying_no_speech(fresh_engine, tmp_path):
    pipeline, _ = make_pipeline(fresh_engine, tmp_path, ScriptedTranscriber([]))
    run_call(pipeline, "c5")
    pipeline.close()
    with make_session_factory(fresh_engine)() as session:
        case = session.scalar(select(Case).where(Case.call_id == "c5"))
        assert "未识别到有效语音" in case.content
        assert session.get(Call, "c5").transcript_status == TranscriptStatus.empty


def test_a_conduct_call_leaves_the_console_and_becomes_a_sealed_report(fresh_engine, tmp_path):
    """Key 9 in the greeting (党风政风监督): the call leaves the live panel, its words are not published or
    analysed, and the case goes to 纪委监委 as a conduct report."""
    transcriber = ScriptedTranscriber(["窗口工作人员吃拿卡要", "不给好处就不办"])
    pipeline, events = make_pipeline(fresh_engine, tmp_path, transcriber)
    sink = pipeline.on_call_started(call_info("c9"))
    pipeline.on_dtmf("c9", "9")
    pipeline.on_language("c9", "zh")
    assert pipeline.registry.snapshots() == []
    for _ in range(50):
        sink.push(b"\0" * 320)
    pipeline.on_call_ended("c9", summary("c9"))
    pipeline.close()
    with make_session_factory(fresh_engine)() as session:
        case = session.scalar(select(Case).where(Case.call_id == "c9").options(selectinload(Case.department)))
        assert case.confidential and case.department.code == "jwjw" and case.status.value == "dispatched"
        assert "吃拿卡要" in case.content
    published = [e for e in events if e.kind not in ("call.started",)]
    assert not [e for e in published if "吃拿卡要" in str(e.data)]  # nothing of it reached the console
    assert not [e for e in events if e.kind in ("call.final", "call.partial", "call.analysis", "call.dtmf")]


def test_live_suggestions_follow_the_caller_and_the_case_reuses_the_last_one(fresh_engine, tmp_path):
    """The agent sees an analysis of the caller's words during the call; at hang-up the case takes that
    analysis when no word came after it, instead of analysing the same text again."""
    from asr.transcript import Utterance

    words = ["我想问一下", "党组织关系怎么转"]
    analysed: list[str] = []
    transcriber = ScriptedTranscriber(words)
    pipeline, events = make_pipeline(fresh_engine, tmp_path, transcriber)
    pipeline.analyze = lambda text: (analysed.append(text), analysis_of(text))[1]
    pipeline.on_call_started(call_info("c1"))
    pipeline.on_language("c1", "zh")
    stream = transcriber.streams[-1]
    for i, word in enumerate(words):  # the finals while the caller speaks
        stream.on_final(Utterance(word, i * 1.0, i * 1.0 + 0.8, 0.9))
    deadline = time.monotonic() + 30
    while "我想问一下党组织关系怎么转" not in analysed and time.monotonic() < deadline:
        time.sleep(0.01)
    while not [e for e in events if e.kind == "call.analysis"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [e.data["intent"] for e in events if e.kind == "call.analysis"][-1:] == ["consultation"]
    pipeline.on_call_ended("c1", summary("c1"))
    pipeline.close()
    assert analysed.count("我想问一下党组织关系怎么转") == 1 and analysed[-1] == "我想问一下党组织关系怎么转"
    with make_session_factory(fresh_engine)() as session:
        case = session.scalar(select(Case).where(Case.call_id == "c1"))
        assert case is not None and case.content == "我想问一下党组织关系怎么转"
        assert case.intent.value == "consultation"
    assert pipeline._analysed == {} and pipeline._ending == set()  # nothing kept per finished call
