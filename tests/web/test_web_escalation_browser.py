"""督办 escalation in headless Chromium on its own database: the 临期预警 job warns the cases that used
80 % of their time limit (timeline, the handler's list) and texts the department through the SMS outbox to
a local SMSC; a supervisor 批量催办 two cases from the 督办 list and gives one a 红牌 (a 督办单 texted to the
department); the handler sees 催办, 红牌 and 临期预警 on their list. A second run warns nobody twice."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from smsc_testkit import Smsc
from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.browser import chromium_browser, screenshot
from web_testkit import build_app, make_user, migrated_with_catalogue, new_case, page_of, serve

from hotline.cases.lifecycle import dispatch_case
from hotline.db import make_session_factory
from hotline.models import Case, CaseEvent, Department, Role, SmsKind, SmsMessage, User, utcnow
from hotline.sms.breach_job import BreachWarnings
from hotline.sms.gateways import gateway_from_url
from hotline.sms.outbox import CHINA
from hotline.sms.sender import SmsSender

DEPARTMENT_PHONE = "13900008888"


def _dispatched_near_deadline(engine, case_id: int, department_id: int) -> None:
    """Dispatched 5 working days ago with a 5-day limit ending in an hour (the clock nearly used up)."""
    now = utcnow()
    with Session(engine) as session:
        agent = session.scalar(select(User).where(User.role == Role.agent).limit(1))
        dispatch_case(session, case_id=case_id, actor=agent, department_id=department_id, time_limit_days=5,
                      now=now - timedelta(days=7))
        case = session.get(Case, case_id)
        case.due_at, case.warn_at = now + timedelta(hours=1), now - timedelta(hours=20)
        session.commit()


@pytest.mark.browser
def test_warnings_bulk_urge_and_red_card_reach_the_handler_and_the_department(analyzer, tmp_path):
    engine = migrated_with_catalogue(f"sqlite:///{tmp_path / 'esc.sqlite3'}")
    app = build_app(engine, analyzer, tmp_path)
    with Session(engine) as session:
        department = session.scalar(select(Department).order_by(Department.id).limit(1))
        department.phone, department_id, code = DEPARTMENT_PHONE, department.id, department.code
        session.commit()
    make_user(engine, Role.agent)
    supervisor, handler = make_user(engine, Role.supervisor), make_user(engine, Role.handler, department=code)
    cases = [new_case(app, text, phone="13912345001") for text in ("小区路灯坏了一个月", "楼道垃圾没人清运")]
    for case_id in cases:
        _dispatched_near_deadline(engine, case_id, department_id)

    factory = make_session_factory(engine)
    assert sorted(BreachWarnings(factory, share=0.8).run_once()) == sorted(cases)
    assert BreachWarnings(factory, share=0.8).run_once() == []  # once per case

    with serve(app) as base, chromium_browser() as browser:
        boss = page_of(browser, base, supervisor)
        boss.goto(f"{base}/supervision")
        boss.check("#bulk-all")
        boss.fill("#bulk-urge input[name=note]", "本周内办结")
        boss.click("#bulk-urge button")
        expect(boss.locator("#notice")).to_contain_text("已批量催办：2 件")
        expect(boss.locator(".sla-warned")).to_have_count(2)

        boss.goto(f"{base}/cases/{cases[0]}")
        boss.select_option("#card-form select[name=color]", "red")
        boss.fill("#card-form input[name=note]", "群众三次来电反映仍未处理")
        boss.click("#card-form button")
        expect(boss.locator("#notice")).to_contain_text("红牌督办单")
        expect(boss.locator("body")).to_contain_text("红牌督办（督办单）")  # on the timeline, in Chinese

        desk = page_of(browser, base, handler)
        desk.goto(f"{base}/my/cases")
        first = desk.locator("tr", has=desk.locator(f"a[href='/cases/{cases[0]}']"))
        expect(first.locator(".red-card")).to_have_text("红牌 1")
        expect(first.locator(".urged")).to_contain_text("催办 1 次")
        expect(first.locator(".sla-warned")).to_be_visible()
        screenshot(desk, "escalation-handler-list")

    smsc = Smsc()
    gateway = gateway_from_url(f"smpp://hotline:secret@127.0.0.1:{smsc.port}?source=7812345")
    ten_tomorrow = datetime.combine(datetime.now(CHINA).date() + timedelta(days=1), time(10), CHINA)
    try:
        SmsSender(factory, gateway, clock=lambda: ten_tomorrow).run_once()
    finally:
        gateway.close()
        smsc.close()
    to_department = [s.text for s in smsc.submitted if s.destination == DEPARTMENT_PHONE]
    assert sum("临期预警" in t for t in to_department) == 2
    assert sum("红牌督办" in t for t in to_department) == 1
    with Session(engine) as session:
        kinds = session.scalars(select(SmsMessage.kind).where(SmsMessage.phone == DEPARTMENT_PHONE)).all()
        assert sorted(kinds) == sorted([SmsKind.warning, SmsKind.warning, SmsKind.red_card])
        actions = session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == cases[0])).all()
        assert {"sla_warning", "urge", "red_card"} <= set(actions)
    engine.dispose()
