"""The scheduler with a scripted dialer on SQLite and PostgreSQL: scheduling, answers, retries, quiet hours,
opt-outs, web ratings, and a claim whose process died."""

from __future__ import annotations

from datetime import timedelta

import pytest
from callback_testkit import closed_case, cn, make_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from callbacks.answers import record_manual_callback, record_web_rating
from callbacks.claims import try_claim
from callbacks.dialing import DialOutcome, ScriptedDialer
from callbacks.opt_outs import add_opt_out
from callbacks.policy import CallbackPolicy
from callbacks.service import CallbackRunner
from hotline.accounts.timestamps import as_utc
from hotline.cases.errors import CaseError
from hotline.db import unit_of_work
from hotline.models import (
    AnswerSource,
    Callback,
    CallbackAttempt,
    CallbackResult,
    CallbackState,
    Case,
    CaseStatus,
    Role,
)

CLOSED = cn(2026, 3, 2, 10, 0)  # Monday, an ordinary working day
POLICY = CallbackPolicy(
    first_call_after_hours=1, retry_after_minutes=(30, 120), max_attempts=3, claim_timeout_s=300
)


class Clock:
    def __init__(self, at):
        self.at = at

    def __call__(self):
        return self.at


def answer(key: str):
    from callbacks.answers import RESULT_BY_KEY

    return lambda request: DialOutcome("answered", RESULT_BY_KEY[key], digits=key, sip_status=200)


def setup_case(factory, **kw) -> int:
    with unit_of_work(factory) as s:
        return closed_case(s, at=kw.pop("at", CLOSED), **kw).id


def runner(factory, dialer, clock, policy=POLICY) -> CallbackRunner:
    return CallbackRunner(factory, dialer, policy=policy, clock=clock, worker="test-worker")


def callback_of(factory, case_id) -> Callback:
    with factory() as s:
        return s.scalar(select(Callback).where(Callback.case_id == case_id)
                        .options(selectinload(Callback.attempt_log)))


def case_status(factory, case_id) -> CaseStatus:
    with factory() as s:
        return s.get(Case, case_id).status


def test_closure_is_scheduled_once_with_the_case_facts(factory):
    case_id = setup_case(factory, language="mn")
    clock = Clock(CLOSED + timedelta(minutes=5))
    r = runner(factory, ScriptedDialer(), clock)
    assert r.schedule() >= 1
    assert r.schedule() == 0  # idempotent: the closure already has its row
    row = callback_of(factory, case_id)
    assert row.state == CallbackState.due and row.language == "mn" and row.phone == "13912345678"
    assert as_utc(row.due_at) == CLOSED + timedelta(hours=1)  # one working hour after 办结
    assert row.department_id is not None and row.agent.startswith("agent-")
    assert r.dial_due() == 0  # not due yet


@pytest.mark.parametrize(
    ("key", "result", "status"),
    [
        ("1", CallbackResult.satisfied, CaseStatus.callback_done),
        ("2", CallbackResult.basically_satisfied, CaseStatus.callback_done),
        ("3", CallbackResult.unsatisfied, CaseStatus.reopened),
    ],
)
def test_each_answer_is_stored_and_moves_the_case(factory, key, result, status):
    case_id = setup_case(factory, language="mn")
    dialer = ScriptedDialer(answer(key))
    clock = Clock(CLOSED + timedelta(hours=2))
    r = runner(factory, dialer, clock)
    r.schedule()
    assert r.dial_due() == 1
    assert dialer.requests[0].language == "mn" and dialer.requests[0].phone == "13912345678"
    row = callback_of(factory, case_id)
    assert (row.state, row.result, row.answered_via, row.attempts) == (
        CallbackState.done,
        result,
        AnswerSource.phone,
        1,
    )
    assert [a.outcome for a in row.attempt_log] == ["answered"] and row.attempt_log[0].digits == key
    assert case_status(factory, case_id) == status
    assert r.dial_due() == 0  # never dialled again


