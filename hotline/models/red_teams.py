"""Red service teams (红色服务队): one per town with its service vehicle and members, and the record of each
home visit they make for a booked appointment (done / not home / follow-up)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, TimestampMixin, str_enum


class VisitOutcome(enum.StrEnum):
    done = "done"  # 已办结
    not_home = "not_home"  # 未遇
    follow_up = "follow_up"  # 需跟进


class RedTeam(TimestampMixin, Base):
    __tablename__ = "red_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    town: Mapped[str] = mapped_column(String(32), doc="the town whose home-visit appointments it serves")
    vehicle: Mapped[str] = mapped_column(String(64), default="", doc="流动服务车（车牌或编号）")
    active: Mapped[bool] = mapped_column(default=True)

    members: Mapped[list[RedTeamMember]] = relationship(
        lazy="raise_on_sql", back_populates="team", order_by="RedTeamMember.id"
    )


class RedTeamMember(TimestampMixin, Base):
    __tablename__ = "red_team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("red_teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    duty: Mapped[str] = mapped_column(String(64), default="", doc="如：队长、乡村医生、政务代办员")
    phone: Mapped[str | None] = mapped_column(String(32))

    team: Mapped[RedTeam] = relationship(lazy="raise_on_sql", back_populates="members")


class HomeVisitRecord(TimestampMixin, Base):
    """What the team found at a booked home visit; "done" closes the appointment's visit."""

    __tablename__ = "home_visit_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("red_teams.id"), index=True)
    outcome: Mapped[VisitOutcome] = mapped_column(str_enum(VisitOutcome, "visit_outcome"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]
