"""Spikes pushed to supervisors: after each refresh of the hot-topic counts, the terms of this China week
that jumped — over all cases, in a town, an intent or a service item — become :class:`TopicSpike` rows,
which every console page shows supervisors until one of them marks the spike seen.

A spike is what the hot-topics page flags (hot_topics.weekly_topics): mentioned in at least ``spike_min``
cases and ``spike_ratio`` times the cases expected at its share of the ``baseline_weeks`` before.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.analytics.filters import CHINA
from hotline.models import TopicSpike, TopicTermCount, utcnow
from hotline.models.topics import ALL_CASES, DOCUMENTS

SLICES = (ALL_CASES, "town", "intent", "service_item")
SHOWN = 40  # spike rows read for the notice (grouped by term there)
EVENT = "topic.spikes"  # published once new spikes are committed; the SSE stream sends it to supervisors only


def detect(session: Session, *, now: datetime, spike_min: int = 5, spike_ratio: float = 2.0,
           baseline_weeks: int = 4) -> list[TopicSpike]:
    """Record this week's new spikes; returns them. Not committed."""
    day = now.astimezone(CHINA).date()
    week = day - timedelta(days=day.weekday())
    before = [week - timedelta(weeks=k) for k in range(baseline_weeks, 0, -1)]
    known = {tuple(row) for row in session.execute(select(TopicSpike.dimension, TopicSpike.value,
                                                          TopicSpike.term).where(TopicSpike.week == week))}
    busy = session.execute(select(TopicTermCount.dimension, TopicTermCount.value, TopicTermCount.cases).where(
        TopicTermCount.week == week, TopicTermCount.term == DOCUMENTS, TopicTermCount.cases >= spike_min,
        TopicTermCount.dimension.in_(SLICES))).all()
    found = []
    for dim, value, total in busy:
        current = {term: int(n) for term, n in session.execute(
            select(TopicTermCount.term, TopicTermCount.cases).where(
                TopicTermCount.week == week, TopicTermCount.dimension == dim, TopicTermCount.value == value,
                TopicTermCount.term != DOCUMENTS, TopicTermCount.cases >= spike_min))}
        if not current:
            continue
        base = {term: int(n or 0) for term, n in session.execute(
            select(TopicTermCount.term, func.sum(TopicTermCount.cases)).where(
                TopicTermCount.week.in_(before), TopicTermCount.dimension == dim,
                TopicTermCount.value == value, TopicTermCount.term.in_([DOCUMENTS, *current]))
            .group_by(TopicTermCount.term))}
        base_total = base.pop(DOCUMENTS, 0)
        if not base_total:
            continue  # no weeks before to compare with: nothing is a spike yet
        for term, cases in current.items():
            expected = base.get(term, 0) / base_total * total
            if cases >= spike_ratio * max(expected, 1.0) and (dim, value, term) not in known:
                spike = TopicSpike(week=week, dimension=dim, value=value, term=term, cases=cases,
                                   baseline=round(expected, 1), found_at=now)
                session.add(spike)
                found.append(spike)
    # a spike already shown keeps its row; its count follows the week
    session.flush()
    return found


def announce(hub, spikes: list[TopicSpike]) -> None:
    """Tell the open consoles that new spikes were stored (call after the commit)."""
    if hub is not None and spikes:
        hub.publish(EVENT, spikes=len(spikes), terms=sorted({s.term for s in spikes}))


def unseen(session: Session, *, week: date | None = None, limit: int = SHOWN) -> list[TopicSpike]:
    """The newest spikes no supervisor has marked seen (this week's by default)."""
    if week is None:
        day = utcnow().astimezone(CHINA).date()
        week = day - timedelta(days=day.weekday())
    query = select(TopicSpike).where(TopicSpike.week == week, TopicSpike.seen_at.is_(None))
    return list(session.scalars(query.order_by(TopicSpike.cases.desc(), TopicSpike.id).limit(limit)))


def mark_seen(session: Session, *, spike_id: int, by: str, now: datetime) -> int:
    """Mark the spike and the other places of the same term that week seen; returns how many."""
    spike = session.get(TopicSpike, spike_id)
    if spike is None:
        return 0
    same = session.scalars(select(TopicSpike).where(
        TopicSpike.week == spike.week, TopicSpike.term == spike.term, TopicSpike.seen_at.is_(None)))
    marked = 0
    for row in same:
        row.seen_at, row.seen_by = now, by
        marked += 1
    return marked