def test_no_answer_and_busy_are_retried_with_backoff_then_given_up(factory):
    case_id = setup_case(factory)
    outcomes = iter(["no_answer", "busy", "no_answer"])
    dialer = ScriptedDialer(lambda req: DialOutcome(next(outcomes)))
    clock = Clock(CLOSED + timedelta(hours=2))
    r = runner(factory, dialer, clock)
    r.schedule()
    assert r.dial_due() == 1
    row = callback_of(factory, case_id)
    assert row.state == CallbackState.due and row.attempts == 1 and row.last_outcome == "no_answer"
    assert as_utc(row.due_at) == clock.at + timedelta(minutes=30)
    clock.at += timedelta(minutes=29)
    assert r.dial_due() == 0  # backoff not over
    clock.at += timedelta(minutes=2)
    assert r.dial_due() == 1
    clock.at += timedelta(minutes=119)
    assert r.dial_due() == 0
    clock.at += timedelta(minutes=2)
    assert r.dial_due() == 1
    row = callback_of(factory, case_id)
    assert row.state == CallbackState.failed and row.attempts == 3
    assert [a.outcome for a in row.attempt_log] == ["no_answer", "busy", "no_answer"]
    assert case_status(factory, case_id) == CaseStatus.closed
    clock.at += timedelta(days=1)
    assert r.dial_due() == 0


def test_quiet_hours_and_holidays_hold_the_call(factory):
    # closed Tuesday 2026-09-30 20:30, the eve of 国庆 (seeded calendar): first call after the holiday week
    closed = cn(2026, 9, 30, 20, 30)
    setup_case(factory, at=closed)
    dialer = ScriptedDialer()
    clock = Clock(closed + timedelta(minutes=5))
    r = runner(factory, dialer, clock)
    r.schedule()
    for at in [
        cn(2026, 9, 30, 21, 30),
        cn(2026, 10, 1, 10, 0),
        cn(2026, 10, 7, 12, 0),
        cn(2026, 10, 8, 7, 59),
    ]:
        clock.at = at
        assert r.dial_due() == 0, at
    clock.at = cn(2026, 10, 8, 8, 0)
    assert r.dial_due() == 1 and len(dialer.requests) == 1
    # a due row left over at 21:00 is not dialled until the morning
    case2 = setup_case(factory, at=cn(2026, 10, 8, 18, 0))
    clock.at = cn(2026, 10, 8, 21, 5)
    r.schedule()
    assert r.dial_due() == 0
    clock.at = cn(2026, 10, 9, 8, 1)
    assert r.dial_due() == 1 and callback_of(factory, case2).state == CallbackState.done


def test_opted_out_numbers_and_cases_are_never_called(factory):
    by_number = setup_case(factory, phone="139-0000-1111")
    by_case = setup_case(factory, phone="13900002222")
    late = setup_case(factory, phone="13900003333")
    with unit_of_work(factory) as s:
        add_opt_out(s, actor="agent1", phone="+86 139 0000 1111", reason="群众要求不回访")
        add_opt_out(s, actor="agent1", case_id=by_case)
    dialer = ScriptedDialer()
    clock = Clock(CLOSED + timedelta(hours=2))
    r = runner(factory, dialer, clock)
    r.schedule()
    with unit_of_work(factory) as s:  # opting out after scheduling still stops the call
        add_opt_out(s, actor="agent1", phone="13900003333")
    assert r.dial_due() == 0 and dialer.requests == []
    for case_id in (by_number, by_case, late):
        row = callback_of(factory, case_id)
        assert (row.state, row.skip_reason, row.attempts) == (CallbackState.skipped, "opted_out", 0)
    with pytest.raises(CaseError, match="无效"):
        with unit_of_work(factory) as s:
            add_opt_out(s, actor="agent1", phone="abc")


def test_web_rating_first_means_no_call(factory):
    case_id = setup_case(factory)
    with factory() as s:
        code = s.get(Case, case_id).tracking_code
    with unit_of_work(factory) as s:  # rated before the scheduler even created the row
        record_web_rating(
            s,
            tracking_code=code.lower(),
            result="basically_satisfied",
            comment="还可以",
            now=CLOSED + timedelta(minutes=20),
        )
    dialer = ScriptedDialer()
    r = runner(factory, dialer, Clock(CLOSED + timedelta(hours=3)))
    assert r.schedule() == 0
    assert r.dial_due() == 0 and dialer.requests == []
    row = callback_of(factory, case_id)
    assert (row.state, row.result, row.answered_via) == (
        CallbackState.done,
        CallbackResult.basically_satisfied,
        AnswerSource.web,
    )
    assert case_status(factory, case_id) == CaseStatus.callback_done
    with pytest.raises(CaseError, match="评价过|不能再次评价"):
        with unit_of_work(factory) as s:
            record_web_rating(s, tracking_code=code, result="satisfied", now=CLOSED + timedelta(hours=4))


