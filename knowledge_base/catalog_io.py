"""Import and export the service-item catalogue (CSV or XLSX); load the shipped seed catalogue.

Import validates the whole file before writing anything: a bad file raises
:class:`CatalogFileError` with every problem and leaves the database untouched. Re-importing
the same file changes nothing; a changed row leaves one revision with the changed fields.
Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

import csv
import dataclasses
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.models import ServiceItem
from hotline.privacy.spreadsheet_cells import as_text_cell, csv_safe
from knowledge_base.catalog_reader import read_catalog
from knowledge_base.catalog_schema import COLUMNS, ItemRecord
from knowledge_base.items import (
    changed_fields,
    department_ids,
    get_item,
    list_items,
    record_of,
    revision_action,
    update_item,
    upsert_item,
)

SEED_CATALOG = Path(__file__).parent / "seed" / "catalogue"  # one CSV per zone
# Mongolian names and short answers of the citizen-facing items, by item code: kept apart from the main
# catalogue so that translators and catalogue editors do not edit the same file.
SEED_MONGOLIAN = Path(__file__).parent / "seed" / "items_mn.csv"
EXPORT_FORMATS = ("csv", "xlsx")


@dataclass
class ItemChange:
    code: str
    action: str  # created / updated / retired / restored
    fields: list[str]
    item: ServiceItem | None = None  # None in a dry run


@dataclass
class ImportResult:
    source: str
    rows: int
    dry_run: bool = False
    changes: list[ItemChange] = field(default_factory=list)

    unchanged: int = 0

    @property
    def items(self) -> list[ServiceItem]:
        return [c.item for c in self.changes if c.item is not None]

    def counts(self) -> dict[str, int]:
        counted = Counter(c.action for c in self.changes)
        return {a: counted.get(a, 0) for a in ("created", "updated", "retired", "restored")} | {
            "unchanged": self.unchanged
        }

    def summary(self) -> str:
        head = "dry run, nothing written: " if self.dry_run else ""
        counts = ", ".join(f"{k} {v}" for k, v in self.counts().items())
        return f"{head}{self.source}: {self.rows} rows, {counts}"


def import_catalog(
    session: Session, *, path: str | Path, actor: str, dry_run: bool = False, retire_missing: bool = False
) -> ImportResult:
    """Upsert every row of ``path`` by code; raise :class:`CatalogFileError` if any row is bad.

    ``retire_missing`` treats the file as the whole catalogue: active items it does not list are
    retired. ``dry_run`` reports the same changes without writing anything.
    """
    path = Path(path)
    departments = department_ids(session)
    records = read_catalog(path, departments=departments)
    if retire_missing:
        listed = {r.code for r in records}
        records += [dataclasses.replace(record_of(item), status="retired")
                    for item in list_items(session) if item.code not in listed]
    result = ImportResult(source=path.name, rows=len(records), dry_run=dry_run)
    for record in records:
        if dry_run:
            change = _planned_change(session, record)
        else:
            item, action = upsert_item(session, record=record, actor=actor, departments=departments)
            changes = sorted(item.revisions[-1].changes) if action else []
            change = ItemChange(record.code, action, changes, item) if action else None
        if change:
            result.changes.append(change)
        else:
            result.unchanged += 1
    if retire_missing:
        result.rows = len(listed)
    if not dry_run:  # who changed the catalogue citizens and agents rely on, from which file
        record_audit(session, actor=actor, action="kb.import", object_type="catalogue", object_id=path.name,
                     details={"rows": result.rows, **result.counts(), "retire_missing": retire_missing})
    return result


def _planned_change(session: Session, record: ItemRecord) -> ItemChange | None:
    existing = get_item(session, code=record.code)
    old = record_of(existing) if existing is not None else None
    diff = changed_fields(old, record)
    return ItemChange(record.code, revision_action(old, record, diff), sorted(diff)) if diff else None


def load_seed_catalogue(session: Session, *, actor: str = "seed") -> int:
    """Add the shipped items (knowledge_base/seed/catalogue/*.csv) that are missing; return how many.

    Items already in the database are left alone, so running `hotline init` again never undoes
    an administrator's edits or retirements. Use :func:`import_catalog` to apply a new catalogue.
    """
    departments = department_ids(session)
    existing = set(session.scalars(select(ServiceItem.code)))
    mongolian = seed_mongolian()
    added = 0
    for record in read_catalog(SEED_CATALOG, departments=departments):
        if record.code not in existing:
            name_mn, answer_mn = mongolian.get(record.code, (None, None))
            record = dataclasses.replace(record, name_mn=record.name_mn or name_mn,
                                         answer_mn=record.answer_mn or answer_mn)
            upsert_item(session, record=record, actor=actor, departments=departments)
            added += 1
    _fill_missing_mongolian(session, mongolian, actor=actor)
    return added


def seed_mongolian(path: Path = SEED_MONGOLIAN) -> dict[str, tuple[str | None, str | None]]:
    """code -> (name_mn, answer_mn) from the shipped Mongolian file."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row["code"].strip(): ((row.get("name_mn") or "").strip() or None,
                                      (row.get("answer_mn") or "").strip() or None)
                for row in csv.DictReader(fh) if (row.get("code") or "").strip()}


def _fill_missing_mongolian(session: Session, mongolian: dict[str, tuple[str | None, str | None]], *,
                            actor: str) -> None:
    """Items loaded before their Mongolian was shipped get it; a name or answer already set is kept."""
    for item in list(session.scalars(select(ServiceItem).where(ServiceItem.code.in_(mongolian)))):
        name_mn, answer_mn = mongolian[item.code]
        pairs = (("name_mn", name_mn, item.name_mn), ("answer_mn", answer_mn, item.answer_mn))
        changes = {field: new for field, new, old in pairs if new and not old}
        if changes:
            update_item(session, code=item.code, actor=actor, **changes)


def export_catalog(
    session: Session, *, path: str | Path, format: str | None = None, include_retired: bool = True
) -> list[ServiceItem]:
    """Write every item to ``path`` (format from the suffix unless given); importing it changes nothing."""
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "csv").lower()
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use csv or xlsx")
    items = list_items(session, include_retired=include_retired)
    records = [record_of(i) for i in items]
    if fmt == "xlsx":
        write_xlsx(records, path)
    else:
        # BOM so that Excel opens the Chinese text correctly; the importer accepts it.
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            write_csv(records, fh)
    return items


def write_csv(records: Iterable[ItemRecord], fh: TextIO) -> None:
    writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: csv_safe(v) for k, v in record.as_row().items()})


def write_xlsx(records: Iterable[ItemRecord], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "service_items"
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for record in records:
        row = record.as_row()
        ws.append([row[c] for c in COLUMNS])
        for cell in ws[ws.max_row]:
            as_text_cell(cell)
    ws.freeze_panes = "B2"
    widths = {"code": 12, "name": 28, "materials": 40, "steps": 40, "keywords": 40, "answer": 60}
    for index, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(1, index).column_letter].width = widths.get(column, 14)
    wb.save(path)
