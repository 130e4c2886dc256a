"""The official holiday arrangements as published by the State Council, from the ``chinese-calendar`` package.

The package follows 国务院办公厅关于部分节假日安排的通知 and gets a new release after each December notice;
the version pinned in pyproject.toml decides which years ship. Years it does not know are entered by an
admin (web page ``/admin/calendar`` or ``hotline calendar import``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import metadata

from hotline.models import DayKind

_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class ArrangedDay:
    day: date
    kind: DayKind
    name: str


def library_version() -> str:
    return f"chinese-calendar {metadata.version('chinese_calendar')}"


def library_years() -> list[int]:
    """Years the installed package holds a full arrangement for."""
    import chinese_calendar

    return sorted({d.year for d in chinese_calendar.holidays})


def library_arrangement(year: int) -> list[ArrangedDay]:
    """Holidays (weekend days inside a holiday period included) and 调休 working weekend days of ``year``."""
    import chinese_calendar

    days: list[ArrangedDay] = []
    for day, name in chinese_calendar.holidays.items():
        if day.year == year:
            days.append(ArrangedDay(day, DayKind.holiday, _NAMES.get(name, name)))
    for day, name in chinese_calendar.workdays.items():
        if day.year == year and day.weekday() >= 5:
            days.append(ArrangedDay(day, DayKind.workday, _NAMES.get(name, name) + "调休上班"))
    return sorted(days, key=lambda d: d.day)
