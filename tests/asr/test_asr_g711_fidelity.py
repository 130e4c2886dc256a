"""What a telephone channel does to recognition: the 8 kHz clip through G.711 mu-law and A-law.

The measured character error rates are printed (run with -s); bench/asr.py measures them too. With
espeak-ng speech the Korean model's output is low-confidence guesswork (the linear clip decoded twice differs
by CER ~0.4; mu-law/A-law measured 0.47-0.78), so the bound is loose. A broken codec path (mu-law bytes
taken as linear PCM) is printed for comparison: it measured 0.9-1.2.
"""

from __future__ import annotations

import numpy as np
import pytest

import asr
from asr.g711 import alaw_decode, alaw_encode, mulaw_decode, mulaw_encode
from tests.asr.conftest import write_wav

pytestmark = pytest.mark.vosk


def test_g711_transcripts_stay_close_to_the_linear_8khz_transcript(ko_model, ko8, speech_dir, tmp_path):
    clean = asr.transcribe_file(speech_dir / "ko8.wav", ko_model)
    channels = {
        "mu-law": mulaw_decode(mulaw_encode(ko8)),
        "A-law": alaw_decode(alaw_encode(ko8)),
        "broken (mu-law bytes as PCM)": (mulaw_encode(ko8).astype(np.int16) - 128) * 256,
    }
    cer = {}
    for name, samples in channels.items():
        path = write_wav(tmp_path / f"{name.split()[0]}.wav", samples, 8000)
        cer[name] = asr.character_error_rate(clean.text, asr.transcribe_file(path, ko_model).text)
    print("\nCER against the linear 8 kHz transcript:", {k: round(v, 2) for k, v in cer.items()})
    assert clean.text
    assert cer["mu-law"] <= 0.9 and cer["A-law"] <= 0.9
