"""The service-item knowledge base shared by every channel (phone, web, forum, kiosk)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, TimestampMixin, str_enum, utcnow
from hotline.models.org import Department


class ItemKind(enum.StrEnum):
    party = "party"  # 党务
    government = "government"  # 政务


class ItemStatus(enum.StrEnum):
    active = "active"
    retired = "retired"


class ServiceItem(TimestampMixin, Base):
    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    name_mn: Mapped[str | None] = mapped_column(String(256))
    zone: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind, "item_kind"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)  # SiteLevel values
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)  # window/online/phone/home_visit
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    time_limit_days: Mapped[int] = mapped_column(doc="法定办结时限（工作日）；0 = 即办")
    fee: Mapped[str] = mapped_column(String(128), default="免费")
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text, default="")
    answer_mn: Mapped[str | None] = mapped_column(Text)  # 蒙古文答复口径 (traditional script)
    item_type: Mapped[str] = mapped_column(String(32), default="public_service", doc="事项类型")
    source: Mapped[str] = mapped_column(String(16), default="banner", doc="事项来源")
    window_number: Mapped[int | None] = mapped_column(doc="旗中心窗口号；空 = 按功能区的窗口")
    status: Mapped[ItemStatus] = mapped_column(
        str_enum(ItemStatus, "item_status"), default=ItemStatus.active, index=True
    )

    department: Mapped[Department] = relationship(lazy="raise_on_sql")
    revisions: Mapped[list[ServiceItemRevision]] = relationship(
        lazy="raise_on_sql",
        back_populates="item", order_by="ServiceItemRevision.id", cascade="all, delete-orphan"
    )


class ServiceItemRevision(Base):
    """Change history: one row per create/update/retire, with the changed fields."""

    __tablename__ = "service_item_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # created / updated / retired
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # field -> [old, new]

    item: Mapped[ServiceItem] = relationship(lazy="raise_on_sql", back_populates="revisions")
