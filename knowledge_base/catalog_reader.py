"""Read and validate a catalogue file (CSV or XLSX) into :class:`ItemRecord` rows.

Every problem in the file is collected (row, column, message) before anything is raised,
so the person fixing the file sees the whole list at once.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from hotline.privacy.spreadsheet_cells import from_csv_cell
from knowledge_base.catalog_schema import (
    CHANNELS,
    COLUMNS,
    DEFAULT_FEE,
    DEFAULT_ITEM_TYPE,
    ITEM_TYPES,
    KINDS,
    LEVELS,
    LIST_FIELDS,
    LIST_SEPARATOR,
    MAX_CODE_LENGTH,
    MAX_LENGTHS,
    REQUIRED_COLUMNS,
    SOURCES,
    STATUSES,
    CatalogFileError,
    ItemRecord,
    Problem,
    normalised_name,
    zone_codes,
)

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
# What an import reads at most (the catalogue has ~900 items): a crafted file gets a clear error, not
# a MemoryError (issue 14, finding 6).
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 64
MAX_CELL_CHARS = 20_000
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_XLSX_RATIO = 200  # uncompressed / compressed, per archive member over 1 MB
MAX_XLSX_MEMBERS = 1000
RawRow = tuple[int, dict[str, str]]


def read_catalog(path: str | Path, *, departments: Collection[str] | None = None) -> list[ItemRecord]:
    """Parse and validate ``path``; raise :class:`CatalogFileError` listing every problem.

    ``departments`` is the set of known department codes; ``None`` skips that check. A folder is read as
    one catalogue made of its .csv/.xlsx files (e.g. one per zone), problems naming the file.
    """
    path = Path(path)
    if path.is_dir():
        return _read_folder(path, departments)
    rows, problems = read_raw_rows(path)
    records: list[ItemRecord] = []
    if not problems:
        records, problems = validate_rows(rows, departments=departments)
    if problems:
        raise CatalogFileError(path.name, problems)
    return records


def _read_folder(folder: Path, departments: Collection[str] | None) -> list[ItemRecord]:
    files = sorted(f for f in folder.iterdir() if f.suffix.lower() in (".csv", ".xlsx"))
    records: list[ItemRecord] = []
    problems: list[Problem] = []
    if not files:
        problems.append(Problem(None, None, f"{folder} 中没有 .csv 或 .xlsx 事项目录文件："
                                            "请把目录文件放进该文件夹"))
    first_code: dict[str, str] = {}
    first_name: dict[tuple[str, str], str] = {}
    for file in files:
        try:
            file_records = read_catalog(file, departments=departments)
        except CatalogFileError as exc:
            problems += [Problem(p.row, p.column, f"{file.name}: {p.message}") for p in exc.problems]
            continue
        for record in file_records:
            where = f"{file.name} row {record.row}"
            same = (normalised_name(record.name), record.department)
            if record.code in first_code:
                problems.append(Problem(record.row, "code", f"{file.name}：事项编码 {record.code} 重复"
                                                            f"（首次出现在 {first_code[record.code]}），"
                                                            "请改用未占用的编码"))
            elif same in first_name:
                problems.append(Problem(record.row, "name", f"{file.name}：{record.department} "
                                                            f"已有事项“{record.name}”"
                                                            f"（{first_name[same]}），请删去重复行或改名"))
            first_code.setdefault(record.code, where)
            first_name.setdefault(same, where)
        records += file_records
    if problems:
        raise CatalogFileError(folder.name, problems)
    return records


def read_raw_rows(path: Path) -> tuple[list[RawRow], list[Problem]]:
    """Cells of every non-blank row keyed by column name, plus header-level problems."""
    if not path.is_file():
        return [], [Problem(None, None, f"找不到文件：{path}，请检查路径")]
    suffix = path.suffix.lower()
    if path.stat().st_size > MAX_FILE_BYTES:
        return [], [Problem(None, None, f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，"
                                        "事项目录远没有这么大："
                                        "请确认选对了文件")]
    if suffix == ".xlsx":
        table, problems = _xlsx_table(path)
    elif suffix in (".csv", ".txt"):
        table, problems = _csv_table(path.read_bytes())
    else:
        return [], [Problem(None, None, f"不支持的文件类型 {suffix}：请用 .csv（UTF-8）或 .xlsx")]
    if problems:
        return [], problems
    return _rows_by_header(table)


def read_table_rows(path: Path) -> tuple[list[RawRow], list[Problem]]:
    """Rows of any spreadsheet keyed by its own header (no column check): for foreign formats."""
    suffix = path.suffix.lower()
    if not path.is_file():
        return [], [Problem(None, None, f"找不到文件：{path}，请检查路径")]
    table, problems = _xlsx_table(path) if suffix == ".xlsx" else _csv_table(path.read_bytes())
    if problems or not table:
        return [], problems or [Problem(None, None, "文件是空的：请选择填好事项的目录文件")]
    header = [c.strip() for c in table[0]]
    rows = [(n, {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h})
            for n, cells in enumerate(table[1:], start=2) if any(c.strip() for c in cells)]
    return rows, ([] if rows else [Problem(None, None, "文件只有表头，没有事项行：请在表头下逐行填写事项")])


def _csv_table(data: bytes) -> tuple[list[list[str]], list[Problem]]:
    if not data.strip():
        return [], [Problem(None, None, "文件是空的：请选择填好事项的目录文件")]
    if data.startswith(b"PK\x03\x04"):
        return [], [Problem(None, None, "这是 Excel 工作簿却以 .csv 命名：请把扩展名改为 .xlsx")]
    if b"\x00" in data:
        return [], [Problem(None, None, "文件不是 UTF-8 文本（二进制或 UTF-16）："
                                        "请在 Excel 中另存为“CSV UTF-8”")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = "请在 Excel 中“另存为 → CSV UTF-8”后重新导入"
        try:
            data.decode("gb18030")
            msg = f"文件不是 UTF-8 编码（看起来是 Excel 存的 GBK/GB18030）：{hint}"
        except UnicodeDecodeError:
            msg = f"文件不是 UTF-8 编码（第 {exc.start} 字节无法识别）：{hint}"
        return [], [Problem(line, None, msg)]
    table: list[list[str]] = []
    for row in csv.reader(io.StringIO(text, newline="")):
        problem = _bounds_problem(len(table) + 1, row)
        if problem:
            return [], [problem]
        table.append([from_csv_cell(c) for c in row])
    return table, []


def _bounds_problem(number: int, cells: list[str]) -> Problem | None:
    if number > MAX_ROWS:
        return Problem(number, None, f"超过 {MAX_ROWS} 行：请把文件拆成几份分别导入")
    if len(cells) > MAX_COLUMNS and any(cells[MAX_COLUMNS:]):
        return Problem(number, None, f"超过 {MAX_COLUMNS} 列：表头应为 " + ",".join(COLUMNS))
    for cell in cells:
        if len(cell) > MAX_CELL_CHARS:
            return Problem(number, None, f"有单元格超过 {MAX_CELL_CHARS} 个字：请精简该单元格")
    return None


def _archive_problem(path: Path) -> Problem | None:
    """Refuse a zip bomb before openpyxl unpacks anything."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        return Problem(None, None, _unreadable(exc))
    unpacked = sum(m.file_size for m in members)
    if len(members) > MAX_XLSX_MEMBERS or unpacked > MAX_XLSX_UNPACKED_BYTES or any(
            m.file_size > 1024 * 1024 and m.file_size > MAX_XLSX_RATIO * max(m.compress_size, 1)
            for m in members):
        return Problem(None, None, f"工作簿解压后有 {unpacked // 1024 // 1024} MB、"
                                   f"{len(members)} 个部件，远超事项目录："
                                   "请用 Excel 重新保存，或另存为 CSV")
    return None


