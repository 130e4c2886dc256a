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


class CalendarYear(TimestampMixin, Base):
    """A year whose official arrangement (国务院办公厅节假日安排通知) is entered in full.

    Working-day computations past the last such year follow the Monday–Friday rule and say so.
    """

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(64), doc="chinese-calendar 版本、导入文件名或录入人")
    confirmed_by: Mapped[str] = mapped_column(String(64), default="")
