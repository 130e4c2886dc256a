"""Speech-quality figures and bounds: call confidence, coverage, review reasons, overload decisions."""

from __future__ import annotations

from asr import character_error_rate, character_errors
from hotline.calls.speech_policy import SpeechPolicy, call_confidence, coverage


def test_confidence_is_the_mean_of_the_citizens_word_confidences():
    utterances = [  # the agent's words are not the citizen's
        {"text": "我想问", "confidence": 0.9, "words": [["我", 0, 1, 0.5], ["想问", 1, 2, 1.0]]},
        {"text": "好的", "confidence": 0.1, "words": [["好的", 3, 4, 0.1]], "speaker": "agent"},
        {"text": "社保", "confidence": 0.6, "words": []},  # no word list: the utterance's own figure
    ]
    assert call_confidence(utterances) == round((0.5 + 1.0 + 0.6) / 3, 4)
    assert call_confidence([]) is None
    assert coverage(9.0, 10.0) == 0.9 and coverage(12.0, 10.0) == 1.0 and coverage(None, 10.0) is None


def test_review_reasons_and_overload_bounds():
    policy = SpeechPolicy(defer_lag_s=20, relisten_confidence=0.6, relisten_coverage=0.9)
    assert policy.review_reason(0.5, 1.0) == "low_confidence"
    assert policy.review_reason(0.8, 0.5) == "low_coverage"
    assert policy.review_reason(0.8, 1.0) is None and policy.review_reason(None, None) is None
    assert policy.overloaded({"streams_waiting": 0, "max_lag_s": 1.0}) is None
    assert "等待" in policy.overloaded({"streams_waiting": 2, "max_lag_s": 0.0})
    assert "滞后" in policy.overloaded({"streams_waiting": 0, "max_lag_s": 25.0})
    assert SpeechPolicy(defer_lag_s=0).overloaded({"streams_waiting": 0, "max_lag_s": 0.0})  # 0: defer all
    assert policy.free_for_backlog({"streams_waiting": 0, "open_streams": 3, "max_lag_s": 0.5}, 4)
    assert not policy.free_for_backlog({"streams_waiting": 0, "open_streams": 4, "max_lag_s": 0.5}, 4)


def test_the_corpus_cer_sums_edits_over_characters():
    assert character_errors("社保卡丢了", "设保卡丢了") == (1, 5)
    assert character_errors("，。 ", "") == (0, 0) and character_error_rate("", "") == 0.0
    assert character_error_rate("", "多") == 1.0
    first, second = character_errors("我想问", "我想问"), character_errors("低保怎么办", "低包")
    assert (first[0] + second[0]) / (first[1] + second[1]) == 4 / 8
