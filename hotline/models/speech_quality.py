"""Transcription that waits for the recording (past ASR capacity) and agents' corrections of transcripts.

- ``DeferredTranscription``: one row per call whose live transcription was given up (no recognizer free, or
  the live lag past its bound). A background job claims rows with a conditional UPDATE, transcribes the
  recording and updates the call and its case. Rows survive restarts; a claim older than its lease is
  taken again.
- ``TranscriptReview``: the 待复听 queue. A call whose confidence or coverage is low gets a row; an agent
  listens to the recording and types what was said; the stored pair (recognised, corrected) gives the
  measured character error rate per day, model and codec.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, TimestampMixin, str_enum


class DeferredState(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"  # the recording cannot be read: the error says why; the case keeps its notice


class DeferredTranscription(TimestampMixin, Base):
    __tablename__ = "deferred_transcriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(String(200))  # why the live path gave up, in Chinese
    state: Mapped[DeferredState] = mapped_column(str_enum(DeferredState, "deferred_state"), index=True,
                                                 default=DeferredState.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class ReviewState(enum.StrEnum):
    pending = "pending"
    corrected = "corrected"


class TranscriptReview(TimestampMixin, Base):
    __tablename__ = "transcript_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(String(32))  # low_confidence | low_coverage
    state: Mapped[ReviewState] = mapped_column(str_enum(ReviewState, "review_state"), index=True,
                                               default=ReviewState.pending)
    day: Mapped[date] = mapped_column(Date, index=True)  # the call's day, China time
    asr_model: Mapped[str] = mapped_column(String(128), default="")
    codec: Mapped[str] = mapped_column(String(32), default="")
    recognised_text: Mapped[str] = mapped_column(Text, default="")  # the citizen's words as decoded
    corrected_text: Mapped[str | None] = mapped_column(Text)
    char_errors: Mapped[int | None] = mapped_column(Integer)  # edit distance recognised -> corrected
    ref_chars: Mapped[int | None] = mapped_column(Integer)  # characters of the corrected text
    cer: Mapped[float | None] = mapped_column(Float)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
