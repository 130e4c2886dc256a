"""CSV (UTF-8 with BOM, for Excel) and XLSX (openpyxl write-only) exports of a selection, without a row cap.

Text a spreadsheet would evaluate (``=…``, ``+…``, ``@…``) is neutralised without losing it (see
:mod:`hotline.privacy.spreadsheet_cells`). Both read the cases in id-ordered batches and hand back chunks as
they go, so memory does not grow with the
number of rows. Personal numbers are masked unless the caller passes ``unmask=True`` (after auditing).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime

from hotline.analytics.case_list import EXPORT_COLUMNS
from hotline.analytics.filters import CHINA
from hotline.privacy.spreadsheet_cells import csv_safe, xlsx_row
from hotline.privacy.unmasking import masked_row

BOM = "\ufeff"
CSV_FLUSH_ROWS = 500
FILE_CHUNK = 64 * 1024
_ILLEGAL_XLSX = {c: None for c in range(32) if c not in (9, 10, 13)}

# column -> {stored value: display label}; the web layer passes its zh-CN tables
Labels = Mapping[str, Mapping[str, str]]


def display_row(row: dict, labels: Labels, *, unmask: bool) -> list[str | int]:
    row = row if unmask else masked_row(row)
    out: list[str | int] = []
    for key, _title in EXPORT_COLUMNS:
        value = row.get(key)
        if isinstance(value, datetime):
            if value.tzinfo is None:  # SQLite hands back naive UTC
                value = value.replace(tzinfo=UTC)
            value = value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
        elif value is None:
            value = ""
        elif key in labels:
            raw = str(getattr(value, "value", value))
            value = labels[key].get(raw, raw)
        elif not isinstance(value, int):
            value = str(getattr(value, "value", value))
        out.append(value)
    return out


def csv_chunks(rows: Iterable[dict], labels: Labels, *, unmask: bool = False) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([title for _key, title in EXPORT_COLUMNS])
    pending = 0
    for row in rows:
        writer.writerow([csv_safe(v) for v in display_row(row, labels, unmask=unmask)])
        pending += 1
        if pending >= CSV_FLUSH_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(rows: Iterable[dict], labels: Labels, *, unmask: bool = False,
                on_written: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """Write the workbook to a temporary file row by row, then stream the file and delete it."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工单")
    sheet.append([title for _key, title in EXPORT_COLUMNS])
    count = 0
    for row in rows:
        sheet.append(xlsx_row(sheet, [v.translate(_ILLEGAL_XLSX) if isinstance(v, str) else v
                                      for v in display_row(row, labels, unmask=unmask)]))
        count += 1
    fd, path = tempfile.mkstemp(prefix="hotline-export-", suffix=".xlsx")
    os.close(fd)
    try:
        workbook.save(path)
        if on_written:
            on_written(count)
        with open(path, "rb") as fh:
            while chunk := fh.read(FILE_CHUNK):
                yield chunk
    finally:
        os.unlink(path)
