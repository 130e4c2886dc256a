"""Audit services: the daily random sample, rates by department and agent, verdict rules; prompts."""

from __future__ import annotations

import logging
import random
from datetime import date, timedelta

import pytest
from callback_testkit import closed_case, cn, make_user
from sqlalchemy import select

from callbacks.dialing import DialOutcome, ScriptedDialer
from callbacks.policy import CallbackPolicy
from callbacks.prompts import CallbackPrompts
from callbacks.review import daily_sample, satisfaction_rates, set_verdict
from callbacks.service import CallbackRunner
from hotline.cases.errors import CaseError
from hotline.db import unit_of_work
from hotline.models import Callback, CallbackResult, Role

CLOSED = cn(2026, 3, 2, 10, 0)
KEYS = {
    "1": CallbackResult.satisfied,
    "2": CallbackResult.basically_satisfied,
    "3": CallbackResult.unsatisfied,
}


def answered_callbacks(factory, plan: list[tuple[str, str, str | None]]) -> None:
    """plan: (agent name, department code, key or None for never answered)."""
    phones = {}
    with unit_of_work(factory) as s:
        agents = {}
        for i, (agent, dep, key) in enumerate(plan):
            if agent not in agents:
                agents[agent] = make_user(s, Role.agent, name=f"{agent}-{random.randrange(10**8)}")
            phone = f"1390001{i:04d}"
            closed_case(s, at=CLOSED, phone=phone, agent=agents[agent], dep_code=dep)
            phones[phone] = key
    dialer = ScriptedDialer(
        lambda r: (
            DialOutcome("answered", KEYS[phones[r.phone]], digits=phones[r.phone])
            if phones[r.phone]
            else DialOutcome("busy", sip_status=486)
        )
    )
    runner = CallbackRunner(
        factory,
        dialer,
        policy=CallbackPolicy(max_attempts=1),
        clock=lambda: CLOSED + timedelta(hours=2),
        worker="review-test",
    )
    runner.run_until_idle()
    runner.close()


def test_rates_by_department_and_agent(factory):
    answered_callbacks(
        factory,
        [
            ("wang", "ybj", "1"),
            ("wang", "ybj", "2"),
            ("wang", "ybj", "3"),
            ("li", "mzj", "1"),
            ("li", "mzj", None),
        ],
    )
    with factory() as s:
        by_dep = {
            r.label: r
            for r in satisfaction_rates(
                s, by="department", date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)
            )
        }
        assert by_dep["旗医疗保障局"].satisfaction_rate == pytest.approx(2 / 3)
        assert by_dep["旗医疗保障局"].coverage == 1.0
        assert by_dep["旗民政局"].satisfaction_rate == 1.0 and by_dep["旗民政局"].coverage == 0.5
        assert (by_dep["合计"].scheduled, by_dep["合计"].answered, by_dep["合计"].unsatisfied) == (5, 4, 1)
        by_agent = {r.label.split("-")[0]: r for r in satisfaction_rates(s, by="agent")}
        assert by_agent["wang"].answered == 3 and by_agent["li"].scheduled == 2
        assert satisfaction_rates(s, by="department", date_from=date(2026, 3, 3))[-1].scheduled == 0
        with pytest.raises(CaseError):
            satisfaction_rates(s, by="town")


def test_daily_sample_takes_a_share_of_yesterdays_answers_once(factory):
    answered_callbacks(factory, [("zhao", "ybj", "1")] * 10)
    day = date(2026, 3, 3)  # answered on 2026-03-02 (China time)
    with unit_of_work(factory) as s:
        first = daily_sample(s, day=day, percent=30, rng=random.Random(7))
    with unit_of_work(factory) as s:
        again = daily_sample(s, day=day, percent=30, rng=random.Random(99))
        assert daily_sample(s, day=date(2026, 3, 5), percent=30) == []  # nothing answered on 03-04
    assert len(first) == 3 and sorted(again) == sorted(first)


def test_verdict_rules(factory):
    answered_callbacks(factory, [("sun", "ybj", "1"), ("sun", "ybj", None)])
    with unit_of_work(factory) as s:
        supervisor = make_user(s, Role.supervisor)
        done, failed = s.scalars(select(Callback).order_by(Callback.id)).all()[-2:]
        with pytest.raises(CaseError, match="说明"):
            set_verdict(s, callback_id=done.id, actor=supervisor, verdict="wrong", now=CLOSED)
        with pytest.raises(CaseError, match="已有结果"):
            set_verdict(s, callback_id=failed.id, actor=supervisor, verdict="confirmed", now=CLOSED)
        with pytest.raises(CaseError, match="审核结论"):
            set_verdict(s, callback_id=done.id, actor=supervisor, verdict="maybe", now=CLOSED)
        assert set_verdict(s, callback_id=done.id, actor=supervisor, verdict="confirmed", now=CLOSED).verdict


def test_shipped_prompts_load_and_mongolian_falls_back_with_a_log_line(caplog):
    with caplog.at_level(logging.WARNING):
        prompts = CallbackPrompts(16000)
    assert "slot mn is empty" in caplog.text
    chosen = prompts.for_language("mn", callback_id=5)
    assert chosen.language == "zh" and len(chosen["question"]) > 16000 * 2 * 5  # a real, spoken question
    assert (
        max(
            abs(int.from_bytes(chosen["question"][i : i + 2], "little", signed=True))
            for i in range(0, 32000, 2)
        )
        > 1000
    )  # not silence
