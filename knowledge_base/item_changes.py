"""Departments keep their own items: a department (or a handler who found an error while answering a case)
proposes a change; the 政务服务局 reviews it; publishing applies it as a revision (who, when, what changed).

Services take the session first and keyword-only arguments and never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cases.errors import CaseError
from hotline.models import ChangeStatus, Department, ItemChangeRequest, Role, User
from knowledge_base.catalog_schema import LIST_FIELDS, LIST_SEPARATOR
from knowledge_base.items import get_item, record_of, update_item

EDITABLE = {"name": "事项名称", "materials": "办理材料", "time_limit_days": "承诺时限（工作日）",
            "fee": "收费", "answer": "答复口径", "steps": "办理流程"}
REVIEWING_DEPARTMENT = "zwfwj"  # 旗政务服务与数据管理局


def is_reviewer(session: Session, actor: User) -> bool:
    if actor.role == Role.admin:
        return True
    code = session.scalar(select(Department.code).where(Department.id == actor.department_id))
    return actor.role == Role.handler and code == REVIEWING_DEPARTMENT


def _value(field: str, raw: str) -> str | int | list[str]:
    raw = raw.strip()
    if field in LIST_FIELDS:
        parts = raw.replace("\n", LIST_SEPARATOR).split(LIST_SEPARATOR)
        return [part.strip() for part in parts if part.strip()]
    if field == "time_limit_days":
        if not raw.isdigit() or int(raw) > 365:
            raise CaseError("invalid_input", "承诺时限应为 0–365 的整数个工作日（0 = 即办）。")
        return int(raw)
    return raw


def propose_change(session: Session, *, item_code: str, actor: User, fields: dict[str, str], reason: str,
                   case_id: int | None = None) -> ItemChangeRequest:
    """A change of some EDITABLE fields (text as typed; lists one per line or separated by |)."""
    item = get_item(session, code=item_code)
    if item is None:
        raise CaseError("not_found", f"没有编码为 {item_code} 的服务事项。")
    own = actor.role == Role.handler and actor.department_id == item.department_id
    if not (own or actor.role == Role.admin or (case_id is not None and actor.role == Role.handler)):
        raise CaseError("forbidden", "只能修改本部门的事项；发现其他部门事项有误请从工单提出更正。")
    old = record_of(item)
    changes = {}
    for field, raw in fields.items():
        if field not in EDITABLE or not raw.strip():
            continue
        new = _value(field, raw)
        before = getattr(old, field)
        before = list(before) if isinstance(before, tuple) else before
        if new != before:
            changes[field] = [before, new]
    if not changes:
        raise CaseError("invalid_input", "没有任何改动：请填写要更正的内容。")
    request = ItemChangeRequest(item_code=item.code, department_id=item.department_id, changes=changes,
                                reason=reason.strip(), status=ChangeStatus.submitted,
                                proposed_by=actor.username, case_id=case_id)
    session.add(request)
    session.flush()
    return request


def review_change(session: Session, *, request_id: int, actor: User, publish: bool, note: str, now: datetime
                  ) -> ItemChangeRequest:
    """The 政务服务局 publishes (the item changes; its revision names proposer and reviewer) or rejects."""
    if not is_reviewer(session, actor):
        raise CaseError("forbidden", "事项变更由旗政务服务与数据管理局审核。")
    request = session.get(ItemChangeRequest, request_id)
    if request is None or request.status != ChangeStatus.submitted:
        raise CaseError("invalid_transition", "该变更不在待审核状态。")
    if publish:
        update_item(session, code=request.item_code, actor=f"{request.proposed_by}/审核 {actor.username}",
                    **{field: new for field, (_old, new) in request.changes.items()})
    elif not note.strip():
        raise CaseError("invalid_input", "退回时请写明原因。")
    request.status = ChangeStatus.published if publish else ChangeStatus.rejected
    request.reviewed_by, request.reviewed_at, request.review_note = actor.username, now, note.strip()
    session.flush()
    return request


def list_changes(session: Session, *, department_id: int | None = None, status: ChangeStatus | None = None
                 ) -> list[ItemChangeRequest]:
    stmt = select(ItemChangeRequest).order_by(ItemChangeRequest.id.desc()).limit(200)
    if department_id is not None:
        stmt = stmt.where(ItemChangeRequest.department_id == department_id)
    if status is not None:
        stmt = stmt.where(ItemChangeRequest.status == status)
    return list(session.scalars(stmt))
