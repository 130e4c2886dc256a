"""Do-not-call: a citizen may refuse callbacks for one case or for their number."""

from __future__ import annotations

import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.cases.errors import CaseError
from hotline.models import Case, DoNotCall, User


def normalize_phone(raw: str | None) -> str | None:
    """Digits only, without +86/0086 (what is stored and compared); None when nothing dialable is left."""
    if not raw:
        return None
    digits = re.sub(r"[\s\-()（）]", "", raw.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not digits.isdigit() or not 3 <= len(digits) <= 20:
        return None
    return digits


def is_opted_out(session: Session, *, phone: str | None, case_id: int | None) -> bool:
    conditions = []
    number = normalize_phone(phone)
    if number:
        conditions.append(DoNotCall.phone == number)
    if case_id is not None:
        conditions.append(DoNotCall.case_id == case_id)
    if not conditions:
        return False
    return session.scalar(select(DoNotCall.id).where(or_(*conditions)).limit(1)) is not None


def add_opt_out(session: Session, *, actor: User | str | None, phone: str | None = None,
                case_id: int | None = None, reason: str = "") -> DoNotCall:
    """Add a number (or one case) to the do-not-call list; adding it again returns the existing row."""
    if phone is not None:
        number = normalize_phone(phone)
        if number is None:
            raise CaseError("invalid_input", f"电话号码“{phone}”无效：请填写数字号码，如 13912345678。")
        existing = session.scalar(select(DoNotCall).where(DoNotCall.phone == number))
        target: dict[str, str | int] = {"phone": number}
    elif case_id is not None:
        if session.get(Case, case_id) is None:
            raise CaseError("not_found", f"工单 {case_id} 不存在。")
        existing = session.scalar(select(DoNotCall).where(DoNotCall.case_id == case_id))
        target = {"case_id": case_id}
    else:
        raise CaseError("invalid_input", "请填写电话号码或工单。")
    if existing is not None:
        return existing
    name = actor if isinstance(actor, str) else (actor.username if actor else "system")
    row = DoNotCall(reason=reason.strip()[:200], created_by=name, **target)
    session.add(row)
    record_audit(session, actor=actor, action="callback.opt_out", object_type="callback_opt_out",
                 object_id=target.get("phone") or target.get("case_id"), details={"reason": row.reason})
    session.flush()
    return row


def remove_opt_out(session: Session, *, actor: User | str | None, phone: str) -> bool:
    number = normalize_phone(phone)
    row = session.scalar(select(DoNotCall).where(DoNotCall.phone == number)) if number else None
    if row is None:
        return False
    session.delete(row)
    record_audit(session, actor=actor, action="callback.opt_in", object_type="callback_opt_out",
                 object_id=number)
    session.flush()
    return True
