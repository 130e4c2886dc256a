"""Who may see personal numbers in clear, and the audit record every unmasking leaves."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.models import Role
from hotline.privacy.masking import mask_text

log = logging.getLogger(__name__)

UNMASK_ROLES = frozenset({Role.supervisor, Role.admin})
UNMASK_ACTION = "privacy.unmask"
# fields of a case row that may carry a phone or ID number
PERSONAL_FIELDS = ("citizen_phone", "citizen_name", "title", "content", "transcript", "text", "reply")
_MASKED_FIELDS = tuple(f for f in PERSONAL_FIELDS if f != "citizen_name")


class UnmaskForbidden(PermissionError):
    """The role may only see masked numbers."""


def may_unmask(role: Role | str) -> bool:
    return Role(role) in UNMASK_ROLES


def masked_row(row: dict) -> dict:
    """A copy of ``row`` with the personal fields masked (names are kept: they are needed to call back)."""
    masked = dict(row)
    for key in _MASKED_FIELDS:
        value = masked.get(key)
        if isinstance(value, str):
            masked[key] = mask_text(value)
    return masked


def record_unmask(session: Session, *, actor: str, role: Role | str, object_type: str, object_id: object,
                  ip: str | None = None, details: dict | None = None) -> None:
    """Check the role and audit one unmasking (added to the session's unit of work, not committed)."""
    if not may_unmask(role):
        raise UnmaskForbidden(f"角色 {Role(role).value} 无权查看完整号码")
    record_audit(session, actor=actor, action=UNMASK_ACTION, object_type=object_type, object_id=object_id,
                 ip=ip, details=details or {})
    log.info("unmask by %s of %s %s", actor, object_type, object_id)
