"""Cases (工单): one per contact from any channel, with a timeline of every transition."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, TimestampMixin, str_enum, utcnow
from hotline.models.calls import Call
from hotline.models.kb import ServiceItem
from hotline.models.org import Department, Site


class Channel(enum.StrEnum):
    phone = "phone"
    web = "web"
    forum = "forum"
    kiosk = "kiosk"
    walk_in = "walk_in"  # 窗口来访, entered by hand
    letter = "letter"  # 来信
    desk_phone = "desk_phone"  # 座机来电 taken outside the SIP endpoint


class Intent(enum.StrEnum):
    consultation = "consultation"  # 咨询
    complaint = "complaint"  # 投诉
    appointment = "appointment"  # 预约
    suggestion = "suggestion"  # 建议


class CaseStatus(enum.StrEnum):
    accepted = "accepted"  # 受理
    answered = "answered"  # 直接答复（当场办结）
    dispatched = "dispatched"  # 派单
    signed = "signed"  # 签收
    handling = "handling"  # 办理
    replied = "replied"  # 答复
    closed = "closed"  # 办结
    callback_done = "callback_done"  # 回访
    archived = "archived"  # 归档
    returned = "returned"  # 退单
    suspended = "suspended"  # 挂起
    reopened = "reopened"  # 重办
    merged = "merged"  # 并入重复工单


class Case(TimestampMixin, Base):
    __tablename__ = "cases"
    # every analytics query ranges on created_at; with id in the index PostgreSQL reads a range's ids (hot
    # topics, keyset paging) from the index alone (SQLite's indexes carry the rowid anyway)
    __table_args__ = (Index("ix_cases_created_at", "created_at", "id"),
                      Index("ix_cases_updated_at", "updated_at"))  # hot-topic counts follow changed cases

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    source_ref: Mapped[str] = mapped_column(String(64), unique=True)  # "channel:id": idempotent intake
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"), index=True)
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, "case_status"), index=True)
    call_id: Mapped[str | None] = mapped_column(ForeignKey("calls.id"), unique=True)
    citizen_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    citizen_name: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    # the language the citizen reads (web page language, IVR key 2): SMS texts; None = ``language``
    citizen_language: Mapped[str | None] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    original_content: Mapped[str | None] = mapped_column(Text)  # what the citizen said, kept when corrected
    address: Mapped[str | None] = mapped_column(String(200))  # 事发/服务地址
    intent: Mapped[Intent | None] = mapped_column(str_enum(Intent, "intent"), index=True)
    intent_confidence: Mapped[float | None] = mapped_column(Float)
    needs_triage: Mapped[bool] = mapped_column(default=False)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    handler_level: Mapped[str | None] = mapped_column(String(16))  # banner | town | village
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    town: Mapped[str | None] = mapped_column(String(32), index=True)
    service_item_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id"), index=True)
    routing: Mapped[list[Any]] = mapped_column(JSON, default=list)  # ranked handler candidates with reasons
    kb_matches: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{code, name, score}]
    time_limit_days: Mapped[int | None]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]
    dispatched_at: Mapped[datetime | None]  # start of the current time-limit clock
    warn_at: Mapped[datetime | None] = mapped_column(index=True)  # 预警: a share of the limit used
    reply: Mapped[str] = mapped_column(Text, default="", server_default="")  # 答复群众的内容
    replied_at: Mapped[datetime | None]
    return_reason: Mapped[str | None] = mapped_column(String(32))  # ReturnReason value of the last 退单
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # 中转办
    # 党风政风监督: a report on the conduct of officials or staff, readable only by 纪委监委 and supervisors
    confidential: Mapped[bool] = mapped_column(default=False, server_default=false())

    call: Mapped[Call | None] = relationship(lazy="raise_on_sql")
    department: Mapped[Department | None] = relationship(lazy="raise_on_sql")
    site: Mapped[Site | None] = relationship(lazy="raise_on_sql")
    service_item: Mapped[ServiceItem | None] = relationship(lazy="raise_on_sql")
    events: Mapped[list[CaseEvent]] = relationship(
        lazy="raise_on_sql",
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """One transition or note on a case's timeline."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    # handler ids, reason codes, due dates
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(lazy="raise_on_sql", back_populates="events")
