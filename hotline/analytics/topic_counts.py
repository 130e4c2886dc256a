"""Hot-topic term counts kept per China week as cases arrive and change, so the weekly hot topics read a
few thousand count rows instead of segmenting tens of thousands of cases per request.

Each case (not a conduct report: its words are 纪委监委's only) contributes its term set once to the week
it was accepted in, over all cases and under each of its dimension values (intent, town, department,
service item). ``case_topic_terms`` remembers what it contributed, so a refresh takes an edited or
re-dispatched case's old contribution back before adding the new one: a refresh reads only the cases
updated since the last one (``cases.updated_at`` watermark) and is idempotent. Refreshed with the
rollups (hotline.analytics.rollups.refresh).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from hotline.analytics.filters import CHINA, NONE, CaseFilter
from hotline.models import Case, CaseTopicTerms, TopicCountState, TopicTermCount
from hotline.models.topics import ALL_CASES, DOCUMENTS

DIMENSIONS = ("intent", "town", "department", "service_item")
BATCH = 5000
TEXT_CACHE = 200_000  # synthetic and real texts repeat (templates, forwarded petitions): segment each once
Key = tuple[date, str, str, str]  # week, dimension, value, term


@dataclass(frozen=True)
class WeekCounts:
    documents: int  # cases counted in the week (the slice)
    terms: Counter  # term -> cases mentioning it


def week_of(created_at: datetime) -> date:
    if created_at.tzinfo is None:  # SQLite hands back naive UTC
        created_at = created_at.replace(tzinfo=UTC)
    day = created_at.astimezone(CHINA).date()
    return day - timedelta(days=day.weekday())


def _value(raw) -> str:
    if raw is None:
        return NONE
    return str(getattr(raw, "value", raw))


def _slices(row) -> list[tuple[str, str]]:
    return [(ALL_CASES, ALL_CASES), ("intent", _value(row.intent)), ("town", _value(row.town)),
            ("department", _value(row.department_id)), ("service_item", _value(row.service_item_id))]


def _encode(slices: list[tuple[str, str]]) -> str:
    return "|".join(f"{d}={v}" for d, v in slices if d)


def _decode(text: str) -> list[tuple[str, str]]:
    pairs = [tuple(part.split("=", 1)) for part in text.split("|") if "=" in part]
    return [(ALL_CASES, ALL_CASES), *((d, v) for d, v in pairs)]


# jieba segments each run of these characters on its own (its re_han_default) and everything between them
# into single characters, which no term keeps: a text's terms are the union of its runs' terms
_RUNS = re.compile("[\u4E00-\u9FD5a-zA-Z0-9+#&._%\\-]+")


class _Terms:
    """Term sets by text (hot_topics.terms_of with the place names), cached per run of text: templated
    sentences recur even when a phone number or an ID number makes the whole text unique."""

    def __init__(self, session: Session) -> None:
        from hotline.analytics.hot_topics import place_names

        self.places = place_names(session)
        self.cache: dict[str, frozenset[str]] = {}

    def __call__(self, title: str | None, content: str | None) -> frozenset[str]:
        found: set[str] = set()
        for run in _RUNS.findall(f"{title or ''} {content or ''}"):
            found |= self._run(run)
        return frozenset(found)

    def _run(self, run: str) -> frozenset[str]:
        from hotline.analytics.hot_topics import terms_of

        found = self.cache.get(run)
        if found is None:
            if len(self.cache) >= TEXT_CACHE:
                self.cache.clear()
            found = self.cache[run] = frozenset(t for t in terms_of(run, self.places) if len(t) <= 32)
        return found


_COLUMNS = (Case.id, Case.title, Case.content, Case.created_at, Case.updated_at, Case.intent, Case.town,
            Case.department_id, Case.service_item_id, Case.confidential)


def _add(counts: Counter, week: date, slices: Iterable[tuple[str, str]], terms: Iterable[str], weight: int
         ) -> None:
    for dim, value in slices:
        counts[(week, dim, value, DOCUMENTS)] += weight
        for term in terms:
            counts[(week, dim, value, term)] += weight


def refresh(session: Session, *, now: datetime, full: bool = False) -> int:
    """Bring the counts up to date (``full``: rebuild them from every case); returns the cases read.
    Not committed."""
    state = session.get(TopicCountState, 1, with_for_update=True, populate_existing=True)
    if state is None or full:
        return _build(session, now=now)
    since = state.case_watermark
    terms = _Terms(session)
    deltas: Counter = Counter()
    read, newest = 0, _aware(since)
    query = select(*_COLUMNS).where(Case.updated_at >= since).order_by(Case.updated_at, Case.id)
    rows = session.execute(query).all()
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        old = {r.case_id: r for r in session.scalars(
            select(CaseTopicTerms).where(CaseTopicTerms.case_id.in_([r.id for r in chunk])))}
        for row in chunk:
            read += 1
            newest = max(newest, _aware(row.updated_at))
            before = old.get(row.id)
            if before is not None:
                _add(deltas, before.week, _decode(before.dimensions), before.terms.split(), -1)
            if row.confidential:
                if before is not None:
                    session.delete(before)
                continue
            week, slices, found = week_of(row.created_at), _slices(row), terms(row.title, row.content)
            _add(deltas, week, slices, found, +1)
            snapshot = {"week": week, "terms": " ".join(sorted(found)), "dimensions": _encode(slices)}
            if before is None:
                session.add(CaseTopicTerms(case_id=row.id, **snapshot))
            else:
                for key, value in snapshot.items():
                    setattr(before, key, value)
    _apply(session, deltas)
    state.case_watermark, state.built_at = newest, now
    session.flush()
    return read


def _apply(session: Session, deltas: Counter) -> None:
    touched = set()
    for (week, dim, value, term), change in deltas.items():
        if not change:
            continue
        touched.add(week)
        key = (TopicTermCount.week == week, TopicTermCount.dimension == dim, TopicTermCount.value == value,
               TopicTermCount.term == term)
        done = session.execute(update(TopicTermCount).where(*key)
                               .values(cases=TopicTermCount.cases + change))
        if done.rowcount == 0 and change > 0:  # type: ignore[attr-defined]
            session.add(TopicTermCount(week=week, dimension=dim, value=value, term=term, cases=change))
            session.flush()
    if touched:
        session.execute(delete(TopicTermCount).where(TopicTermCount.week.in_(touched),
                                                     TopicTermCount.cases <= 0))


def _build(session: Session, *, now: datetime) -> int:
    session.execute(delete(TopicTermCount))
    session.execute(delete(CaseTopicTerms))
    terms = _Terms(session)
    groups: Counter = Counter()  # (week, slices, terms) -> cases: texts and places repeat, count them once
    read, newest = 0, datetime(1970, 1, 1, tzinfo=UTC)
    last_id = 0
    while True:
        batch = select(*_COLUMNS).where(Case.id > last_id).order_by(Case.id).limit(BATCH)
        rows = session.execute(batch).all()
        if not rows:
            break
        last_id = rows[-1].id
        snapshots = []
        for row in rows:
            read += 1
            newest = max(newest, _aware(row.updated_at))
            if row.confidential:
                continue
            week, slices, found = week_of(row.created_at), tuple(_slices(row)), terms(row.title, row.content)
            groups[(week, slices, found)] += 1
            snapshots.append({"case_id": row.id, "week": week, "terms": " ".join(sorted(found)),
                              "dimensions": _encode(list(slices))})
        if snapshots:
            session.execute(insert(cast(Table, CaseTopicTerms.__table__)), snapshots)
    counts: Counter = Counter()
    for (week, slices, found), cases in groups.items():
        _add(counts, week, slices, found, cases)
    items = [{"week": w, "dimension": d, "value": v, "term": t, "cases": n}
             for (w, d, v, t), n in counts.items() if n > 0]
    for start in range(0, len(items), BATCH):  # Core executemany: the ORM's bulk path is several times slower
        session.execute(insert(cast(Table, TopicTermCount.__table__)), items[start:start + BATCH])
    session.merge(TopicCountState(id=1, case_watermark=newest, built_at=now))
    session.flush()
    return read


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def counted_slice(flt: CaseFilter) -> tuple[str, str] | None:
    """(dimension, value) of the counts that answer ``flt``'s weeks, or None when the filter needs the cases
    themselves (a keyword, a status, a channel, two dimensions at once)."""
    if flt.keyword or flt.status or flt.handler_level or flt.channel:
        return None
    dims = flt.dimension_values()
    if not dims:
        return ALL_CASES, ALL_CASES
    if len(dims) == 1 and next(iter(dims)) in DIMENSIONS:
        return next(iter(dims.items()))
    return None


def is_built(session: Session) -> bool:
    return session.get(TopicCountState, 1) is not None


def week_counts(session: Session, flt: CaseFilter, weeks: list[date]) -> dict[date, WeekCounts] | None:
    """The counts of ``weeks`` within ``flt``'s slice; None when the counts cannot answer it."""
    where = counted_slice(flt)
    if where is None or not is_built(session):
        return None
    dim, value = where
    rows = session.execute(select(TopicTermCount.week, TopicTermCount.term, TopicTermCount.cases).where(
        TopicTermCount.week.in_(weeks), TopicTermCount.dimension == dim, TopicTermCount.value == value))
    found: dict[date, Counter] = {w: Counter() for w in weeks}
    for week, term, cases in rows:
        found[week][term] = cases
    return {w: WeekCounts(c.pop(DOCUMENTS, 0), c) for w, c in found.items()}


def baseline_sums(session: Session, flt: CaseFilter, weeks: list[date]) -> tuple[int, Counter] | None:
    """(cases, term -> cases) summed over ``weeks`` in ``flt``'s slice, added up by the database."""
    where = counted_slice(flt)
    if where is None or not weeks:
        return None
    dim, value = where
    rows = session.execute(select(TopicTermCount.term, func.sum(TopicTermCount.cases)).where(
        TopicTermCount.week.in_(weeks), TopicTermCount.dimension == dim, TopicTermCount.value == value)
        .group_by(TopicTermCount.term))
    sums = Counter({term: int(n) for term, n in rows})
    return sums.pop(DOCUMENTS, 0), sums
