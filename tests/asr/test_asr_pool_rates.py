"""Recognizers at the bridge's rate: a stream at a pooled rate reaches Vosk byte for byte (Vosk resamples
inside, cheaper than our resampler); a stream at another rate is resampled to the model rate as before."""

from __future__ import annotations

import asr
from tests.asr.test_asr_stream_plumbing import RecordingModel, noise


def test_a_stream_at_the_pool_rate_is_fed_as_it_comes():
    model = RecordingModel()
    svc = asr.TranscriptionService(model, decode_threads=1, pool_size=1, pool_rates=(8000,))
    try:
        audio = noise(1.0, 8000).tobytes()
        stream = svc.open_stream(8000)
        for i in range(0, len(audio), 320):  # 20 ms frames, as the SIP clock delivers them
            stream.feed(audio[i : i + 320])
        assert stream.close(timeout=10).complete
        wide = svc.open_stream(16000)
        wide.feed(noise(1.0, 16000).tobytes())
        assert wide.close(timeout=10).complete
        stats = svc.stats()
    finally:
        svc.shutdown()
    narrow_rec = next(r for r in model.recognizers if r.sample_rate == 8000)
    assert b"".join(narrow_rec.fed) == audio  # no resampling on our side
    assert sorted(r.sample_rate for r in model.recognizers) == [8000, 16000]  # the other: the model rate
    assert stats["recognizers_created"] == 2 and stats["streams_waiting"] == 0
