"""Real scheduler processes: two on PostgreSQL share 1,000 due callbacks; one killed with SIGKILL mid-run."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import pytest
from callback_testkit import bulk_closed_cases, cn, dial_log, run_worker
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from hotline import migrate
from hotline.cases.calendar_admin import seed_holiday_calendar
from hotline.db import make_engine
from hotline.models import Callback, CallbackAttempt, CallbackResult, CallbackState, Case, CaseStatus

CLOSED = cn(2026, 3, 2, 10, 0)
CLOCK = "2026-03-03T10:00:00+08:00"  # next working day, inside the calling window


def prepared(url: str, count: int):
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        from hotline.seeding import seed_organisation

        seed_organisation(session)
        seed_holiday_calendar(session)
        bulk_closed_cases(session, count, closed_at=CLOSED)
        session.commit()
    return engine


def finish(proc, timeout: float = 180) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"worker exited {proc.returncode}\n{out}\n{err[-4000:]}"
    return err


@pytest.mark.postgres
def test_two_processes_share_1000_callbacks_without_dialling_any_twice(new_pg_database, tmp_path):
    url = new_pg_database("hotline_cb")
    engine = prepared(url, 1000)
    log = tmp_path / "dials.jsonl"
    args = ("--until-idle", "--concurrent", "3", "--clock-start", CLOCK)
    workers = [run_worker(url, log, *args) for _ in range(2)]
    for proc in workers:
        finish(proc)
    dials = [d for d in dial_log(log) if d["event"] == "dial"]
    per_callback = Counter(d["callback_id"] for d in dials)
    per_process = Counter(d["pid"] for d in dials)
    with Session(engine) as s:
        ids = set(s.scalars(select(Callback.id)))
        assert len(ids) == 1000  # both processes polled closed cases: still one row per closure
        assert s.scalar(select(func.count()).where(Callback.state == CallbackState.done,
                                                   Callback.result == CallbackResult.satisfied,
                                                   Callback.attempts == 1)) == 1000
        assert s.scalar(select(func.count()).select_from(CallbackAttempt)) == 1000
        assert s.scalar(select(func.count()).where(Case.status == CaseStatus.callback_done)) == 1000
    assert set(per_callback) == ids, "a callback was never dialled"
    assert max(per_callback.values()) == 1, [k for k, v in per_callback.items() if v > 1][:10]
    assert len(per_process) == 2 and min(per_process.values()) > 50, per_process
    engine.dispose()


def test_sigkill_mid_run_loses_nothing_and_repeats_only_the_interrupted_dials(tmp_path):
    url = f"sqlite:///{tmp_path / 'kill.sqlite3'}"
    engine = prepared(url, 120)
    log = tmp_path / "dials.jsonl"
    args = ("--concurrent", "2", "--fake-seconds", "0.2", "--claim-timeout", "3", "--clock-start", CLOCK)
    first = run_worker(url, log, *args, "--interval", "0.5")
    in_flight: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        entries = dial_log(log)
        done = {e["callback_id"] for e in entries if e["event"] == "done"}
        in_flight = {e["callback_id"] for e in entries if e["event"] == "dial"} - done
        if len(done) >= 20 and in_flight:
            break
        time.sleep(0.02)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=10)
    entries = dial_log(log)
    done_before = {e["callback_id"] for e in entries if e["event"] == "done"}
    in_flight = {e["callback_id"] for e in entries if e["event"] == "dial"} - done_before
    assert in_flight, "the kill should land during a dial"
    killed_pid = first.pid
    finish(run_worker(url, log, *args, "--until-idle"))

    dials = Counter(e["callback_id"] for e in dial_log(log) if e["event"] == "dial")
    with Session(engine) as s:
        rows = s.scalars(select(Callback).options(selectinload(Callback.attempt_log))).all()
        assert len(rows) == 120 and all(r.state == CallbackState.done for r in rows), "a callback was lost"
        repeated = {}
        for row in rows:
            attempts = row.attempt_log
            assert len(attempts) == row.attempts
            assert 0 <= len(attempts) - dials[row.id] <= 1  # a claim may die before its dial started
            if len(attempts) > 1:
                repeated[row.id] = [a.outcome for a in attempts]
            else:
                assert dials[row.id] == 1, f"callback {row.id} dialled {dials[row.id]} times"
        # only dials in flight at the kill were repeated: counted as 'interrupted', then answered
        assert set(repeated) >= in_flight and len(repeated) <= 2, (repeated, in_flight)
        assert all(outcomes == ["interrupted", "answered"] for outcomes in repeated.values())
        workers = {a.worker.split(":")[1] for r in rows for a in r.attempt_log}
        assert str(killed_pid) in workers and len(workers) == 2
    engine.dispose()
