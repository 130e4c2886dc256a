"""The filter every analytics view shares: a China-time date range plus dimension values.

Figures, drill-down lists and exports all build their WHERE clause here, so the cases behind a figure are
exactly the cases it counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_

from hotline.models import Case, CaseStatus, Channel, Intent
from hotline.privacy.masking import reveals_numbers

CHINA = ZoneInfo("Asia/Shanghai")
NONE = "none"  # a dimension value meaning "not set" (未分类, 未指派 ...)
MAX_RANGE_DAYS = 3660
DEFAULT_RANGE_DAYS = 30


class FilterError(ValueError):
    """A filter value a user typed that we cannot use; the message says what to send instead."""


# dimension name -> the case column it filters and groups by
DIMENSION_COLUMNS = {
    "intent": Case.intent,
    "department": Case.department_id,
    "town": Case.town,
    "channel": Case.channel,
    "service_item": Case.service_item_id,
    "status": Case.status,
    "handler_level": Case.handler_level,
}
_ENUMS = {"intent": Intent, "channel": Channel, "status": CaseStatus}


def group_key(dimension: str):
    """The dimension's column as an expression for GROUP BY: the same values, but SQLite's planner no
    longer walks the dimension's own index (visiting every case) instead of the created_at range."""
    column = DIMENSION_COLUMNS[dimension]
    if dimension in ("department", "service_item"):
        return column + 0
    return column.concat("")
_INTEGER_DIMENSIONS = {"department", "service_item"}


def china_today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(CHINA).date()


def china_midnight_utc(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in China."""
    return datetime.combine(day, time(), CHINA).astimezone(UTC)


@dataclass(frozen=True)
class CaseFilter:
    """Cases accepted from ``start`` to ``end`` (China dates, both inclusive), narrowed by dimensions."""

    start: date
    end: date
    intent: str | None = None
    department: str | None = None
    town: str | None = None
    channel: str | None = None
    service_item: str | None = None
    status: str | None = None
    handler_level: str | None = None
    keyword: str | None = None  # cases whose title or content contains it (hot-topic drill-down)

    @property
    def utc_range(self) -> tuple[datetime, datetime]:
        return china_midnight_utc(self.start), china_midnight_utc(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous_period(self) -> CaseFilter:
        """The same number of days just before this range (for the trend arrows)."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def dimension_values(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in DIMENSION_COLUMNS if getattr(self, name) is not None}

    def with_dimension(self, name: str, value: str | None) -> CaseFilter:
        changed: dict[str, Any] = {name: value}
        return replace(self, **changed)

    def query_params(self) -> dict[str, str]:
        """The filter as URL query parameters (for drill-down links and export links)."""
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        params.update(self.dimension_values())
        if self.keyword:
            params["keyword"] = self.keyword
        return params

    def conditions(self) -> list[ColumnElement[bool]]:
        low, high = self.utc_range
        conds: list[ColumnElement[bool]] = [Case.created_at >= low, Case.created_at < high]
        for name, value in self.dimension_values().items():
            column = DIMENSION_COLUMNS[name]
            if value == NONE:
                conds.append(column.is_(None))
            elif name in _INTEGER_DIMENSIONS:
                conds.append(column == int(value))
            elif name in _ENUMS:
                conds.append(column == _ENUMS[name](value))
            else:
                conds.append(column == value)
        if self.keyword:  # a conduct report's words are not searched (they are 纪委监委's only)
            conds.append(Case.confidential.is_(False))
            conds.append(or_(Case.title.contains(self.keyword, autoescape=True),
                             Case.content.contains(self.keyword, autoescape=True)))
        return conds

    def where(self) -> ColumnElement[bool]:
        return and_(*self.conditions())


def parse_filter(params: Mapping[str, str], *, now: datetime | None = None) -> CaseFilter:
    """Build a filter from query parameters; the default range is the last 30 days including today."""
    today = china_today(now)
    start = _parse_date(params.get("start"), "start", today - timedelta(days=DEFAULT_RANGE_DAYS - 1))
    end = _parse_date(params.get("end"), "end", today)
    if end < start:
        raise FilterError(f"结束日期 {end} 早于开始日期 {start}：请交换两个日期")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise FilterError(f"日期范围最长 {MAX_RANGE_DAYS} 天：请缩小范围")
    values: dict[str, str] = {}
    for name in DIMENSION_COLUMNS:
        raw = (params.get(name) or "").strip()
        if not raw:
            continue
        if raw != NONE and name in _INTEGER_DIMENSIONS and not raw.isdigit():
            raise FilterError(f"参数 {name} 应为编号（整数）或 {NONE}，收到 {raw!r}")
        if raw != NONE and name in _ENUMS and raw not in {m.value for m in _ENUMS[name]}:
            allowed = "、".join(m.value for m in _ENUMS[name])
            raise FilterError(f"参数 {name} 的取值 {raw!r} 无效；可用：{allowed}、{NONE}")
        values[name] = raw
    keyword = (params.get("keyword") or "").strip()
    if len(keyword) > 32:
        raise FilterError("关键词最长 32 个字：请缩短")
    if reveals_numbers(keyword):  # every analytics view is masked: no searching by the hidden digits
        raise FilterError("关键词不能含连续 3 位以上的数字：统计页面中电话和证件号码已遮蔽，不能按号码检索；"
                          "请用文字关键词，或请有权限的主管在工单列表中查找")
    return CaseFilter(start=start, end=end, keyword=keyword or None, **values)


def _parse_date(raw: str | None, name: str, default: date) -> date:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise FilterError(f"参数 {name} 应为日期，如 2026-03-01，收到 {raw!r}") from None


FILTER_FIELDS = tuple(f.name for f in fields(CaseFilter))
