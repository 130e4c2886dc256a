"""Catalogue import in the console: a file with one bad row imports nothing and lists the problem; a good file
is previewed (nothing written) and then imported (one revision, one audit row, the guide sees it)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_testkit import csrf_of, signed_in

from hotline.models import AuditRecord, Role, ServiceItem
from knowledge_base.catalog_schema import COLUMNS
from knowledge_base.items import get_item, record_of

CODE = "ZW-CL-002"  # 残疾人证换领、补领和迁移


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _row(session: Session, **changes) -> dict:
    record = record_of(get_item(session, code=CODE))
    row = {c: getattr(record, c) for c in COLUMNS}
    row = {k: "|".join(v) if isinstance(v, tuple) else ("" if v is None else v) for k, v in row.items()}
    return row | changes


def test_bad_rows_import_nothing_good_file_previews_then_imports(client, web_engine):
    signed_in(client, web_engine, Role.admin)
    with Session(web_engine) as session:
        good = _row(session, fee="换领证件免费，补领需本人到场")
        bad = _row(session, code="ZW-SB-999", name="某新事项", department="nosuch")
        revisions_before = len(get_item(session, code=CODE).revisions)

    def upload(body: bytes, mode: str):
        return client.post("/admin/kb/import", data={"csrf_token": csrf_of(client), "format": "catalogue",
                                                     "mode": mode},
                           files={"file": ("目录.csv", body, "text/csv")})

    refused = upload(_csv([good, bad]), "apply")
    assert refused.status_code == 200 and "未导入任何内容" in refused.text
    assert "第3行实施主体（department）列：没有部门编码“nosuch”：请填" in refused.text
    preview = upload(_csv([good]), "preview")
    assert "预览，未写入" in preview.text and CODE in preview.text and "收费" in preview.text
    with Session(web_engine) as session:
        assert len(get_item(session, code=CODE).revisions) == revisions_before  # neither wrote anything
        assert session.scalar(select(func.count()).select_from(ServiceItem)
                              .where(ServiceItem.code == "ZW-SB-999")) == 0
    done = upload(_csv([good]), "apply")
    assert "已导入" in done.text
    with Session(web_engine) as session:
        item = get_item(session, code=CODE)
        assert item.fee == "换领证件免费，补领需本人到场" and len(item.revisions) == revisions_before + 1
        assert session.scalar(select(func.count()).select_from(AuditRecord)
                              .where(AuditRecord.action == "kb.import")) >= 1
    assert "换领证件免费，补领需本人到场" in client.get(f"/guide/items/{CODE}").text
    assert "请选择一个 .csv 或 .xlsx 文件" in client.post(
        "/admin/kb/import", data={"csrf_token": csrf_of(client), "mode": "apply"},
        files={"file": ("a.txt", b"hello", "text/plain")}).text


def test_a_national_workbook_with_the_portals_own_header_previews_through_the_mapping(client, web_engine):
    from openpyxl import Workbook

    signed_in(client, web_engine, Role.admin)
    wb = Workbook()
    wb.active.append(["事项名称", "事项类型", "实施主体", "行使层级", "办理时限", "申请材料", "是否收费"])
    wb.active.append(["失业保险金申领（网页导入测试）", "行政给付", "旗人力资源和社会保障局", "旗级", "5",
                      "身份证；失业证明", "否"])
    body = io.BytesIO()
    wb.save(body)

    def upload(mapping: str):
        return client.post("/admin/kb/import", data={"csrf_token": csrf_of(client), "format": "national",
                                                     "mode": "preview", "mapping": mapping},
                           files={"file": ("国家目录.xlsx", body.getvalue(), "application/octet-stream")})

    shown = upload("办理时限=承诺时限").text
    assert "预览，未写入" in shown and "新建 1" in shown
    assert "未导入任何内容" not in shown
    assert "表头对应每行写成" in upload("办理时限").text
    with Session(web_engine) as session:
        assert session.scalar(select(func.count()).select_from(ServiceItem)
                              .where(ServiceItem.name == "失业保险金申领（网页导入测试）")) == 0
