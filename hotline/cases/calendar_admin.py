"""The holiday calendar table: the shipped State Council arrangements, and admins' edits."""

from __future__ import annotations

import csv
from datetime import date, datetime
from importlib import resources

from sqlalchemy import extract, select
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.cases.errors import CaseError
from hotline.models import CalendarDay, DayKind, Role, User


def shipped_calendar() -> list[dict[str, str]]:
    """2025 and 2026 official arrangements (国务院办公厅关于部分节假日安排的通知)."""
    text = resources.files("hotline.cases").joinpath("holidays_cn.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def seed_holiday_calendar(session: Session) -> int:
    """Insert the shipped days that are missing; never overwrite an admin's edit. Returns days added."""
    known = set(session.scalars(select(CalendarDay.day)))
    added = 0
    for row in shipped_calendar():
        day = date.fromisoformat(row["day"])
        if day not in known:
            session.add(CalendarDay(day=day, kind=DayKind(row["kind"]), name=row["name"]))
            added += 1
    session.flush()
    return added


def list_calendar_days(session: Session, *, year: int | None = None) -> list[CalendarDay]:
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(extract("year", CalendarDay.day) == year)
    return list(session.scalars(query))


def _require_admin(actor: User) -> None:
    if actor.role != Role.admin:
        raise CaseError("forbidden", "只有系统管理员可以修改节假日日历。")


def set_calendar_day(
    session: Session, *, actor: User, day: date, kind: DayKind, name: str, now: datetime,
    ip: str | None = None,
) -> CalendarDay:
    """Declare a holiday or a 调休 working day (replaces an existing entry for that day)."""
    _require_admin(actor)
    kind = DayKind(kind)
    if kind == DayKind.workday and day.weekday() < 5:
        raise CaseError("invalid_input", f"{day} 本来就是工作日，无需设为调休上班。")
    if kind == DayKind.holiday and day.weekday() >= 5:
        raise CaseError("invalid_input", f"{day} 本来就是周末休息日，无需设为放假。")
    row = session.get(CalendarDay, day)
    old = None if row is None else row.kind.value
    if row is None:
        row = CalendarDay(day=day, kind=kind, name=name.strip())
        session.add(row)
    else:
        row.kind, row.name = kind, name.strip()
    record_audit(session, actor=actor, action="calendar.set", object_type="calendar_day",
                 object_id=day.isoformat(), ip=ip, at=now, details={"kind": [old, kind.value], "name": name})
    session.flush()
    return row


def remove_calendar_day(session: Session, *, actor: User, day: date, now: datetime, ip: str | None = None
                        ) -> bool:
    """Back to the Monday–Friday rule for ``day``. True when an entry was removed."""
    _require_admin(actor)
    row = session.get(CalendarDay, day)
    if row is None:
        return False
    record_audit(session, actor=actor, action="calendar.remove", object_type="calendar_day",
                 object_id=day.isoformat(), ip=ip, at=now, details={"kind": row.kind.value, "name": row.name})
    session.delete(row)
    session.flush()
    return True
