"""Transcript comparison: character error rate, the usual measure for Chinese (no word boundaries)."""

from __future__ import annotations

import re

_IGNORED = re.compile(r"[\s\W_]+", re.UNICODE)


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Edit distance between the two texts (spaces and punctuation ignored) / reference length.

    An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise.
    """
    errors, length = character_errors(reference, hypothesis)
    if not length:
        return 0.0 if not errors else 1.0
    return errors / length


def character_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance, reference characters), spaces and punctuation ignored: summed over many transcripts
    they give the corpus CER (total errors / total characters), which a mean of per-call rates does not."""
    ref, hyp = _IGNORED.sub("", reference), _IGNORED.sub("", hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1], len(ref)
