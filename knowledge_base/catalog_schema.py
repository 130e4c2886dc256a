"""The service-item catalogue file format: columns, allowed values, one validated row.

A catalogue file (CSV or XLSX) has one header row with :data:`COLUMNS`; list fields hold
several values in one cell separated by ``|``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path

import hotline

COLUMNS = (
    "code", "name", "name_mn", "zone", "kind", "department", "item_type", "source", "levels", "channels",
    "window_number", "materials", "time_limit_days", "fee", "steps", "keywords", "answer", "status",
    "answer_mn",
)
REQUIRED_COLUMNS = ("code", "name", "zone", "kind", "department", "levels", "channels", "time_limit_days",
                    "answer")
LIST_FIELDS = ("levels", "channels", "materials", "steps", "keywords")
LIST_SEPARATOR = "|"

KINDS = ("party", "government")
LEVELS = ("banner", "town", "village", "grid")  # grid: 党员中心户 / 智慧农牧户
CHANNELS = ("window", "online", "phone", "home_visit", "proxy")  # online: 可网办; proxy: 可帮办代办
# 事项类型 of the national standard item structure (政务服务事项基本目录), plus 党务服务
ITEM_TYPES = {
    "administrative_license": "行政许可", "administrative_confirmation": "行政确认",
    "administrative_payment": "行政给付", "administrative_ruling": "行政裁决",
    "administrative_reward": "行政奖励", "other_administrative": "其他行政权力",
    "public_service": "公共服务", "party_service": "党务服务",
}
DEFAULT_ITEM_TYPE = {"party": "party_service", "government": "public_service"}
# where the item's standard name comes from
SOURCES = {
    "national": "国家政务服务事项基本目录", "region": "自治区政务服务事项实施清单",
    "party": "党务服务事项清单", "banner": "旗本级特色事项",
}
STATUSES = ("active", "retired")
DEFAULT_FEE = "免费"
MAX_CODE_LENGTH = 32
MAX_LENGTHS = {"name": 128, "name_mn": 256, "fee": 128}  # the database column sizes


@cache
def zone_codes() -> tuple[str, ...]:
    """The functional-zone codes of the county service centre (hotline/seed/zones.csv)."""
    path = Path(hotline.__file__).parent / "seed" / "zones.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(row["code"] for row in csv.DictReader(fh))


# the Chinese name of each column, for problem reports (the file keeps the English headers)
COLUMN_LABELS = {
    "code": "事项编码", "name": "事项名称", "name_mn": "蒙古文名称", "zone": "功能区", "kind": "类别",
    "department": "实施主体", "item_type": "事项类型", "source": "来源", "levels": "办理层级",
    "channels": "办理渠道", "window_number": "窗口号", "materials": "办理材料", "time_limit_days": "承诺时限",
    "fee": "收费", "steps": "办理流程", "keywords": "关键词", "answer": "答复口径", "status": "状态",
    "answer_mn": "蒙古文答复",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a catalogue file; ``row`` is the spreadsheet row number (header = 1)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        """``第3行 承诺时限（time_limit_days）列：……``, in Chinese: where, what is wrong, what to do."""
        where = f"第{self.row}行" if self.row is not None else ""
        if self.column:
            label = COLUMN_LABELS.get(self.column)
            where += f"{label}（{self.column}）列" if label else f"“{self.column}”列"
        return (where + "：" if where else "") + self.message


class CatalogFileError(Exception):
    """The file cannot be imported; nothing was written. ``problems`` says where and why."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(self.report())

    def report(self, limit: int = 50) -> str:
        lines = [f"{self.source}：发现 {len(self.problems)} 处问题，未导入任何内容。请改正后重新导入。"]
        lines += [f"  {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ……另有 {len(self.problems) - limit} 处")
        return "\n".join(lines)


@dataclass(frozen=True)
class ItemRecord:
    """One validated catalogue row, in the file's vocabulary (department by code)."""

    code: str
    name: str
    zone: str
    kind: str
    department: str
    levels: tuple[str, ...]
    channels: tuple[str, ...]
    time_limit_days: int
    answer: str
    name_mn: str | None = None
    materials: tuple[str, ...] = ()
    fee: str = DEFAULT_FEE
    steps: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    status: str = "active"
    answer_mn: str | None = None
    item_type: str = "public_service"
    source: str = "banner"
    window_number: int | None = None  # the banner centre's window; None: the zone's window
    row: int | None = field(default=None, compare=False)

    def as_row(self) -> dict[str, str]:
        """Cells for writing the record back to a file."""
        out: dict[str, str] = {}
        for name in COLUMNS:
            value = getattr(self, name)
            if name in LIST_FIELDS:
                out[name] = LIST_SEPARATOR.join(value)
            else:
                out[name] = "" if value is None else str(value)
        return out


_PUNCTUATION = re.compile(r"[\s（）()“”\"'、，,。.·\-—_/]")


def normalised_name(name: str) -> str:
    """The name without spaces, brackets and punctuation: two items whose names differ only there are one."""
    return _PUNCTUATION.sub("", name).lower()


RECORD_FIELDS = tuple(f.name for f in fields(ItemRecord) if f.name != "row")
