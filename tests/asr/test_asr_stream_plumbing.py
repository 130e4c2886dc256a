"""Stream plumbing with a recording fake recognizer: exact bytes, back-pressure, timeouts, failures.

The fake makes these checks exact and fast; the same capabilities are exercised with real Vosk decoding in
test_asr_streaming.py and test_asr_bad_input.py.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

import asr
from tests.asr.conftest import chunks, write_wav


class RecordingRecognizer:
    def __init__(self, sample_rate: int, *, gate: threading.Event | None = None, fail_after=None):
        self.sample_rate = sample_rate
        self.has_grammar = False
        self.fed: list[bytes] = []
        self.gate = gate
        self.fail_after = fail_after
        self._samples = 0
        self.resets = 0
        self.closed = False

    @property
    def elapsed_seconds(self) -> float:
        return self._samples / self.sample_rate

    def accept(self, pcm: bytes) -> bool:
        if self.gate is not None:
            self.gate.wait(30)
        if self.fail_after is not None and len(self.fed) >= self.fail_after:
            raise RuntimeError("kaldi exploded")
        self.fed.append(pcm)
        self._samples += len(pcm) // 2
        return len(self.fed) % 10 == 0  # an "utterance" every second of audio

    def result(self) -> dict:
        t = self.elapsed_seconds
        return {"result": [{"word": f"w{len(self.fed)}", "start": t - 0.5, "end": t, "conf": 1.0}]}

    def partial(self) -> str:
        return f"p{len(self.fed)}"

    def final(self) -> dict:
        return self.result() if len(self.fed) % 10 else {}  # nothing new since the last endpoint

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        self.closed = True


class RecordingModel:
    """Stands in for asr.VoskModel."""

    sample_rate = 16000
    supports_phrases = False
    path = Path("recording-model")

    def __init__(self, **recognizer_options) -> None:
        self.options = recognizer_options
        self.recognizers: list[RecordingRecognizer] = []

    def knows_word(self, word: str) -> bool:
        return True

    def new_recognizer(self, sample_rate=None, phrases=None) -> RecordingRecognizer:
        rec = RecordingRecognizer(sample_rate or self.sample_rate, **self.options)
        self.recognizers.append(rec)
        return rec


def noise(seconds: float, rate: int) -> np.ndarray:
    return np.random.default_rng(7).normal(0, 3000, int(seconds * rate)).astype(np.int16)


@pytest.mark.parametrize("rate", [8000, 16000])
def test_stream_feeds_the_recognizer_exactly_what_a_file_transcription_does(tmp_path, rate):
    audio = noise(3.37, rate)
    model = RecordingModel()
    asr.transcribe_file(write_wav(tmp_path / "a.wav", audio, rate), model)
    from_file = model.recognizers[-1].fed
    svc = asr.TranscriptionService(model, decode_threads=2, pool_size=1)
    try:
        stream = svc.open_stream(rate)
        for chunk in chunks(audio.tobytes(), rate * 2 // 50):  # 20 ms frames
            assert stream.feed(chunk)
        transcript = stream.close(timeout=10)
    finally:
        svc.shutdown()
    live = model.recognizers[0].fed
    assert b"".join(live) == b"".join(from_file) and [len(x) for x in live] == [len(x) for x in from_file]
    assert len(b"".join(live)) == pytest.approx(3.37 * 16000 * 2, abs=64)  # resampled to the model's rate
    assert [u.text for u in transcript.utterances] == ["w10", "w20", "w30", "w34"]
    assert transcript.utterances[1].start == pytest.approx(1.5) and transcript.complete


def test_full_buffer_refuses_and_counts_without_blocking_the_producer():
    gate = threading.Event()  # decoding is stuck until set
    model = RecordingModel(gate=gate)
    svc = asr.TranscriptionService(model, decode_threads=1, pool_size=1, max_buffer_seconds=0.5)
    try:
        stream = svc.open_stream(8000)
        frame = bytes(320)
        started = time.perf_counter()
        accepted = [stream.feed(frame) for _ in range(100)]  # 2 s of audio into a 0.5 s buffer
        elapsed = time.perf_counter() - started
        refused = accepted.count(False)
        assert refused > 0 and stream.dropped_bytes == refused * 320
        assert elapsed < 0.5  # 100 calls while the decoder is stuck: nothing waited for it
        time.sleep(0.2)
        assert stream.lag_s >= 0.2 and svc.stats()["max_lag_s"] >= 0.2
        gate.set()
        transcript = stream.close(timeout=10)
        assert transcript.complete and transcript.dropped_bytes == refused * 320
        assert transcript.audio_seconds == pytest.approx((100 - refused) * 0.02)
        assert transcript.max_lag_s >= 0.2
        assert stream.feed(frame) is False  # closed
    finally:
        gate.set()
        svc.shutdown()


def test_feed_never_raises_on_wrong_input():
    svc = asr.TranscriptionService(RecordingModel(), decode_threads=1, pool_size=1)
    try:
        stream = svc.open_stream(16000)
        assert stream.feed(None) is False
        assert stream.feed(12345) is False
        assert stream.feed("text") is False
        assert stream.feed(bytearray(640)) is True and stream.feed(memoryview(bytes(640))) is True
        assert stream.close(timeout=5).audio_seconds == pytest.approx(0.04)
        with pytest.raises(ValueError, match="8000 or 16000"):
            svc.open_stream(44)
    finally:
        svc.shutdown()


def test_close_timeout_returns_partial_transcript_and_decoding_finishes_later():
    gate = threading.Event()
    model = RecordingModel(gate=gate)
    svc = asr.TranscriptionService(model, decode_threads=1, pool_size=1)
    try:
        stream = svc.open_stream(16000)
        stream.feed(bytes(32000))
        started = time.perf_counter()
        transcript = stream.close(timeout=0.2)
        assert time.perf_counter() - started < 2
        assert transcript.complete is False
        gate.set()
        for _ in range(100):
            if svc.pool.idle == 1:
                break
            time.sleep(0.05)
        assert svc.pool.idle == 1 and model.recognizers[0].resets == 1  # back in the pool, reset
    finally:
        gate.set()
        svc.shutdown()


def test_failing_hook_and_failing_decoder_do_not_stop_the_service():
    model = RecordingModel()
    svc = asr.TranscriptionService(model, decode_threads=1, pool_size=1)
    try:
        seen = []

        def on_final(utterance):
            seen.append(utterance.text)
            raise RuntimeError("hook bug")

        stream = svc.open_stream(16000, on_final=on_final)
        stream.feed(bytes(32000 * 3))
        transcript = stream.close(timeout=5)
        assert transcript.complete and seen == ["w10", "w20", "w30"]

        (pooled,) = svc.pool.idle_recognizers()
        pooled.fail_after = len(pooled.fed) + 3  # the next stream's recognizer fails
        broken = svc.open_stream(16000)
        broken.feed(bytes(32000 * 2))
        failed = broken.close(timeout=5)
        assert failed.complete is False and "kaldi exploded" in failed.error
        # the broken recognizer was not pooled again: a new one took its place
        assert svc.pool.idle_recognizers() != [pooled] and svc.pool.replaced == 1

        healthy = svc.open_stream(16000)
        healthy.feed(bytes(32000))
        assert healthy.close(timeout=5).utterances[0].text == "w10"
    finally:
        svc.shutdown()
