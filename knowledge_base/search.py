"""Service-item search shared by every channel (phone, web portal, forum, kiosk).

An in-memory BM25 index over fields of each item with their own weights: name, keywords
(colloquial synonyms), answer text, and — for text that segments badly or carries homophone
typos — the characters and the pinyin syllable bigrams (exact and dialect-folded) of name and
keywords. Build
it once from the catalogue, query it in about a millisecond (cheap enough for every partial
transcript of a call), and :meth:`SearchIndex.refresh` it after the catalogue changes; a
refresh swaps the whole index at once, so concurrent readers never see half of it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from classifier import segment
from knowledge_base import mongolian_text, query_text
from knowledge_base.catalog_schema import ItemRecord


@dataclass(frozen=True)
class FieldSpec:
    weight: float
    b: float  # BM25 length normalisation


FIELDS: dict[str, FieldSpec] = {
    "name": FieldSpec(weight=2.5, b=0.5),
    "keywords": FieldSpec(weight=2.0, b=0.3),
    "answer": FieldSpec(weight=0.4, b=0.75),
    "pinyin": FieldSpec(weight=1.2, b=0.3),
    "fuzzy_pinyin": FieldSpec(weight=0.6, b=0.3),
    "chars": FieldSpec(weight=0.5, b=0.3),
    "name_mn": FieldSpec(weight=2.5, b=0.5),  # Mongolian script, normalised (knowledge_base.mongolian_text)
    "answer_mn": FieldSpec(weight=0.4, b=0.75),
    "mn_grams": FieldSpec(weight=0.6, b=0.3),
}
PINYIN_FIELDS = ("pinyin", "fuzzy_pinyin")
K1 = 1.2


@dataclass(frozen=True)
class SearchHit:
    item: ItemRecord
    score: float
    matched: tuple[str, ...]  # query terms that matched, e.g. ("社保卡", "设保≈社保") — reasons for routing

    @property
    def code(self) -> str:
        return self.item.code


@dataclass(frozen=True)
class _Posting:
    docs: np.ndarray[Any, Any]  # document numbers holding the term
    weights: np.ndarray[Any, Any]  # their precomputed BM25 weights (field weight × idf × saturated tf)
    doc_set: frozenset[int]


@dataclass(frozen=True)
class _Built:
    items: tuple[ItemRecord, ...]
    retired: np.ndarray[Any, Any]  # boolean mask
    postings: dict[str, dict[str, _Posting]]  # field -> term -> posting
    pinyin_chars: dict[tuple[str, int], str]  # (pinyin bigram, doc) -> the item's characters for it


_MatchedTerm = tuple[str, str, str | None, _Posting]  # field, term, label (None: not shown), posting


class SearchIndex:
    """BM25 index over service items; ``search`` is thread-safe, ``refresh`` swaps atomically."""

    def __init__(self, items: Iterable[ItemRecord] = ()):
        self._built = _build(list(items))

    @classmethod
    def from_session(cls, session: Session) -> SearchIndex:
        """Index every item in the database (retired ones are kept but hidden by default)."""
        return cls(load_records(session))

    def refresh(self, items: Iterable[ItemRecord]) -> None:
        self._built = _build(list(items))

    def refresh_from_session(self, session: Session) -> None:
        self.refresh(load_records(session))

    def __len__(self) -> int:
        return len(self._built.items)

    def search(
        self, query: str, *, k: int = 5, include_retired: bool = False, min_score: float = 0.0
    ) -> list[SearchHit]:
        """The ``k`` best items for ``query`` (spoken or typed text, any length), best first."""
        built = self._built
        if not built.items or not query.strip():
            return []
        scores = np.zeros(len(built.items))
        terms: list[_MatchedTerm] = []
        for field, term, label, weight in _query_terms(query):
            posting = built.postings[field].get(term)
            if posting is not None:
                scores[posting.docs] += weight * posting.weights  # docs are unique within a posting
                terms.append((field, term, label, posting))
        if not include_retired:
            scores[built.retired] = -np.inf
        top = [int(d) for d in np.argsort(-scores, kind="stable")[:k] if scores[d] > min_score]
        return [SearchHit(item=built.items[d], score=round(float(scores[d]), 3),
                          matched=_reasons(built, d, terms)) for d in top]


def _reasons(built: _Built, doc: int, terms: list[_MatchedTerm]) -> tuple[str, ...]:
    """The query terms that matched ``doc``; a pinyin match shows the item's characters (设保≈社保)."""
    out: list[str] = []
    for field, term, label, posting in terms:
        if doc not in posting.doc_set or label is None:  # letter trigrams are no reason to show
            continue
        if field in PINYIN_FIELDS:
            known = built.pinyin_chars.get((term, doc), label)
            label = label if known == label else f"{label}≈{known}"
        if label not in out:
            out.append(label)
    return tuple(out)


