"""Hot-topic term counts kept up to date as cases arrive (hotline.analytics.topic_counts).

``case_topic_terms`` holds what each case contributes (its terms and the dimension values it was counted
under), so a changed case's old contribution can be taken back; ``topic_term_counts`` holds, per China week
(its Monday) × one dimension (or none) × value, the number of cases mentioning each term. The weekly hot
topics read a few thousand of these rows instead of segmenting tens of thousands of cases.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base

ALL_CASES = ""  # the dimension (and value) of the rows over all cases of the week
DOCUMENTS = ""  # the pseudo-term whose count is the number of cases counted


class CaseTopicTerms(Base):
    __tablename__ = "case_topic_terms"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    week: Mapped[date]
    terms: Mapped[str] = mapped_column(Text, default="")  # space-separated
    dimensions: Mapped[str] = mapped_column(Text, default="")  # "intent=complaint|town=…|…"


class TopicTermCount(Base):
    __tablename__ = "topic_term_counts"

    week: Mapped[date] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    term: Mapped[str] = mapped_column(String(32), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)


class TopicCountState(Base):
    """One row: the cases.updated_at up to which the counts are complete."""

    __tablename__ = "topic_count_state"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    case_watermark: Mapped[datetime]
    built_at: Mapped[datetime]


class TopicSpike(Base):
    """A term that jumped this week (in all cases, a town, an intent or a service item): shown to supervisors
    on every console page until one of them marks it seen."""

    __tablename__ = "topic_spikes"
    __table_args__ = (UniqueConstraint("week", "dimension", "value", "term", name="uq_topic_spikes_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date]
    dimension: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64))
    term: Mapped[str] = mapped_column(String(32))
    cases: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[float] = mapped_column(Float)  # cases expected at the term's share of the weeks before
    found_at: Mapped[datetime]
    seen_at: Mapped[datetime | None]
    seen_by: Mapped[str | None] = mapped_column(String(64))
