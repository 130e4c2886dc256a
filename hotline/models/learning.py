"""Agent corrections of the classifier's output: the learning loop's input."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.models.base import Base, utcnow


class ClassifierCorrection(Base):
    """An agent changed an intent or a department the classifier proposed."""

    __tablename__ = "classifier_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    task: Mapped[str] = mapped_column(String(16), index=True)  # "intent" | "department"
    text: Mapped[str] = mapped_column(Text)
    predicted: Mapped[str | None] = mapped_column(String(64))
    corrected: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64), default="system")
    case_id: Mapped[int | None] = mapped_column(index=True)


class RoutingRule(Base):
    """Admin-editable routing rule: a keyword in the text points to a department (higher priority wins)."""

    __tablename__ = "routing_rules"
    __table_args__ = (UniqueConstraint("keyword", "department_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    keyword: Mapped[str] = mapped_column(String(64))
    department_code: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(default=0)
    level: Mapped[str | None] = mapped_column(String(16))  # force banner | town | village
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(String(200), default="")
