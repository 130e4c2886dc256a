"""Satisfaction callbacks (回访): one row per closure of a case, its dial attempts, and the do-not-call list.

The rows are the truth for the callback scheduler: a process claims a due row with a conditional UPDATE
(``claimed_by``/``claimed_until``), dials, and writes the outcome; a claim whose process died expires.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, TimestampMixin, str_enum, utcnow


class CallbackState(enum.StrEnum):
    due = "due"  # to be dialled at or after due_at (claimable when no live claim holds it)
    done = "done"  # the citizen's answer is stored (phone keys, an agent, or the web rating form)
    failed = "failed"  # gave up: attempts used up, invalid number, no key pressed
    skipped = "skipped"  # not called: opted out, no number, rated on the web first, case moved on


class CallbackResult(enum.StrEnum):
    satisfied = "satisfied"  # 满意 (key 1)
    basically_satisfied = "basically_satisfied"  # 基本满意 (key 2)
    unsatisfied = "unsatisfied"  # 不满意 (key 3): the case is reopened (重办)


class AnswerSource(enum.StrEnum):
    phone = "phone"  # DTMF on the automatic callback
    agent = "agent"  # an agent called and recorded the answer by hand
    web = "web"  # the citizen rated on the tracking page


class AuditVerdict(enum.StrEnum):
    confirmed = "confirmed"  # 属实
    doubtful = "doubtful"  # 存疑
    wrong = "wrong"  # 有误


class Callback(TimestampMixin, Base):
    __tablename__ = "callbacks"
    __table_args__ = (
        UniqueConstraint("case_id", "case_closed_at"),  # one callback per closure, however many pollers
        Index("ix_callbacks_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    case_closed_at: Mapped[datetime]  # the closure this callback is for (Case.closed_at at scheduling)
    state: Mapped[CallbackState] = mapped_column(str_enum(CallbackState, "callback_state"))
    due_at: Mapped[datetime]  # next dial not before this instant
    deadline_at: Mapped[datetime]  # policy: done within N working hours of closure
    attempts: Mapped[int] = mapped_column(default=0)  # dials started (counted when claimed)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    last_outcome: Mapped[str | None] = mapped_column(String(32))  # no_answer, busy, interrupted, ...
    phone: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    agent: Mapped[str | None] = mapped_column(String(64), index=True)  # who closed/answered the case
    result: Mapped[CallbackResult | None] = mapped_column(str_enum(CallbackResult, "callback_result"),
                                                          index=True)
    answered_via: Mapped[AnswerSource | None] = mapped_column(str_enum(AnswerSource, "answer_source"))
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    skip_reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    recording_path: Mapped[str | None] = mapped_column(String(512))
    sampled_on: Mapped[date | None] = mapped_column(index=True)  # offered for review that day
    verdict: Mapped[AuditVerdict | None] = mapped_column(str_enum(AuditVerdict, "audit_verdict"))
    verdict_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    verdict_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verdict_at: Mapped[datetime | None]

    attempt_log: Mapped[list[CallbackAttempt]] = relationship(
        lazy="raise_on_sql",
        back_populates="callback", order_by="CallbackAttempt.number", cascade="all, delete-orphan"
    )


class CallbackAttempt(Base):
    """One dial: written 'in_progress' with the claim, completed after the call (or 'interrupted')."""

    __tablename__ = "callback_attempts"
    __table_args__ = (UniqueConstraint("callback_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    worker: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(32), default="in_progress")
    sip_status: Mapped[int | None]
    digits: Mapped[str] = mapped_column(String(32), default="")
    call_id: Mapped[str | None] = mapped_column(String(64))
    recording_path: Mapped[str | None] = mapped_column(String(512))
    duration_s: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(Text, default="")

    callback: Mapped[Callback] = relationship(lazy="raise_on_sql", back_populates="attempt_log")


class DoNotCall(TimestampMixin, Base):
    """Citizen opt-out: a number never called back, or one case not called back."""

    __tablename__ = "callback_opt_outs"
    __table_args__ = (CheckConstraint("phone IS NOT NULL OR case_id IS NOT NULL", name="phone_or_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64))
