"""Nuisance callers (骚扰来电黑名单): a number, why, until when, and who flagged / confirmed / lifted it.

An agent's flag starts ``pending``; a supervisor confirms it (``active``) or rejects it. Only an active entry
whose ``expires_at`` is empty or in the future blocks: the IVR plays a short message and hangs up, no queue,
no case (the call itself is still stored, end reason ``blocked``)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, TimestampMixin, str_enum


class NuisanceState(enum.StrEnum):
    pending = "pending"  # flagged by an agent, waiting for a supervisor
    active = "active"  # blocks calls until expires_at
    rejected = "rejected"  # a supervisor did not confirm the flag
    lifted = "lifted"  # taken off the list before it expired


class NuisanceNumber(TimestampMixin, Base):
    __tablename__ = "nuisance_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    state: Mapped[NuisanceState] = mapped_column(str_enum(NuisanceState, "nuisance_state"))
    expires_at: Mapped[datetime | None]
    flagged_by: Mapped[str] = mapped_column(String(64))
    call_id: Mapped[str | None] = mapped_column(String(64))  # the call an agent flagged, when there was one
    case_id: Mapped[int | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))  # confirmed, rejected or lifted by
    decided_at: Mapped[datetime | None]
    blocked_calls: Mapped[int] = mapped_column(default=0, server_default="0")
    last_blocked_at: Mapped[datetime | None]