def _xlsx_table(path: Path) -> tuple[list[list[str]], list[Problem]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    problem = _archive_problem(path)
    if problem:
        return [], [problem]
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        return [], [Problem(None, None, _unreadable(exc))]
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # ignore the declared size (a crafted A1:XFD1048576 would pad every row)
        table: list[list[str]] = []
        for row in ws.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True):
            cells = [_xlsx_cell(v) for v in row]
            problem = _bounds_problem(len(table) + 1, cells)
            if problem:
                return [], [problem]
            table.append(cells[:MAX_COLUMNS])
    finally:
        wb.close()
    if not any(any(c.strip() for c in row) for row in table):
        return [], [Problem(None, None, "文件是空的：请选择填好事项的目录文件")]
    return table, []


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_by_header(table: list[list[str]]) -> tuple[list[RawRow], list[Problem]]:
    if not table or not any(c.strip() for c in table[0]):
        return [], [Problem(1, None, "第一行必须是表头：" + ",".join(COLUMNS))]
    header = [c.strip().lower() for c in table[0]]
    while header and not header[-1]:
        header.pop()
    problems = []
    for col in REQUIRED_COLUMNS:
        if col not in header:
            problems.append(Problem(1, col, "缺少这一必填列：请在表头加上该列"))
    seen: set[str] = set()
    for col in header:
        if col not in COLUMNS:
            problems.append(Problem(1, col or "（空）", "无法识别的列：表头只能用 " + ",".join(COLUMNS)))
        elif col in seen:
            problems.append(Problem(1, col, "这一列出现了两次：请删去重复的列"))
        seen.add(col)
    if problems:
        return [], problems
    rows: list[RawRow] = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            problems.append(Problem(number, None, f"本行有 {len(cells)} 个单元格，表头只有 {len(header)} 列："
                                                  "请检查是否多了分隔符"))
            continue
        cells = list(cells) + [""] * (len(header) - len(cells))
        rows.append((number, {col: cells[i].strip() for i, col in enumerate(header)}))
    if not rows and not problems:
        problems.append(Problem(None, None, "文件只有表头，没有事项行：请在表头下逐行填写事项"))
    return rows, problems


