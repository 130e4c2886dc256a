"""Level 4 of the service network: 党员中心户 / 智慧农牧户, the herder households linked to each, and the
帮办/代办/上门 tasks routed to them (visible to the village station above)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, TimestampMixin, str_enum
from hotline.models.org import Site


class GridHouseholdKind(enum.StrEnum):
    party_member = "party_member"  # 党员中心户
    smart_herder = "smart_herder"  # 智慧农牧户


class GridTaskKind(enum.StrEnum):
    assist = "assist"  # 帮办：陪同、指导办理
    proxy = "proxy"  # 代办：代为跑腿办理
    visit = "visit"  # 上门服务


class GridTaskStatus(enum.StrEnum):
    open = "open"
    done = "done"


class GridTaskOutcome(enum.StrEnum):
    visited = "visited"  # 已上门
    proxied = "proxied"  # 已代办
    not_home = "not_home"  # 未遇，需再次上门


class GridHousehold(TimestampMixin, Base):
    """A 中心户 under a village station (嘎查), serving about ten linked households within 30 km / 15 min."""

    __tablename__ = "grid_households"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[GridHouseholdKind] = mapped_column(str_enum(GridHouseholdKind, "grid_household_kind"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True, doc="所属嘎查村党群服务站")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True, doc="中心户的登录账户")
    head_name: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)

    site: Mapped[Site] = relationship(lazy="raise_on_sql")
    linked: Mapped[list[LinkedHousehold]] = relationship(
        lazy="raise_on_sql",
        back_populates="grid_household", order_by="LinkedHousehold.id")


class LinkedHousehold(TimestampMixin, Base):
    """An ordinary herder household linked to a 中心户 (the household register)."""

    __tablename__ = "linked_households"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_household_id: Mapped[int] = mapped_column(ForeignKey("grid_households.id"), index=True)
    head_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    place: Mapped[str] = mapped_column(String(64), default="", doc="浩特、牧点或社")
    note: Mapped[str] = mapped_column(String(200), default="", doc="如：独居老人、行动不便")

    grid_household: Mapped[GridHousehold] = relationship(lazy="raise_on_sql", back_populates="linked")


class GridTask(TimestampMixin, Base):
    """A 帮办/代办/上门 request for a 中心户, usually from a case of one of its linked households."""

    __tablename__ = "grid_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_household_id: Mapped[int] = mapped_column(ForeignKey("grid_households.id"), index=True)
    linked_household_id: Mapped[int | None] = mapped_column(ForeignKey("linked_households.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[GridTaskKind] = mapped_column(str_enum(GridTaskKind, "grid_task_kind"))
    status: Mapped[GridTaskStatus] = mapped_column(str_enum(GridTaskStatus, "grid_task_status"), index=True)
    request: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[GridTaskOutcome | None] = mapped_column(str_enum(GridTaskOutcome, "grid_task_outcome"))
    note: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(64))
    photo_path: Mapped[str | None] = mapped_column(String(200),
                                                   doc="已上门/已代办的照片（photos.py 的相对路径）")

    grid_household: Mapped[GridHousehold] = relationship(lazy="raise_on_sql")
    linked_household: Mapped[LinkedHousehold | None] = relationship(lazy="raise_on_sql")
