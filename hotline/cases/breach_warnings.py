"""Pre-breach warnings (临期预警): once a running case has used ``share`` of its time limit in working time
(0.8 by default, HOTLINE_WARNING_SHARE), one ``sla_warning`` event goes on its timeline — the handler's list
and case page show it — and the caller (the scheduler job) texts the department. Session first, never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.timestamps import as_utc
from hotline.cases.escalation import SLA_WARNING
from hotline.cases.time_limits import CLOCK_RUNNING, TimeLimitPolicy, warning_point
from hotline.cases.timeline import record
from hotline.cases.working_days import WorkCalendar
from hotline.models import Case, CaseEvent


def warn_near_deadline(session: Session, *, now: datetime, share: float, calendar: WorkCalendar,
                       limit: int = 200) -> list[Case]:
    """Record the warning on every running case past its warning point and not warned yet; returns them."""
    if not 0.0 < share < 1.0:
        raise ValueError(f"warning share {share} must be between 0 and 1")
    now = as_utc(now)
    policy = TimeLimitPolicy(warning_share=share)
    warned = select(CaseEvent.id).where(CaseEvent.case_id == Case.id, CaseEvent.action == SLA_WARNING)
    candidates = session.scalars(
        select(Case).where(Case.status.in_(list(CLOCK_RUNNING)), Case.due_at.is_not(None),
                           Case.due_at > now, ~warned.exists())
        .order_by(Case.due_at).limit(limit))
    done = []
    for case in candidates:
        due = as_utc(case.due_at)  # type: ignore[arg-type]
        if now < warning_point(due, case.time_limit_days or 1, calendar, policy):
            continue
        left = due - now
        hours = int(left.total_seconds() // 3600)
        record(session, case, SLA_WARNING, actor="scheduler", now=now, to_status=case.status,
               note=f"临期预警：已用去办理时限的 {share:.0%}，距截止还有约 {hours} 小时",
               details={"department_id": case.department_id})
        done.append(case)
    return done
