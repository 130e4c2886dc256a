"""The call tests' audio check (assert_heard_like_the_file) passes a working audio path and fails a broken
one, without looking at the (unstable) words: the same call audio streamed at its rate, and declared at the
wrong rate (what a bridge/codec mix-up does)."""

from __future__ import annotations

import wave

import pytest

import asr
from tests.calls.call_testkit import assert_heard_like_the_file

pytestmark = pytest.mark.vosk


def streamed(ko_model, pcm: bytes, rate: int) -> asr.Transcript:
    service = asr.TranscriptionService(ko_model, decode_threads=1, pool_size=1)
    try:
        stream = service.open_stream(rate)
        for i in range(0, len(pcm), 320):
            stream.feed(pcm[i : i + 320])
        return stream.close(timeout=120)
    finally:
        service.shutdown()


def test_the_timing_check_passes_working_audio_and_fails_a_wrong_sample_rate(ko_model, speech,
                                                                            direct_transcripts):
    with wave.open(str(speech["long"]), "rb") as w:
        pcm, rate = w.readframes(w.getnframes()), w.getframerate()
    reference = direct_transcripts["long"]
    # the audio arrives a little later in a call (greeting, DTMF): the check allows a constant shift
    assert_heard_like_the_file(streamed(ko_model, bytes(rate * 2) + pcm, rate).utterances, reference)
    with pytest.raises(AssertionError):
        assert_heard_like_the_file(streamed(ko_model, pcm, rate * 2).utterances, reference)
