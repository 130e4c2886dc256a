"""Agents taking calls: presence, the call queue (an entry per queued call), queue events, ring-backs.

Queue state is rows: every SIP worker process claims agents and entries with conditional UPDATEs, so the
rows are the one place every worker asks, and every figure on the wallboard is computed from them.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, TimestampMixin, str_enum, utcnow


class AgentState(enum.StrEnum):
    offline = "offline"  # 未登录
    ready = "ready"  # 置闲
    not_ready = "not_ready"  # 示忙 (with a reason)
    ringing = "ringing"  # 振铃
    on_call = "on_call"  # 通话中
    wrap_up = "wrap_up"  # 话后整理


class QueueEntryState(enum.StrEnum):
    waiting = "waiting"  # in the queue, hearing music
    offered = "offered"  # an agent's phone is ringing for it
    connected = "connected"  # bridged to an agent
    ended = "ended"  # answered call over
    abandoned = "abandoned"  # caller hung up while waiting or ringing
    overflow = "overflow"  # left the queue (wait too long / no agent / closed): message or ring-back


class RingBackState(enum.StrEnum):
    open = "open"  # waiting for an agent
    claimed = "claimed"  # an agent works it
    answered = "answered"  # the agent's call connected
    closed = "closed"  # given up (attempts exhausted / not needed)


class AgentProfile(TimestampMixin, Base):
    """One row per agent account: phone, skills, and the current presence."""

    __tablename__ = "agent_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    phone_uri: Mapped[str] = mapped_column(String(255), default="")
    languages: Mapped[str] = mapped_column(String(32), default="zh")  # comma separated: zh,mn
    state: Mapped[AgentState] = mapped_column(str_enum(AgentState, "agent_state"), default=AgentState.offline)
    reason: Mapped[str] = mapped_column(String(32), default="")
    state_since: Mapped[datetime] = mapped_column(default=utcnow)
    idle_since: Mapped[datetime] = mapped_column(default=utcnow)  # longest idle first
    missed_in_row: Mapped[int] = mapped_column(default=0)
    wrap_up_until: Mapped[datetime | None]
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("queue_entries.id"))


class AgentStateChange(Base):
    __tablename__ = "agent_state_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[AgentState] = mapped_column(str_enum(AgentState, "agent_state"))
    reason: Mapped[str] = mapped_column(String(32), default="")
    at: Mapped[datetime] = mapped_column(index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("queue_entries.id"))


class QueueEntry(Base):
    __tablename__ = "queue_entries"
    __table_args__ = (Index("ix_queue_entries_state_language", "state", "language", "entered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(36), unique=True)
    caller: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    worker: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[QueueEntryState] = mapped_column(
        str_enum(QueueEntryState, "queue_entry_state"), default=QueueEntryState.waiting)
    entered_at: Mapped[datetime] = mapped_column(index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    offered_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    wait_s: Mapped[float | None] = mapped_column(Float)  # entered -> answered / abandoned / overflow
    talk_s: Mapped[float | None] = mapped_column(Float)  # answered -> ended
    outcome: Mapped[str] = mapped_column(String(32), default="")  # overflow: message | ring_back | hangup
    # the agent's request for the worker holding the call (hold | resume | hangup | "transfer NUMBER"),
    # taken within about a second
    command: Mapped[str] = mapped_column(String(80), default="", server_default="")


class QueueEvent(Base):
    __tablename__ = "queue_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("queue_entries.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # entered offered missed connected ended abandoned overflow
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(index=True)
    detail: Mapped[str] = mapped_column(String(255), default="")


class RingBackRequest(TimestampMixin, Base):
    """回拨请求: a queued caller asked to be called back at their number (not a satisfaction callback)."""

    __tablename__ = "ring_back_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("queue_entries.id"))
    call_id: Mapped[str] = mapped_column(String(36), default="")
    phone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    state: Mapped[RingBackState] = mapped_column(
        str_enum(RingBackState, "ring_back_state"), default=RingBackState.open, index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attempts: Mapped[int] = mapped_column(default=0)
    answered_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
