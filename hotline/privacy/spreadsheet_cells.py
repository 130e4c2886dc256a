"""Keep exported text from turning into live spreadsheet formulas (CSV/formula injection).

Excel, LibreOffice and WPS evaluate a cell whose text starts with ``= + - @`` (also the full-width
``＝ ＋ － ＠``, and after leading tabs, carriage returns or spaces that they strip on import). Such text
is exported with a leading apostrophe in CSV — the spreadsheet's own "this is text" mark, which it does not
show — and as a typed string cell in XLSX, so the citizen's words survive unchanged and nothing runs.
"""

from __future__ import annotations

import re

QUOTE = "'"
_TRIGGERS = "=+-@＝＋－＠"
_LEADING_BLANKS = " \t\r\n\u3000\u00a0\x0b\x0c"
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would evaluate ``text`` (a plain signed number such as -3 is data)."""
    stripped = text.lstrip(_LEADING_BLANKS)
    if not stripped or stripped[0] not in _TRIGGERS:
        return False
    return not _PLAIN_NUMBER.fullmatch(stripped)


def csv_safe(value: object) -> object:
    """``value`` as a CSV cell: formula-like text gets the leading apostrophe, other values are unchanged."""
    if isinstance(value, str) and (is_formula_like(value)
                                   or value.startswith(QUOTE) and is_formula_like(value[1:])):
        return QUOTE + value
    return value


def from_csv_cell(text: str) -> str:
    """Undo :func:`csv_safe` on import, so that exporting and importing a catalogue changes nothing."""
    if text.startswith(QUOTE) and (is_formula_like(text[1:]) or text[1:].startswith(QUOTE)
                                   and is_formula_like(text[2:])):
        return text[1:]
    return text


def as_text_cell(cell) -> object:
    """Make an openpyxl cell holding text a plain string cell (never a formula, data type 's'); return it."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def xlsx_row(sheet, values) -> list:
    """``values`` as write-only openpyxl cells of ``sheet``; text is always a string cell, never a formula."""
    from openpyxl.cell import WriteOnlyCell

    return [as_text_cell(WriteOnlyCell(sheet, value=v)) if isinstance(v, str) else v for v in values]
