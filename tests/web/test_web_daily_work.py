"""The agent's and handler's daily work in headless Chromium: correcting title/content/address before
dispatch (the citizen's words kept) then landing on the next case with a notice, inline validation, caller
history on the case page and on the live card, a case entered by hand, a reply template inserted with
Alt+1 into 签收并答复. Plus the same services through HTTP for what a browser cannot see."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from testkit.browser import launch_chromium, screenshot
from web_testkit import csrf_of, make_user, new_case, serve, sign_in, signed_in

from hotline.cases.lifecycle import dispatch_case
from hotline.models import Case, CaseEvent, Channel, Department, Intent, ReplyTemplate, Role, User


def _phone() -> str:
    return "139" + str(uuid.uuid4().int)[:8]


def _case(engine, case_id) -> Case:
    with Session(engine) as session:
        return session.get_one(Case, case_id, options=[selectinload(Case.events)])


def _dispatch_to(engine, case_id: int, department_code: str, *, intent: Intent | None = None) -> None:
    with Session(engine) as session:
        agent = session.scalar(select(User).where(User.role == Role.agent).limit(1))
        dep = session.scalar(select(Department.id).where(Department.code == department_code))
        if intent is not None:
            session.get(Case, case_id).intent = intent
        dispatch_case(session, case_id=case_id, actor=agent, department_id=dep)
        session.commit()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        try:
            yield chromium
        finally:
            chromium.close()


def _page(browser):
    return browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN").new_page()


@pytest.mark.browser
def test_agent_corrects_title_content_address_sees_history_and_gets_the_next_case(app, web_engine, browser):
    from playwright.sync_api import expect

    phone = _phone()
    earlier = new_case(app, "上个月反映的路灯问题还没有修好", phone=phone)
    case_id = new_case(app, "嗯那个我想问一下就是那个社保卡丢了嗯怎么补办", phone=phone)
    agent = make_user(web_engine, Role.agent)
    with serve(app) as base:
        page = _page(browser)
        sign_in(page, base, agent)
        page.goto(f"{base}/cases/{case_id}")
        history = page.locator("#caller-history")
        expect(history).to_contain_text(_case(web_engine, earlier).tracking_code)
        expect(history).to_contain_text("此前共 1 件工单")

        form = page.locator("#intake-form")
        form.locator('input[name="citizen_phone"]').fill("139abc")  # refused inline, nothing typed is lost
        form.locator('input[name="title"]').fill("社保卡丢失补办")
        page.click("#confirm-dispatch")
        expect(page.locator("#intake-error")).to_contain_text("来电号码只能包含数字")
        expect(page.locator('#intake-form input[name="title"]')).to_have_value("社保卡丢失补办")
        screenshot(page, "dw-01-inline-error")

        form.locator('input[name="citizen_phone"]').fill(phone)
        form.locator('textarea[name="content"]').fill("社保卡丢失，询问如何补办。")
        form.locator('input[name="address"]').fill("敖勒召其镇幸福街 12 号")
        form.locator('select[name="department_id"]').select_option(index=1)
        code = _case(web_engine, case_id).tracking_code
        page.click("#confirm-dispatch")
        expect(page.locator("#notice")).to_contain_text(f"已派单：{code}")
        screenshot(page, "dw-02-next-case")
        assert f"/cases/{case_id}" not in page.url  # the next case to confirm (or the console) opened

    case = _case(web_engine, case_id)
    assert case.status.value == "dispatched"
    assert (case.title, case.content, case.address) == (
        "社保卡丢失补办",
        "社保卡丢失，询问如何补办。",
        "敖勒召其镇幸福街 12 号",
    )
    assert case.original_content == "嗯那个我想问一下就是那个社保卡丢了嗯怎么补办"
    note = next(e.note for e in case.events if e.action == "confirm_intake")
    assert "更正：标题、诉求内容、地址" in note


@pytest.mark.browser
def test_live_card_shows_the_callers_earlier_cases(app, web_engine, browser):
    from playwright.sync_api import expect

    phone = _phone()
    earlier = _case(web_engine, new_case(app, "咨询养老保险缴费基数", phone=phone))
    agent = make_user(web_engine, Role.agent)
    with serve(app) as base:
        page = _page(browser)
        sign_in(page, base, agent)
        expect(page.locator("#sse-state")).to_have_text("实时", timeout=10000)
        app.state.ctx.hub.publish("call.started", call_id="call-history", caller=phone)
        card = page.locator('[data-call-id="call-history"] .caller-history')
        expect(card).to_contain_text("历史工单 1 件（1 件在办）")
        expect(card.locator("a")).to_have_text(earlier.tracking_code)
        app.state.ctx.hub.publish("call.started", call_id="call-new", caller=_phone())
        expect(page.locator('[data-call-id="call-new"] .caller-history')).to_have_text("首次来电")
        screenshot(page, "dw-03-live-card-history")


@pytest.mark.browser
def test_manual_case_from_a_window_visit(app, web_engine, browser):
    from playwright.sync_api import expect

    agent = make_user(web_engine, Role.agent)
    with serve(app) as base:
        page = _page(browser)
        sign_in(page, base, agent)
        page.click("text=手工录入")
        page.select_option('select[name="channel"]', "desk_phone")
        page.fill('textarea[name="text"]', "城川镇的自来水这两天一直停水，希望尽快恢复供水。")
        page.click("#manual-submit")
        expect(page.locator("#manual-error")).to_contain_text("座机来电请填写来电号码")
        expect(page.locator('textarea[name="text"]')).to_have_value(
            "城川镇的自来水这两天一直停水，希望尽快恢复供水。"
        )
        page.select_option('select[name="channel"]', "walk_in")
        page.fill('input[name="citizen_name"]', "王五")
        page.fill('input[name="address"]', "城川镇政府门口")
        page.click("#manual-submit")
        expect(page.locator("#notice")).to_contain_text("工单已录入")
        expect(page.locator("#case-address")).to_have_text("城川镇政府门口")
        expect(page.locator("#intake")).to_be_visible()  # confirmed and dispatched like any other case
        expect(page.locator("#timeline")).to_contain_text("窗口来访渠道受理")
        screenshot(page, "dw-04-manual-case")
        case_id = int(page.url.split("/cases/")[1].split("?")[0])
    case = _case(web_engine, case_id)
    assert case.channel == Channel.walk_in and case.citizen_name == "王五"
    assert case.events[0].actor == agent


@pytest.mark.browser
def test_handler_signs_and_answers_in_one_step_with_a_template_shortcut(app, web_engine, browser):
    from playwright.sync_api import expect

    make_user(web_engine, Role.agent)
    case_id = new_case(app, "想问一下党组织关系转接需要什么材料", name="李四")
    _dispatch_to(web_engine, case_id, "zzb", intent=Intent.consultation)
    with Session(web_engine) as session:
        dep = session.scalar(select(Department.id).where(Department.code == "zzb"))
        session.add(
            ReplyTemplate(
                name="材料清单",
                body="{姓名}您好，工单{工单编号}：请携带身份证到{部门}窗口办理。",
                department_id=dep,
                shortcut=1,
                active=True,
                created_by="test",
            )
        )
        session.commit()
    handler = make_user(web_engine, Role.handler, department="zzb")
    code = _case(web_engine, case_id).tracking_code
    with serve(app) as base:
        page = _page(browser)
        sign_in(page, base, handler)
        page.goto(f"{base}/cases/{case_id}")
        box = page.locator('form[data-action="sign_reply"] textarea[name="reply"]')
        box.click()
        page.keyboard.press("Alt+1")
        expect(box).to_have_value(f"李四您好，工单{code}：请携带身份证到旗委组织部窗口办理。")
        screenshot(page, "dw-05-template-shortcut")
        page.locator('form[data-action="sign_reply"] button[type="submit"]').click()
        expect(page.locator("#case-status")).to_have_text("已答复")
        expect(page.locator("#timeline")).to_contain_text("签收并答复")
    case = _case(web_engine, case_id)
    assert [e.action for e in case.events][-3:] == ["sign", "start", "reply"]
    assert case.reply.startswith("李四您好")


def test_complaints_keep_the_three_steps(client, web_engine):
    make_user(web_engine, Role.agent)
    case_id = new_case(client.app, "投诉窗口工作人员态度恶劣")
    _dispatch_to(web_engine, case_id, "zzb", intent=Intent.complaint)
    signed_in(client, web_engine, Role.handler, department="zzb")
    page = client.get(f"/cases/{case_id}")
    assert 'data-action="sign_reply"' not in page.text
    refused = client.post(
        f"/cases/{case_id}/sign_reply",
        data={"csrf_token": csrf_of(client), "reply": "好"},
        follow_redirects=False,
    )
    assert refused.status_code == 409 and "投诉类工单须依次签收" in refused.text
    with Session(web_engine) as session:
        assert not session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.action == "sign")
        ).all()


def test_supervisor_keeps_reply_templates_with_inline_errors(client, web_engine):
    signed_in(client, web_engine, Role.supervisor)
    bad = client.post(
        "/reply-templates",
        data={"csrf_token": csrf_of(client), "name": "通用答复", "body": "您好", "shortcut": "12"},
    )
    assert bad.status_code == 422 and "快捷键应为 1 到 9" in bad.text and "通用答复" in bad.text
    ok = client.post(
        "/reply-templates",
        data={"csrf_token": csrf_of(client), "name": "通用答复", "body": "{姓名}您好", "shortcut": "2"},
        follow_redirects=True,
    )
    assert ok.status_code == 200 and "答复模板已保存" in ok.text and "Alt+2" in ok.text


def test_history_api_is_for_staff_only(client, web_engine):
    assert client.get("/api/callers/13900000000/history").status_code == 401
    signed_in(client, web_engine, Role.agent)
    assert client.get("/api/callers/13900000000/history").json()["phone"] == "13900000000"


@pytest.mark.browser
def test_urging_reaches_the_handler_counted(app, web_engine, browser):
    from playwright.sync_api import expect

    make_user(web_engine, Role.agent)
    case_id = new_case(app, "小区门口的垃圾好几天没人清运了")
    _dispatch_to(web_engine, case_id, "zzb")
    supervisor = make_user(web_engine, Role.supervisor)
    handler = make_user(web_engine, Role.handler, department="zzb")
    with serve(app) as base:
        boss = _page(browser)
        sign_in(boss, base, supervisor)
        boss.goto(f"{base}/cases/{case_id}")
        boss.fill('#supervise input[name="note"]', "群众再次来电，请今天处理")
        boss.click("#supervise button:has-text('催办')")
        expect(boss.locator("#notice")).to_contain_text("已催办")
        boss.click("#supervise button:has-text('催办')")
        expect(boss.locator("#supervise")).to_contain_text("已催办 2 次")
        boss.fill('#supervise input[name="opinion"]', "请承办单位当日反馈处理结果")
        boss.click("text=记录督办意见")
        expect(boss.locator("#timeline")).to_contain_text("督办意见")
        expect(boss.locator("#timeline")).to_contain_text("第 1 次催办：群众再次来电，请今天处理")

        page = _page(browser)
        sign_in(page, base, handler)
        row = page.locator("tr", has=page.locator(f"text={_case(web_engine, case_id).tracking_code}"))
        expect(row.locator(".urged")).to_have_text("催办 2 次")
        expect(page.locator("#urge-notice")).to_contain_text("被督办催办")
        screenshot(page, "dw-06-handler-urged")
        row.locator("a").first.click()
        expect(page.locator("#urged-banner")).to_contain_text("已被督办催办 2 次")
        expect(page.locator("#supervise")).to_have_count(0)
    assert [e.action for e in _case(web_engine, case_id).events].count("urge") == 2


def test_only_supervisors_urge_and_only_open_cases(client, web_engine):
    case_id = new_case(client.app, "咨询老年证办理")
    signed_in(client, web_engine, Role.handler, department="zzb")
    assert client.post(f"/cases/{case_id}/urge", data={"csrf_token": csrf_of(client)}).status_code == 403
    boss = client.new_browser()
    signed_in(boss, web_engine, Role.supervisor)
    not_yet = boss.post(f"/cases/{case_id}/urge", data={"csrf_token": csrf_of(boss)})
    assert not_yet.status_code == 409 and "只有办理中的工单" in not_yet.text


def test_handlers_play_the_recording_of_their_own_cases_audited(client, web_engine, tmp_path):
    from datetime import UTC, datetime

    from hotline.models import AuditRecord, Call, CallDirection

    wav = tmp_path / "call.wav"
    wav.write_bytes(b"RIFF" + bytes(40))
    make_user(web_engine, Role.agent)
    case_id = new_case(client.app, "路灯坏了", phone="13900007777")
    call_id = uuid.uuid4().hex
    with Session(web_engine) as session:
        session.add(
            Call(
                id=call_id,
                direction=CallDirection.inbound,
                caller="13900007777",
                callee="7812345",
                started_at=datetime.now(UTC),
                recording_path=str(wav),
                end_reason="caller_hangup",
            )
        )
        session.flush()
        session.get(Case, case_id).call_id = call_id
        session.commit()
    _dispatch_to(web_engine, case_id, "zzb")
    other = client.new_browser()
    signed_in(other, web_engine, Role.handler, department="mzj")
    assert other.get(f"/calls/{call_id}/recording").status_code == 403
    handler = signed_in(client, web_engine, Role.handler, department="zzb")
    page = client.get(f"/cases/{case_id}").text
    assert f'src="/calls/{call_id}/recording"' in page and "结束原因 群众挂机" in page
    assert client.get(f"/calls/{call_id}/recording").content.startswith(b"RIFF")
    with Session(web_engine) as session:
        played = session.scalars(
            select(AuditRecord).where(
                AuditRecord.action == "recording.play", AuditRecord.object_id == call_id
            )
        ).all()
    assert [r.actor for r in played] == [handler]
