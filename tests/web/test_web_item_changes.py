"""Departments keep their own items (headless Chromium): 人社局 drafts a change to one of its items,
the 政务服务局 approves it, the public guide shows it; a handler's correction from a case reaches the
department."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from testkit.browser import chromium_browser
from web_testkit import csrf_of, make_user, new_case, page_of, serve, signed_in

from hotline.cases.lifecycle import dispatch_case
from hotline.models import AuditRecord, Case, Department, Role, ServiceItem, User

CODE = "ZW-SB-007"  # 社会保障卡申领、补换和挂失 (旗人力资源和社会保障局)


@pytest.mark.browser
def test_a_department_drafts_the_bureau_publishes_then_rolls_back(app, web_engine):
    """Draft → submitted → published (the guide shows it) → history with a Chinese field diff and who/when
    → rollback to the earlier revision (the guide shows the old fee again; audit rows for each step)."""
    from playwright.sync_api import expect

    keeper = make_user(web_engine, Role.handler, department="rsj")
    reviewer = make_user(web_engine, Role.handler, department="zwfwj")
    new_fee = "首次申领免费，补换卡工本费按自治区标准收取"
    with Session(web_engine) as session:
        old_fee = session.scalar(select(ServiceItem.fee).where(ServiceItem.code == CODE))
    with serve(app) as base, chromium_browser() as browser:
        page = page_of(browser, base, keeper)
        page.goto(f"{base}/kb/changes?code={CODE}")
        form = page.locator("#propose")
        form.locator("input[name=fee]").fill(new_fee)
        form.locator("input[name=reason]").fill("按新收费标准更新")
        form.locator("button[value=draft]").click()
        page.wait_for_load_state()
        draft = page.locator("#own-changes .own-change").filter(has_text=CODE).first
        expect(draft).to_contain_text("草稿")
        expect(draft).to_contain_text("收费")
        draft.get_by_text("继续修改").click()  # the draft reopens with what was typed
        page.wait_for_load_state()
        expect(page.locator("#draft-note")).to_be_visible()
        expect(page.locator("#propose input[name=fee]")).to_have_value(new_fee)

        boss = page_of(browser, base, reviewer)
        boss.goto(f"{base}/kb/changes")
        expect(boss.locator("#pending")).not_to_contain_text(new_fee)  # a draft is not yet for review

        draft.locator("button").click()  # 提交审核
        page.wait_for_load_state()
        expect(page.locator("#own-changes")).to_contain_text(f"{CODE} · 待审核")

        boss.goto(f"{base}/kb/changes")
        change = boss.locator(".change").filter(has_text=CODE).first
        expect(change.locator("ins")).to_contain_text("补换卡工本费按自治区标准收取")
        change.locator("button[value=publish]").click()
        boss.wait_for_load_state()

        guide = page_of(browser, base)
        guide.goto(f"{base}/guide/items/{CODE}")
        expect(guide.locator("body")).to_contain_text(new_fee)

        boss.goto(f"{base}/kb/items/{CODE}/history")
        latest = boss.locator(".revision").first
        expect(latest).to_contain_text("收费")
        expect(latest.locator("del")).to_contain_text(old_fee)
        expect(latest.locator("ins")).to_contain_text(new_fee)
        expect(latest).to_contain_text("审核发布")
        expect(latest).to_contain_text(f"提出：测试{keeper} · 审核发布：测试{reviewer}")  # display names
        earlier = boss.locator(".revision").nth(1)
        earlier.locator("input[name=reason]").fill("新标准尚未正式施行")
        earlier.locator(".rollback button").click()
        boss.wait_for_load_state()
        expect(boss.locator(".revision").first).to_contain_text("回滚")

        guide.goto(f"{base}/guide/items/{CODE}")
        expect(guide.locator("body")).not_to_contain_text(new_fee)
        expect(guide.locator("body")).to_contain_text(old_fee)
    with Session(web_engine) as session:
        item = session.scalar(select(ServiceItem).where(ServiceItem.code == CODE)
                              .options(selectinload(ServiceItem.revisions)))
        published, rolled = item.revisions[-2], item.revisions[-1]
        assert published.actor == f"{keeper}/审核 {reviewer}" and published.changes["fee"][1] == new_fee
        assert rolled.action == "rolled_back" and rolled.actor == reviewer and item.fee == old_fee
        actions = set(session.scalars(select(AuditRecord.action).where(AuditRecord.object_id == CODE)))
        assert {"kb.change.submit", "kb.change.publish", "kb.rollback"} <= actions


@pytest.mark.browser
def test_a_handlers_correction_from_a_case_reaches_the_department(client, app, web_engine):
    """民政局's handler answering a case finds the 人社局 item's fee wrong and proposes a correction on the
    case page; 人社局 sees it among its changes, waiting for review, with the case it came from."""
    from playwright.sync_api import expect

    case_id = new_case(app, "社保卡丢了怎么补办 要带什么")
    make_user(web_engine, Role.supervisor)
    handler = make_user(web_engine, Role.handler, department="mzj")  # another department's handler
    with Session(web_engine) as session:
        loads = [selectinload(Case.service_item).selectinload(ServiceItem.department)]
        item = session.get_one(Case, case_id, options=loads).service_item
        code, department = item.code, item.department.code
        boss = session.scalar(select(User).where(User.role == Role.supervisor))
        dispatch_case(session, case_id=case_id, actor=boss, department_id=session.scalar(
            select(Department.id).where(Department.code == "mzj")))
        session.commit()
    keeper = make_user(web_engine, Role.handler, department=department)
    fee = "补卡工本费按自治区标准收取"
    with serve(app) as base, chromium_browser() as browser:
        page = page_of(browser, base, handler)
        page.goto(f"{base}/cases/{case_id}")
        form = page.locator("#item-correction")
        form.locator("select[name=field_choice]").select_option(label="收费")
        form.locator("input[name=correction]").fill(fee)
        form.locator("input[name=reason]").fill("答复时发现补卡要收工本费")
        form.locator("button").click()
        page.wait_for_load_state()
        assert page.url.endswith(f"/cases/{case_id}")

        own = page_of(browser, base, keeper)
        own.goto(f"{base}/kb/changes")
        change = own.locator("#own-changes .own-change").filter(has_text=f"工单 #{case_id} 更正").first
        expect(change).to_contain_text("待审核")
        expect(change).to_contain_text("收费")
        expect(change.locator("ins")).to_contain_text(fee)
    signed_in(client, web_engine, Role.handler, department="mzj")
    form = {"csrf_token": csrf_of(client), "case_id": "", "item_code": code, "field_choice": "fee",
            "correction": fee, "reason": "x"}
    assert client.post("/kb/changes", data=form).status_code == 403  # without a case: only the item's dept
