"""SMS to citizens (短信): an outbox row per message, sent by the scheduler through a gateway, retried,
held over quiet hours, tracked to the delivery report; and the numbers that opted out (回复TD退订)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, TimestampMixin, str_enum


class SmsKind(enum.StrEnum):
    receipt = "receipt"  # 受理回执 with the tracking code
    reply = "reply"  # 答复通知
    callback = "callback"  # 回访通知
    warning = "warning"  # 临期预警 to the handling department (staff)
    red_card = "red_card"  # 红牌督办单 to the handling department (staff)


class SmsState(enum.StrEnum):
    queued = "queued"  # to be sent at or after next_attempt_at
    sent = "sent"  # accepted by the gateway (provider_id), waiting for the delivery report
    delivered = "delivered"
    failed = "failed"  # attempts used up or rejected for good
    cancelled = "cancelled"  # not sent: opted out, no number


class SmsMessage(TimestampMixin, Base):
    __tablename__ = "sms_outbox"
    __table_args__ = (
        UniqueConstraint("case_id", "kind"),  # one receipt / one reply notice per case, however many pollers
        Index("ix_sms_outbox_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[SmsKind] = mapped_column(str_enum(SmsKind, "sms_kind"))
    phone: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[SmsState] = mapped_column(str_enum(SmsState, "sms_state"))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the gateway's message id
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(300), default="", server_default="")


class SmsOptOut(TimestampMixin, Base):
    __tablename__ = "sms_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
