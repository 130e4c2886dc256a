"""Catalogue import/export against the migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from sqlalchemy import func, select

from hotline.models import ItemStatus, ServiceItem, ServiceItemRevision
from knowledge_base.catalog_io import export_catalog, import_catalog, load_seed_catalogue
from knowledge_base.catalog_schema import COLUMNS, CatalogFileError
from knowledge_base.items import get_item, retire_item, update_item


def count_items(session) -> int:
    return session.scalar(select(func.count()).select_from(ServiceItem))


def count_revisions(session) -> int:
    return session.scalar(select(func.count()).select_from(ServiceItemRevision))


def problems_of(excinfo) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.column) for p in excinfo.value.problems}


def test_a_good_file_creates_items_with_their_department_and_lists(db_session, write_catalog, sample_rows):
    result = import_catalog(db_session, path=write_catalog(sample_rows), actor="tester")

    assert result.counts()["created"] == 3 and result.unchanged == 0
    item = get_item(db_session, code="T-SB-001")
    assert item.department.code == "rsj"
    assert item.levels == ["banner", "town"] and item.channels == ["window", "online", "phone"]
    assert item.keywords[:2] == ["社保卡", "社保卡丢了"]
    assert item.time_limit_days == 0 and item.fee == "补卡工本费按规定收取"
    assert get_item(db_session, code="T-NM-001").fee == "免费"  # empty fee cell means free
    [revision] = item.revisions
    assert revision.action == "created" and revision.actor == "tester"
    assert revision.changes["name"] == [None, "测试社会保障卡补办"]


def test_reimporting_the_same_file_changes_nothing(db_session, write_catalog, sample_rows):
    path = write_catalog(sample_rows)
    import_catalog(db_session, path=path, actor="tester")
    items, revisions = count_items(db_session), count_revisions(db_session)

    again = import_catalog(db_session, path=path, actor="tester")

    assert again.changes == [] and again.unchanged == 3
    assert count_items(db_session) == items and count_revisions(db_session) == revisions


def test_a_changed_row_leaves_one_revision_with_old_and_new_values(db_session, write_catalog, sample_rows):
    import_catalog(db_session, path=write_catalog(sample_rows), actor="tester")
    sample_rows[1]["time_limit_days"] = "2"
    sample_rows[1]["keywords"] += "|社保卡坏了"
    sample_rows[1]["department"] = "ybj"

    result = import_catalog(db_session, path=write_catalog(sample_rows, name="v2.csv"), actor="editor")

    assert [(c.code, c.action) for c in result.changes] == [("T-SB-001", "updated")]
    item = get_item(db_session, code="T-SB-001")
    assert item.department.code == "ybj" and item.time_limit_days == 2
    revision = item.revisions[-1]
    assert revision.actor == "editor"
    assert set(revision.changes) == {"time_limit_days", "keywords", "department"}
    assert revision.changes["time_limit_days"] == [0, 2]
    assert revision.changes["department"] == ["rsj", "ybj"]
    assert revision.changes["keywords"][1][-1] == "社保卡坏了"


def test_a_bad_file_is_reported_row_by_row_and_nothing_is_written(db_session, write_catalog, sample_rows):
    bad = [dict(r) for r in sample_rows]
    bad[0]["department"] = "nosuch"  # row 2
    bad[1]["time_limit_days"] = "三天"  # row 3
    bad[2]["zone"] = "moon"  # row 4
    extra = dict(sample_rows[2], code="T-NM-002", levels="banner|county", channels="fax")  # row 5
    duplicate = dict(sample_rows[1], code="T-DW-001")  # row 6: duplicate of row 2
    good = dict(sample_rows[1], code="T-SB-009")  # row 7: fine on its own
    too_long = dict(sample_rows[1], code="T-SB-010", fee="按规定" * 50)  # row 8: longer than the column
    path = write_catalog(bad + [extra, duplicate, good, too_long])

    with pytest.raises(CatalogFileError) as excinfo:
        import_catalog(db_session, path=path, actor="tester")

    assert problems_of(excinfo) >= {(2, "department"), (3, "time_limit_days"), (4, "zone"), (5, "levels"),
                                    (5, "channels"), (6, "code"), (8, "fee")}
    report = excinfo.value.report()
    assert "nosuch" in report and "county" in report and "fax" in report and "与第2行重复" in report
    assert "未导入任何内容" in report and "承诺时限（time_limit_days）列" in report
    assert count_items(db_session) == 0 and count_revisions(db_session) == 0


def test_a_missing_required_column_is_reported(db_session, write_catalog, sample_rows):
    columns = [c for c in COLUMNS if c != "department"]
    with pytest.raises(CatalogFileError) as excinfo:
        import_catalog(db_session, path=write_catalog(sample_rows, columns=columns), actor="tester")
    assert (1, "department") in problems_of(excinfo)
    assert count_items(db_session) == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "文件是空的"),
        (b"   \n", "文件是空的"),
        (",".join(COLUMNS).encode() + b"\n", "没有事项行"),
        (b"PK\x03\x04\x14\x00\x06\x00", "请把扩展名改为 .xlsx"),
        ("code,name\n".encode("utf-16"), "不是 UTF-8 文本"),
    ],
)
def test_empty_header_only_and_binary_files_are_refused(db_session, tmp_path, content, expected):
    path = tmp_path / "catalog.csv"
    path.write_bytes(content)
    with pytest.raises(CatalogFileError) as excinfo:
        import_catalog(db_session, path=path, actor="tester")
    assert expected in excinfo.value.report()


def test_a_gbk_file_from_excel_gets_a_hint_to_save_as_utf8(db_session, write_catalog, sample_rows):
    path = write_catalog(sample_rows, encoding="gb18030")
    with pytest.raises(CatalogFileError) as excinfo:
        import_catalog(db_session, path=path, actor="tester")
    assert "GBK" in excinfo.value.report() and "UTF-8" in excinfo.value.report()
    assert count_items(db_session) == 0


def test_a_corrupt_xlsx_and_an_unknown_suffix_are_refused(db_session, tmp_path):
    broken = tmp_path / "catalog.xlsx"
    broken.write_bytes(b"this is not a zip file")
    with pytest.raises(CatalogFileError, match="无法读取该 .xlsx 工作簿"):
        import_catalog(db_session, path=broken, actor="tester")
    odd = tmp_path / "catalog.json"
    odd.write_text("[]", encoding="utf-8")
    with pytest.raises(CatalogFileError, match="不支持的文件类型 .json"):
        import_catalog(db_session, path=odd, actor="tester")


def test_xlsx_import_reads_numbers_and_lists(db_session, write_catalog, sample_rows):
    sample_rows[0]["time_limit_days"] = 3  # a real number cell, as Excel stores it
    sample_rows[1]["time_limit_days"] = 2.0
    result = import_catalog(db_session, path=write_catalog(sample_rows, name="catalog.xlsx"), actor="tester")
    assert result.counts()["created"] == 3
    item = get_item(db_session, code="T-DW-001")
    assert item.time_limit_days == 3 and item.materials == ["身份证", "组织关系介绍信"]
    assert get_item(db_session, code="T-SB-001").time_limit_days == 2


def test_dry_run_reports_changes_but_writes_nothing(db_session, write_catalog, sample_rows):
    result = import_catalog(db_session, path=write_catalog(sample_rows), actor="tester", dry_run=True)
    assert result.dry_run and [c.action for c in result.changes] == ["created"] * 3
    assert count_items(db_session) == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(db_session, tmp_path, fmt):
    load_seed_catalogue(db_session)
    retire_item(db_session, code="ZW-GA-005", actor="tester")
    revisions = count_revisions(db_session)

    exported = export_catalog(db_session, path=tmp_path / f"catalog.{fmt}")
    result = import_catalog(db_session, path=tmp_path / f"catalog.{fmt}", actor="tester")

    assert len(exported) == result.rows == count_items(db_session)
    assert result.changes == [] and count_revisions(db_session) == revisions
    if fmt == "csv":
        with (tmp_path / "catalog.csv").open(encoding="utf-8-sig") as fh:
            rows = {r["code"]: r for r in csv.DictReader(fh)}
        assert rows["ZW-GA-005"]["status"] == "retired"
        assert rows["DW-001"]["keywords"].startswith("转党关系|")


def test_retire_and_restore_are_recorded(db_session, write_catalog, sample_rows):
    import_catalog(db_session, path=write_catalog(sample_rows), actor="tester")
    item = retire_item(db_session, code="T-NM-001", actor="admin")
    assert item.status == ItemStatus.retired
    assert item.revisions[-1].action == "retired"
    assert item.revisions[-1].changes == {"status": ["active", "retired"]}

    sample_rows[2]["status"] = "active"  # the file still says active: importing it brings the item back
    result = import_catalog(db_session, path=write_catalog(sample_rows, name="again.csv"), actor="admin")
    assert [(c.code, c.action) for c in result.changes] == [("T-NM-001", "restored")]


def test_update_item_rejects_unknown_fields(db_session, write_catalog, sample_rows):
    import_catalog(db_session, path=write_catalog(sample_rows), actor="tester")
    with pytest.raises(ValueError, match="cannot change"):
        update_item(db_session, code="T-DW-001", actor="x", colour="red")
    item = update_item(db_session, code="T-DW-001", actor="x", keywords=["转党关系", "新词"])
    assert item.keywords == ["转党关系", "新词"] and item.revisions[-1].action == "updated"


def test_the_seed_catalogue_covers_the_county_and_loads_once(db_session):
    added = load_seed_catalogue(db_session, actor="init")

    items = list(db_session.scalars(select(ServiceItem)))
    assert added == len(items) >= 150
    zones = Counter(i.zone for i in items)
    assert set(zones) == {"party", "social", "market", "land", "pastoral", "public"}
    assert sum(1 for i in items if i.kind.value == "party") >= 40
    # the spoken-word keywords are hand-written for the items citizens ask about most (the first 165)
    assert sum(1 for i in items if 5 <= len(i.keywords) <= 15) >= 165
    for item in items:
        assert len(item.keywords) <= 15, item.code
        assert item.materials and item.steps and item.answer and item.levels and item.channels, item.code
    assert load_seed_catalogue(db_session, actor="init") == 0


def test_loading_the_seed_again_keeps_an_administrators_edit(db_session):
    load_seed_catalogue(db_session)
    update_item(db_session, code="DW-008", actor="admin", fee="按新标准缴纳")
    retire_item(db_session, code="ZW-GA-005", actor="admin")

    load_seed_catalogue(db_session)

    assert get_item(db_session, code="DW-008").fee == "按新标准缴纳"
    assert get_item(db_session, code="ZW-GA-005").status == ItemStatus.retired


def test_retire_missing_retires_what_a_full_catalogue_leaves_out(db_session, write_catalog, sample_rows):
    import_catalog(db_session, path=write_catalog(sample_rows), actor="tester")
    shorter = write_catalog(sample_rows[:2], name="v2.csv")

    planned = import_catalog(db_session, path=shorter, actor="tester", retire_missing=True, dry_run=True)
    assert [(c.code, c.action) for c in planned.changes] == [("T-NM-001", "retired")]
    assert get_item(db_session, code="T-NM-001").status == ItemStatus.active

    result = import_catalog(db_session, path=shorter, actor="tester", retire_missing=True)
    assert result.counts() == {"created": 0, "updated": 0, "retired": 1, "restored": 0, "unchanged": 2}
    assert get_item(db_session, code="T-NM-001").status == ItemStatus.retired
    assert import_catalog(db_session, path=shorter, actor="tester", retire_missing=True).changes == []
