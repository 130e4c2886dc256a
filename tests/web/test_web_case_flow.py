"""Every case transition through the web routes, with the roles and owners that may do it; corrections
feed the classifier; handlers see only their own cases; appointments show on the tracking page."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_testkit import csrf_of, new_case, signed_in

from hotline.cases.working_days import china_date, load_work_calendar
from hotline.models import (
    Appointment,
    Case,
    CaseEvent,
    ClassifierCorrection,
    Department,
    Role,
    utcnow,
)


def _case(engine, case_id) -> Case:
    with Session(engine) as session:
        return session.get(Case, case_id)


def _dep(engine, code) -> int:
    with Session(engine) as session:
        return session.scalar(select(Department.id).where(Department.code == code))


def _events(engine, case_id) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))


def act(client, case_id, action, **data):
    return client.post(
        f"/cases/{case_id}/{action}", data={"csrf_token": csrf_of(client), **data}, follow_redirects=False
    )


def test_agent_confirms_with_corrections_then_handler_works_the_case_to_closure(client, web_engine):
    case_id = new_case(client.app, "我想咨询社保卡丢了怎么补办，需要带什么材料")
    predicted = _case(web_engine, case_id)
    agent = client
    signed_in(agent, web_engine, Role.agent)
    page = agent.get(f"/cases/{case_id}")
    assert page.status_code == 200 and "确认受理信息" in page.text and "分派建议" in page.text

    rsj = _dep(web_engine, "rsj") or _dep(web_engine, "zzb")
    new_intent = "complaint" if (predicted.intent and predicted.intent.value) != "complaint" else "suggestion"
    confirm = agent.post(
        f"/cases/{case_id}/confirm",
        data={
            "csrf_token": csrf_of(agent),
            "citizen_phone": "13912345678",
            "citizen_name": "张三",
            "town": "上海庙镇",
            "service_item": "",
            "intent": new_intent,
            "department_id": str(rsj),
            "then": "dispatch",
            "time_limit_days": "3",
        },
        follow_redirects=False,
    )
    assert confirm.status_code == 303, confirm.text
    case = _case(web_engine, case_id)
    assert case.status.value == "dispatched" and case.department_id == rsj and case.town == "上海庙镇"
    assert case.citizen_name == "张三" and case.time_limit_days == 3
    with Session(web_engine) as session:
        corrections = {
            c.task: c
            for c in session.scalars(
                select(ClassifierCorrection).where(ClassifierCorrection.case_id == case_id)
            )
        }
    assert corrections["intent"].corrected == new_intent
    assert corrections["intent"].predicted == (predicted.intent.value if predicted.intent else None)
    assert "社保卡" in corrections["intent"].text
    dept_code = "rsj" if _dep(web_engine, "rsj") else "zzb"
    top = (predicted.routing or [{}])[0].get("department")
    assert ("department" in corrections) == (top != dept_code)

    handler = agent.new_browser()
    signed_in(handler, web_engine, Role.handler, department=dept_code)
    queue = handler.get("/my/cases")
    assert case.tracking_code in queue.text
    for action in ("sign", "start"):
        assert act(handler, case_id, action).status_code == 303
    assert act(handler, case_id, "request_extension", days="2", reason="需要现场核实").status_code == 303
    supervisor = agent.new_browser()
    signed_in(supervisor, web_engine, Role.supervisor)
    assert "需要现场核实" in supervisor.get("/supervision").text
    due_before = _case(web_engine, case_id).due_at
    with Session(web_engine) as session:
        from hotline.models import CaseExtension

        ext = session.scalar(select(CaseExtension).where(CaseExtension.case_id == case_id))
    decided = supervisor.post(
        f"/extensions/{ext.id}/decide",
        data={"csrf_token": csrf_of(supervisor), "approve": "1", "days": "2"},
        follow_redirects=False,
    )
    assert decided.status_code == 303 and _case(web_engine, case_id).due_at > due_before
    assert act(handler, case_id, "request_extension", days="5", reason="再等等").status_code == 303
    with Session(web_engine) as session:
        second = session.scalar(
            select(CaseExtension).where(CaseExtension.case_id == case_id, CaseExtension.id != ext.id)
        )
    no_reason = supervisor.post(
        f"/extensions/{second.id}/decide", data={"csrf_token": csrf_of(supervisor), "approve": "0"}
    )
    assert no_reason.status_code == 422 and "不予延期的理由" in no_reason.text
    due_after_first = _case(web_engine, case_id).due_at
    supervisor.post(
        f"/extensions/{second.id}/decide",
        data={"csrf_token": csrf_of(supervisor), "approve": "0", "note": "理由不充分"},
    )
    with Session(web_engine) as session:
        assert session.get(CaseExtension, second.id).status.value == "rejected"
    assert _case(web_engine, case_id).due_at == due_after_first
    assert act(handler, case_id, "suspend", note="等待群众提供身份证复印件").status_code == 303
    assert _case(web_engine, case_id).status.value == "suspended"
    assert act(handler, case_id, "resume").status_code == 303
    assert _case(web_engine, case_id).status.value == "handling"
    assert act(handler, case_id, "reply", reply="请携带身份证到社保窗口补办，当场可取。").status_code == 303
    assert act(agent, case_id, "close").status_code == 303
    case = _case(web_engine, case_id)
    assert case.status.value == "closed" and case.reply.startswith("请携带身份证")
    timeline = agent.get(f"/cases/{case_id}").text
    for label in (
        "确认受理信息",
        "派单",
        "签收",
        "办理",
        "申请延期",
        "审批延期",
        "挂起",
        "恢复办理",
        "答复",
        "办结",
    ):
        assert label in timeline
    assert act(supervisor, case_id, "reopen", note="群众不满意").status_code == 303
    assert _case(web_engine, case_id).status.value == "reopened"


def test_handlers_only_see_and_move_their_own_cases(client, web_engine):
    case_id = new_case(client.app, "村里路灯坏了好几天了")
    signed_in(client, web_engine, Role.agent)
    assert act(client, case_id, "dispatch", department_id=str(_dep(web_engine, "zzb"))).status_code == 303
    outsider = client.new_browser()
    signed_in(outsider, web_engine, Role.handler, department="xcb")
    before = _events(web_engine, case_id)
    assert outsider.get(f"/cases/{case_id}").status_code == 403
    refused = act(outsider, case_id, "sign")
    assert refused.status_code == 403 and "未派给您所在的单位" in refused.text
    assert act(outsider, case_id, "return", reason="not_our_remit").status_code == 403
    assert _events(web_engine, case_id) == before and _case(web_engine, case_id).status.value == "dispatched"
    assert _case(web_engine, case_id).tracking_code not in outsider.get("/my/cases").text


def test_return_redispatch_answer_merge_archive_and_co_handling(client, web_engine):
    agent = client
    signed_in(agent, web_engine, Role.agent)
    zzb, xcb, tzb = (_dep(web_engine, c) for c in ("zzb", "xcb", "tzb"))

    returned = new_case(client.app, "咨询入党申请需要什么条件")
    act(agent, returned, "dispatch", department_id=str(xcb))
    handler = agent.new_browser()
    signed_in(handler, web_engine, Role.handler, department="xcb")
    invalid = act(handler, returned, "return", reason="other")
    assert invalid.status_code == 422 and "退单说明" in invalid.text
    assert act(handler, returned, "return", reason="not_our_remit").status_code == 303
    queue = agent.get("/returned").text
    assert _case(web_engine, returned).tracking_code in queue and "非本单位职责" in queue
    assert act(agent, returned, "redispatch", department_id=str(zzb)).status_code == 409  # returned: dispatch
    assert act(agent, returned, "dispatch", department_id=str(zzb)).status_code == 303
    assert act(agent, returned, "redispatch", department_id=str(tzb)).status_code == 303
    assert _case(web_engine, returned).department_id == tzb

    answered = new_case(client.app, "政务大厅几点下班")
    fetched = agent.post(
        f"/cases/{answered}/answer",
        data={"reply": "工作日 18:00 下班。"},
        headers={"X-CSRF-Token": csrf_of(agent), "accept": "application/json"},
    )
    assert fetched.json() == {"ok": True, "case_id": answered, "status": "answered"}
    again = agent.post(
        f"/cases/{answered}/answer",
        data={"reply": "x"},
        headers={"X-CSRF-Token": csrf_of(agent), "accept": "application/json"},
    )
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert _case(web_engine, answered).status.value == "answered"
    supervisor = agent.new_browser()
    signed_in(supervisor, web_engine, Role.supervisor)
    assert act(supervisor, answered, "archive").status_code == 303
    assert _case(web_engine, answered).status.value == "archived"

    duplicate = new_case(client.app, "咨询入党申请需要什么条件（重复来电）")
    master_code = _case(web_engine, returned).tracking_code
    assert act(agent, duplicate, "merge", master=master_code).status_code == 303
    assert _case(web_engine, duplicate).merged_into_id == returned

    co_case = new_case(client.app, "小区门口道路破损，涉及多个部门")
    coordinator_browser = supervisor.new_browser()
    coordinator = signed_in(coordinator_browser, web_engine, Role.agent)
    with Session(web_engine) as session:
        from hotline.models import User

        coordinator_id = session.scalar(select(User.id).where(User.username == coordinator))
    form = {
        "csrf_token": csrf_of(agent),
        "department_id": str(zzb),
        "co_department_ids": [str(xcb)],
        "coordinator_id": str(coordinator_id),
    }
    assert agent.post(f"/cases/{co_case}/dispatch", data=form, follow_redirects=False).status_code == 303
    owner = agent.new_browser()
    signed_in(owner, web_engine, Role.handler, department="zzb")
    for action, fields in (("sign", {}), ("start", {}), ("reply", {"reply": "组织部已牵头修复。"})):
        assert act(owner, co_case, action, **fields).status_code == 303
    pending = act(agent, co_case, "close")
    assert pending.status_code == 409 and "尚未答复" in pending.text and "旗委宣传部" in pending.text
    co_handler = agent.new_browser()
    signed_in(co_handler, web_engine, Role.handler, department="xcb")
    assert "协办答复" in co_handler.get(f"/cases/{co_case}").text
    assert act(co_handler, co_case, "co_reply", reply="宣传部已配合完成。").status_code == 303
    assert act(co_handler, co_case, "co_reply", reply="再答一次").status_code == 403  # replied already
    not_coordinator = act(agent, co_case, "coordinator_close", note="中转办办结")
    assert not_coordinator.status_code == 403
    assert act(coordinator_browser, co_case, "coordinator_close", note="").status_code == 422  # note required
    assert act(coordinator_browser, co_case, "coordinator_close", note="中转办办结").status_code == 303
    assert _case(web_engine, co_case).status.value == "closed"
    assert "宣传部已配合完成。" in agent.get(f"/cases/{co_case}").text


def test_appointments_from_the_case_page_show_on_the_tracking_page(client, web_engine):
    case_id = new_case(client.app, "我想预约办理营业执照", phone="13800009876")
    signed_in(client, web_engine, Role.agent)
    with Session(web_engine) as session:
        calendar = load_work_calendar(session)
    day = china_date(utcnow()) + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    page = client.get(f"/cases/{case_id}", params={"site_id": "1", "day": day.isoformat()})
    slot = re.search(r'name="slot_start" value="([^"]+)"', page.text).group(1)
    booked = client.post(
        f"/cases/{case_id}/appointments/window",
        data={"csrf_token": csrf_of(client), "site_id": "1", "slot_start": slot},
        follow_redirects=False,
    )
    assert booked.status_code == 303
    again = client.post(
        f"/cases/{case_id}/appointments/home",
        data={
            "csrf_token": csrf_of(client),
            "kind": "red_team",
            "town": "上海庙镇",
            "day": day.isoformat(),
            "address": "上海庙镇某村",
        },
    )
    assert again.status_code == 409 and "已有有效预约" in again.text

    citizen = client.new_browser()
    form = citizen.get("/track").text
    token = re.search(r'name="form_token" value="([0-9a-f]+)"', form).group(1)
    view = citizen.post(
        "/track",
        data={"code": _case(web_engine, case_id).tracking_code, "last4": "9876", "form_token": token},
    )
    assert view.status_code == 200 and "窗口预约" in view.text and "鄂托克前旗党群政务服务中心" in view.text

    with Session(web_engine) as session:
        appointment = session.scalar(select(Appointment).where(Appointment.case_id == case_id))
    cancel = client.post(
        f"/appointments/{appointment.id}/cancel",
        data={"csrf_token": csrf_of(client), "reason": "群众改期"},
        follow_redirects=False,
    )
    assert cancel.status_code == 303
    home = client.post(
        f"/cases/{case_id}/appointments/home",
        data={
            "csrf_token": csrf_of(client),
            "kind": "service_vehicle",
            "town": "上海庙镇",
            "day": day.isoformat(),
            "address": "上海庙镇某村",
        },
        follow_redirects=False,
    )
    assert home.status_code == 303
    view = citizen.post(
        "/track",
        data={"code": _case(web_engine, case_id).tracking_code, "last4": "9876", "form_token": token},
    )
    assert "流动服务车上门" in view.text and "（已取消）" in view.text


def test_case_list_filters_search_and_pages(client, web_engine):
    marker = "测试检索标记甲乙丙"
    ids = [new_case(client.app, f"{marker} 第{i}件 供暖不热") for i in range(23)]
    signed_in(client, web_engine, Role.agent)
    first = client.get("/cases", params={"q": marker})
    assert "共 23 条" in first.text and "第 1 / 2 页" in first.text
    second = client.get("/cases", params={"q": marker, "page": 2})
    assert "第 2 / 2 页" in second.text
    codes = {_case(web_engine, i).tracking_code for i in ids}
    shown = set(re.findall(r"\d{4}-[0-9A-Z]{6}", first.text + second.text))
    assert codes <= shown
    assert "共 0 条" in client.get("/cases", params={"q": marker, "status": "closed"}).text
    assert client.get("/cases", params={"status": "bogus"}).status_code == 422
