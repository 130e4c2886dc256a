"""The callback scheduler: one tick schedules new closures, claims due rows and dials them.

Database rows are the truth; APScheduler (3.x) only runs :meth:`CallbackRunner.tick` every few seconds
(``max_instances=1``). Any number of processes may run it against one database: claims are conditional
UPDATEs (see callbacks.claims). Each step is its own unit of work, committed before the next.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from callbacks.claims import Claim, due_ids, finish_dial, try_claim
from callbacks.dialing import Dialer, DialOutcome
from callbacks.policy import CallbackPolicy
from callbacks.scheduling import schedule_closed_cases
from hotline.accounts.timestamps import as_utc
from hotline.cases.working_days import WorkCalendar, load_work_calendar
from hotline.db import unit_of_work
from hotline.models import Callback, CallbackState, utcnow

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)
TICK_SECONDS = 10
CANDIDATES = 50  # due rows looked at per claim
SCHEDULE_BATCH = 200


def worker_name() -> str:
    """Unique per process run: host, pid and a random suffix (a restarted pid is another worker)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class CallbackRunner:
    def __init__(self, session_factory: sessionmaker[Session], dialer: Dialer | None, *,
                 policy: CallbackPolicy | None = None, clock: Callable[[], datetime] = utcnow,
                 worker: str | None = None) -> None:
        self.session_factory = session_factory
        self.dialer = dialer
        self.policy = policy or CallbackPolicy()
        self.clock = clock
        self.worker = worker or worker_name()
        self._candidates: list[int] = []
        self.pool = ThreadPoolExecutor(self.policy.concurrent_calls, thread_name_prefix="callback-dial")

    def now(self) -> datetime:
        return as_utc(self.clock())

    def calendar(self) -> WorkCalendar:
        with unit_of_work(self.session_factory) as session:
            return load_work_calendar(session)

    def schedule(self) -> int:
        """Create the rows of every closure that has none, a batch per transaction."""
        total = 0
        while True:
            with unit_of_work(self.session_factory) as session:
                created = schedule_closed_cases(session, policy=self.policy, now=self.now(),
                                                limit=SCHEDULE_BATCH)
            total += created
            if created < SCHEDULE_BATCH:
                break
        if total:
            log.info("scheduled %d callbacks", total)
        return total

    def claim_one(self, calendar: WorkCalendar) -> Claim | None | bool:
        """A claim; None when nothing is due; False when a candidate was lost or settled (try again).
        Candidates are fetched in batches and shuffled, so processes polling together rarely race for
        the same row (a lost race costs one UPDATE matching nothing)."""
        now = self.now()
        if not self.policy.may_call_at(now, calendar):
            return None
        if not self._candidates:
            with unit_of_work(self.session_factory) as session:
                self._candidates = due_ids(session, now=now, limit=CANDIDATES)
            random.shuffle(self._candidates)
            if not self._candidates:
                return None
        callback_id = self._candidates.pop()
        with unit_of_work(self.session_factory) as session:
            claim = try_claim(session, callback_id=callback_id, worker=self.worker, now=now,
                              policy=self.policy)
        return False if claim is None else claim

    def run_claim(self, claim: Claim, calendar: WorkCalendar) -> DialOutcome:
        try:
            if self.dialer is None:
                raise RuntimeError("no outbound route for callbacks (this runner only schedules)")
            outcome = self.dialer.dial(claim.request)
        except Exception as exc:  # a dialer bug must not leave the claim hanging until it times out
            log.exception("callback %s: dial failed", claim.request.callback_id)
            outcome = DialOutcome("error", detail=f"{type(exc).__name__}: {exc}")
        with unit_of_work(self.session_factory) as session:
            finish_dial(session, claim=claim, outcome=outcome, now=self.now(), policy=self.policy,
                        calendar=calendar)
        log.info("callback %s attempt %d: %s %s", claim.request.callback_id, claim.request.attempt,
                 outcome.kind, outcome.result or "")
        return outcome

    def dial_due(self, max_calls: int | None = None) -> int:
        """Claim and dial due callbacks, ``concurrent_calls`` at a time, until none is due (or
        ``max_calls`` were made); returns the number of dials."""
        calendar = self.calendar()
        self._candidates = []
        made, exhausted = 0, False
        running: set[Future[DialOutcome]] = set()
        while True:
            while not exhausted and len(running) < self.policy.concurrent_calls and (
                    max_calls is None or made < max_calls):
                claim = self.claim_one(calendar)
                if claim is None:
                    exhausted = True
                    break
                if not isinstance(claim, Claim):  # False: lost or settled, try again
                    continue
                running.add(self.pool.submit(self.run_claim, claim, calendar))
                made += 1
            if not running:
                return made
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                future.result()
            if max_calls is not None and made >= max_calls:
                exhausted = True

    def outstanding(self) -> int:
        """Callbacks still to be dialled (due later, due now, or being dialled)."""
        with unit_of_work(self.session_factory) as session:
            return session.scalar(select(func.count()).select_from(Callback)
                                  .where(Callback.state == CallbackState.due)) or 0

    def run_until_idle(self, *, poll_seconds: float = 0.5, timeout: float | None = None) -> int:
        """Tick until no callback is left to dial (batch runs, drills, tests); the number of dials."""
        deadline = None if timeout is None else time.monotonic() + timeout
        made = 0
        while True:
            self.schedule()
            made += self.dial_due()
            if self.outstanding() == 0 and self.schedule() == 0:
                return made
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"{self.outstanding()} callbacks still due after {timeout:g} s")
            time.sleep(poll_seconds)

    def sample(self) -> int:
        """Today's random audit sample (once a day; idempotent)."""
        from callbacks.review import daily_sample, today_china

        with unit_of_work(self.session_factory) as session:
            return len(daily_sample(session, day=today_china(self.now()), percent=self.policy.sample_percent))

    def tick(self) -> None:
        """The scheduler job: never raises (a failing tick is logged and retried next time)."""
        try:
            self.schedule()
            self.dial_due()
            self.sample()
        except Exception:
            log.exception("callback tick failed; retrying at the next tick")

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def install(scheduler: BaseScheduler, *, session_factory: sessionmaker[Session], dialer: Dialer,
            policy: CallbackPolicy | None = None, clock: Callable[[], datetime] = utcnow,
            seconds: float = TICK_SECONDS) -> CallbackRunner:
    """Add the callback job to an APScheduler 3.x scheduler (call from the composition root)."""
    runner = CallbackRunner(session_factory, dialer, policy=policy, clock=clock)
    scheduler.add_job(runner.tick, "interval", seconds=seconds, id="satisfaction-callbacks", max_instances=1,
                      coalesce=True, replace_existing=True)
    return runner
