"""Reply templates (答复模板): reusable answers for a service item or a department, with placeholders."""

from __future__ import annotations

from sqlalchemy import ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.models.base import Base, TimestampMixin
from hotline.models.kb import ServiceItem
from hotline.models.org import Department


class ReplyTemplate(TimestampMixin, Base):
    """One template; ``department_id``/``service_item_id`` narrow where it is offered (both empty: all).
    ``shortcut`` 1–9 inserts it with Alt+digit on the case page."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    service_item_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id"), index=True)
    shortcut: Mapped[int | None] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(64))

    department: Mapped[Department | None] = relationship(lazy="raise_on_sql")
    service_item: Mapped[ServiceItem | None] = relationship(lazy="raise_on_sql")