def test_manual_callback_by_an_agent(factory):
    case_id = setup_case(factory)
    r = runner(factory, ScriptedDialer(), Clock(CLOSED + timedelta(minutes=10)))
    r.schedule()
    with unit_of_work(factory) as s:
        agent = make_user(s, Role.agent)
        row = s.scalar(select(Callback).where(Callback.case_id == case_id))
        record_manual_callback(
            s,
            callback_id=row.id,
            actor=agent,
            result="unsatisfied",
            note="仍未报销",
            now=CLOSED + timedelta(minutes=30),
        )
    row = callback_of(factory, case_id)
    assert (row.result, row.answered_via, row.note) == (
        CallbackResult.unsatisfied,
        AnswerSource.agent,
        "仍未报销",
    )
    assert case_status(factory, case_id) == CaseStatus.reopened
    with pytest.raises(CaseError, match="已有结果"):
        with unit_of_work(factory) as s:
            record_manual_callback(
                s,
                callback_id=row.id,
                actor=s.get(type(agent), agent.id),
                result="satisfied",
                now=CLOSED + timedelta(minutes=40),
            )


def test_a_claim_whose_process_died_is_taken_over_and_the_attempt_counted(factory):
    case_id = setup_case(factory)
    clock = Clock(CLOSED + timedelta(hours=2))
    r = runner(factory, ScriptedDialer(), clock)
    r.schedule()
    with unit_of_work(factory) as s:  # another process claims, starts dialling, and is killed
        row = s.scalar(select(Callback).where(Callback.case_id == case_id))
        assert try_claim(s, callback_id=row.id, worker="dead-worker", now=clock.at, policy=POLICY) is not None
    with unit_of_work(factory) as s:  # a second claimer cannot take it while the claim lives
        assert try_claim(s, callback_id=row.id, worker="other", now=clock.at, policy=POLICY) is None
    assert r.dial_due() == 0
    clock.at += timedelta(seconds=POLICY.claim_timeout_s + 1)
    assert r.dial_due() == 1
    row = callback_of(factory, case_id)
    assert row.state == CallbackState.done and row.attempts == 2
    assert [(a.worker, a.outcome) for a in row.attempt_log] == [
        ("dead-worker", "interrupted"),
        ("test-worker", "answered"),
    ]


def test_case_reopened_meanwhile_is_skipped_and_its_next_closure_gets_a_new_callback(factory):
    case_id = setup_case(factory)
    clock = Clock(CLOSED + timedelta(minutes=10))
    dialer = ScriptedDialer()
    r = runner(factory, dialer, clock)
    r.schedule()
    from hotline.cases import lifecycle

    with unit_of_work(factory) as s:
        supervisor = make_user(s, Role.supervisor)
        lifecycle.reopen_case(s, case_id=case_id, actor=supervisor, note="督办重办", now=clock.at)
    clock.at += timedelta(hours=2)
    assert r.dial_due() == 0 and dialer.requests == []
    assert callback_of(factory, case_id).skip_reason == "case_changed"
    with unit_of_work(factory) as s:
        case = s.get(Case, case_id)
        handler = make_user(s, Role.handler, department_id=case.department_id)
        agent = make_user(s, Role.agent)
        lifecycle.reply_case(s, case_id=case_id, actor=handler, reply="已重新办理", now=clock.at)
        lifecycle.close_case(s, case_id=case_id, actor=agent, now=clock.at)
    assert r.schedule() == 1
    clock.at += timedelta(hours=2)
    assert r.dial_due() == 1
    with factory() as s:
        rows = s.scalars(select(Callback).where(Callback.case_id == case_id).order_by(Callback.id)).all()
        assert [r.state for r in rows] == [CallbackState.skipped, CallbackState.done]
        assert s.scalar(select(CallbackAttempt.id).where(CallbackAttempt.callback_id == rows[0].id)) is None
