"""帮办/代办/上门 tasks of a 中心户: routed from a linked household's case, closed with "已上门/已代办".

The village station above sees every task of its 中心户. Services never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hotline.cases.errors import CaseError
from hotline.grid.register import linked_by_phone
from hotline.models import (
    Case,
    CaseEvent,
    GridHousehold,
    GridTask,
    GridTaskKind,
    GridTaskOutcome,
    GridTaskStatus,
    Role,
    User,
)

KIND_LABELS = {"assist": "帮办", "proxy": "代办", "visit": "上门服务"}
OUTCOME_LABELS = {"visited": "已上门", "proxied": "已代办", "not_home": "未遇，需再次上门"}
_ROUTERS = (Role.agent, Role.supervisor, Role.admin)
# words that make a linked household's contact a 帮办/代办 request for its 中心户 (checked in this order)
REQUEST_WORDS = (
    (GridTaskKind.proxy, ("代办", "代缴", "代领", "代为", "帮我办", "帮忙办", "替我办", "帮忙缴", "帮忙交")),
    (GridTaskKind.assist, ("帮办", "不会办", "不会弄", "教我", "陪同", "陪我")),
)


def requested_kind(text: str) -> GridTaskKind | None:
    """帮办 or 代办 when the text asks for it, else None."""
    for kind, words in REQUEST_WORDS:
        if any(word in text for word in words):
            return kind
    return None


def auto_route(session: Session, *, case: Case, now: datetime) -> GridTask | None:
    """A 帮办/代办 request from a registered linked household goes to its 中心户 at once; the village station
    above sees it on its board. Nothing happens for other callers or other requests."""
    kind = requested_kind(case.content or "")
    linked = linked_by_phone(session, phone=case.citizen_phone) if kind else None
    if kind is None or linked is None or not linked.grid_household.active:
        return None
    if session.scalar(select(GridTask.id).where(GridTask.case_id == case.id)) is not None:
        return None
    household = linked.grid_household
    task = GridTask(grid_household=household, linked_household=linked, case_id=case.id, kind=kind,
                    status=GridTaskStatus.open, request=case.title[:200], requested_by="system")
    session.add(task)
    session.add(CaseEvent(case_id=case.id, at=now, actor="system", action="grid_task",
                          note=f"联系户{linked.head_name}的{KIND_LABELS[kind.value]}请求，自动转{household.name}",
                          details={"grid_household": household.code}))
    session.flush()
    return task


def _may_route(actor: User, household: GridHousehold) -> bool:
    return actor.role in _ROUTERS or (actor.role == Role.handler and actor.site_id == household.site_id)


def _may_close(actor: User, household: GridHousehold) -> bool:
    return (household.user_id == actor.id or actor.role == Role.admin
            or (actor.role == Role.handler and actor.site_id == household.site_id))


def route_case(session: Session, *, case: Case, kind: GridTaskKind, actor: User, now: datetime,
               request: str = "", grid_household_id: int | None = None) -> GridTask:
    """Give ``case`` to the 中心户 of the caller's linked household (or the one named) as 帮办/代办/上门."""
    linked = linked_by_phone(session, phone=case.citizen_phone)
    if grid_household_id is not None:
        household = session.get(GridHousehold, grid_household_id)
    else:
        household = linked.grid_household if linked else None
    if household is None or not household.active:
        raise CaseError("invalid_input", "来电号码不是登记的联系户：请选择要转交的党员中心户。")
    if not _may_route(actor, household):
        raise CaseError("forbidden", "您无权向该中心户派发帮办代办任务。")
    if linked is not None and linked.grid_household_id != household.id:
        linked = None
    already = session.scalar(select(GridTask.id).where(GridTask.case_id == case.id,
                                                       GridTask.grid_household_id == household.id,
                                                       GridTask.status == GridTaskStatus.open))
    if already is not None:
        raise CaseError("invalid_transition", f"该工单已转{household.name}，尚未办结。")
    kind = GridTaskKind(kind)
    task = GridTask(grid_household=household, linked_household=linked, case_id=case.id, kind=kind,
                    status=GridTaskStatus.open, request=(request.strip() or case.title)[:200],
                    requested_by=actor.username)
    session.add(task)
    session.add(CaseEvent(case=case, at=now, actor=actor.username, action="grid_task",
                                 note=f"转{household.name}{KIND_LABELS[kind.value]}",
                                 details={"grid_household": household.code}))
    session.flush()
    return task


def plan_visit(session: Session, *, household_id: int, linked_id: int | None, request: str, actor: User,
               now: datetime) -> GridTask:
    """A 上门服务 the village station asks a 中心户 to make (no case needed)."""
    household = session.get(GridHousehold, household_id)
    if household is None or not _may_route(actor, household):
        raise CaseError("forbidden", "您无权向该中心户派发上门任务。")
    if not request.strip():
        raise CaseError("invalid_input", "请写明上门要办的事。")
    task = GridTask(grid_household=household, linked_household_id=linked_id, kind=GridTaskKind.visit,
                    status=GridTaskStatus.open, request=request.strip()[:200], requested_by=actor.username)
    session.add(task)
    session.flush()
    return task


def may_see_photo(actor: User, task: GridTask) -> bool:
    """The 中心户 itself, its village station and admins; nobody else sees a household's photo."""
    return _may_close(actor, task.grid_household)


def record_outcome(session: Session, *, task_id: int, outcome: GridTaskOutcome, note: str, actor: User,
                   now: datetime, photo_path: str | None = None) -> GridTask:
    """"已上门/已代办" with a note (and a photo) closes the task; "未遇" keeps it open with the note."""
    task = session.get(GridTask, task_id, options=[selectinload(GridTask.grid_household)])
    if task is None:
        raise CaseError("not_found", "任务不存在。")
    if not _may_close(actor, task.grid_household):
        raise CaseError("forbidden", "只有该中心户或其所属服务站可以登记办理结果。")
    if task.status == GridTaskStatus.done:
        raise CaseError("invalid_transition", "该任务已办结。")
    if not note.strip():
        raise CaseError("invalid_input", "请写一句办理情况（办了什么、群众是否满意）。")
    outcome = GridTaskOutcome(outcome)
    task.outcome, task.note = outcome, note.strip()[:2000]
    if photo_path:
        task.photo_path = photo_path
    if outcome != GridTaskOutcome.not_home:
        task.status, task.done_at, task.done_by = GridTaskStatus.done, now, actor.username
    if task.case_id is not None:
        session.add(CaseEvent(case_id=task.case_id, at=now, actor=actor.username, action="grid_outcome",
                              note=f"{task.grid_household.name}：{OUTCOME_LABELS[outcome.value]}。{task.note}"))
    session.flush()
    return task


def list_tasks(session: Session, *, grid_household_id: int | None = None, site_id: int | None = None,
               case_id: int | None = None, open_only: bool = False) -> list[GridTask]:
    stmt = (select(GridTask).join(GridHousehold)
            .options(selectinload(GridTask.grid_household), selectinload(GridTask.linked_household))
            .order_by(GridTask.status.desc(), GridTask.id.desc()))
    if grid_household_id is not None:
        stmt = stmt.where(GridTask.grid_household_id == grid_household_id)
    if site_id is not None:
        stmt = stmt.where(GridHousehold.site_id == site_id)
    if case_id is not None:
        stmt = stmt.where(GridTask.case_id == case_id)
    if open_only:
        stmt = stmt.where(GridTask.status == GridTaskStatus.open)
    return list(session.scalars(stmt))
