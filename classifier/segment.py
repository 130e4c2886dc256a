"""Chinese word segmentation: the only module that imports jieba.

One tokenizer per process, built on first use; callers may add domain words
(service-item names, place names) so that they stay whole.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

_lock = threading.Lock()
_tokenizer: Any = None  # jieba.Tokenizer (jieba ships no types)
_added: set[str] = set()


def _get() -> Any:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                _tokenizer = tok
    return _tokenizer


def add_words(words: Iterable[str], freq: int | None = None) -> None:
    """Teach the segmenter domain words; repeated words are ignored."""
    tok = _get()
    with _lock:
        for word in words:
            word = word.strip()
            if len(word) >= 2 and word not in _added:
                tok.add_word(word, freq=freq)
                _added.add(word)


def cut(text: str, *, hmm: bool = True) -> list[str]:
    """Words of ``text`` (precise mode), whitespace dropped.

    ``hmm=False`` turns off jieba's guessing of unknown words: typo-laden text then falls apart
    into single characters (低包 -> 低, 包) instead of becoming a made-up word.
    """
    return [w for w in _get().lcut(text, HMM=hmm) if w.strip()]


def cut_for_search(text: str, *, hmm: bool = True) -> list[str]:
    """Words plus their shorter sub-words, for indexing and querying (``hmm`` as in :func:`cut`)."""
    return [w for w in _get().lcut_for_search(text, HMM=hmm) if w.strip()]


def cut_fast(text: str) -> list[str]:
    """Dictionary-only words (no HMM for unknown words): about 1.6x faster, for long texts in bulk."""
    return [w for w in _get().lcut(text, HMM=False) if w.strip()]


_idf_table: tuple[dict[str, float], float] | None = None


def general_idf() -> tuple[dict[str, float], float]:
    """jieba's inverse document frequencies from its general corpus (word -> idf) and the median idf to use
    for unknown words: the IDF half of TF-IDF keyword extraction, as jieba.analyse.extract_tags weighs.

    Read from jieba's bundled analyse/idf.txt directly (importing jieba.analyse leaks a file handle)."""
    global _idf_table
    if _idf_table is None:
        with _lock:
            if _idf_table is None:
                import statistics
                from pathlib import Path

                import jieba

                table: dict[str, float] = {}
                path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
                with path.open(encoding="utf-8") as fh:
                    for line in fh:
                        word, _, value = line.strip().rpartition(" ")
                        if word:
                            table[word] = float(value)
                _idf_table = (table, statistics.median(table.values()))
    return _idf_table


def is_word(text: str) -> bool:
    """Whether ``text`` is a word of the segmenter's dictionary (or one taught with :func:`add_words`)."""
    return bool(_get().FREQ.get(text))
