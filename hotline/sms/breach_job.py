"""The scheduler's 临期预警 job: warn the running cases past the configured share of their time limit
(hotline.cases.breach_warnings) and text each one's department through the outbox, in one transaction, then
announce ``case.warning`` for open pages. Logs only when something was warned."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from hotline.accounts.timestamps import as_utc
from hotline.cases.breach_warnings import warn_near_deadline
from hotline.cases.working_days import load_work_calendar
from hotline.db import unit_of_work
from hotline.events import EventHub
from hotline.models import SmsKind, utcnow
from hotline.sms.outbox import CHINA, queue_staff_notice

log = logging.getLogger(__name__)


class BreachWarnings:
    def __init__(self, session_factory, *, share: float = 0.8, hub: EventHub | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.session_factory, self.share, self.hub, self.clock = session_factory, share, hub, clock

    def run_once(self) -> list[int]:
        now = self.clock()
        texted = 0
        with unit_of_work(self.session_factory) as session:
            calendar = load_work_calendar(session)
            cases = warn_near_deadline(session, now=now, share=self.share, calendar=calendar)
            for case in cases:
                due = as_utc(case.due_at).astimezone(CHINA).strftime("%m月%d日%H:%M")  # type: ignore[arg-type]
                texted += queue_staff_notice(session, case=case, kind=SmsKind.warning, now=now,
                                             share=f"{self.share:.0%}", due=due) is not None
            warned = [(c.id, c.tracking_code, c.department_id) for c in cases]
        for case_id, code, department_id in warned:
            if self.hub is not None:
                self.hub.publish("case.warning", case_id=case_id, tracking_code=code,
                                 department_id=department_id)
        if warned:
            log.info("临期预警: %d cases warned, %d department texts queued", len(warned), texted)
        return [case_id for case_id, _, _ in warned]
