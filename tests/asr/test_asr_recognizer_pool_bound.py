"""The pool never grows: a stream that finds every recognizer busy waits for one (its audio stays buffered)
instead of getting a cold extra, so a worker's memory is set by the pool's size however far decoding falls
behind (a starved worker used to grow 4 -> 20 recognizers, ~60 MB each)."""

from __future__ import annotations

import threading
import time

import pytest

import asr
from asr.recognizer_pool import RecognizerPool
from tests.asr.test_asr_stream_plumbing import RecordingModel


def test_an_exhausted_pool_gives_none_and_replaces_a_failed_recognizer():
    pool = RecognizerPool(RecordingModel(), size=2, model_rate=16000)
    borrowed = [pool.acquire(), pool.acquire()]
    assert pool.acquire() is None and pool.idle == 0
    pool.release(borrowed[0])
    pool.release(borrowed[1], healthy=False)
    assert pool.idle == 2 and pool.created == 3 and pool.replaced == 1


def test_streams_past_the_pool_wait_and_all_complete_on_one_recognizer():
    gate = threading.Event()  # decoding is stuck until set
    model = RecordingModel(gate=gate)
    svc = asr.TranscriptionService(model, decode_threads=2, pool_size=1)
    try:
        streams = [svc.open_stream(16000) for _ in range(3)]
        for stream in streams:
            assert stream.feed(bytes(32000 * 2))
        time.sleep(0.3)
        assert svc.stats()["streams_waiting"] == 2 and svc.stats()["max_lag_s"] >= 0.2
        gate.set()
        transcripts = [s.close(timeout=10) for s in streams]
    finally:
        gate.set()
        svc.shutdown()
    assert all(t.complete and t.audio_seconds == pytest.approx(2.0) for t in transcripts)
    assert len(model.recognizers) == 1 and svc.pool.created == 1 and svc.stats()["streams_waiting"] == 0


def test_a_recognizer_past_its_audio_allowance_is_replaced_and_freed_and_the_pool_keeps_its_size():
    """Vosk's graph cache grows with each recognizer's audio (the soak's RSS growth): after
    ``recycle_after_s`` a fresh recognizer takes its place; below that it is only reset."""
    pool = RecognizerPool(RecordingModel(), size=2, model_rate=16000, recycle_after_s=10.0)
    first = pool.acquire()
    first.accept(bytes(16000 * 2 * 4))  # 4 s
    assert pool.release(first) is None and first.resets == 1 and not first.closed
    assert pool.acquire() is first
    first.accept(bytes(16000 * 2 * 7))  # 11 s in all
    fresh = pool.release(first)
    assert fresh is not None and fresh is not first and first.closed and first.resets == 1
    assert pool.idle == 2 and pool.live == 2 and pool.recycled == 1 and pool.created == 3
    assert fresh in pool.idle_recognizers() and first not in pool.idle_recognizers()
