"""[asr] final_after_silence: a live utterance ends on our own silence detection, not Kaldi's late endpoint
(real Vosk, Korean model, espeak speech from the fixtures)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import asr
from asr.decoding import UtteranceDecoder
from asr.silence_final import SilenceFinal

RATE = 8000
FRAME = 320  # 20 ms at 8 kHz, as the media bridge delivers it


def phrases(ko8: np.ndarray) -> list[np.ndarray]:
    """The fixture's spoken phrases (안녕하세요 | 주차 문제를 신고하고 싶습니다 | 감사합니다 | 내일 다시
    전화하겠습니다), cut at espeak's pauses of 0.3 s and more, without the silence around them."""
    loud = np.flatnonzero(np.abs(ko8.astype(np.int32)) > 300)
    cuts = np.flatnonzero(np.diff(loud) > 0.3 * RATE)
    starts, ends = [loud[0], *loud[cuts + 1]], [*loud[cuts], loud[-1]]
    found = [ko8[a : b + 1] for a, b in zip(starts, ends, strict=True)]
    assert len(found) == 4, [len(f) / RATE for f in found]
    return found


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.int16)


def finals_with_position(model, audio: np.ndarray, after_s: float | None
                         ) -> list[tuple[float, asr.Utterance]]:
    """Decode 20 ms frames; each final with the audio position (s) fed when it came (inf: at the end)."""
    fed = [0]
    finals: list[tuple[float, asr.Utterance]] = []
    decoder = UtteranceDecoder(model.new_recognizer(RATE), RATE, on_partial=lambda _: None,
                               on_final=lambda u: finals.append((fed[0] / 2 / RATE, u)),
                               final_after_silence_s=after_s)
    pcm = audio.tobytes()
    for i in range(0, len(pcm), FRAME):
        fed[0] = min(len(pcm), i + FRAME)
        decoder.accept(pcm[i : i + FRAME])
    fed[0] = 10**9
    decoder.finish()
    return [(at if at < 10**8 else float("inf"), u) for at, u in finals]


@pytest.mark.parametrize("after_s", [0.3, 0.6])
def test_a_forced_final_arrives_after_the_configured_silence(ko_model, ko8, after_s):
    """A sentence, then 3 s of silence: the final comes once ``after_s`` of silence has passed (within one
    100 ms slice and one 20 ms frame), well before Kaldi's own endpoint, with the sentence's last word."""
    first = phrases(ko8)[1]
    audio = np.concatenate([silence(0.3), first, silence(3.0)])
    speech_end = 0.3 + len(first) / RATE
    [(at, forced)] = finals_with_position(ko_model, audio, after_s)
    [(kaldi_at, kaldi)] = finals_with_position(ko_model, audio, None)
    print(f"\nafter {after_s} s: final {at - speech_end:.2f} s after the speech, Kaldi's "
          f"{kaldi_at - speech_end:.2f} s; {forced.text!r} vs {kaldi.text!r}")
    assert after_s <= at - speech_end <= after_s + 0.1 + 0.02
    assert kaldi_at - speech_end > at - speech_end + 0.2  # it is the forcing that ended it, not Kaldi
    assert abs(forced.end - kaldi.end) < 0.15 and forced.words[-1].text == kaldi.words[-1].text  # not cut
    assert asr.character_error_rate(kaldi.text, forced.text) <= 0.2


def test_a_short_inner_pause_does_not_split_the_utterance(ko_model, ko8):
    """Two phrases 0.2 s apart (below 0.4 s) stay one utterance; 0.7 s apart they are split at the pause
    (so the check can see a split)."""
    _, first, _, second = phrases(ko8)
    second_start = 0.3 + len(first) / RATE

    def decoded(pause: float) -> list[tuple[float, asr.Utterance]]:
        audio = np.concatenate([silence(0.3), first, silence(pause), second, silence(2.0)])
        return finals_with_position(ko_model, audio, 0.4)

    [(_, whole)] = decoded(0.2)
    assert whole.start < second_start - 0.3 and whole.end > second_start + 0.2 + 0.5, whole
    split = decoded(0.7)
    assert len(split) == 2 and split[0][1].end < second_start + 0.1 < split[1][1].start + 0.7, split


def test_the_live_stream_sends_the_forced_final_before_hang_up(ko_model, ko8):
    """Through TranscriptionService: a sentence and 0.8 s of silence, the call still open. With
    final_after_silence 0.4 the final comes; with Kaldi's rules alone (trailing silence 1.0 s, ~1.1 s
    after the last word) it does not come until the stream is closed."""
    first = phrases(ko8)[1]
    pcm = np.concatenate([silence(0.3), first, silence(0.8)]).tobytes()
    for after_s, expected in ((0.4, True), (None, False)):
        came = threading.Event()
        service = asr.TranscriptionService(ko_model, decode_threads=1, pool_size=1,
                                           final_after_silence_s=after_s)
        try:
            stream = service.open_stream(RATE, on_final=lambda _u, came=came: came.set())
            for i in range(0, len(pcm), FRAME):
                assert stream.feed(pcm[i : i + FRAME])
            if expected:
                assert came.wait(20.0), "no final while the call is open"
            else:
                deadline = time.monotonic() + 20.0
                while stream.buffered_seconds >= 0.1 or stream._decoding_since:  # until all is decoded
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
                time.sleep(0.2)
                assert not came.is_set(), "Kaldi ended it by itself: this audio cannot show the forcing"
            transcript = stream.close()
            assert came.is_set() and len(transcript.utterances) == 1
        finally:
            service.shutdown()


def test_silence_detection_needs_speech_first():
    """Silence alone, or a click, never asks for a final; speech then enough silence does, once."""
    detector = SilenceFinal(RATE, 0.3)
    quiet, loud = silence(0.1).tobytes(), (np.sin(np.arange(800) / 3) * 8000).astype("<i2").tobytes()
    assert not any(detector.observe(quiet) for _ in range(10))
    click = np.zeros(800, "<i2")
    click[:160] = 8000
    assert not any(detector.observe(piece) for piece in [click.tobytes()] + [quiet] * 5)
    assert [detector.observe(piece) for piece in [loud, loud, quiet, quiet, quiet, quiet, quiet]] == [
        False, False, False, False, True, False, False]
    with pytest.raises(ValueError, match="positive"):
        SilenceFinal(RATE, 0)
