"""The holiday calendar table: the State Council arrangements (from ``chinese-calendar``), and admins' edits.

A year counts as known once its arrangement is entered in full (a :class:`CalendarYear` row): seeded from
the library, imported by an admin (CSV ``day,kind,name``), or confirmed after entering days by hand.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, extract, select
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.cases.errors import CaseError
from hotline.cases.holiday_library import ArrangedDay, library_arrangement, library_version, library_years
from hotline.models import CalendarDay, CalendarYear, DayKind, Role, User

SEED_FROM_YEAR = 2025  # older arrangements do not matter for open cases
WARN_FROM_MONTH = 11  # from November, admins are warned while next year's arrangement is missing
_KIND_WORDS = {"holiday": DayKind.holiday, "放假": DayKind.holiday, "休": DayKind.holiday,
               "workday": DayKind.workday, "上班": DayKind.workday, "班": DayKind.workday}


def seed_holiday_calendar(session: Session) -> int:
    """Enter every year the library knows that is not entered yet; never touch an entered year.

    Days already present (an admin's edit, or an older seed) are kept. Returns days added.
    """
    entered = set(session.scalars(select(CalendarYear.year)))
    known = set(session.scalars(select(CalendarDay.day)))
    added = 0
    for year in library_years():
        if year < SEED_FROM_YEAR or year in entered:
            continue
        for arranged in library_arrangement(year):
            if arranged.day not in known:
                session.add(CalendarDay(day=arranged.day, kind=arranged.kind, name=arranged.name))
                added += 1
        session.add(CalendarYear(year=year, source=library_version(), confirmed_by="init"))
    session.flush()
    return added


@dataclass(frozen=True)
class CalendarStatus:
    years: list[int]  # entered years, ascending
    last_year: int | None
    warning: str | None  # for admins: the coming (or current) year is not entered


def calendar_status(session: Session, *, today: date) -> CalendarStatus:
    years = sorted(session.scalars(select(CalendarYear.year)))
    warning = None
    if today.year not in years:
        warning = (f"{today.year} 年的节假日安排尚未录入，办理时限暂按周一至周五计算。"
                   "请在「节假日日历」录入或导入国务院办公厅公布的安排。")
    elif today.month >= WARN_FROM_MONTH and today.year + 1 not in years:
        warning = (f"{today.year + 1} 年的节假日安排尚未录入：截止日期落在 {today.year + 1} 年的"
                   "工单将暂按周一至周五计算。国务院办公厅通知发布后，请在「节假日日历」录入或导入。")
    return CalendarStatus(years, years[-1] if years else None, warning)


def parse_arrangement(text: str, *, year: int) -> list[ArrangedDay]:
    """Rows ``day,kind,name`` (kind: holiday/放假 or workday/上班; a header row is optional).

    Every problem is reported at once (:class:`CaseError` ``invalid_input``); nothing is returned half.
    """
    problems: list[str] = []
    days: dict[date, ArrangedDay] = {}
    for number, row in enumerate(csv.reader(text.lstrip("\ufeff").splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (number == 1 and cells[0].lower() in ("day", "日期")):
            continue
        if len(cells) < 2:
            problems.append(f"第{number}行：应为「日期,放假/上班,名称」")
            continue
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            problems.append(f"第{number}行：日期「{cells[0]}」应为 YYYY-MM-DD")
            continue
        kind = _KIND_WORDS.get(cells[1].lower())
        name = cells[2] if len(cells) > 2 else ""
        if day.year != year:
            problems.append(f"第{number}行：{day} 不在 {year} 年")
        elif kind is None:
            problems.append(f"第{number}行：类型「{cells[1]}」应为 放假 或 上班")
        elif kind == DayKind.workday and day.weekday() < 5:
            problems.append(f"第{number}行：{day} 是工作日，调休上班只能设在周末")
        elif kind == DayKind.holiday and day.weekday() >= 5 and not name:
            problems.append(f"第{number}行：{day} 是周末，作为假期的一部分请写明节日名称")
        elif day in days:
            problems.append(f"第{number}行：{day} 重复")
        else:
            days[day] = ArrangedDay(day, kind, name[:32])
    if not problems and not any(d.kind == DayKind.holiday for d in days.values()):
        problems.append(f"没有任何放假日期：{year} 年的安排至少包含元旦、春节等法定节假日")
    if problems:
        raise CaseError("invalid_input", "；".join(problems[:20]) + "。未导入任何日期。")
    return sorted(days.values(), key=lambda d: d.day)


def enter_year(session: Session, *, actor: User, year: int, days: list[ArrangedDay], source: str,
               now: datetime, ip: str | None = None) -> CalendarYear:
    """Replace ``year``'s entries with ``days`` and mark the year known (all or nothing)."""
    _require_admin(actor)
    if not days or any(d.day.year != year for d in days):
        raise CaseError("invalid_input", f"导入的日期必须全部在 {year} 年内。")
    session.execute(delete(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                              CalendarDay.day <= date(year, 12, 31)))
    for arranged in days:
        session.add(CalendarDay(day=arranged.day, kind=arranged.kind, name=arranged.name))
    entry = session.get(CalendarYear, year)
    if entry is None:
        entry = CalendarYear(year=year, source=source[:64], confirmed_by=actor.username)
        session.add(entry)
    else:
        entry.source, entry.confirmed_by = source[:64], actor.username
    record_audit(session, actor=actor, action="calendar.year", object_type="calendar_year",
                 object_id=str(year), ip=ip, at=now,
                 details={"source": source, "holidays": sum(d.kind == DayKind.holiday for d in days),
                          "workdays": sum(d.kind == DayKind.workday for d in days)})
    session.flush()
    return entry


def enter_year_from_library(session: Session, *, actor: User, year: int, now: datetime,
                            ip: str | None = None) -> CalendarYear:
    """Take ``year`` from the installed chinese-calendar package (after upgrading it)."""
    if year not in library_years():
        raise CaseError("not_found", f"已安装的 {library_version()} 尚不包含 {year} 年的安排："
                                     "请升级该软件包，或按国务院办公厅通知手工录入。")
    return enter_year(session, actor=actor, year=year, days=library_arrangement(year),
                      source=library_version(), now=now, ip=ip)


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


def confirm_year(session: Session, *, actor: User, year: int, now: datetime, ip: str | None = None
                 ) -> CalendarYear:
    """Mark ``year`` as entered in full after an admin entered its days one by one."""
    _require_admin(actor)
    days = list_calendar_days(session, year=year)
    if not any(d.kind == DayKind.holiday for d in days):
        raise CaseError("invalid_input", f"{year} 年还没有任何放假日期，请先录入国务院公布的安排。")
    entry = session.get(CalendarYear, year) or CalendarYear(year=year, source="手工录入")
    entry.confirmed_by = actor.username
    session.add(entry)
    record_audit(session, actor=actor, action="calendar.confirm", object_type="calendar_year",
                 object_id=str(year), ip=ip, at=now, details={"days": len(days)})
    session.flush()
    return entry
