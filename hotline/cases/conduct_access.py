"""Who may read a conduct report (党风政风监督件), and the view everyone else gets.

Its content and its reporter are readable only by 纪委监委's handlers and by supervisors (:func:`may_read`);
everyone else sees that a case exists (its tracking code, status, department and dates) and
:data:`SEALED_TITLE` in place of its words (:class:`SealedCase`). Exports and analytics never carry the
reporter (:func:`protected_row`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Case, Department, Role

CONDUCT_DEPARTMENT = "jwjw"  # 旗纪委监委
CONDUCT_ITEM = "DW-038"  # 检举控告与党员申诉
SEALED_TITLE = "党风政风监督件（内容仅纪委监委和督办人员可见）"
SEALED_MESSAGE = "工单 {code} 是党风政风监督件，内容和反映人仅纪委监委和督办人员可以查看。"
SEALED_TEXT = "（党风政风监督件：内容与反映人仅纪委监委和督办人员可见）"
ANONYMOUS_SHOWN = "（反映人信息受保护）"


def conduct_department_id(session: Session) -> int | None:
    return session.scalar(select(Department.id).where(Department.code == CONDUCT_DEPARTMENT))


def reader_ids(session: Session) -> frozenset[int]:
    """Departments whose handlers may read conduct reports (纪委监委)."""
    found = conduct_department_id(session)
    return frozenset({found}) if found is not None else frozenset()


class Viewer(Protocol):
    @property
    def role(self) -> Role: ...

    @property
    def department_id(self) -> int | None: ...


def reads_conduct(user: Viewer | None, readers: frozenset[int]) -> bool:
    """A supervisor, or a handler of 纪委监委 (``readers``: :func:`reader_ids`)."""
    if user is None:
        return False
    return user.role == Role.supervisor or (user.role == Role.handler and user.department_id in readers)


def may_read(user: Viewer | None, case: Case, readers: frozenset[int]) -> bool:
    """Whether ``user`` may read ``case``'s content and reporter: any case but a conduct report."""
    return not case.confidential or reads_conduct(user, readers)


def may_read_conduct(session: Session, user: Viewer | None) -> bool:
    """Whether ``user`` may read conduct reports at all."""
    return reads_conduct(user, reader_ids(session))


class SealedCase:
    """A conduct report as a non-reader sees it: the case's own attributes, but none of its words, its
    reporter, its call or its timeline notes."""

    HIDDEN: dict[str, Any] = {
        "title": SEALED_TITLE, "content": SEALED_TEXT, "original_content": None, "reply": "",
        "citizen_name": None, "citizen_phone": None, "address": None, "routing": [], "kb_matches": [],
        "call": None, "call_id": None, "events": [],
    }
    sealed = True

    def __init__(self, case: Any) -> None:
        object.__setattr__(self, "_case", case)

    def __getattr__(self, name: str) -> Any:
        if name in self.HIDDEN:
            return self.HIDDEN[name]
        return getattr(self._case, name)


def shown(session: Session, user: Viewer | None, cases: Iterable[Any]) -> list[Any]:
    """``cases`` as ``user`` may see them: conduct reports they may not read are sealed."""
    readers = reader_ids(session)
    return [c if may_read(user, c, readers) else SealedCase(c) for c in cases]


def protected_row(row: dict[str, Any], *, readable: bool) -> dict[str, Any]:
    """An analytics/export row (dict with ``confidential``): a conduct report never names its reporter,
    and its words are sealed unless ``readable``."""
    if not row.get("confidential"):
        return row
    row = {**row, "citizen_phone": ANONYMOUS_SHOWN, "citizen_name": ANONYMOUS_SHOWN}
    if not readable:
        row.update(title=SEALED_TITLE, content=SEALED_TEXT, reply="")
    return row
