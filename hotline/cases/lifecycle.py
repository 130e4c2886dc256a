"""Case lifecycle services: one function per action of the transition table (see transitions.RULES).

Each takes the session first and keyword-only arguments, checks role, ownership and status before
changing anything, records a CaseEvent (and an audit record), flushes, and never commits.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.cases import time_limits as clock
from hotline.cases.errors import CaseError
from hotline.cases.time_limits import DEFAULT_POLICY, TimeLimitPolicy
from hotline.cases.timeline import authorise, load_case, moment, pending_co_departments, record, require_text
from hotline.cases.transitions import Rule
from hotline.cases.working_days import WorkCalendar, load_work_calendar
from hotline.models import Case, CaseCoHandler, CaseEvent, CaseStatus, Department, Role, Site, User


class ReturnReason(enum.StrEnum):
    wrong_locality = "wrong_locality"  # 非本辖区
    unclear_ownership = "unclear_ownership"  # 职责不清
    not_our_remit = "not_our_remit"  # 非本单位职责
    other = "other"  # 其他（须说明）


RETURN_REASON_LABELS = {
    ReturnReason.wrong_locality: "非本辖区", ReturnReason.unclear_ownership: "职责不清",
    ReturnReason.not_our_remit: "非本单位职责", ReturnReason.other: "其他",
}


def _target(session: Session, department_id: int | None, site_id: int | None) -> tuple[Department | None,
                                                                                        Site | None]:
    if department_id is None and site_id is None:
        raise CaseError("invalid_input", "请选择承办部门或服务站点。")
    department = session.get(Department, department_id) if department_id is not None else None
    site = session.get(Site, site_id) if site_id is not None else None
    if department_id is not None and (department is None or not department.active):
        raise CaseError("invalid_input", f"承办部门 {department_id} 不存在或已停用。")
    if site_id is not None and (site is None or not site.active):
        raise CaseError("invalid_input", f"服务站点 {site_id} 不存在或已停用。")
    return department, site


def _assign(case: Case, department: Department | None, site: Site | None) -> str:
    case.department_id = department.id if department else None
    case.site_id = site.id if site else None
    if site is not None:
        case.handler_level = site.level.value
        case.town = site.town or case.town
    return "、".join(x.name for x in (department, site) if x is not None)


def dispatch_case(
    session: Session,
    *,
    case_id: int,
    actor: User,
    department_id: int | None = None,
    site_id: int | None = None,
    time_limit_days: int | None = None,
    co_department_ids: Sequence[int] = (),
    coordinator_id: int | None = None,
    note: str = "",
    now: datetime | None = None,
    ip: str | None = None,
    calendar: WorkCalendar | None = None,
    policy: TimeLimitPolicy = DEFAULT_POLICY,
    action: str = "dispatch",
) -> Case:
    """派单 (``action="dispatch"``, from accepted/returned) or 改派 (``action="redispatch"``). Starts the time
    limit: ``time_limit_days``, else the service item's, else the intent's default. ``co_department_ids`` and
    ``coordinator_id`` make it a 中转办 multi-department case."""
    if action not in ("dispatch", "redispatch"):
        raise ValueError(action)
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, action, actor)
    department, site = _target(session, department_id, site_id)
    if time_limit_days is not None and not 1 <= time_limit_days <= 90:
        raise CaseError("invalid_input", "办理时限须为 1–90 个工作日。")
    co_ids = list(dict.fromkeys(i for i in co_department_ids if i != department_id))
    for dep_id in co_ids:
        dep = session.get(Department, dep_id)
        if dep is None or not dep.active:
            raise CaseError("invalid_input", f"协办部门 {dep_id} 不存在或已停用。")
    if coordinator_id is not None:
        coordinator = session.get(User, coordinator_id)
        if coordinator is None or not coordinator.active or coordinator.role == Role.handler:
            raise CaseError("invalid_input", "中转办协调人须为在岗的话务员、督办员或管理员账户。")
    intake_days = case.time_limit_days if case.dispatched_at is None else None  # set at intake, if any
    days = time_limit_days or intake_days or clock.base_limit_days(case, policy)
    target_name = _assign(case, department, site)
    if coordinator_id is not None:
        case.coordinator_id = coordinator_id
    existing = {c.department_id for c in session.query(CaseCoHandler).filter_by(case_id=case.id)}
    for dep_id in co_ids:
        if dep_id not in existing:
            session.add(CaseCoHandler(case_id=case.id, department_id=dep_id, added_at=now))
    case.return_reason = None
    calendar = calendar or load_work_calendar(session)
    due_at = clock.start_clock(case, now=now, days=days, calendar=calendar, policy=policy)
    details = {"department_id": case.department_id, "site_id": case.site_id, "time_limit_days": days,
               "due_at": due_at.isoformat(), "co_department_ids": co_ids,
               "coordinator_id": coordinator_id}
    record(session, case, rule, actor=actor, now=now, note=note or f"派往 {target_name}", details=details,
           ip=ip)
    return case


def redispatch_case(session: Session, **kwargs: Any) -> Case:
    """改派: same arguments as :func:`dispatch_case`; the time limit restarts for the new handler."""
    return dispatch_case(session, action="redispatch", **kwargs)


def _simple(session: Session, action: str, *, case_id: int, actor: User | None, now: datetime | None,
            note: str = "", ip: str | None = None) -> Case:
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, action, actor)
    record(session, case, rule, actor=actor, now=now, note=note, ip=ip)
    return case


def sign_case(session: Session, *, case_id: int, actor: User, now: datetime | None = None, note: str = "",
              ip: str | None = None) -> Case:
    """签收 by a handler of the department/site the case was dispatched to."""
    return _simple(session, "sign", case_id=case_id, actor=actor, now=now, note=note, ip=ip)


def start_handling(session: Session, *, case_id: int, actor: User, now: datetime | None = None,
                   note: str = "", ip: str | None = None) -> Case:
    """办理: the handler starts work on a signed case."""
    return _simple(session, "start", case_id=case_id, actor=actor, now=now, note=note, ip=ip)


def reply_case(session: Session, *, case_id: int, actor: User, reply: str, now: datetime | None = None,
               note: str = "", ip: str | None = None) -> Case:
    """答复: the handler's reply to the citizen (shown on the tracking page)."""
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, "reply", actor)
    case.reply = require_text(reply, "答复内容")
    case.replied_at = now
    record(session, case, rule, actor=actor, now=now, note=note, details={"reply": case.reply}, ip=ip)
    return case


