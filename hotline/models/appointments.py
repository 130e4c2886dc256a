"""Appointments (预约): a window slot at a site, or a home visit by the red service team / service vehicle."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, TimestampMixin, str_enum
from hotline.models.org import Window


class AppointmentKind(enum.StrEnum):
    window = "window"  # 窗口预约
    red_team = "red_team"  # 红色服务队上门
    service_vehicle = "service_vehicle"  # 流动服务车上门


class AppointmentStatus(enum.StrEnum):
    booked = "booked"
    cancelled = "cancelled"
    closed = "closed"  # 上门已办结 (a visit record "done" closes it)


class Appointment(TimestampMixin, Base):
    """``seat`` numbers the places of one slot (1..capacity); the unique key makes overbooking impossible
    even when two agents book the last place at once. A cancelled appointment frees its seat (NULL)."""

    __tablename__ = "appointments"
    __table_args__ = (UniqueConstraint("resource", "slot_start", "seat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AppointmentKind] = mapped_column(str_enum(AppointmentKind, "appointment_kind"))
    status: Mapped[AppointmentStatus] = mapped_column(
        str_enum(AppointmentStatus, "appointment_status"), default=AppointmentStatus.booked
    )
    resource: Mapped[str] = mapped_column(String(64))  # "site:<id>" or "<kind>:<town>"
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"), doc="预约的窗口（窗口号）")
    town: Mapped[str | None] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(index=True)
    slot_start: Mapped[datetime]  # window: the slot; home visit: the day's start (China time)
    slot_end: Mapped[datetime]
    seat: Mapped[int | None]
    address: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    booked_by: Mapped[str] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    window: Mapped[Window | None] = relationship()


class AppointmentCapacity(TimestampMixin, Base):
    """Capacity override: places per window slot at a site, or home visits per town and day."""

    __tablename__ = "appointment_capacities"
    __table_args__ = (UniqueConstraint("resource"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource: Mapped[str] = mapped_column(String(64))  # same key as Appointment.resource
    capacity: Mapped[int]
