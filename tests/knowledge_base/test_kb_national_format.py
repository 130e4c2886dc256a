"""Import of the national standard format (XLSX as county portals publish it) through a column mapping:
a preview that writes nothing, then the same rows applied; existing items keep their codes."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_kb_cli import kb, on_sqlite  # noqa: F401  (kb: the CLI runner fixture)

from hotline.models import ServiceItem
from knowledge_base.catalog_schema import CatalogFileError
from knowledge_base.items import get_item, upsert_item
from knowledge_base.national_format import import_national, parse_mapping

HEADER = ["序号", "事项名称", "基本编码", "事项类型", "实施主体", "行使层级", "承诺办结时限", "申请材料",
          "是否收费", "是否网办"]
ROWS = [
    [1, "食品经营许可（新办）", "000117009000", "行政许可", "旗市场监督管理局", "旗级", "10个工作日",
     "1.食品经营许可申请书\n2.营业执照\n3.食品安全管理制度", "否", "是"],
    [2, "失业保险金申领", "000121007000", "行政给付", "旗人力资源和社会保障局", "旗级、镇级", "5",
     "身份证；失业证明", "否", "是"],
]


def _xlsx(tmp_path, rows, header=HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    path = tmp_path / "national.xlsx"
    wb.save(path)
    return path


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(ServiceItem))


def test_preview_writes_nothing_then_apply_keeps_existing_codes(db_session, tmp_path):
    from knowledge_base.catalog_io import SEED_CATALOG
    from knowledge_base.catalog_reader import read_catalog

    for record in read_catalog(SEED_CATALOG):
        if record.code in ("ZW-SB-008", "ZW-SC-005"):  # 失业保险金申领; 食品经营许可 (the zone of scjgj)
            upsert_item(db_session, record=record, actor="seed")
    path = _xlsx(tmp_path, ROWS)
    before = _count(db_session)
    preview = import_national(db_session, path=path, actor="tester", mapping=parse_mapping([]))
    assert preview.dry_run and _count(db_session) == before
    assert sorted((c.code, c.action) for c in preview.changes)[0] == ("ZW-GB-001", "created")
    applied = import_national(db_session, path=path, actor="tester", mapping=parse_mapping([]), preview=False)
    assert {c.code for c in applied.changes} == {"ZW-GB-001", "ZW-SB-008"}
    new = get_item(db_session, code="ZW-GB-001")
    assert new.item_type == "administrative_license" and new.source == "national" and new.zone == "market"
    assert new.materials == ["食品经营许可申请书", "营业执照", "食品安全管理制度"]
    assert new.time_limit_days == 10
    assert "online" in new.channels
    updated = get_item(db_session, code="ZW-SB-008")
    assert updated.levels == ["banner", "town"] and updated.time_limit_days == 5


def test_a_foreign_header_needs_a_mapping_and_unknown_departments_are_named(db_session, tmp_path):
    header = ["序号", "服务事项", "基本编码", "事项类型", "实施机构", "行使层级", "承诺办结时限", "申请材料",
              "是否收费", "是否网办"]
    rows = [ROWS[0][:4] + ["旗市场监督管理局"] + ROWS[0][5:], ROWS[1][:4] + ["某某局"] + ROWS[1][5:]]
    path = _xlsx(tmp_path, rows, header)
    mapping = parse_mapping(["服务事项=name", "实施机构=department"])
    with pytest.raises(CatalogFileError) as err:
        import_national(db_session, path=path, actor="tester", mapping=mapping)
    assert "第3行" in str(err.value.problems[0]) and "某某局" in err.value.report()
    assert len(err.value.problems) == 1 and _count(db_session) == 0
    with pytest.raises(ValueError, match="表头=字段"):
        parse_mapping(["服务事项"])


@on_sqlite
def test_the_cli_previews_by_default_and_applies_on_request(kb, fresh_engine, tmp_path):  # noqa: F811
    path = _xlsx(tmp_path, ROWS)
    preview = kb("import-national", str(path))
    assert preview.exit_code == 0, preview.output
    assert "preview only" in preview.output and "created  ZW-GB-001" in preview.output
    with Session(fresh_engine) as session:
        assert _count(session) == 0
    applied = kb("import-national", str(path), "--apply")
    assert applied.exit_code == 0 and "created 2" in applied.output
    bad = kb("import-national", str(path), "--map", "事项名称")
    assert bad.exit_code == 2 and "表头=字段" in bad.output