def answer_case(session: Session, *, case_id: int, actor: User, reply: str, now: datetime | None = None,
                note: str = "", ip: str | None = None) -> Case:
    """直接答复: the agent answered on the call; the case is finished without dispatch."""
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, "answer", actor)
    case.reply = require_text(reply, "答复内容")
    case.replied_at = case.closed_at = now
    clock.clear_clock(case)
    record(session, case, rule, actor=actor, now=now, note=note, details={"reply": case.reply}, ip=ip)
    return case


def close_case(session: Session, *, case_id: int, actor: User, now: datetime | None = None, note: str = "",
               ip: str | None = None) -> Case:
    """办结 a replied case. With co-handling departments, every one must have replied first — unless the
    actor is the case's coordinator (中转办), who may close it anyway."""
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, "close", actor)
    pending = pending_co_departments(session, case)
    if pending and case.coordinator_id != actor.id:
        names = [session.get_one(Department, d).name for d in sorted(pending)]
        raise CaseError("co_handlers_pending", "以下协办单位尚未答复，暂不能办结：" + "、".join(names) + "。",
                        pending_department_ids=sorted(pending))
    return _finish(session, case, rule, actor=actor, now=now, note=note, ip=ip, pending=pending)


def coordinator_close(session: Session, *, case_id: int, actor: User, note: str, now: datetime | None = None,
                      ip: str | None = None) -> Case:
    """中转办办结: the coordinator closes a multi-department case at any working stage (note required)."""
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, "coordinator_close", actor)
    note = require_text(note, "办结说明")
    return _finish(session, case, rule, actor=actor, now=now, note=note, ip=ip,
                   pending=pending_co_departments(session, case))


def _finish(session: Session, case: Case, rule: Rule, *, actor: User, now: datetime, note: str,
            ip: str | None, pending: frozenset[int]) -> Case:
    case.closed_at = now
    clock.clear_clock(case)
    record(session, case, rule, actor=actor, now=now, note=note, ip=ip,
           details={"pending_co_department_ids": sorted(pending)} if pending else None)
    return case


def record_callback(session: Session, *, case_id: int, actor: User | None, satisfied: bool | None,
                    now: datetime | None = None, note: str = "", ip: str | None = None) -> Case:
    """回访 done (``actor=None``: the callback scheduler). Reopening an unsatisfied case is a separate
    :func:`reopen_case` call, so the caller decides (a case answered on the call has no handler)."""
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, "callback", actor)
    record(session, case, rule, actor=actor, now=now, note=note, ip=ip, details={"satisfied": satisfied})
    return case


def archive_case(session: Session, *, case_id: int, actor: User | None, now: datetime | None = None,
                 note: str = "", ip: str | None = None) -> Case:
    """归档."""
    return _simple(session, "archive", case_id=case_id, actor=actor, now=now, note=note, ip=ip)


