"""The 中转办 coordinator's board (headless Chromium): a multi-department case, the co-handlers that still owe
a reply, and an offline step that is overdue until the coordinator ticks it off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.browser import chromium_browser
from web_testkit import csrf_of, make_user, new_case, page_of, serve, signed_in

from hotline.cases.lifecycle import dispatch_case
from hotline.cases.working_days import china_date
from hotline.models import Department, Role, User, utcnow


def _coordinated_case(app, engine, coordinator: str) -> int:
    case_id = new_case(app, "小区门口的排水沟堵了好几个月 住建和自然资源互相推 没人管")
    with Session(engine) as session:
        deps = {d.code: d.id for d in session.scalars(select(Department))}
        boss = session.get(User, session.scalar(select(User.id).where(User.role == Role.supervisor)))
        dispatch_case(session, case_id=case_id, actor=boss, department_id=deps["zjj"],
                      co_department_ids=[deps["zrzyj"], deps["alzqz"]],
                      coordinator_id=session.scalar(select(User.id).where(User.username == coordinator)))
        session.commit()
    return case_id


@pytest.mark.browser
def test_the_board_shows_an_open_offline_step_until_it_is_done(app, web_engine):
    from playwright.sync_api import expect

    make_user(web_engine, Role.supervisor)
    coordinator = make_user(web_engine, Role.agent)
    case_id = _coordinated_case(app, web_engine, coordinator)
    yesterday = (china_date(utcnow()) - timedelta(days=1)).isoformat()
    with serve(app) as base, chromium_browser() as browser:
        page = page_of(browser, base, coordinator)
        page.goto(f"{base}/transfer")
        card = page.locator(f"#case-{case_id}")
        expect(card).to_contain_text("旗自然资源局（待答复）")
        expect(card).to_contain_text("敖勒召其镇人民政府（待答复）")
        card.locator("input[name=title]").fill("组织住建、自然资源和镇政府现场会勘")
        card.locator("input[name=due_on]").fill(yesterday)
        card.locator("form.filters button").click()
        page.wait_for_load_state()
        card = page.locator(f"#case-{case_id}")
        expect(card.locator("li.step-overdue")).to_contain_text("现场会勘")
        expect(card).to_contain_text("1 个线下步骤逾期")
        card.locator("li.step-overdue button").click()
        page.wait_for_load_state()
        card = page.locator(f"#case-{case_id}")
        expect(card.locator("li.step-done")).to_contain_text("现场会勘")
        expect(card.locator("li.step-overdue")).to_have_count(0)
        page.goto(f"{base}/cases/{case_id}")
        expect(page.locator("body")).to_contain_text("线下步骤完成")


def test_only_the_coordinator_or_a_supervisor_keeps_the_steps(client, app, web_engine):
    make_user(web_engine, Role.supervisor)
    coordinator = make_user(web_engine, Role.agent)
    case_id = _coordinated_case(app, web_engine, coordinator)
    signed_in(client, web_engine, Role.agent)  # another agent
    assert f'id="case-{case_id}"' not in client.get("/transfer").text
    form = {"csrf_token": csrf_of(client), "title": "x"}
    refused = client.post(f"/transfer/cases/{case_id}/steps", data=form)
    assert refused.status_code == 403
    boss = client.new_browser()
    signed_in(boss, web_engine, Role.supervisor)
    form = {"csrf_token": csrf_of(boss), "title": "纸质材料送镇政府盖章", "due_on": "2026-13-01"}
    added = boss.post(f"/transfer/cases/{case_id}/steps", data=form)
    assert added.status_code == 422 and "YYYY-MM-DD" in added.text
