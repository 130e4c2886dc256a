"""Text clean-up shared by training and prediction: transcripts, web forms and forum posts alike."""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 3000  # longer inputs are cut; the head of a message carries its intent and topic

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")


class EmptyTextError(ValueError):
    """The text has nothing to classify (empty, whitespace or control characters only)."""


def normalize(text: str, max_chars: int = MAX_CHARS) -> str:
    """NFKC (full-width to half-width), drop control characters, join ASR word spacing between Chinese
    characters, collapse whitespace, lower-case Latin letters and cut to ``max_chars``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    text = unicodedata.normalize("NFKC", text[: max_chars * 2])
    text = _CONTROL.sub(" ", text)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    text = _SPACES.sub(" ", text).strip().lower()
    return text[:max_chars]


def require_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """Normalised text, or :class:`EmptyTextError` when nothing is left."""
    cleaned = normalize(text, max_chars)
    if not cleaned:
        raise EmptyTextError("text is empty: give the transcript or message to classify")
    return cleaned
