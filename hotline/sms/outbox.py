"""The SMS outbox. A poll turns new cases into 受理回执 and answered cases into 答复通知 (one per case
and kind, by a unique key, so two pollers never queue twice); due messages are claimed, sent, retried
with backoff and held over quiet hours (21:00–08:00 China time); opted-out numbers are never texted.
Session first, keyword-only, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.accounts.timestamps import as_utc
from hotline.models import Case, CaseStatus, Department, SmsKind, SmsMessage, SmsOptOut, SmsState

CHINA = ZoneInfo("Asia/Shanghai")
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
RETRY_AFTER_S = (60, 300, 1800)  # after the 1st, 2nd, 3rd failed attempt; then failed for good
MAX_ATTEMPTS = len(RETRY_AFTER_S) + 1
LOOKBACK = timedelta(days=2)  # only recent cases get a receipt (a new gateway does not text old citizens)
OPT_OUT_WORDS = frozenset({"TD", "T", "退订", "N"})
SIGNATURE = "【7812345热线】"
TEXTS = {
    SmsKind.receipt: SIGNATURE
    + "您的诉求已受理，工单编号{code}。凭编号和电话后四位可在网上“进度查询”查看办理进度。回复TD退订",
    SmsKind.reply: SIGNATURE + "您的诉求（工单{code}）已有答复：{reply}回复TD退订",
}
# For citizens who read Mongolian (traditional script, from phrases of the web catalogue; a draft for the
# banner's translator like the catalogue's fuzzy entries). The opt-out hint stays Chinese (TD is the keyword).
TEXTS_MN = {
    SmsKind.receipt: SIGNATURE
    + "ᠲᠠᠨ ᠤ ᠭᠤᠶᠤᠯᠲᠠ ᠶᠢ ᠬᠦᠯᠢᠵᠦ ᠠᠪᠤᠯᠠᠠ᠃ ᠬᠡᠷᠡᠭ ᠦᠨ ᠳᠤᠭᠠᠷ᠄{code}᠃ ᠳᠤᠭᠠᠷ ᠪᠠ ᠤᠲᠠᠰᠤ ᠶᠢᠨ ᠰᠡᠭᠦᠯ ᠦᠨ ᠳᠥᠷᠪᠡᠨ ᠣᠷᠤᠨ ᠢᠶᠠᠷ "
    "“ᠶᠠᠪᠤᠴᠠ ᠶᠢ ᠠᠰᠠᠭᠤᠬᠤ” ᠳᠤ ᠪᠦᠲᠦᠭᠡᠯ ᠦᠨ ᠶᠠᠪᠤᠴᠠ ᠶᠢ ᠦᠵᠡᠵᠦ ᠪᠣᠯᠨᠣ᠃ 回复TD退订",
    SmsKind.reply: SIGNATURE + "ᠬᠡᠷᠡᠭ ᠦᠨ ᠳᠤᠭᠠᠷ᠄{code}᠃ ᠪᠦᠲᠦᠭᠡᠬᠦ ᠪᠠᠶᠢᠭᠤᠯᠯᠠᠭ᠎ᠠ ᠬᠠᠷᠢᠭᠤ ᠦᠭᠪᠡ᠄{reply} 回复TD退订",
}


def text_for(case: Case, kind: SmsKind, **values: str) -> str:
    """The message in the language the citizen reads (the case's citizen language, else its language)."""
    texts = TEXTS_MN if (case.citizen_language or case.language) == "mn" else TEXTS
    return texts[kind].format(code=case.tracking_code, **values)


REPLY_CHARS = 120


@dataclass(frozen=True)
class Outgoing:
    id: int
    phone: str
    text: str
    attempt: int


def digits(phone: str | None) -> str:
    return "".join(ch for ch in (phone or "") if ch.isdigit())


def is_mobile(phone: str) -> bool:
    return len(phone) == 11 and phone.startswith("1")


def outside_quiet_hours(now: datetime) -> datetime:
    """``now``, or the end of the quiet hours it falls in (China time)."""
    local = as_utc(now).astimezone(CHINA)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return as_utc(now)
    day = local.date() + (timedelta(days=1) if local.time() >= QUIET_FROM else timedelta())
    return as_utc(datetime.combine(day, QUIET_UNTIL, CHINA))


def opted_out(session: Session, phone: str) -> bool:
    return session.scalar(select(SmsOptOut.id).where(SmsOptOut.phone == digits(phone))) is not None


def opt_out(session: Session, *, phone: str, reason: str = "") -> SmsOptOut:
    """Record an opt-out (a TD reply, or a citizen's request); queued messages to the number are cancelled."""
    number = digits(phone)
    row = session.scalar(select(SmsOptOut).where(SmsOptOut.phone == number))
    if row is None:
        row = SmsOptOut(phone=number, reason=reason[:200])
        session.add(row)
    for message in session.scalars(
        select(SmsMessage).where(SmsMessage.phone == number, SmsMessage.state == SmsState.queued)
    ):
        message.state, message.last_error = SmsState.cancelled, "群众已退订"
    session.flush()
    return row


def _queue(session: Session, *, case: Case, kind: SmsKind, text: str, now: datetime) -> SmsMessage | None:
    phone = digits(case.citizen_phone)
    state, error = SmsState.queued, ""
    if not is_mobile(phone):
        state, error = SmsState.cancelled, "不是手机号码"
    elif opted_out(session, phone):
        state, error = SmsState.cancelled, "群众已退订"
    message = SmsMessage(
        case_id=case.id,
        kind=kind,
        phone=phone or "-",
        text=text,
        state=state,
        next_attempt_at=outside_quiet_hours(now),
        last_error=error,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:  # another poller queued it first
        return None
    return message


STAFF_TEXTS = {
    SmsKind.warning: SIGNATURE + "临期预警：工单{code}（{title}）已用去办理时限的{share}，请于{due}前办结。",
    SmsKind.red_card: SIGNATURE + "红牌督办：工单{code}（{title}）{note}。请部门负责人督促办理。",
}


def queue_staff_notice(session: Session, *, case: Case, kind: SmsKind, now: datetime,
                       **values: str) -> SmsMessage | None:
    """A notice to the handling department's phone (Department.phone), once per case and kind; None when the
    department has no mobile number or it was queued before."""
    department = session.get(Department, case.department_id) if case.department_id else None
    phone = digits(department.phone if department else None)
    if not is_mobile(phone):
        return None
    text = STAFF_TEXTS[kind].format(code=case.tracking_code, title=case.title[:20], **values)
    message = SmsMessage(case_id=case.id, kind=kind, phone=phone, text=text, state=SmsState.queued,
                         next_attempt_at=outside_quiet_hours(now), last_error="")
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return None
    return message


def queue_notices(session: Session, *, now: datetime) -> int:
    """Queue the receipts and reply notices not queued yet; returns how many rows were added."""
    since = as_utc(now) - LOOKBACK
    added = 0
    receipt = and_(SmsMessage.case_id == Case.id, SmsMessage.kind == SmsKind.receipt)
    for case in session.scalars(
        select(Case)
        .outerjoin(SmsMessage, receipt)
        .where(
            SmsMessage.id.is_(None),
            Case.created_at >= since,
            Case.citizen_phone.is_not(None),
            Case.status != CaseStatus.merged,
        )
    ):
        added += (
            _queue(
                session,
                case=case,
                kind=SmsKind.receipt,
                now=now,
                text=text_for(case, SmsKind.receipt),
            )
            is not None
        )
    reply = and_(SmsMessage.case_id == Case.id, SmsMessage.kind == SmsKind.reply)
    for case in session.scalars(
        select(Case)
        .outerjoin(SmsMessage, reply)
        .where(SmsMessage.id.is_(None), Case.replied_at >= since, Case.citizen_phone.is_not(None))
    ):
        text = (
            case.reply if len(case.reply) <= REPLY_CHARS else case.reply[:REPLY_CHARS] + "…（详见进度查询）"
        )
        added += (
            _queue(
                session,
                case=case,
                kind=SmsKind.reply,
                now=now,
                text=text_for(case, SmsKind.reply, reply=text),
            )
            is not None
        )
    return added


def claim_due(session: Session, *, now: datetime, limit: int = 50) -> list[Outgoing]:
    """Due queued messages, each counted as an attempt; held back again if ``now`` is in quiet hours."""
    now = as_utc(now)
    if outside_quiet_hours(now) != now:
        return []
    rows = session.scalars(
        select(SmsMessage)
        .where(SmsMessage.state == SmsState.queued, SmsMessage.next_attempt_at <= now)
        .order_by(SmsMessage.next_attempt_at, SmsMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = []
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + timedelta(minutes=10)  # a crash mid-send retries later, not at once
        claimed.append(Outgoing(row.id, row.phone, row.text, row.attempts))
    session.flush()
    return claimed


def record_sent(session: Session, *, message_id: int, provider_id: str, now: datetime) -> None:
    row = session.get_one(SmsMessage, message_id)
    row.state, row.provider_id, row.sent_at, row.last_error = SmsState.sent, provider_id, as_utc(now), ""


def record_failure(session: Session, *, message_id: int, error: str, permanent: bool, now: datetime) -> None:
    row = session.get_one(SmsMessage, message_id)
    row.last_error = error[:300]
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.state = SmsState.failed
    else:
        row.state = SmsState.queued
        row.next_attempt_at = outside_quiet_hours(
            as_utc(now) + timedelta(seconds=RETRY_AFTER_S[row.attempts - 1])
        )


def record_delivery(
    session: Session, *, provider_id: str, delivered: bool, status: str, now: datetime
) -> bool:
    """A delivery report (状态报告); False when no message has that provider id."""
    row = session.scalar(select(SmsMessage).where(SmsMessage.provider_id == provider_id))
    if row is None:
        return False
    if delivered:
        row.state, row.delivered_at = SmsState.delivered, as_utc(now)
    else:
        row.state, row.last_error = SmsState.failed, f"运营商回执：{status}"
    return True


def on_incoming(session: Session, *, phone: str, text: str) -> bool:
    """A citizen's SMS to the hotline: TD/退订 opts the number out. True when it was an opt-out."""
    if text.strip().upper() in OPT_OUT_WORDS:
        opt_out(session, phone=phone, reason=f"短信回复“{text.strip()}”")
        return True
    return False
