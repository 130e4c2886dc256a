"""An item's revision history shown field by field in Chinese (who, when, what changed), and rollback to an
earlier revision by the 政务服务局 (itself a new revision, so nothing is ever lost).

Services take the session first and keyword-only arguments and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.cases.errors import CaseError
from hotline.models import ServiceItem, ServiceItemRevision, User
from knowledge_base.catalog_schema import ITEM_TYPES, SOURCES
from knowledge_base.item_changes import is_reviewer
from knowledge_base.items import get_item, record_of, update_item

FIELD_LABELS = {
    "code": "事项编码", "name": "事项名称", "name_mn": "蒙古文名称", "zone": "功能区", "kind": "党务/政务",
    "department": "实施主体", "item_type": "事项类型", "source": "事项来源", "levels": "办理层级",
    "channels": "办理渠道", "window_number": "窗口号", "materials": "办理材料",
    "time_limit_days": "承诺时限（工作日）",
    "fee": "收费", "steps": "办理流程", "keywords": "关键词", "answer": "答复口径", "status": "状态",
    "answer_mn": "蒙古文答复口径",
}
ACTION_LABELS = {"created": "新建", "updated": "修改", "retired": "停用", "restored": "恢复",
                 "rolled_back": "回滚"}
_VALUE_LABELS: dict[str, dict[str, str]] = {
    "kind": {"party": "党务", "government": "政务"},
    "levels": {"banner": "旗级", "town": "镇级", "village": "嘎查村级", "grid": "网格（中心户）"},
    "channels": {"window": "窗口", "online": "网办", "phone": "电话", "home_visit": "上门",
                 "proxy": "帮办代办"},
    "status": {"active": "在用", "retired": "已停用"},
    "item_type": ITEM_TYPES, "source": SOURCES,
}
REVIEW_REVISION_SEPARATOR = "/审核 "


def shown(field: str, value: Any) -> str:
    """A field value as a reader sees it (lists joined, codes in Chinese, empty as —)."""
    labels = _VALUE_LABELS.get(field, {})
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return "；".join(labels.get(str(v), str(v)) for v in value)
    return labels.get(str(value), str(value))


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class RevisionView:
    revision: ServiceItemRevision
    number: int  # 1 = the item as created
    action: str  # Chinese
    proposer: str  # username (the page shows display names)
    reviewer: str | None
    fields: list[FieldChange]


def field_changes(changes: dict[str, list[Any]]) -> list[FieldChange]:
    return [FieldChange(f, FIELD_LABELS.get(f, "其他"), shown(f, old), shown(f, new))
            for f, (old, new) in changes.items()]


def history(session: Session, *, code: str) -> tuple[ServiceItem, list[RevisionView]]:
    """The item and its revisions, newest first."""
    item = get_item(session, code=code)
    if item is None:
        raise CaseError("not_found", f"没有编码为 {code} 的服务事项。")
    views = []
    for number, rev in enumerate(item.revisions, start=1):
        proposer, _, reviewer = rev.actor.partition(REVIEW_REVISION_SEPARATOR)
        views.append(RevisionView(rev, number, ACTION_LABELS.get(rev.action, "修改"), proposer,
                                  reviewer or None, field_changes(rev.changes)))
    return item, views[::-1]


def state_after(item: ServiceItem, revision_id: int) -> dict[str, Any]:
    """The item's fields as they were right after ``revision_id`` (later revisions undone, newest first)."""
    current = record_of(item)
    state: dict[str, Any] = {f: getattr(current, f) for f in FIELD_LABELS}
    later = [r for r in item.revisions if r.id > revision_id]
    for rev in reversed(later):
        for field, (old, _new) in rev.changes.items():
            if field in state:
                state[field] = old
    return state


def rollback(session: Session, *, code: str, revision_id: int, actor: User, reason: str, now: datetime
             ) -> ServiceItem:
    """Put the item back as it was after ``revision_id``; the rollback is a new revision ("回滚")."""
    if not is_reviewer(session, actor):
        raise CaseError("forbidden", "只有旗政务服务与数据管理局可以回滚事项。")
    item = get_item(session, code=code)
    if item is None:
        raise CaseError("not_found", f"没有编码为 {code} 的服务事项。")
    target = session.scalar(select(ServiceItemRevision).where(ServiceItemRevision.id == revision_id,
                                                              ServiceItemRevision.item_id == item.id))
    if target is None:
        raise CaseError("not_found", "该版本不属于这个事项。")
    if not reason.strip():
        raise CaseError("invalid_input", "请写明回滚原因。")
    current = record_of(item)
    wanted = {f: v for f, v in state_after(item, revision_id).items()
              if f != "code" and v != _plain(getattr(current, f))}
    if not wanted:
        raise CaseError("invalid_input", "该版本与当前内容相同，无需回滚。")
    before = len(item.revisions)
    update_item(session, code=code, actor=actor.username, **wanted)
    if len(item.revisions) > before:
        item.revisions[-1].action = "rolled_back"
        item.revisions[-1].changed_at = now
    number = [r.id for r in item.revisions].index(revision_id) + 1
    record_audit(session, actor=actor, action="kb.rollback", object_type="service_item", object_id=item.code,
                 at=now, details={"revision": number, "fields": [FIELD_LABELS[f] for f in sorted(wanted)],
                          "reason": reason.strip()})
    session.flush()
    return item


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