def return_case(session: Session, *, case_id: int, actor: User, reason: ReturnReason | str, note: str = "",
                now: datetime | None = None, ip: str | None = None) -> Case:
    """退单: the handler sends the case back to the agents' queue with a reason (``other`` needs a note)."""
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, "return", actor)
    try:
        reason = ReturnReason(reason)
    except ValueError:
        raise CaseError("invalid_input", "请选择退单原因：非本辖区、职责不清、非本单位职责或其他。") from None
    if reason == ReturnReason.other:
        note = require_text(note, "退单说明")
    case.return_reason = reason.value
    clock.clear_clock(case)
    record(session, case, rule, actor=actor, now=now, ip=ip,
           note=f"{RETURN_REASON_LABELS[reason]}" + (f"：{note.strip()}" if note.strip() else ""),
           details={"reason": reason.value, "department_id": case.department_id, "site_id": case.site_id})
    return case


def suspend_case(session: Session, *, case_id: int, actor: User, note: str, now: datetime | None = None,
                 ip: str | None = None) -> Case:
    """挂起: waiting on the citizen; the time-limit clock stops until :func:`resume_case`."""
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, "suspend", actor)
    note = require_text(note, "挂起原因（等待群众提供什么）")
    record(session, case, rule, actor=actor, now=now, note=note, ip=ip)
    return case


def resume_case(session: Session, *, case_id: int, actor: User, now: datetime | None = None, note: str = "",
                ip: str | None = None, calendar: WorkCalendar | None = None) -> Case:
    """Resume a suspended case in the status it had; the due date moves by the working time suspended."""
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, "resume", actor)
    suspended: CaseEvent = next(e for e in reversed(case.events) if e.action == "suspend")
    clock.shift_clock(case, paused_from=suspended.at, paused_to=now,
                      calendar=calendar or load_work_calendar(session))
    previous = CaseStatus(suspended.from_status or "")
    record(session, case, rule, actor=actor, now=now, note=note, ip=ip, to_status=previous,
           details={"due_at": case.due_at.isoformat() if case.due_at else None})
    return case


def reopen_case(session: Session, *, case_id: int, actor: User | None, note: str,
                department_id: int | None = None, site_id: int | None = None,
                time_limit_days: int | None = None, now: datetime | None = None, ip: str | None = None,
                calendar: WorkCalendar | None = None, policy: TimeLimitPolicy = DEFAULT_POLICY) -> Case:
    """重办 (supervisor, or ``actor=None`` for an unsatisfied callback): back to handling with a new time
    limit. A case without a handler (answered on the call) needs ``department_id`` or ``site_id``."""
    now = moment(now)
    case = load_case(session, case_id)
    rule = authorise(session, case, "reopen", actor)
    note = require_text(note, "重办原因")
    if department_id is not None or site_id is not None:
        _assign(case, *_target(session, department_id, site_id))
    elif case.department_id is None and case.site_id is None:
        raise CaseError("invalid_input", "该工单没有承办单位，重办时请指定承办部门或服务站点。")
    if time_limit_days is not None and not 1 <= time_limit_days <= 90:
        raise CaseError("invalid_input", "办理时限须为 1–90 个工作日。")
    days = time_limit_days or clock.base_limit_days(case, policy)
    case.closed_at = None
    calendar = calendar or load_work_calendar(session)
    due_at = clock.start_clock(case, now=now, days=days, calendar=calendar, policy=policy)
    record(session, case, rule, actor=actor, now=now, note=note, ip=ip,
           details={"department_id": case.department_id, "site_id": case.site_id, "time_limit_days": days,
                    "due_at": due_at.isoformat()})
    return case


def merge_case(session: Session, *, case_id: int, master_id: int, actor: User, note: str = "",
               now: datetime | None = None, ip: str | None = None) -> Case:
    """Merge a duplicate into its master case: the duplicate points to the master, status merged; both
    timelines get an event. Returns the duplicate."""
    now = moment(now)
    if case_id == master_id:
        raise CaseError("invalid_input", "不能把工单合并到它自己。")
    case = load_case(session, case_id)
    rule = authorise(session, case, "merge", actor)
    master = load_case(session, master_id)
    if master.status in (CaseStatus.merged, CaseStatus.archived):
        raise CaseError("invalid_input", f"主工单 {master.tracking_code} 已合并或归档，请选择有效的主工单。")
    case.merged_into_id = master.id
    clock.clear_clock(case)
    record(session, case, rule, actor=actor, now=now, ip=ip, note=note or f"并入工单 {master.tracking_code}",
           details={"master_id": master.id})
    record(session, master, "merged_duplicate", actor=actor, now=now, ip=ip,
           note=f"重复工单 {case.tracking_code} 已并入", details={"duplicate_id": case.id})
    return case
