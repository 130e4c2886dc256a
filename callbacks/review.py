"""Supervisors' audit of callbacks: the filtered list, verdicts, the daily random sample, and the
satisfaction rate and callback coverage by department and by agent.

满意率 = (满意 + 基本满意) / answered; 覆盖率 = answered / callbacks scheduled (opt-outs and cases that moved
on before the call are not counted as missed). Dates are China dates of the closure (办结日期).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from callbacks.answers import lock_callback
from hotline.accounts.audit import record_audit
from hotline.accounts.timestamps import as_utc
from hotline.cases.errors import CaseError
from hotline.cases.working_days import CHINA, china_date
from hotline.db import AnySelect
from hotline.models import AuditVerdict, Callback, CallbackResult, CallbackState, Case, Department, User

NOT_COUNTED = ("opted_out", "case_changed")  # skip reasons that are not a missed callback


@dataclass(frozen=True)
class CallbackFilter:
    result: str | None = None  # a CallbackResult value, or "none" for no answer
    state: str | None = None
    min_attempts: int | None = None
    department_id: int | None = None
    agent: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    sampled_on: date | None = None
    verdict: str | None = None  # an AuditVerdict value, or "none" for not reviewed yet


def _day_start(day: date) -> datetime:
    return as_utc(datetime.combine(day, time(), CHINA))


def _filtered(query: AnySelect, f: CallbackFilter) -> AnySelect:
    if f.result == "none":
        query = query.where(Callback.result.is_(None))
    elif f.result:
        query = query.where(Callback.result == CallbackResult(f.result))
    if f.state:
        query = query.where(Callback.state == CallbackState(f.state))
    if f.min_attempts:
        query = query.where(Callback.attempts >= f.min_attempts)
    if f.department_id:
        query = query.where(Callback.department_id == f.department_id)
    if f.agent:
        query = query.where(Callback.agent == f.agent.strip())
    if f.date_from:
        query = query.where(Callback.case_closed_at >= _day_start(f.date_from))
    if f.date_to:
        query = query.where(Callback.case_closed_at < _day_start(f.date_to + timedelta(days=1)))
    if f.sampled_on:
        query = query.where(Callback.sampled_on == f.sampled_on)
    if f.verdict == "none":
        query = query.where(Callback.verdict.is_(None))
    elif f.verdict:
        query = query.where(Callback.verdict == AuditVerdict(f.verdict))
    return query


def list_callbacks(session: Session, *, filters: CallbackFilter = CallbackFilter(), page: int = 1,
                   per_page: int = 50) -> tuple[list[tuple[Callback, Case, str | None]], int]:
    """(callback, case, department name) newest closure first, and the total count."""
    try:
        base = _filtered(select(Callback.id), filters)
    except ValueError:
        raise CaseError("invalid_input", "筛选条件无效，请重新选择。") from None
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    query = _filtered(select(Callback, Case, Department.name).join(Case, Case.id == Callback.case_id)
                      .outerjoin(Department, Department.id == Callback.department_id), filters)
    query = query.order_by(Callback.case_closed_at.desc(), Callback.id.desc())
    query = query.limit(per_page).offset((max(page, 1) - 1) * per_page)
    query = query.options(selectinload(Callback.attempt_log))  # the audit page lists each attempt
    return [tuple(row) for row in session.execute(query)], total or 0


def set_verdict(session: Session, *, callback_id: int, actor: User, verdict: str, note: str = "",
                now: datetime, ip: str | None = None) -> Callback:
    """督办质检: confirmed / doubtful / wrong, with a note (required unless confirmed)."""
    try:
        value = AuditVerdict(verdict)
    except ValueError:
        raise CaseError("invalid_input", "请选择审核结论：属实、存疑或有误。") from None
    note = (note or "").strip()
    if value != AuditVerdict.confirmed and not note:
        raise CaseError("invalid_input", "结论为“存疑”或“有误”时请填写说明。")
    callback = lock_callback(session, callback_id)
    if callback.state != CallbackState.done:
        raise CaseError("invalid_transition", "只能审核已有结果的回访。")
    callback.verdict, callback.verdict_note = value, note[:2000]
    callback.verdict_by_id, callback.verdict_at = actor.id, as_utc(now)
    record_audit(session, actor=actor, action="callback.verdict", object_type="callback",
                 object_id=callback.id, ip=ip, at=now, details={"verdict": value.value, "note": note[:200]})
    session.flush()
    return callback


def daily_sample(session: Session, *, day: date, percent: float, rng: random.Random | None = None
                 ) -> list[int]:
    """Offer ``percent`` % (at least one) of the previous day's answered callbacks for review on ``day``.
    Idempotent: a day that has its sample keeps it. Returns the sampled ids."""
    existing = list(session.scalars(select(Callback.id).where(Callback.sampled_on == day)))
    if existing:
        return existing
    start, end = _day_start(day - timedelta(days=1)), _day_start(day)
    candidates = list(session.scalars(select(Callback.id).where(
        Callback.state == CallbackState.done, Callback.answered_at >= start, Callback.answered_at < end,
        Callback.sampled_on.is_(None)).order_by(Callback.id)))
    if not candidates or percent <= 0:
        return []
    size = max(1, round(len(candidates) * percent / 100))
    chosen = sorted((rng or random.SystemRandom()).sample(candidates, min(size, len(candidates))))
    for row in session.scalars(select(Callback).where(Callback.id.in_(chosen))):
        row.sampled_on = day
    session.flush()
    return chosen


@dataclass(frozen=True)
class RateRow:
    key: str
    label: str
    scheduled: int
    answered: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int

    @property
    def satisfaction_rate(self) -> float | None:
        return (self.satisfied + self.basically_satisfied) / self.answered if self.answered else None

    @property
    def coverage(self) -> float | None:
        return self.answered / self.scheduled if self.scheduled else None


def satisfaction_rates(session: Session, *, by: str, date_from: date | None = None,
                       date_to: date | None = None) -> list[RateRow]:
    """Per department (``by="department"``) or per agent (``by="agent"``), plus a total row (key "")."""
    if by not in ("department", "agent"):
        raise CaseError("invalid_input", "统计维度只能是部门或话务员。")
    counted = ~func.coalesce(Callback.skip_reason, "").in_(NOT_COUNTED)
    measures = (
        func.count().label("scheduled"),
        func.count(Callback.result).label("answered"),
        func.sum(case((Callback.result == CallbackResult.satisfied, 1), else_=0)).label("s"),
        func.sum(case((Callback.result == CallbackResult.basically_satisfied, 1), else_=0)).label("b"),
        func.sum(case((Callback.result == CallbackResult.unsatisfied, 1), else_=0)).label("u"),
    )
    query: AnySelect
    if by == "department":
        query = select(Callback.department_id, Department.name, *measures) \
            .outerjoin(Department, Department.id == Callback.department_id) \
            .group_by(Callback.department_id, Department.name)
    else:
        key = Callback.agent  # the username; shown by the person's name
        query = select(key, func.coalesce(User.display_name, key), *measures) \
            .outerjoin(User, User.username == key).group_by(key, User.display_name)
    query = _filtered(query.where(counted), CallbackFilter(date_from=date_from, date_to=date_to))
    rows = [RateRow(str(k or ""), label or "（未指定）", n, a, s or 0, b or 0, u or 0)
            for k, label, n, a, s, b, u in session.execute(query)]
    rows.sort(key=lambda r: (-r.answered, r.label))
    fields = ("scheduled", "answered", "satisfied", "basically_satisfied", "unsatisfied")
    total = RateRow("", "合计", *(sum(getattr(r, f) for r in rows) for f in fields))
    return [*rows, total]


def today_china(now: datetime) -> date:
    return china_date(now)
