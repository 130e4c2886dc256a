"""Audit log service: record who viewed or changed what; query it for admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.timestamps import as_utc
from hotline.models import AuditRecord, User, utcnow


def actor_name(actor: User | str | None) -> str:
    if actor is None:
        return "system"
    return actor if isinstance(actor, str) else actor.username


def record_audit(
    session: Session,
    *,
    actor: User | str | None,
    action: str,
    object_type: str,
    object_id: object = None,
    ip: str | None = None,
    details: dict | None = None,
    at: datetime | None = None,
) -> AuditRecord:
    """Add one audit record (flushed with the unit of work, never committed here)."""
    record = AuditRecord(
        at=as_utc(at) if at else utcnow(),
        actor=actor_name(actor),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip=ip,
        details=details or {},
    )
    session.add(record)
    return record


def list_audit(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: object = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditRecord]:
    """Newest first."""
    query = select(AuditRecord)
    if actor:
        query = query.where(AuditRecord.actor == actor)
    if action:
        query = query.where(AuditRecord.action == action)
    if object_type:
        query = query.where(AuditRecord.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditRecord.object_id == str(object_id))
    if since:
        query = query.where(AuditRecord.at >= as_utc(since))
    if until:
        query = query.where(AuditRecord.at < as_utc(until))
    query = query.order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
    query = query.limit(min(limit, 1000)).offset(offset)
    return list(session.scalars(query))
