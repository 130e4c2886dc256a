"""IVR prompt recordings made by operators (browser recording or uploaded file), per slot, with history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, utcnow


class PromptRecording(Base):
    """One version of a prompt slot (``greeting_mn`` …); at most one per slot is active."""

    __tablename__ = "prompt_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot: Mapped[str] = mapped_column(String(32), index=True)  # sip.config.PROMPT_KEYS
    path: Mapped[str] = mapped_column(String(256))  # relative to the data directory; 8 kHz 16-bit mono WAV
    seconds: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))  # browser | upload
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=False)
    activated_at: Mapped[datetime | None]