def load_records(session: Session) -> list[ItemRecord]:
    from knowledge_base.items import list_items, record_of

    return [record_of(item) for item in list_items(session, include_retired=True)]


def _query_terms(query: str) -> Iterator[tuple[str, str, str | None, float]]:
    """(field, term, label, weight) for each distinct query term; synonyms weigh less."""
    seen: set[tuple[str, str]] = set()
    if mongolian_text.has_mongolian(query):
        mn_words = mongolian_text.words(query)
        for field, terms in (("name_mn", mn_words), ("answer_mn", mn_words),
                             ("mn_grams", mongolian_text.trigrams(query))):
            for term in dict.fromkeys(terms):
                seen.add((field, term))
                yield field, term, (None if field == "mn_grams" else term), 1.0
    word_list = query_text.words(query)
    weighted = [(w, 1.0) for w in word_list]
    weighted += [pair for w in word_list for pair in query_text.expansions(w)]
    for word, weight in weighted:
        for field in ("name", "keywords", "answer"):
            if (field, word) not in seen:
                seen.add((field, word))
                yield field, word, word, weight
    for run in query_text.content_runs(query):
        for char in query_text.content_chars(run):
            if ("chars", char) not in seen:
                seen.add(("chars", char))
                yield "chars", char, char, 1.0
        for bigram, chars in query_text.pinyin_bigrams(run):
            for field, term in (("pinyin", bigram), ("fuzzy_pinyin", query_text.fuzzy(bigram))):
                if (field, term) in seen:
                    continue
                seen.add((field, term))
                yield field, term, chars, 1.0


def _document_terms(item: ItemRecord) -> dict[str, list[str]]:
    keyword_terms = []
    for keyword in item.keywords:
        terms = query_text.words(keyword)
        whole = query_text.normalize(keyword)
        keyword_terms += terms if whole in terms else [whole, *terms]
    return {
        "name": query_text.words(item.name),
        "keywords": keyword_terms,
        "answer": query_text.words(item.answer),
        "pinyin": [],  # filled by _build, which also records the characters
        "fuzzy_pinyin": [],
        "chars": [c for text in (item.name, *item.keywords) for run in query_text.content_runs(text)
                  for c in query_text.content_chars(run)],
        "name_mn": mongolian_text.words(item.name_mn or ""),
        "answer_mn": mongolian_text.words(item.answer_mn or ""),
        "mn_grams": mongolian_text.trigrams(item.name_mn or ""),
    }


def _build(items: list[ItemRecord]) -> _Built:
    segment.add_words([i.name for i in items] + [k for i in items for k in i.keywords])
    docs = []
    pinyin_chars: dict[tuple[str, int], str] = {}
    for doc, item in enumerate(items):
        terms = _document_terms(item)
        for text in (item.name, *item.keywords):
            for run in query_text.content_runs(text):
                for bigram, chars in query_text.pinyin_bigrams(run):
                    terms["pinyin"].append(bigram)
                    terms["fuzzy_pinyin"].append(query_text.fuzzy(bigram))
                    pinyin_chars.setdefault((bigram, doc), chars)
                    pinyin_chars.setdefault((query_text.fuzzy(bigram), doc), chars)
        docs.append(terms)
    postings = {field: _bm25_postings([d[field] for d in docs], spec) for field, spec in FIELDS.items()}
    retired = np.array([i.status == "retired" for i in items], dtype=bool)
    return _Built(items=tuple(items), retired=retired, postings=postings, pinyin_chars=pinyin_chars)


def _bm25_postings(doc_terms: list[list[str]], spec: FieldSpec) -> dict[str, _Posting]:
    """term -> documents and their weights: the document side of BM25, precomputed."""
    n = len(doc_terms)
    lengths = [len(t) for t in doc_terms]
    avg = (sum(lengths) / n) if n and sum(lengths) else 1.0
    counts = [Counter(t) for t in doc_terms]
    df = Counter(term for c in counts for term in c)
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for doc, counter in enumerate(counts):
        norm = K1 * (1 - spec.b + spec.b * lengths[doc] / avg)
        for term, tf in counter.items():
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            postings[term].append((doc, spec.weight * idf * tf * (K1 + 1) / (tf + norm)))
    return {
        term: _Posting(docs=np.array([d for d, _ in p], dtype=np.intp), weights=np.array([w for _, w in p]),
                       doc_set=frozenset(d for d, _ in p))
        for term, p in postings.items()
    }
