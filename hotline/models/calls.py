"""Telephone calls and their transcribed utterances."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, TimestampMixin, str_enum


class CallDirection(enum.StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class TranscriptStatus(enum.StrEnum):
    complete = "complete"
    empty = "empty"  # decoded, nothing recognisable said
    unavailable = "unavailable"  # no ASR model, or ASR failed: the recording is the record


class Call(TimestampMixin, Base):
    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # our uuid, also in events and logs
    sip_call_id: Mapped[str | None] = mapped_column(String(255))
    direction: Mapped[CallDirection] = mapped_column(str_enum(CallDirection, "call_direction"))
    caller: Mapped[str] = mapped_column(String(64), index=True)
    callee: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))
    duration_s: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(8), default="zh")  # zh | mn
    recording_path: Mapped[str | None] = mapped_column(String(512))
    frames_received: Mapped[int] = mapped_column(default=0)
    frames_dropped: Mapped[int] = mapped_column(default=0)
    transcript_status: Mapped[TranscriptStatus] = mapped_column(
        str_enum(TranscriptStatus, "transcript_status"), default=TranscriptStatus.unavailable
    )
    transcript: Mapped[str] = mapped_column(Text, default="")
    asr_max_lag_s: Mapped[float | None] = mapped_column(Float)
    worker: Mapped[str | None] = mapped_column(String(64))
    # speech quality: mean word confidence of the citizen's words (Vosk), share of the captured audio that
    # was decoded, the model and the negotiated codec (CER per model and codec on the analytics pages)
    asr_confidence: Mapped[float | None] = mapped_column(Float)
    asr_coverage: Mapped[float | None] = mapped_column(Float)
    asr_model: Mapped[str | None] = mapped_column(String(128))
    codec: Mapped[str | None] = mapped_column(String(32))

    utterances: Mapped[list[Utterance]] = relationship(
        lazy="raise_on_sql",
        back_populates="call", order_by="Utterance.seq", cascade="all, delete-orphan"
    )


class Utterance(Base):
    __tablename__ = "utterances"
    __table_args__ = (UniqueConstraint("call_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    words: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # who spoke: citizen (市民, the caller leg) | agent (坐席, the agent leg of a bridged call)
    speaker: Mapped[str] = mapped_column(String(16), default="citizen", server_default="citizen")

    call: Mapped[Call] = relationship(lazy="raise_on_sql", back_populates="utterances")