def _unreadable(exc: Exception) -> str:
    return f"无法读取该 .xlsx 工作簿（{exc.__class__.__name__}）：请用 Excel 重新保存，或另存为 CSV UTF-8"


def validate_rows(
    rows: Iterable[RawRow], *, departments: Collection[str] | None = None
) -> tuple[list[ItemRecord], list[Problem]]:
    """Turn raw rows into records; collect every problem (including duplicate codes)."""
    records: list[ItemRecord] = []
    problems: list[Problem] = []
    first_row_of: dict[str, int] = {}
    first_name_of: dict[tuple[str, str], int] = {}
    for number, cells in rows:
        record, row_problems = _validate_row(number, cells, departments)
        problems += row_problems
        same = (normalised_name(cells.get("name", "")), cells.get("department", ""))
        if same[0] and same in first_name_of:
            problems.append(Problem(number, "name", f"“{cells['name']}”与第{first_name_of[same]}行是同一部门"
                                                    f"（{same[1]}）的同名事项：请删去重复行"))
        first_name_of.setdefault(same, number)
        code = cells.get("code", "").upper()
        if code in first_row_of:
            first = first_row_of[code]
            problems.append(Problem(number, "code", f"事项编码 {code} 与第{first}行重复：请改用未占用的编码"))
            continue
        if code:
            first_row_of[code] = number
        if record is not None:
            records.append(record)
    return records, problems


def _validate_row(
    number: int, cells: dict[str, str], departments: Collection[str] | None
) -> tuple[ItemRecord | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(number, column, message))

    for col in REQUIRED_COLUMNS:
        if not cells.get(col, ""):
            bad(col, "必填项为空：请填写")
    code = cells.get("code", "").upper()
    window = cells.get("window_number", "").removesuffix(".0")
    if window and not window.isdigit():
        bad("window_number", f"“{window}”不是窗口号：请填数字，或留空（由功能区窗口办理）")
    if code and (len(code) > MAX_CODE_LENGTH or not CODE_PATTERN.match(code)):
        bad("code", f"“{code}”不是有效的事项编码：格式如 DW-001 或 ZW-SB-001")
    for column, limit in MAX_LENGTHS.items():
        if len(cells.get(column, "")) > limit:
            bad(column, f"共 {len(cells[column])} 个字，最多 {limit} 个：请缩短")
    _check_choice(cells, "zone", zone_codes(), bad)
    _check_choice(cells, "kind", KINDS, bad)
    _check_choice(cells, "status", STATUSES, bad)
    _check_choice(cells, "item_type", ITEM_TYPES, bad)
    _check_choice(cells, "source", SOURCES, bad)
    if departments is not None and cells.get("department") and cells["department"] not in departments:
        bad("department", f"没有部门编码“{cells['department']}”："
                          "请填 hotline/seed/departments.csv 中已有的部门编码")
    lists = {col: split_list(cells.get(col, "")) for col in LIST_FIELDS}
    for col, allowed in (("levels", LEVELS), ("channels", CHANNELS)):
        unknown = [v for v in lists[col] if v not in allowed]
        if unknown:
            bad(col, f"无法识别的值 {'、'.join(unknown)}：只能填 {'|'.join(allowed)}")
    days_text = cells.get("time_limit_days", "")
    days = None
    if days_text:
        try:
            days = int(days_text.removesuffix(".0"))  # Excel may write 3 as 3.0
        except ValueError:
            bad("time_limit_days", f"“{days_text}”不是整数：请填工作日天数（0 表示即办）")
        else:
            if not 0 <= days <= 365:
                bad("time_limit_days", f"{days} 个工作日超出范围：请填 0 到 365 之间的天数")
    if problems:
        return None, problems
    return ItemRecord(
        code=code, name=cells["name"], name_mn=cells.get("name_mn") or None, zone=cells["zone"],
        kind=cells["kind"],
        department=cells["department"], levels=lists["levels"], channels=lists["channels"],
        materials=lists["materials"], time_limit_days=days or 0, fee=cells.get("fee") or DEFAULT_FEE,
        steps=lists["steps"], keywords=lists["keywords"], answer=cells["answer"],
        status=cells.get("status") or "active", answer_mn=cells.get("answer_mn") or None, row=number,
        item_type=cells.get("item_type") or DEFAULT_ITEM_TYPE[cells["kind"]],
        source=cells.get("source") or "banner", window_number=int(window) if window else None,
    ), []


def _check_choice(cells: dict[str, str], column: str, allowed: Collection[str],
                  bad: Callable[[str, str], None]) -> None:
    value = cells.get(column, "")
    if value and value not in allowed:
        bad(column, f"无法识别的值“{value}”：只能填 {'、'.join(allowed)} 之一")


def split_list(cell: str) -> tuple[str, ...]:
    """``a|b| a |`` -> ``('a', 'b')``: trimmed, empty and repeated entries dropped, order kept."""
    out: list[str] = []
    for part in cell.split(LIST_SEPARATOR):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return tuple(out)
