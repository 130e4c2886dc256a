"""The 中转办 coordinator's board: their multi-department cases, who still owes a reply, and the offline
steps (a checklist per case) with overdue ones flagged. Services never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.audit import actor_name
from hotline.cases.errors import CaseError
from hotline.cases.timeline import require_text
from hotline.models import Case, CaseCoHandler, CaseEvent, CaseOfflineStep, Department, Role, User

BOARD_LIMIT = 200


@dataclass(frozen=True)
class CoHandling:
    department: str
    replied: bool


@dataclass(frozen=True)
class BoardRow:
    case: Case
    co_handlers: list[CoHandling]
    steps: list[CaseOfflineStep]
    overdue_steps: int

    @property
    def open_steps(self) -> int:
        return sum(1 for s in self.steps if s.done_at is None)


def _may_coordinate(actor: User, case: Case) -> bool:
    return case.coordinator_id == actor.id or actor.role in (Role.supervisor, Role.admin)


def is_overdue(step: CaseOfflineStep, today: date) -> bool:
    return step.done_at is None and step.due_on is not None and step.due_on < today


def coordinator_board(session: Session, *, viewer: User, today: date) -> list[BoardRow]:
    """Open 中转办 cases of ``viewer`` (supervisors and admins: every coordinator's), most overdue first."""
    stmt = select(Case).where(Case.coordinator_id.is_not(None), Case.closed_at.is_(None),
                              Case.confidential.is_(False))  # conduct reports stay on 纪委监委’s pages
    if viewer.role not in (Role.supervisor, Role.admin):
        stmt = stmt.where(Case.coordinator_id == viewer.id)
    cases = list(session.scalars(stmt.order_by(Case.due_at).limit(BOARD_LIMIT)))
    ids = [c.id for c in cases]
    names = dict(session.execute(select(Department.id, Department.name)).all())
    co: dict[int, list[CoHandling]] = {i: [] for i in ids}
    for row in session.scalars(select(CaseCoHandler).where(CaseCoHandler.case_id.in_(ids))
                               .order_by(CaseCoHandler.id)):
        co[row.case_id].append(CoHandling(names.get(row.department_id, "?"), row.replied_at is not None))
    steps: dict[int, list[CaseOfflineStep]] = {i: [] for i in ids}
    for step in session.scalars(select(CaseOfflineStep).where(CaseOfflineStep.case_id.in_(ids))
                                .order_by(CaseOfflineStep.id)):
        steps[step.case_id].append(step)
    rows = [BoardRow(c, co[c.id], steps[c.id], sum(is_overdue(s, today) for s in steps[c.id])) for c in cases]
    return sorted(rows, key=lambda r: (-r.overdue_steps, -r.open_steps))


def add_step(session: Session, *, case_id: int, actor: User, title: str, due_on: date | None,
             now: datetime) -> CaseOfflineStep:
    case = session.get(Case, case_id)
    if case is None or case.coordinator_id is None:
        raise CaseError("not_found", "该工单不是中转办工单。")
    if not _may_coordinate(actor, case):
        raise CaseError("forbidden", "只有该工单的协调人或督办员可以维护线下步骤。")
    step = CaseOfflineStep(case_id=case.id, title=require_text(title, "线下步骤", limit=200), due_on=due_on,
                           added_by=actor_name(actor))
    session.add(step)
    session.add(CaseEvent(case_id=case.id, at=now, actor=actor_name(actor), action="offline_step",
                          note=f"线下步骤：{step.title}" + (f"（{due_on} 前）" if due_on else "")))
    session.flush()
    return step


def complete_step(session: Session, *, step_id: int, actor: User, now: datetime) -> CaseOfflineStep:
    step = session.get(CaseOfflineStep, step_id)
    if step is None:
        raise CaseError("not_found", "线下步骤不存在。")
    case = session.get_one(Case, step.case_id)
    if not _may_coordinate(actor, case):
        raise CaseError("forbidden", "只有该工单的协调人或督办员可以勾销线下步骤。")
    if step.done_at is None:
        step.done_at, step.done_by = now, actor_name(actor)
        session.add(CaseEvent(case_id=case.id, at=now, actor=actor_name(actor), action="offline_step_done",
                              note=f"线下步骤完成：{step.title}"))
        session.flush()
    return step
