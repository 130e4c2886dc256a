"""Import a catalogue published in the national standard format (XLSX as county portals publish it:
事项名称, 事项类型, 实施主体, 行使层级, 承诺办结时限, 申请材料, 是否收费 …) through a column mapping.

The rows are translated into this catalogue's columns (departments by name, types and levels by their labels,
the zone from the department's existing items) and then go through the ordinary all-or-nothing import, so a
preview (dry run) shows exactly what would change. An item already in the catalogue (same normalised name
and department) keeps its code; a new one gets the next ``<prefix>-NNN`` code.
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.models import Department, ServiceItem
from knowledge_base.catalog_io import ImportResult, import_catalog
from knowledge_base.catalog_reader import read_table_rows
from knowledge_base.catalog_schema import COLUMNS, ITEM_TYPES, CatalogFileError, Problem, normalised_name

DEFAULT_MAPPING = {
    "事项名称": "name", "基本编码": "national_code", "事项编码": "national_code", "事项类型": "item_type",
    "实施主体": "department", "行使层级": "levels", "办理层级": "levels", "承诺办结时限": "time_limit_days",
    "承诺时限": "time_limit_days", "申请材料": "materials", "办理材料": "materials", "是否收费": "fee",
    "收费标准": "fee", "是否网办": "online", "是否可网办": "online", "是否可代办": "proxy",
    "窗口": "window_number",
}
_LEVELS = {"旗级": "banner", "县级": "banner", "区县级": "banner", "镇级": "town", "乡镇级": "town",
           "苏木级": "town", "村级": "village", "嘎查村级": "village", "嘎查级": "village", "网格": "grid"}
_YES = ("是", "可", "y", "yes", "1", "true")


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["表头=字段", …]`` on top of :data:`DEFAULT_MAPPING`."""
    mapping = dict(DEFAULT_MAPPING)
    for pair in pairs:
        header, _, field = pair.partition("=")
        if not header.strip() or not field.strip():
            raise ValueError(f"列对应“{pair}”写法不对：应写成 表头=字段，例如 事项名称=name")
        mapping[header.strip()] = field.strip()
    return mapping


def _split(text: str) -> list[str]:
    for sep in ("\n", "；", ";", "、"):
        text = text.replace(sep, "|")
    return [part.strip(" 0123456789.．、") for part in text.split("|") if part.strip(" 0123456789.．、")]


def translate(session: Session, rows: list[tuple[int, dict[str, str]]], *, mapping: dict[str, str],
              code_prefix: str) -> tuple[list[dict[str, str]], list[Problem]]:
    """National rows -> catalogue rows (every problem collected)."""
    departments = {d.name: d.code for d in session.scalars(select(Department))}
    zones: dict[str, Counter[str]] = {}
    existing: dict[tuple[str, str], str] = {}
    for item in session.scalars(select(ServiceItem).options(selectinload(ServiceItem.department))):
        zones.setdefault(item.department.code, Counter())[item.zone] += 1
        existing[(normalised_name(item.name), item.department.code)] = item.code
    labels = {label: code for code, label in ITEM_TYPES.items()}
    taken = {c for c in existing.values() if c.startswith(code_prefix + "-")}
    next_no = max((int(c.rsplit("-", 1)[1]) for c in taken if c.rsplit("-", 1)[1].isdigit()), default=0)
    out: list[dict[str, str]] = []
    problems: list[Problem] = []
    for number, cells in rows:
        row = {mapping[h]: v for h, v in cells.items() if h in mapping and v}
        department = departments.get(row.get("department", ""))
        if department is None:
            problems.append(Problem(number, "实施主体", f"没有部门“{row.get('department', '')}”："
                                                     "请填 hotline/seed/departments.csv 中的部门全称"))
            continue
        name = row.get("name", "")
        code = existing.get((normalised_name(name), department))
        if code is None:
            next_no += 1
            code = f"{code_prefix}-{next_no:03d}"
        levels = [_LEVELS[x] for x in _split(row.get("levels", "旗级")) if x in _LEVELS] or ["banner"]
        channels = ["window", "phone"] + (["online"] if row.get("online", "").lower() in _YES else []) + (
            ["proxy"] if row.get("proxy", "").lower() in _YES else [])
        days = "".join(ch for ch in row.get("time_limit_days", "") if ch.isdigit()) or "0"
        fee = row.get("fee", "")
        fee = "免费" if fee in ("", "否", "不收费") else fee
        materials = _split(row.get("materials", ""))
        zone = zones.get(department, Counter({"public": 1})).most_common(1)[0][0]
        out.append({
            "code": code, "name": name, "zone": zone, "kind": "party" if zone == "party" else "government",
            "department": department, "item_type": labels.get(row.get("item_type", ""), "public_service"),
            "source": "national", "levels": "|".join(levels), "channels": "|".join(channels),
            "window_number": row.get("window_number", ""), "materials": "|".join(materials),
            "time_limit_days": days, "fee": fee,
            "answer": f"{name}：需带{'、'.join(materials) or '身份证'}，承诺时限{days}个工作日。"
                      "咨询电话7812345。",
        })
    return out, problems


def import_national(session: Session, *, path: str | Path, actor: str, mapping: dict[str, str],
                    code_prefix: str = "ZW-GB", preview: bool = True) -> ImportResult:
    """Translate ``path`` and import it (``preview``: a dry run that writes nothing)."""
    path = Path(path)
    rows, problems = read_table_rows(path)
    translated: list[dict[str, str]] = []
    if not problems:
        translated, problems = translate(session, rows, mapping=mapping, code_prefix=code_prefix)
    if problems:
        raise CatalogFileError(path.name, problems)
    with tempfile.TemporaryDirectory() as tmp:
        converted = Path(tmp) / f"{path.stem}.csv"
        with converted.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS, restval="")
            writer.writeheader()
            writer.writerows(translated)
        return import_catalog(session, path=converted, actor=actor, dry_run=preview)
