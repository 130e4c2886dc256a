"""Red service teams (红色服务队): one per town with its service vehicle and members, and the record of each
home visit they make for a booked appointment (done / not home / follow-up)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, TimestampMixin, str_enum


class VisitOutcome(enum.StrEnum):
    done = "done"  # 已办结
    not_home = "not_home"  # 未遇
    follow_up = "follow_up"  # 需跟进


class ResidentGroup(enum.StrEnum):
    elder_alone = "elder_alone"  # 孤寡老人
    sick_disabled = "sick_disabled"  # 伤病残
    old_party_member = "old_party_member"  # 老党员


class ServiceDayKind(enum.StrEnum):
    market = "market"  # 集市日（赶集日）
    party = "party"  # 主题党日


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


class SpecialResident(TimestampMixin, Base):
    """A resident in a special group the red service team visits for free, registered only with recorded
    consent (who gave it, when, how); phone and ID number are shown masked to roles that do not visit."""

    __tablename__ = "special_residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    group: Mapped[ResidentGroup] = mapped_column(str_enum(ResidentGroup, "resident_group"), index=True)
    town: Mapped[str] = mapped_column(String(32), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True, doc="所在嘎查村")
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(String(32))
    needs: Mapped[str] = mapped_column(String(200), default="", doc="如：代缴医保、取药、代办高龄津贴")
    consent_by: Mapped[str] = mapped_column(String(64), doc="同意人：本人或监护人姓名")
    consent_way: Mapped[str] = mapped_column(String(64), doc="如：本人签字、监护人签字、电话录音同意")
    consent_at: Mapped[date]
    registered_by: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)


class ServiceDay(TimestampMixin, Base):
    """A market day or party day in a town (or one 嘎查): the red team plans its visits around it."""

    __tablename__ = "service_days"
    __table_args__ = (UniqueConstraint("day", "kind", "town", "place"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    kind: Mapped[ServiceDayKind] = mapped_column(str_enum(ServiceDayKind, "service_day_kind"))
    town: Mapped[str] = mapped_column(String(32))
    place: Mapped[str] = mapped_column(String(64), default="", doc="集市所在地或开展党日的嘎查")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64))
