"""中转办: the offline steps a coordinator tracks for a multi-department case (a checklist per case)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, TimestampMixin


class CaseOfflineStep(TimestampMixin, Base):
    """One offline step (现场核查、纸质材料流转、联席会议…) of a 中转办 case; open until done."""

    __tablename__ = "case_offline_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(doc="China date the step should be done by")
    added_by: Mapped[str] = mapped_column(String(64))
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(64))
