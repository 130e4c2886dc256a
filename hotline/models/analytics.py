"""Daily rollups of case figures (one row per China day × grouping × dimension values).

Maintained by hotline.analytics.rollups: rebuilt for the days whose cases changed, so dashboards over a
million cases read thousands of rows instead of scanning cases and their timelines.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base

ROLLUP_MEASURES = (
    "all", "response_due", "responded_in_time", "not_responded_in_time", "closed", "closed_in_time",
    "closed_late", "due", "on_time", "overdue", "callback_any", "callback_answered", "satisfied",
    "consult_on_call", "consult_dispatched",
)


class CaseRollup(Base):
    __tablename__ = "case_rollups"
    __table_args__ = (Index("ix_case_rollups_grouping_day", "grouping", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]  # China date of acceptance
    grouping: Mapped[str] = mapped_column(String(8))  # which dimension columns below are meaningful
    intent: Mapped[str | None] = mapped_column(String(32))
    town: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    department_id: Mapped[int | None]
    service_item_id: Mapped[int | None]
    hour: Mapped[int | None]  # China hour of day (0-23), grouping "h"
    n_all: Mapped[int] = mapped_column(Integer, default=0)
    n_response_due: Mapped[int] = mapped_column(Integer, default=0)
    n_responded_in_time: Mapped[int] = mapped_column(Integer, default=0)
    n_not_responded_in_time: Mapped[int] = mapped_column(Integer, default=0)
    n_closed: Mapped[int] = mapped_column(Integer, default=0)
    n_closed_in_time: Mapped[int] = mapped_column(Integer, default=0)
    n_closed_late: Mapped[int] = mapped_column(Integer, default=0)
    n_due: Mapped[int] = mapped_column(Integer, default=0)
    n_on_time: Mapped[int] = mapped_column(Integer, default=0)
    n_overdue: Mapped[int] = mapped_column(Integer, default=0)
    n_callback_any: Mapped[int] = mapped_column(Integer, default=0)
    n_callback_answered: Mapped[int] = mapped_column(Integer, default=0)
    n_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    n_consult_on_call: Mapped[int] = mapped_column(Integer, default=0)
    n_consult_dispatched: Mapped[int] = mapped_column(Integer, default=0)
    handling_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # sum over closed cases
    call_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # sum of the cases' call durations
    calls: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime]  # the "now" the time-dependent figures were evaluated at
    event_watermark: Mapped[int] = mapped_column(Integer, default=0)  # max case_events.id seen


class RollupWatermark(Base):
    """One row: when the rollups were last refreshed and the case_events id they had seen. Figures read it
    on every request, so it is not a max() over the rollup rows."""

    __tablename__ = "rollup_watermark"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    computed_at: Mapped[datetime]
    event_watermark: Mapped[int] = mapped_column(Integer, default=0)
