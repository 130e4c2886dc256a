"""Transcript comparison: character error rate, the usual measure for Chinese (no word boundaries)."""

from __future__ import annotations

import re

_IGNORED = re.compile(r"[\s\W_]+", re.UNICODE)


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Edit distance between the two texts (spaces and punctuation ignored) / reference length.

    An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise.
    """
    ref, hyp = _IGNORED.sub("", reference), _IGNORED.sub("", hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / len(ref)
