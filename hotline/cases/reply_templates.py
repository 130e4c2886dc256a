"""Reply templates (答复模板): kept per service item or department, filled with the case's facts when offered.
Placeholders: {姓名} {工单编号} {事项} {部门} {日期} {电话}. Session first, keyword-only, never commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.cases.errors import CaseError
from hotline.cases.timeline import require_text
from hotline.cases.working_days import china_date
from hotline.models import Case, Department, ReplyTemplate, ServiceItem, User, utcnow

PLACEHOLDERS = ("姓名", "工单编号", "事项", "部门", "日期", "电话")


@dataclass(frozen=True)
class OfferedTemplate:
    id: int
    name: str
    shortcut: int | None
    text: str  # filled for the case


def fill(body: str, case: Case) -> str:
    values = {
        "姓名": case.citizen_name or "群众",
        "工单编号": case.tracking_code,
        "事项": case.service_item.name if case.service_item else "您反映的事项",
        "部门": case.department.name if case.department else "承办单位",
        "日期": china_date(utcnow()).strftime("%Y年%m月%d日"),
        "电话": case.citizen_phone or "",
    }
    for key, value in values.items():
        body = body.replace("{" + key + "}", value)
    return body


def templates_for_case(session: Session, *, case: Case) -> list[OfferedTemplate]:
    """Active templates of the case's service item or department, and the general ones; shortcut order."""
    rows = session.scalars(
        select(ReplyTemplate).where(
            ReplyTemplate.active.is_(True),
            or_(ReplyTemplate.department_id.is_(None), ReplyTemplate.department_id == case.department_id),
            or_(
                ReplyTemplate.service_item_id.is_(None), ReplyTemplate.service_item_id == case.service_item_id
            ),
        )
    )
    ordered = sorted(rows, key=lambda t: (t.shortcut is None, t.shortcut or 0, t.name))
    return [OfferedTemplate(t.id, t.name, t.shortcut, fill(t.body, case)) for t in ordered]


def list_templates(session: Session) -> list[ReplyTemplate]:
    return list(
        session.scalars(
            select(ReplyTemplate)
            .options(selectinload(ReplyTemplate.department), selectinload(ReplyTemplate.service_item))
            .order_by(ReplyTemplate.active.desc(), ReplyTemplate.name)
        )
    )


def create_template(
    session: Session,
    *,
    actor: User,
    name: str,
    body: str,
    department_id: int | None = None,
    service_item_code: str = "",
    shortcut: int | None = None,
) -> ReplyTemplate:
    name = require_text(name, "模板名称", limit=64)
    body = require_text(body, "模板内容")
    if shortcut is not None and not 1 <= shortcut <= 9:
        raise CaseError("invalid_input", "快捷键应为 1 到 9 之间的数字（Alt+数字插入）。")
    if department_id is not None and session.get(Department, department_id) is None:
        raise CaseError("invalid_input", f"承办部门 {department_id} 不存在。")
    item = None
    if service_item_code.strip():
        code = service_item_code.strip().split()[0]
        item = session.scalar(select(ServiceItem).where(ServiceItem.code == code))
        if item is None:
            raise CaseError("invalid_input", f"服务事项 {code} 不存在，请从列表中选择。")
    template = ReplyTemplate(
        name=name,
        body=body,
        department_id=department_id,
        service_item_id=item.id if item else None,
        shortcut=shortcut,
        active=True,
        created_by=actor.username,
    )
    session.add(template)
    session.flush()
    return template


def set_template_active(session: Session, *, template_id: int, active: bool) -> ReplyTemplate:
    template = session.get(ReplyTemplate, template_id)
    if template is None:
        raise CaseError("not_found", f"答复模板 {template_id} 不存在。")
    template.active = active
    return template
