"""Chinese text clean-up for recognizer output.

Vosk writes one token per word separated by spaces ("我 想 办理 社保卡"). Between Han characters these
spaces are noise; between Latin words they are meaningful, and between Han and Latin they are the usual
typesetting ("办理 ETC 卡"). Full-width Latin letters, digits and the ideographic space are folded to half
width; Chinese punctuation (，。？) is kept as it is."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Han ideographs (basic, extension A, compatibility) and CJK / full-width punctuation.
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_DROPPED_SPACE = re.compile(
    rf"(?<=[{_HAN}])\s+(?=[{_HAN}])"  # between two Han characters
    rf"|(?<=[{_CJK_PUNCT}])\s+|\s+(?=[{_CJK_PUNCT}])"  # next to Chinese punctuation
)
_SPACES = re.compile(r"\s+")
# Full-width ASCII letters and digits (Ａ-Ｚ, ａ-ｚ, ０-９) map to half width by a fixed offset.
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF5B) if chr(c - 0xFEE0).isalnum()}
_FULLWIDTH_ALNUM[0x3000] = 0x20  # ideographic space


def normalize_zh(text: str) -> str:
    """Fold full-width letters/digits to half width; drop spaces between Han characters and next to
    Chinese punctuation, keep them between Latin words and between Han and Latin ("打开 wifi 密码")."""
    text = _SPACES.sub(" ", text.translate(_FULLWIDTH_ALNUM)).strip()
    return _DROPPED_SPACE.sub("", text)


def join_texts(parts: Iterable[str]) -> str:
    """Join utterance texts: no separator between Chinese ones, one space between Latin ones."""
    return normalize_zh(" ".join(p for p in parts if p))
