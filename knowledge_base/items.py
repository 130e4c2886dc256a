"""Service-item services: look up, create/update from a record, retire; every change leaves a revision.

Functions take the session first and keyword-only arguments, return ORM objects and never commit.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.models import Department, ItemKind, ItemStatus, ServiceItem, ServiceItemRevision
from knowledge_base.catalog_schema import LIST_FIELDS, RECORD_FIELDS, ItemRecord


class ItemNotFound(LookupError):
    """No service item has this code."""


def get_item(session: Session, *, code: str) -> ServiceItem | None:
    stmt = select(ServiceItem).where(ServiceItem.code == code.strip().upper())
    # the revisions too: an update appends one, and `hotline kb show` lists them
    loads = (selectinload(ServiceItem.department), selectinload(ServiceItem.revisions))
    return session.scalars(stmt.options(*loads)).one_or_none()


def list_items(
    session: Session, *, include_retired: bool = False, zone: str | None = None
) -> list[ServiceItem]:
    stmt = select(ServiceItem).options(selectinload(ServiceItem.department)).order_by(ServiceItem.code)
    if not include_retired:
        stmt = stmt.where(ServiceItem.status == ItemStatus.active)
    if zone:
        stmt = stmt.where(ServiceItem.zone == zone)
    return list(session.scalars(stmt))


def department_ids(session: Session) -> dict[str, int]:
    """Department code -> id, for validating and resolving catalogue rows."""
    return {code: id_ for code, id_ in session.execute(select(Department.code, Department.id))}


def record_of(item: ServiceItem) -> ItemRecord:
    """The item in catalogue vocabulary (department by code, lists as tuples)."""
    return ItemRecord(
        code=item.code, name=item.name, name_mn=item.name_mn, zone=item.zone, kind=ItemKind(item.kind).value,
        department=item.department.code, levels=tuple(item.levels or ()), channels=tuple(item.channels or ()),
        materials=tuple(item.materials or ()), time_limit_days=item.time_limit_days, fee=item.fee,
        steps=tuple(item.steps or ()), keywords=tuple(item.keywords or ()), answer=item.answer,
        answer_mn=item.answer_mn,
        status=ItemStatus(item.status).value, item_type=item.item_type, source=item.source,
        window_number=item.window_number,
    )


def changed_fields(old: ItemRecord | None, new: ItemRecord) -> dict[str, list[Any]]:
    """field -> [old, new] for every field that differs (lists as JSON lists)."""
    out: dict[str, list[Any]] = {}
    for name in RECORD_FIELDS:
        before = getattr(old, name) if old is not None else None
        after = getattr(new, name)
        if before != after:
            out[name] = [_jsonable(before), _jsonable(after)]
    return out


def _jsonable(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def upsert_item(
    session: Session, *, record: ItemRecord, actor: str, departments: dict[str, int] | None = None
) -> tuple[ServiceItem, str | None]:
    """Create or update the item ``record.code``; return it and the revision action (None = unchanged)."""
    departments = departments if departments is not None else department_ids(session)
    item = get_item(session, code=record.code)
    old = record_of(item) if item is not None else None
    changes = changed_fields(old, record)
    if not changes and item is not None:
        return item, None
    action = revision_action(old, record, changes)
    department = session.get_one(Department, departments[record.department])
    if item is None:
        item = ServiceItem(code=record.code)
    _apply(item, record, department)
    item.revisions.append(ServiceItemRevision(actor=actor, action=action, changes=changes))
    session.add(item)
    session.flush()
    return item, action


def revision_action(old: ItemRecord | None, new: ItemRecord, changes: dict[str, list[Any]]) -> str:
    if old is None:
        return "created"
    if set(changes) == {"status"}:
        return "retired" if new.status == ItemStatus.retired.value else "restored"
    return "updated"


def _apply(item: ServiceItem, record: ItemRecord, department: Department) -> None:
    for name in RECORD_FIELDS:
        if name == "department":
            item.department = department
        elif name == "kind":
            item.kind = ItemKind(record.kind)
        elif name == "status":
            item.status = ItemStatus(record.status)
        elif name in LIST_FIELDS:
            setattr(item, name, list(getattr(record, name)))
        else:
            setattr(item, name, getattr(record, name))


def update_item(session: Session, *, code: str, actor: str, **changes: Any) -> ServiceItem:
    """Change some fields of an item (catalogue vocabulary: ``department`` by code, lists as sequences)."""
    item = get_item(session, code=code)
    if item is None:
        raise ItemNotFound(code)
    unknown = set(changes) - set(RECORD_FIELDS) | ({"code"} & set(changes))
    if unknown:
        raise ValueError(f"cannot change field(s): {', '.join(sorted(unknown))}")
    fixed: dict[str, Any] = {k: tuple(v) if k in LIST_FIELDS else v for k, v in changes.items()}
    record = dataclasses.replace(record_of(item), **fixed)
    item, _ = upsert_item(session, record=record, actor=actor)
    return item


def retire_item(session: Session, *, code: str, actor: str) -> ServiceItem:
    """Mark an item retired (kept for history and old cases; hidden from search)."""
    return update_item(session, code=code, actor=actor, status=ItemStatus.retired.value)
