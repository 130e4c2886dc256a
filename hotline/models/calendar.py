"""The working-day calendar: official holidays and 调休 working weekend days (admins may edit)."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, TimestampMixin, str_enum


class DayKind(enum.StrEnum):
    holiday = "holiday"  # 放假（含调休放假的工作日）
    workday = "workday"  # 调休上班的周末


class CalendarDay(TimestampMixin, Base):
    """An exception to the Monday–Friday rule; days without a row follow the rule."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[DayKind] = mapped_column(str_enum(DayKind, "day_kind"))
    name: Mapped[str] = mapped_column(String(32), default="")
