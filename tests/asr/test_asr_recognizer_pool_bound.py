"""A burst past the pool's size borrows extra recognizers; they are dropped on return, so memory held by the
pool stays bounded by its size however many bursts a long-running worker sees."""

from __future__ import annotations

from asr.recognizer_pool import RecognizerPool


def test_extra_recognizers_are_dropped_on_release(ko_model):
    pool = RecognizerPool(ko_model, size=2, model_rate=16000)
    for _ in range(3):  # three bursts of four concurrent streams
        borrowed = [pool.acquire() for _ in range(4)]
        assert pool.idle == 0
        for recognizer in borrowed:
            pool.release(recognizer)
        assert pool.idle == 2
    assert pool.created == 2 + 3 * 2 and pool.dropped == 3 * 2
