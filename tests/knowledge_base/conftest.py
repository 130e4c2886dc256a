"""Builders for catalogue files used by the knowledge-base tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from knowledge_base.catalog_schema import COLUMNS

SAMPLE_ROWS = [
    {
        "code": "T-DW-001", "name": "测试党员组织关系转接", "name_mn": "", "zone": "party", "kind": "party",
        "department": "zzb", "levels": "banner|town|village", "channels": "window|online",
        "materials": "身份证|组织关系介绍信", "time_limit_days": "3", "fee": "免费",
        "steps": "提出申请|系统转接|报到", "keywords": "转党关系|组织关系|党关系转接|换支部|转组织关系",
        "answer": "带身份证和介绍信到党群服务窗口办理，3个工作日办结，不收费。", "status": "active",
    },
    {
        "code": "T-SB-001", "name": "测试社会保障卡补办", "name_mn": "", "zone": "social",
        "kind": "government",
        "department": "rsj", "levels": "banner|town", "channels": "window|online|phone",
        "materials": "身份证", "time_limit_days": "0", "fee": "补卡工本费按规定收取",
        "steps": "挂失|补办|领卡", "keywords": "社保卡|社保卡丢了|补办社保卡|社保卡挂失|医保卡",
        "answer": "先挂失，再带身份证到社保窗口补办，当场领卡。", "status": "active",
    },
    {
        "code": "T-NM-001", "name": "测试牲畜产地检疫", "name_mn": "", "zone": "pastoral",
        "kind": "government",
        "department": "nmj", "levels": "town", "channels": "window|phone",
        "materials": "养殖户身份证|免疫记录", "time_limit_days": "1", "fee": "",
        "steps": "申报|现场检疫|出证", "keywords": "检疫证|卖羊检疫|牲畜调运|拉羊出去|动物检疫",
        "answer": "卖羊前3天向镇畜牧兽医站申报检疫，免费。", "status": "active",
    },
]


@pytest.fixture
def sample_rows() -> list[dict[str, str]]:
    return [dict(row) for row in SAMPLE_ROWS]


@pytest.fixture
def write_catalog(tmp_path):
    """write_catalog(rows, name="catalog.csv", encoding="utf-8", columns=COLUMNS) -> Path (CSV or XLSX)."""

    def write(rows, name="catalog.csv", encoding="utf-8", columns=COLUMNS) -> Path:
        path = tmp_path / name
        if path.suffix == ".xlsx":
            from openpyxl import Workbook

            wb = Workbook()
            ws = wb.active
            ws.append(list(columns))
            for row in rows:
                ws.append([row.get(c, "") for c in columns])
            wb.save(path)
            return path
        with path.open("w", encoding=encoding, newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write
