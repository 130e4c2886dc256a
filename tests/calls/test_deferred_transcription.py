"""Past ASR capacity nothing is lost: the call is recorded, its case says 转写排队中, and the queue worker
transcribes the recording later (real Vosk, Korean model) and updates the call, the case and its timeline.
The queue is rows: a worker that died holding a claim is replaced after its lease (restart-safety)."""

from __future__ import annotations

import shutil
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline.calls.deferred_transcription import DeferredTranscriber
from hotline.calls.finished import DEFERRED_TEXT
from hotline.calls.live import LiveCallPipeline
from hotline.calls.registry import LiveCallRegistry
from hotline.calls.speech_policy import SpeechPolicy
from hotline.calls.speech_queues import deferred_waiting
from hotline.calls.spool import Spool
from hotline.cases.timeline import case_events
from hotline.db import make_session_factory
from hotline.events import EventHub
from hotline.models import Call, Case, DeferredState, DeferredTranscription, TranscriptStatus
from tests.calls.call_testkit import (
    assert_heard_like_the_file,
    pipeline_call_ended,
    pipeline_call_started,
    wav_frames,
)

pytestmark = pytest.mark.vosk


def make_service(ko_model):
    from asr import TranscriptionService

    return TranscriptionService(ko_model, pool_size=1, decode_threads=1)


def test_overload_defers_to_the_recording_and_the_case_is_updated_after_a_restart(
        fresh_engine, tmp_path, ko_model, speech, direct_transcripts, analyzer):
    frames = wav_frames(speech["long"])
    recordings = {cid: shutil.copy(speech["long"], tmp_path / f"{cid}.wav") for cid in ("a", "b")}
    service = make_service(ko_model)  # ONE recognizer: the second concurrent call cannot be decoded live
    factory = make_session_factory(fresh_engine)
    pipeline = LiveCallPipeline(transcriber=service, analyze=analyzer, session_factory=factory,
                                hub=EventHub(), registry=LiveCallRegistry(), spool=Spool(tmp_path / "spool"),
                                speech_policy=SpeechPolicy(defer_wait_s=0.5, defer_lag_s=600),
                                close_timeout_s=600)  # call a is decoded live however loaded the machine
    sink_a, sink_b = pipeline_call_started(pipeline, "a"), pipeline_call_started(pipeline, "b")
    for i, frame in enumerate(frames):  # both callers talk at once, in real time (captured every frame)
        assert sink_a.push(frame)
        assert sink_b.push(frame)
        if i % 50 == 0:
            time.sleep(0.2)
    pipeline_call_ended(pipeline, "a", recordings["a"], len(frames))
    pipeline_call_ended(pipeline, "b", recordings["b"], len(frames))
    pipeline.close()
    service.shutdown()

    with factory() as session:
        a, b = session.get(Call, "a"), session.get(Call, "b")
        assert a.transcript_status == TranscriptStatus.complete and a.codec == "PCMA"
        assert a.asr_confidence is not None and 0 < a.asr_confidence <= 1 and a.asr_coverage > 0.99
        case_b = session.scalar(select(Case).where(Case.call_id == "b"))
        assert case_b.content == DEFERRED_TEXT and case_b.needs_triage  # answered, recorded, in the queue
        assert b.recording_path == str(recordings["b"])
        assert b.transcript_status == TranscriptStatus.unavailable
        row = session.scalar(select(DeferredTranscription).where(DeferredTranscription.call_id == "b"))
        assert row.state == DeferredState.queued and "识别器" in row.reason
        assert deferred_waiting(session) == 1

    # a worker claims the row and dies (its process is gone); after a restart a new one finishes it
    service = make_service(ko_model)
    try:
        crashed = DeferredTranscriber(session_factory=factory, transcriber=service, analyze=analyzer,
                                      name="dead-worker")
        assert crashed._claim() is not None
        with factory() as session:
            assert deferred_waiting(session) == 1  # still counted while running
        fresh = DeferredTranscriber(session_factory=factory, transcriber=service, analyze=analyzer,
                                    name="restarted", lease_s=3600)
        assert fresh.run() == 0  # the claim is younger than the lease: not taken twice
        fresh.lease_s = 0.0
        assert fresh.run() == 1
    finally:
        service.shutdown()

    with factory() as session:
        b = session.get(Call, "b", options=[selectinload(Call.utterances)])
        assert b.transcript_status == TranscriptStatus.complete and b.transcript
        assert_heard_like_the_file(b.utterances, direct_transcripts["long"])
        assert b.asr_confidence is not None and b.asr_coverage > 0.99
        case_b = session.scalar(select(Case).where(Case.call_id == "b"))
        assert case_b.content == b.transcript and case_b.title == b.transcript[:40]
        events = case_events(session, case_b.id)
        assert events[-1].action == "transcribed" and "录音转写完成" in events[-1].note
        row = session.scalar(select(DeferredTranscription).where(DeferredTranscription.call_id == "b"))
        assert row.state == DeferredState.done and row.attempts == 2 and row.claimed_by == "restarted"
        assert deferred_waiting(session) == 0


def test_a_lag_bound_of_zero_defers_every_call_and_a_missing_recording_is_reported(
        fresh_engine, tmp_path, ko_model, analyzer):
    service = make_service(ko_model)
    factory = make_session_factory(fresh_engine)
    pipeline = LiveCallPipeline(transcriber=service, analyze=analyzer, session_factory=factory,
                                hub=EventHub(), registry=LiveCallRegistry(), spool=Spool(tmp_path / "spool"),
                                speech_policy=SpeechPolicy(defer_lag_s=0))
    try:
        assert pipeline_call_started(pipeline, "z") is None  # no live stream at all: recording only
        pipeline_call_ended(pipeline, "z", tmp_path / "gone.wav", 100)
        pipeline.close()
        worker = DeferredTranscriber(session_factory=factory, transcriber=service, analyze=analyzer,
                                     policy=SpeechPolicy(defer_lag_s=60))
        assert worker.run() == 1
    finally:
        service.shutdown()
    with factory() as session:
        row = session.scalar(select(DeferredTranscription).where(DeferredTranscription.call_id == "z"))
        assert row.state == DeferredState.failed and "录音文件不存在" in row.error
        case = session.scalar(select(Case).where(Case.call_id == "z"))
        last = case_events(session, case.id)[-1]
        assert last.action == "transcribe_failed" and "请收听通话录音" in last.note
        assert deferred_waiting(session) == 0
