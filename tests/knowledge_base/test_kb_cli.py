"""`hotline kb ...` commands on a real, migrated SQLite database."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from hotline.cli.kb_cli import app
from hotline.models import ServiceItem
from knowledge_base.catalog_io import SEED_CATALOG
from knowledge_base.catalog_reader import read_catalog
from tests.analytics.test_export_formula_safety import EVIL

on_sqlite = pytest.mark.parametrize("fresh_engine", ["sqlite"], indirect=True)


@pytest.fixture
def kb(fresh_engine, tmp_path):
    """kb("search", "社保") -> click Result, run against the fresh database."""
    env = {
        "HOTLINE_DATABASE_URL": fresh_engine.url.render_as_string(hide_password=False),
        "HOTLINE_DATA_DIR": str(tmp_path / "var"),
    }

    def run(*args: str):
        return CliRunner().invoke(app, list(args), env=env)

    return run


def item_count(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(ServiceItem))


@on_sqlite
def test_import_search_show_export_and_reimport(kb, fresh_engine, tmp_path):
    shipped = len(read_catalog(SEED_CATALOG))
    imported = kb("import", str(SEED_CATALOG), "--actor", "tester")
    assert imported.exit_code == 0, imported.output
    assert f"created {shipped}, updated 0" in imported.output
    assert item_count(fresh_engine) == shipped

    found = kb("search", "喂 那个 党组织关系怎么转", "-k", "3", "--json")
    assert found.exit_code == 0, found.output
    hits = json.loads(found.stdout)
    assert len(hits) == 3 and hits[0]["code"] == "DW-001" and hits[0]["matched"]

    shown = kb("show", "dw-001")
    assert shown.exit_code == 0
    assert "党员组织关系转接（旗内）" in shown.output and "旗委组织部" in shown.output
    assert "created  by tester" in shown.output

    exported = kb("export")
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert len(rows) == item_count(fresh_engine)

    out = tmp_path / "catalog.xlsx"
    assert kb("export", "--format", "xlsx", "--out", str(out)).exit_code == 0
    again = kb("import", str(out))
    assert again.exit_code == 0 and "created 0, updated 0" in again.output


@on_sqlite
def test_a_bad_file_exits_non_zero_with_the_report_and_writes_nothing(kb, fresh_engine, write_catalog,
                                                                      sample_rows):
    sample_rows[1]["channels"] = "window|pigeon"
    result = kb("import", str(write_catalog(sample_rows)))
    assert result.exit_code == 1
    assert "第3行办理渠道（channels）列：无法识别的值 pigeon" in result.output and "pigeon" in result.output
    assert "数据库未做任何改动" in result.output
    assert item_count(fresh_engine) == 0


@on_sqlite
def test_dry_run_and_retire(kb, fresh_engine, write_catalog, sample_rows):
    path = str(write_catalog(sample_rows))
    dry = kb("import", path, "--dry-run")
    assert dry.exit_code == 0 and "dry run" in dry.output and "created 3" in dry.output
    assert item_count(fresh_engine) == 0

    assert kb("import", path).exit_code == 0
    assert kb("search", "社保卡丢了", "--json").stdout.count("T-SB-001") == 1
    retired = kb("retire", "T-SB-001", "--actor", "admin")
    assert retired.exit_code == 0 and "retired" in retired.output
    assert "T-SB-001" not in kb("search", "社保卡丢了", "--json").stdout
    assert kb("show", "NO-SUCH-1").exit_code == 1


def test_an_uninitialised_database_says_to_run_init(tmp_path):
    env = {"HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
           "HOTLINE_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(app, ["search", "社保"], env=env)
    assert result.exit_code != 0
    assert "hotline init" in result.output


@on_sqlite
def test_export_is_formula_free_and_imports_back_unchanged(kb, write_catalog, sample_rows, tmp_path):
    """Issue 14, finding 1: no live formula in either format, and the text survives a round trip."""
    sample_rows[0]["name"] = EVIL[0]
    sample_rows[0]["answer"] = "@SUM(1,1) 请带身份证"
    assert kb("import", str(write_catalog(sample_rows))).exit_code == 0
    exported = kb("export")
    assert exported.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert rows[0]["name"] == "'" + EVIL[0] and rows[0]["answer"].startswith("'@SUM")
    again = tmp_path / "again.csv"
    again.write_text(exported.stdout, encoding="utf-8")
    assert "unchanged" in kb("import", str(again)).stdout
    assert kb("import", "--dry-run", str(again)).stdout.count("created 0, updated 0") == 1
    out = tmp_path / "items.xlsx"
    assert kb("export", "--format", "xlsx", "--out", str(out)).exit_code == 0
    sheet = load_workbook(out).active
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert EVIL[0] in [c.value for row in sheet.iter_rows() for c in row]
    assert "created 0, updated 0" in kb("import", "--dry-run", str(out)).stdout
