"""Read side for the console: filtered case lists, case detail with timeline, and the work queues."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from hotline.accounts.audit import record_audit
from hotline.accounts.timestamps import as_utc
from hotline.cases.conduct_access import SEALED_MESSAGE, may_read, reader_ids
from hotline.cases.coordination import case_extensions, co_handlers
from hotline.cases.errors import CaseError
from hotline.cases.loading import CASE_PAGE, CASE_ROW
from hotline.cases.time_limits import CLOCK_RUNNING, deadline_state
from hotline.cases.timeline import case_events, moment, pending_co_departments
from hotline.cases.transitions import RULES, handler_owns, may
from hotline.db import AnySelect
from hotline.models import (
    Appointment,
    Case,
    CaseCoHandler,
    CaseEvent,
    CaseExtension,
    CaseStatus,
    Channel,
    Intent,
    Role,
    User,
)

MAX_PER_PAGE = 200
HANDLER_QUEUE = frozenset({CaseStatus.dispatched, CaseStatus.signed, CaseStatus.handling, CaseStatus.reopened,
                           CaseStatus.suspended})


@dataclass(frozen=True)
class CaseFilter:
    statuses: Sequence[CaseStatus] = ()
    intent: Intent | None = None
    department_id: int | None = None
    site_id: int | None = None
    town: str | None = None
    channel: Channel | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    overdue: bool = False  # past due and the clock still running
    text: str | None = None  # title, content, tracking code, phone


@dataclass
class CasePage:
    items: list[Case]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class CaseDetail:
    case: Case
    events: list[CaseEvent]
    co_handlers: list[CaseCoHandler]
    extensions: list[CaseExtension]
    appointments: list[Appointment]
    actions: list[str]  # what the viewer may do now (keys of transitions.RULES)
    deadline: str | None  # overdue | warning | ok | None
    duplicates: list[Case] = field(default_factory=list)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(query: AnySelect, filters: CaseFilter, now: datetime) -> AnySelect:
    if filters.statuses:
        query = query.where(Case.status.in_(list(filters.statuses)))
    for column, value in ((Case.intent, filters.intent), (Case.department_id, filters.department_id),
                          (Case.site_id, filters.site_id), (Case.town, filters.town),
                          (Case.channel, filters.channel)):
        if value is not None:
            query = query.where(column == value)
    if filters.created_from:
        query = query.where(Case.created_at >= as_utc(filters.created_from))
    if filters.created_to:
        query = query.where(Case.created_at < as_utc(filters.created_to))
    if filters.overdue:
        query = query.where(Case.due_at <= now, Case.status.in_(list(CLOCK_RUNNING)))
    text = (filters.text or "").strip()
    if text:
        pattern = _like(text)
        query = query.where(Case.confidential.is_(False))  # a search must not probe a conduct report's words
        query = query.where(or_(*(column.ilike(pattern, escape="\\") for column in (
            Case.title, Case.content, Case.tracking_code, Case.citizen_phone))))
    return query


def _page(session: Session, query: AnySelect, page: int, per_page: int) -> CasePage:
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(session.scalars(query.options(*CASE_ROW).limit(per_page).offset((page - 1) * per_page)))
    return CasePage(items, total or 0, page, per_page)


def list_cases(session: Session, *, filters: CaseFilter = CaseFilter(), now: datetime | None = None,
               page: int = 1, per_page: int = 20) -> CasePage:
    """Newest first."""
    query = _filtered(select(Case), filters, moment(now)).order_by(Case.created_at.desc(), Case.id.desc())
    return _page(session, query, page, per_page)


def handler_queue(session: Session, *, user: User, page: int = 1, per_page: int = 50) -> CasePage:
    """我的待办: open cases dispatched to the user's department/site, and cases their department co-handles
    and has not replied to yet. Most urgent (earliest due) first."""
    owned = []
    if user.department_id is not None:
        owned.append(Case.department_id == user.department_id)
    if user.site_id is not None:
        owned.append(Case.site_id == user.site_id)
    mine = (Case.status.in_(list(HANDLER_QUEUE)) & or_(*owned)) if owned else false()
    co = Case.id.in_(select(CaseCoHandler.case_id).where(CaseCoHandler.department_id == user.department_id,
                                                         CaseCoHandler.replied_at.is_(None)))
    query = select(Case).where(or_(mine, co) if user.department_id is not None else mine)
    query = query.order_by(Case.due_at.is_(None), Case.due_at, Case.id)
    return _page(session, query, page, per_page)


def returned_queue(session: Session, *, page: int = 1, per_page: int = 50) -> CasePage:
    """退单 cases waiting for an agent to re-dispatch or answer, oldest change first."""
    query = select(Case).where(Case.status == CaseStatus.returned).order_by(Case.updated_at, Case.id)
    return _page(session, query, page, per_page)


def supervision_list(session: Session, *, now: datetime | None = None, department_id: int | None = None
                     ) -> list[tuple[Case, str | None]]:
    """督办: (case, 'overdue' | 'warning') for running clocks past their warning point, overdue first."""
    now = moment(now)
    query = select(Case).where(Case.status.in_(list(CLOCK_RUNNING)), Case.warn_at <= now)
    if department_id is not None:
        query = query.where(Case.department_id == department_id)
    cases = session.scalars(query.options(*CASE_ROW).order_by(Case.due_at, Case.id))
    entries = [(case, deadline_state(case, now=now)) for case in cases]
    return sorted(entries, key=lambda e: e[1] != "overdue")


def may_view(session: Session, case: Case, user: User) -> bool:
    if user.role != Role.handler:
        return True
    co_departments = {c.department_id for c in case_co(session, case)}
    return handler_owns(user, case) or (user.department_id is not None
                                        and user.department_id in co_departments)


def case_co(session: Session, case: Case) -> list[CaseCoHandler]:
    return co_handlers(session, case_id=case.id)


def available_actions(session: Session, *, case: Case, user: User) -> list[str]:
    pending = pending_co_departments(session, case)
    return [action for action, rule in RULES.items() if may(rule, case, user, pending)]


def case_detail(session: Session, *, case_id: int, viewer: User, now: datetime | None = None,
                ip: str | None = None) -> CaseDetail:
    """The case with its timeline, co-handlers, extensions and appointments; records a ``case.view`` audit."""
    now = moment(now)
    case = session.scalar(select(Case).where(Case.id == case_id).options(*CASE_PAGE))
    if case is None:
        raise CaseError("not_found", f"工单 {case_id} 不存在。")
    if not may_view(session, case, viewer):
        raise CaseError("not_case_handler", "该工单未派给您所在的单位。")
    if not may_read(viewer, case, reader_ids(session)):
        raise CaseError("forbidden", SEALED_MESSAGE.format(code=case.tracking_code))
    record_audit(session, actor=viewer, action="case.view", object_type="case", object_id=case.id, ip=ip,
                 at=now)
    appointments = list(session.scalars(select(Appointment).where(Appointment.case_id == case.id)
                                        .order_by(Appointment.slot_start)))
    duplicates = list(session.scalars(select(Case).where(Case.merged_into_id == case.id).order_by(Case.id)))
    return CaseDetail(case=case, events=case_events(session, case.id), co_handlers=case_co(session, case),
                      extensions=case_extensions(session, case_id=case.id), appointments=appointments,
                      actions=available_actions(session, case=case, user=viewer),
                      deadline=deadline_state(case, now=now), duplicates=duplicates)


def next_to_confirm(session: Session) -> Case | None:
    """The oldest case still waiting for an agent to confirm it (待确认), first in, first out."""
    return session.scalar(select(Case).where(Case.status == CaseStatus.accepted)
                          .order_by(Case.created_at, Case.id).limit(1))
