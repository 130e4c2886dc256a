"""The public tracking page: tracking code + last 4 phone digits, a citizen-safe view."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.accounts.audit import list_audit
from hotline.cases.appointments import book_window
from hotline.cases.errors import CaseError
from hotline.cases.tracking import NOT_FOUND, track_case


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_citizen_follows_the_case_without_seeing_internal_notes(db_session, flow, people, org):
    case = flow.to("accepted", phone="139-1234-5678")
    flow.do("dispatch", case, people.agent, note="内部：此人多次来电，注意态度")
    flow.do("sign", case, people.handler)
    flow.do("return", case, people.handler, reason="other", note="内部：科室之间推诿")
    flow.do("dispatch", case, people.agent, department_id=org.dep["ybj"].id)
    flow.do("sign", case, people.handler)
    flow.do("request_extension", case, people.handler, reason="内部：人手不足")
    flow.do("start", case, people.handler)
    view = track_case(db_session, tracking_code=case.tracking_code, phone_last4="5678")
    assert view.status_label == "办理中" and view.reply == ""
    labels = [s.label for s in view.steps]
    assert labels == ["工单已受理", "已转交旗医疗保障局办理", "承办单位已签收", "已转交旗医疗保障局办理",
                      "承办单位已签收", "正在办理"]
    flow.do("reply", case, people.handler, reply="您反映的问题已处理，报销款将于三个工作日内到账。")
    view = track_case(db_session, tracking_code=f" {case.tracking_code.lower()} ", phone_last4="5678",
                      ip="203.0.113.7")
    [audit] = list_audit(db_session, action="case.track", object_id=case.id, limit=1)
    assert (audit.actor, audit.ip) == ("citizen", "203.0.113.7")
    assert view.status_label == "已答复" and view.reply.startswith("您反映的问题已处理")
    shown = repr(view)
    assert "内部" not in shown and people.handler.username not in shown


def test_wrong_digits_and_unknown_codes_look_the_same(db_session, flow):
    case = flow.to("accepted", phone="13912345678")
    for code, digits in ((case.tracking_code, "0000"), ("2603-XXXXXX", "5678")):
        with pytest.raises(CaseError) as err:
            track_case(db_session, tracking_code=code, phone_last4=digits)
        assert (err.value.code, err.value.message) == ("not_found", NOT_FOUND)
    with pytest.raises(CaseError) as err:
        track_case(db_session, tracking_code=case.tracking_code, phone_last4="56a")
    assert err.value.code == "invalid_input"
    no_phone = flow.to("accepted", phone=None)
    with pytest.raises(CaseError) as err:
        track_case(db_session, tracking_code=no_phone.tracking_code, phone_last4="0000")
    assert err.value.code == "not_found"


def test_tracking_shows_the_appointment_and_the_merged_master(db_session, calendar, flow, people, org,
                                                              new_case):
    case = flow.to("accepted", intent="appointment", phone="13700001111")
    book_window(db_session, case_id=case.id, site_id=org.site["banner"].id, slot_start=cn(2026, 3, 4, 9, 30),
                actor=people.agent, now=cn(2026, 3, 2, 9, 0))
    view = track_case(db_session, tracking_code=case.tracking_code, phone_last4="1111")
    [appointment] = view.appointments
    assert appointment.kind_label == "窗口预约" and appointment.place == org.site["banner"].name
    assert appointment.start == cn(2026, 3, 4, 9, 30) and not appointment.cancelled
    assert view.steps[-1].label == "已预约"
    master = new_case("同一诉求", phone="13700002222")
    flow.do("merge", case, people.agent, master=master)
    view = track_case(db_session, tracking_code=case.tracking_code, phone_last4="1111")
    assert view.status_label == "已合并" and view.merged_into == master.tracking_code
