"""The public tracking page: a citizen-safe view of a case, found by tracking code + last 4 phone digits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.accounts.timestamps import as_utc, as_utc_or_none
from hotline.cases.appointments import KIND_LABELS
from hotline.cases.errors import CaseError
from hotline.cases.timeline import case_events
from hotline.cases.transitions import STATUS_LABELS
from hotline.models import Appointment, AppointmentStatus, Case, CaseEvent, Department, Site

NOT_FOUND = "未找到该工单，请核对工单编号和登记电话的后四位。"

# What a citizen sees of each timeline action; actions not listed (退单, 协办, 延期申请...) stay internal.
PUBLIC_STEPS = {
    "accept": "工单已受理",
    "answer": "已答复",
    "dispatch": "已转交{target}办理",
    "redispatch": "已转交{target}办理",
    "sign": "承办单位已签收",
    "start": "正在办理",
    "reply": "承办单位已答复",
    "close": "已办结",
    "coordinator_close": "已办结",
    "callback": "已回访",
    "archive": "已归档",
    "suspend": "暂停办理，等待您补充信息",
    "resume": "恢复办理",
    "reopen": "重新办理",
    "merge": "与相同诉求的工单合并办理",
    "decide_extension": "办理期限调整",
    "book_appointment": "已预约",
    "cancel_appointment": "预约已取消",
}


@dataclass(frozen=True)
class TrackingStep:
    at: datetime
    label: str


@dataclass(frozen=True)
class TrackingAppointment:
    kind_label: str
    place: str
    start: datetime
    end: datetime
    cancelled: bool
    closed: bool = False  # a home visit made (上门已办结)


@dataclass
class TrackingView:
    tracking_code: str
    status: str
    status_label: str
    title: str
    created_at: datetime
    reply: str
    replied_at: datetime | None
    merged_into: str | None  # the master case's tracking code
    steps: list[TrackingStep] = field(default_factory=list)
    appointments: list[TrackingAppointment] = field(default_factory=list)


def _digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def track_case(session: Session, *, tracking_code: str, phone_last4: str, ip: str | None = None
               ) -> TrackingView:
    """Raise ``not_found`` for an unknown code and for wrong digits alike (no hint which one was wrong).
    A successful look-up is audited as ``case.track`` by "citizen" with the caller's ``ip``."""
    code = re.sub(r"\s", "", tracking_code or "").upper()
    last4 = _digits(phone_last4)
    if not code or len(last4) != 4:
        raise CaseError("invalid_input", "请输入工单编号和登记电话的后四位数字。")
    case = session.scalar(select(Case).where(Case.tracking_code == code))
    phone = _digits(case.citizen_phone) if case else ""
    if case is None or len(phone) < 4 or phone[-4:] != last4:
        raise CaseError("not_found", NOT_FOUND)
    record_audit(session, actor="citizen", action="case.track", object_type="case", object_id=case.id, ip=ip)
    master = session.get(Case, case.merged_into_id) if case.merged_into_id else None
    public = [e for e in case_events(session, case.id) if e.action in PUBLIC_STEPS
              and (e.action != "decide_extension" or (e.details or {}).get("approved"))]
    view = TrackingView(
        tracking_code=case.tracking_code, status=case.status.value, status_label=STATUS_LABELS[case.status],
        title=case.title, created_at=as_utc(case.created_at),
        reply=case.reply if case.replied_at else "", replied_at=as_utc_or_none(case.replied_at),
        merged_into=master.tracking_code if master else None,
        steps=[TrackingStep(as_utc(e.at), _step_label(session, e)) for e in public],
    )
    appointments = session.scalars(select(Appointment).where(Appointment.case_id == case.id)
                                   .order_by(Appointment.slot_start))
    for a in appointments:
        site = session.get(Site, a.site_id) if a.site_id else None
        view.appointments.append(TrackingAppointment(
            KIND_LABELS[a.kind], site.name if site else (a.town or ""), as_utc(a.slot_start),
            as_utc(a.slot_end), a.status == AppointmentStatus.cancelled,
            a.status == AppointmentStatus.closed))
    return view


def _step_label(session: Session, event: CaseEvent) -> str:
    label = PUBLIC_STEPS[event.action]
    if "{target}" in label:
        details = event.details or {}
        names = [x.name for x in (session.get(Department, details.get("department_id") or 0),
                                  session.get(Site, details.get("site_id") or 0)) if x is not None]
        label = label.format(target="、".join(names) or "承办单位")
    return label
