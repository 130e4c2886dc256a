"""Photos a citizen attached to a case (web form): stored by hotline.attachments.photos under
``<data dir>/photos/cases/``, one row each, shown to staff through an access-checked route."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, TimestampMixin


class CasePhoto(TimestampMixin, Base):
    __tablename__ = "case_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(128))  # relative to photos_root(data_dir)
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
