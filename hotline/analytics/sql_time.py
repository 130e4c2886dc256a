"""Portable time arithmetic for SQLite and PostgreSQL: China-time bucket labels and durations.

SQLite stores timestamps as naive UTC text; PostgreSQL as timestamptz. China has no daylight saving time,
so a fixed +8 hours is exact for every date since 1991.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Float, cast, func, literal

# grain -> (SQLite strftime format, PostgreSQL to_char format)
_FORMATS = {
    "hour": ("%Y-%m-%d %H", "YYYY-MM-DD HH24"),
    "day": ("%Y-%m-%d", "YYYY-MM-DD"),
    "month": ("%Y-%m", "YYYY-MM"),
    "hour_of_day": ("%H", "HH24"),
}


def label_format(grain: str) -> str:
    """The strftime format of ``grain``'s labels, e.g. '%Y-%m-%d' for 'day' (for parsing them back)."""
    return _FORMATS[grain][0]


class SqlTime:
    def __init__(self, dialect_name: str) -> None:
        if dialect_name not in ("sqlite", "postgresql"):
            raise ValueError(f"analytics supports SQLite and PostgreSQL, not {dialect_name}")
        self.dialect = dialect_name

    @classmethod
    def of(cls, session) -> SqlTime:
        return cls(session.get_bind().dialect.name)

    def local_label(self, column, grain: str) -> ColumnElement[str]:
        """The China-time bucket of ``column`` as text, e.g. '2026-03-01' for grain 'day'."""
        sqlite_fmt, pg_fmt = _FORMATS[grain]
        if self.dialect == "sqlite":
            return func.strftime(sqlite_fmt, column, "+8 hours")
        return func.to_char(func.timezone("Asia/Shanghai", column), pg_fmt)

    def seconds_between(self, start, end) -> ColumnElement[float]:
        """``end - start`` in seconds (NULL when either is NULL)."""
        if self.dialect == "sqlite":
            return (func.julianday(end) - func.julianday(start)) * literal(86400.0)
        return cast(func.extract("epoch", end - start), Float)
