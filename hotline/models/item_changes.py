"""Departments keep their own service items: a proposed change waits for review by the 政务服务局."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, TimestampMixin, str_enum


class ChangeStatus(enum.StrEnum):
    submitted = "submitted"  # 待审核
    published = "published"  # 审核通过，已发布
    rejected = "rejected"  # 退回


class ItemChangeRequest(TimestampMixin, Base):
    __tablename__ = "item_change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_code: Mapped[str] = mapped_column(String(32), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    changes: Mapped[dict[str, list[Any]]] = mapped_column(JSON, default=dict)  # field -> [old, new]
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ChangeStatus] = mapped_column(str_enum(ChangeStatus, "change_status"), index=True)
    proposed_by: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), doc="答复时发现事项信息有误")
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str] = mapped_column(Text, default="")
