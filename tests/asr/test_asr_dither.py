"""The same audio gives the same words: Kaldi's random dither replaced by a seeded one (asr.dither).

With Vosk's own dither, five fresh recognizers decoded the espeak clip five different ways (measured), and
tests that depend on where an utterance ends passed or failed by chance."""

from __future__ import annotations

import numpy as np

from asr.dither import SeededDither, dither_is_off, without_dither
from tests.asr.conftest import chunks, ko_model_dir, read_wav, resample


def heard(recognizer, pcm: bytes) -> list[tuple[str, float, float]]:
    """Words with their times relative to the start of ``pcm``, fed in the live path's 0.1 s slices."""
    base, found = recognizer.elapsed_seconds, []
    for piece in chunks(pcm, 800 * 2):
        if recognizer.accept(piece):
            found += recognizer.result().get("result", [])
    found += recognizer.final().get("result", [])
    return [(w["word"], round(w["start"] - base, 2), round(w["end"] - base, 2)) for w in found]


def test_fresh_and_reused_recognizers_hear_the_same_words_at_the_same_times(ko_model, ko8, speech_dir):
    assert ko_model.seeded_dither and dither_is_off(ko_model.path)
    first = heard(ko_model.new_recognizer(8000), ko8.tobytes())
    second = heard(ko_model.new_recognizer(8000), ko8.tobytes())
    reused = ko_model.new_recognizer(8000)
    heard(reused, resample(read_wav(speech_dir / "cmn16.wav")[0], 16000, 8000).tobytes())  # another caller
    reused.reset()
    third = heard(reused, ko8.tobytes())
    assert first and first == second == third


def test_the_overlay_turns_only_kaldis_dither_off(tmp_path):
    model = ko_model_dir()
    overlay = without_dither(model, cache=tmp_path)
    own = (model / "conf" / "mfcc.conf").read_text(encoding="utf-8").splitlines()
    assert (overlay / "conf" / "mfcc.conf").read_text(encoding="utf-8").splitlines() == own + ["--dither=0"]
    assert (overlay / "conf" / "model.conf").resolve() == (model / "conf" / "model.conf").resolve()
    assert without_dither(overlay, cache=tmp_path) == overlay.resolve()  # already off: used as it is


def test_digital_silence_still_gets_noise_and_the_noise_restarts_with_the_stream():
    dither = SeededDither()
    zeros = bytes(1600)
    once = dither(zeros)
    assert np.count_nonzero(np.frombuffer(once, dtype="<i2")) > 400  # zeros are not silent to the features
    assert dither(zeros) != once
    dither.restart()
    assert dither(zeros) == once
    loud = np.full(800, 32767, dtype="<i2").tobytes()
    assert np.frombuffer(dither(loud), dtype="<i2").max() == 32767  # clipped, not wrapped around
