"""The nuisance-caller list as a service: session first, keyword-only arguments, never commits.

Agents flag a number (``pending``); supervisors confirm (``active``, with an expiry in days or none), reject,
add directly, or lift. Every step is audited (``nuisance.*``). ``blocking_entry`` is what a call start asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.accounts.audit import actor_name, record_audit
from hotline.models import NuisanceNumber, NuisanceState, User

MAX_DAYS = 3650
OPEN_STATES = (NuisanceState.pending, NuisanceState.active)


class NuisanceError(ValueError):
    """Bad input or a step that does not apply; the message (Chinese) says what to do."""


def normalize_phone(raw: str) -> str:
    """Digits only; a leading 86 country code before an 11-digit mobile number is dropped."""
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not 3 <= len(digits) <= 20:
        raise NuisanceError("请填写正确的电话号码（3–20 位数字）。")
    return digits


def _reason(raw: str) -> str:
    reason = (raw or "").strip()
    if not reason:
        raise NuisanceError("请填写拉黑原因，例如“反复拨打辱骂坐席”。")
    if len(reason) > 200:
        raise NuisanceError("原因最多 200 字，请精简后再提交。")
    return reason


def _expiry(days: int | None, now: datetime) -> datetime | None:
    if days is None:
        return None
    if not 1 <= days <= MAX_DAYS:
        raise NuisanceError(f"期限请填 1–{MAX_DAYS} 天，或留空表示长期有效。")
    return now + timedelta(days=days)


def _open_entry(session: Session, phone: str, now: datetime) -> NuisanceNumber | None:
    return session.scalars(
        select(NuisanceNumber)
        .where(NuisanceNumber.phone == phone, NuisanceNumber.state.in_(OPEN_STATES),
               or_(NuisanceNumber.expires_at.is_(None), NuisanceNumber.expires_at > now))
        .order_by(NuisanceNumber.id.desc())
    ).first()


def flag_call(session: Session, *, phone: str, reason: str, actor: User | str, now: datetime,
              case_id: int | None = None, call_id: str | None = None,
              ip: str | None = None) -> NuisanceNumber:
    """An agent's flag: pending until a supervisor confirms it (an open entry of the number is returned)."""
    number, why = normalize_phone(phone), _reason(reason)
    existing = _open_entry(session, number, now)
    if existing is not None:
        return existing
    entry = NuisanceNumber(phone=number, reason=why, state=NuisanceState.pending,
                           flagged_by=actor_name(actor), case_id=case_id, call_id=call_id)
    session.add(entry)
    session.flush()
    record_audit(session, actor=actor, action="nuisance.flag", object_type="phone", object_id=number, ip=ip,
                 details={"reason": why, "case_id": case_id}, at=now)
    return entry


def add_entry(session: Session, *, phone: str, reason: str, days: int | None, actor: User | str,
              now: datetime, ip: str | None = None) -> NuisanceNumber:
    """A supervisor puts a number on the list at once (active)."""
    number, why, expires = normalize_phone(phone), _reason(reason), _expiry(days, now)
    existing = _open_entry(session, number, now)
    if existing is not None and existing.state is NuisanceState.active:
        raise NuisanceError(f"号码 {number} 已在黑名单中；如需改期限，请先解除再重新加入。")
    if existing is not None:  # a pending flag: confirm it with the supervisor's reason and expiry
        existing.reason = why
        return confirm(session, entry_id=existing.id, days=days, actor=actor, now=now, ip=ip)
    entry = NuisanceNumber(phone=number, reason=why, state=NuisanceState.active, expires_at=expires,
                           flagged_by=actor_name(actor), decided_by=actor_name(actor), decided_at=now)
    session.add(entry)
    session.flush()
    record_audit(session, actor=actor, action="nuisance.add", object_type="phone", object_id=number, ip=ip,
                 details={"reason": why, "days": days}, at=now)
    return entry


def _decide(session: Session, entry_id: int, allowed: tuple[NuisanceState, ...], what: str) -> NuisanceNumber:
    entry = session.get(NuisanceNumber, entry_id)
    if entry is None:
        raise NuisanceError(f"黑名单记录 {entry_id} 不存在，请刷新页面。")
    if entry.state not in allowed:
        raise NuisanceError(f"该记录当前不能{what}，请刷新页面查看最新状态。")
    return entry


def confirm(session: Session, *, entry_id: int, days: int | None, actor: User | str, now: datetime,
            ip: str | None = None) -> NuisanceNumber:
    entry = _decide(session, entry_id, (NuisanceState.pending,), "确认")
    entry.state, entry.expires_at = NuisanceState.active, _expiry(days, now)
    entry.decided_by, entry.decided_at = actor_name(actor), now
    record_audit(session, actor=actor, action="nuisance.confirm", object_type="phone", object_id=entry.phone,
                 ip=ip, details={"reason": entry.reason, "days": days}, at=now)
    return entry


def reject(session: Session, *, entry_id: int, actor: User | str, now: datetime,
           ip: str | None = None) -> NuisanceNumber:
    entry = _decide(session, entry_id, (NuisanceState.pending,), "驳回")
    entry.state, entry.decided_by, entry.decided_at = NuisanceState.rejected, actor_name(actor), now
    record_audit(session, actor=actor, action="nuisance.reject", object_type="phone", object_id=entry.phone,
                 ip=ip, details={"reason": entry.reason}, at=now)
    return entry


def lift(session: Session, *, entry_id: int, actor: User | str, now: datetime,
         ip: str | None = None) -> NuisanceNumber:
    entry = _decide(session, entry_id, (NuisanceState.active,), "解除")
    entry.state, entry.decided_by, entry.decided_at = NuisanceState.lifted, actor_name(actor), now
    record_audit(session, actor=actor, action="nuisance.lift", object_type="phone", object_id=entry.phone,
                 ip=ip, details={"reason": entry.reason}, at=now)
    return entry


def blocking_entry(session: Session, *, phone: str, now: datetime) -> NuisanceNumber | None:
    """The active, unexpired entry that blocks calls from ``phone`` (None: let the call in)."""
    try:
        number = normalize_phone(phone)
    except NuisanceError:
        return None  # anonymous or odd caller ids are never blocked
    return session.scalars(
        select(NuisanceNumber)
        .where(NuisanceNumber.phone == number, NuisanceNumber.state == NuisanceState.active,
               or_(NuisanceNumber.expires_at.is_(None), NuisanceNumber.expires_at > now))
        .order_by(NuisanceNumber.id.desc())
    ).first()


def note_blocked(session: Session, *, entry: NuisanceNumber, now: datetime) -> None:
    entry.blocked_calls += 1
    entry.last_blocked_at = now


@dataclass(frozen=True)
class Blacklist:
    pending: list[NuisanceNumber]
    active: list[NuisanceNumber]
    past: list[NuisanceNumber]  # expired, lifted, rejected (newest first, bounded)


def blacklist(session: Session, *, now: datetime, past_limit: int = 50) -> Blacklist:
    rows = list(session.scalars(select(NuisanceNumber).order_by(NuisanceNumber.id.desc())))
    pending = [r for r in rows if r.state is NuisanceState.pending]
    active = [r for r in rows if r.state is NuisanceState.active and not expired(r, now)]
    past = [r for r in rows if r not in pending and r not in active][:past_limit]
    return Blacklist(pending=pending, active=active, past=past)


def expired(entry: NuisanceNumber, now: datetime) -> bool:
    if entry.expires_at is None:
        return False
    expires = entry.expires_at if entry.expires_at.tzinfo else entry.expires_at.replace(tzinfo=now.tzinfo)
    return expires <= now
