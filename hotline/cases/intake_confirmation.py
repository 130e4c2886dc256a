"""The agent confirms or corrects what the analysis pre-filled on a new case (caller, town, service item,
intent, handler). A changed intent or department is stored as a ClassifierCorrection, the input of
``hotline classifier train``. Session first, keyword-only, never commits.

(Domain logic: belongs in hotline/cases next to intake; kept here until the cases owner takes it over.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cases.errors import CaseError
from hotline.cases.timeline import load_case, moment, record
from hotline.models import (
    Case,
    CaseStatus,
    ClassifierCorrection,
    Department,
    Intent,
    Role,
    ServiceItem,
    Site,
    User,
)

CONFIRMERS = frozenset({Role.agent, Role.supervisor})
CONFIRMABLE = frozenset({CaseStatus.accepted, CaseStatus.returned})
CORRECTED = {"intent": "诉求类型", "department": "承办部门"}
EDITED = {"title": "标题", "content": "诉求内容", "address": "地址"}


@dataclass(frozen=True)
class IntakeForm:
    citizen_phone: str = ""
    citizen_name: str = ""
    town: str = ""
    service_item_code: str = ""
    intent: str = ""
    department_id: int | None = None
    title: str = ""  # empty: keep
    content: str = ""  # empty: keep; a change keeps the citizen's words in ``original_content``
    address: str | None = None  # None: keep


def _predicted_department(session: Session, case: Case) -> str | None:
    top = (case.routing or [None])[0]
    if top and top.get("department"):
        return str(top["department"])
    department = session.get(Department, case.department_id) if case.department_id else None
    return department.code if department else None


def _note(corrections: list[tuple[str, str | None, str]], changes: dict[str, Any]) -> str:
    note = "确认受理信息"
    if corrections:
        note += f"（纠正：{'、'.join(CORRECTED[t] for t, _, _ in corrections)}）"
    edited = [EDITED[f] for f in changes if f in EDITED]
    return note + (f"（更正：{'、'.join(edited)}）" if edited else "")


def confirm_intake(
    session: Session, *, case_id: int, actor: User, form: IntakeForm, ip: str | None = None,
    now: datetime | None = None,
) -> list[ClassifierCorrection]:
    """Apply the agent's form to the case; return the corrections recorded (possibly none)."""
    now = moment(now)
    if actor.role not in CONFIRMERS or not actor.active:
        raise CaseError("forbidden", "只有话务员或督办员可以确认工单信息。")
    case = load_case(session, case_id)
    if case.status not in CONFIRMABLE:
        raise CaseError("invalid_transition", "工单已派出或已办结，不能再修改受理信息。")
    intent = None
    if form.intent:
        try:
            intent = Intent(form.intent)
        except ValueError:
            raise CaseError("invalid_input", "请选择诉求类型：咨询、投诉、预约或建议。") from None
    department = None
    if form.department_id is not None:
        department = session.get(Department, form.department_id)
        if department is None or not department.active:
            raise CaseError("invalid_input", f"承办部门 {form.department_id} 不存在或已停用。")
    item = None
    if form.service_item_code.strip():
        code = form.service_item_code.strip().split()[0]
        item = session.scalar(select(ServiceItem).where(ServiceItem.code == code))
        if item is None:
            raise CaseError("invalid_input", f"服务事项 {code} 不存在，请从列表中选择。")
    town = form.town.strip() or None
    if town and session.scalar(select(Site.id).where(Site.town == town).limit(1)) is None:
        raise CaseError("invalid_input", f"未知的镇：{town}。")
    phone = form.citizen_phone.strip()
    if phone and not phone.replace("-", "").replace(" ", "").isdigit():
        raise CaseError("invalid_input", "来电号码只能包含数字。")

    title, content = form.title.strip(), form.content.strip()
    if len(title) > 200:
        raise CaseError("invalid_input", f"标题最多 200 字（现 {len(title)} 字）。")
    if len((form.address or "").strip()) > 200:
        raise CaseError("invalid_input", "地址最多 200 字。")
    if content and content != case.content and case.original_content is None:
        case.original_content = case.content

    corrections = []
    predicted_intent = case.intent.value if case.intent else None
    if intent is not None and intent.value != predicted_intent:
        corrections.append(("intent", predicted_intent, intent.value))
    predicted_department = _predicted_department(session, case)
    if department is not None and department.code != predicted_department:
        corrections.append(("department", predicted_department, department.code))
    rows = [
        ClassifierCorrection(
            created_at=now,
            task=task,
            text=case.content,
            predicted=old,
            corrected=new,
            actor=actor.username,
            case_id=case.id,
        )
        for task, old, new in corrections
    ]
    session.add_all(rows)

    changes = {}
    for field, value in (
        ("citizen_phone", phone or None),
        ("citizen_name", form.citizen_name.strip() or None),
        ("title", title or case.title),
        ("content", content or case.content),
        ("address", case.address if form.address is None else (form.address.strip() or None)),
        ("town", town),
        ("service_item_id", item.id if item else case.service_item_id),
        ("intent", intent or case.intent),
        ("department_id", department.id if department else case.department_id),
    ):
        old = getattr(case, field)
        if old != value:
            changes[field] = [getattr(old, "value", old), getattr(value, "value", value)]
            setattr(case, field, value)
    case.needs_triage = False
    record(
        session,
        case,
        "confirm_intake",
        actor=actor,
        now=now,
        ip=ip,
        note=_note(corrections, changes),
        details={"changes": changes, "corrections": [list(c) for c in corrections]},
    )
    return rows
