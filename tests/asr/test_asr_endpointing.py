"""sip.conf [asr] trailing_silence: an overlay model directory whose model.conf caps Kaldi's endpoint rules
(Vosk 0.3.45 reads them only from there); the model's files are linked, not copied, and Vosk loads it."""

from __future__ import annotations

import json

import numpy as np

import asr
from asr.endpointing import endpoint_silences, with_trailing_silence
from tests.asr.conftest import chunks, ko_model_dir


def test_overlay_caps_the_rules_and_links_the_rest(tmp_path):
    model = ko_model_dir()
    assert endpoint_silences(model) == {"rule2": 0.5, "rule3": 1.0, "rule4": 2.0}
    overlay = with_trailing_silence(model, 0.8, cache=tmp_path)
    assert endpoint_silences(overlay) == {"rule2": 0.5, "rule3": 0.8, "rule4": 0.8}
    conf = (overlay / "conf" / "model.conf").read_text()
    assert "--beam=10.0" in conf and conf.count("min-trailing-silence") == 3  # other options kept
    assert (overlay / "am").is_symlink() and (overlay / "conf" / "mfcc.conf").is_symlink()
    assert not (model / "conf" / "model.conf").read_text().count("=0.8")  # the model itself untouched
    assert with_trailing_silence(model, 0.8, cache=tmp_path) == overlay  # reused
    assert with_trailing_silence(model, 3.0, cache=tmp_path) == model.resolve()  # nothing to shorten


def test_a_shorter_trailing_silence_ends_the_utterance_sooner(ko8):
    """A sentence, then 3 s of quiet line noise. Vosk ends an utterance some 0.5 s after the rule's silence
    (the network's look-ahead); rule4 of the model waits 2 s. trailing_silence 0.3 must end it within 1 s of
    the last word, and never later than the model's own rules do."""
    noise = np.random.default_rng(1).normal(0, 30, 3 * 8000).astype(np.int16)
    loud = np.flatnonzero(np.abs(ko8.astype(np.int32)) > 300)
    sentence = ko8[loud[0] : loud[0] + int(2.5 * 8000)]
    speech = np.concatenate([noise[:4000], sentence, noise]).tobytes()

    def endpoint_delay(model) -> float:
        rec = model.raw_recognizer(8000)
        rec.SetWords(True)
        fed = 0
        for piece in chunks(speech, 1600):
            fed += len(piece)
            if rec.AcceptWaveform(piece):
                words = json.loads(rec.Result()).get("result")
                if words:
                    return fed / 2 / 8000 - words[-1]["end"]
        return float("inf")

    default = endpoint_delay(asr.load_model(ko_model_dir()))
    short = endpoint_delay(asr.load_model(ko_model_dir(), trailing_silence=0.3))
    print(f"\nendpoint delay: model rules {default:.2f} s, trailing_silence 0.3: {short:.2f} s")
    assert short <= 1.0 and short <= default
