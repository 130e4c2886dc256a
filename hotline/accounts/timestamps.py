"""Timezone-safe timestamps: SQLite hands back naive datetimes, which are UTC in this codebase."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive value is taken as UTC (how every timestamp is stored)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def as_utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def china_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def china_clock(value: datetime) -> str:
    """'2026-02-14 09:30' in China time, for messages shown to users."""
    return as_utc(value).astimezone(china_tz()).strftime("%Y-%m-%d %H:%M")
