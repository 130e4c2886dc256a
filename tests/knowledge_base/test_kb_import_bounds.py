"""A crafted catalogue file gets a clear error, not a MemoryError (issue 14, finding 6)."""

from __future__ import annotations

import re
import zipfile

import pytest

from knowledge_base.catalog_reader import MAX_ROWS, read_catalog
from knowledge_base.catalog_schema import CatalogFileError


def _patched_xlsx(src, dst, patch) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = patch(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item.filename, data)


@pytest.fixture
def small_xlsx(write_catalog, sample_rows):
    return write_catalog(sample_rows[:2], name="ok.xlsx")


def test_a_declared_huge_sheet_reads_only_its_real_cells(small_xlsx, tmp_path):
    crafted = tmp_path / "declared.xlsx"
    huge = '<dimension ref="A1:XFD1048576"'
    _patched_xlsx(small_xlsx, crafted, lambda xml: re.sub(r'<dimension ref="[^"]+"', huge, xml))
    assert crafted.stat().st_size < 10_000
    assert len(read_catalog(crafted)) == 2  # the two real rows, read in bounded memory


def test_a_cell_far_to_the_right_is_not_padded_into_memory(small_xlsx, tmp_path):
    crafted = tmp_path / "far.xlsx"
    far = '<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    _patched_xlsx(small_xlsx, crafted, lambda xml: xml.replace("</row>", far, 1))
    assert len(read_catalog(crafted)) == 2  # read up to the last catalogue column, no 16 384-cell rows


def test_a_zip_bomb_is_refused_before_unpacking(small_xlsx, tmp_path):
    crafted = tmp_path / "bomb.xlsx"
    filler = "<!--" + "a" * (60 * 1024 * 1024) + "-->"
    _patched_xlsx(small_xlsx, crafted, lambda xml: xml.replace("<sheetData>", filler + "<sheetData>", 1))
    assert crafted.stat().st_size < 200_000
    with pytest.raises(CatalogFileError) as err:
        read_catalog(crafted)
    assert "远超事项目录" in err.value.problems[0].message


def test_too_many_rows_and_a_huge_cell_are_named(tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("code,name\n" + "X-1,a\n" * (MAX_ROWS + 5), encoding="utf-8")
    with pytest.raises(CatalogFileError) as err:
        read_catalog(rows)
    assert f"超过 {MAX_ROWS} 行：请把文件拆成" in err.value.problems[0].message
    cell = tmp_path / "cell.csv"
    cell.write_text("code,name\nX-1," + "长" * 30_000 + "\n", encoding="utf-8")
    with pytest.raises(CatalogFileError) as err:
        read_catalog(cell)
    assert "个字：请精简" in err.value.problems[0].message
