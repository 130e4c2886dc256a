"""The console's read side: filters, search, pagination, detail with timeline, queues and 督办."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.accounts.audit import list_audit
from hotline.cases.errors import CaseError
from hotline.cases.queries import CaseFilter, case_detail, handler_queue, list_cases, supervision_list
from hotline.models import CaseStatus, Channel, Intent


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


def codes(page) -> set[str]:
    return {c.tracking_code for c in page.items}


def test_filters_and_full_text_search(db_session, flow, people, org, new_case):
    lamp = new_case("上海庙镇芒哈图嘎查路灯坏了三天", intent="complaint", phone="15047771234",
                    at=cn(2026, 3, 3, 10, 0), town="上海庙镇")
    pension = new_case("养老保险缴费基数怎么查 100%_报销", intent="consultation", phone="13800009999",
                       at=cn(2026, 3, 5, 10, 0), channel=Channel.web)
    flow.do("dispatch", lamp, people.agent, department_id=org.dep["zjj"].id)
    everything = codes(list_cases(db_session, per_page=200))
    assert {lamp.tracking_code, pension.tracking_code} <= everything
    search = lambda **kw: codes(list_cases(db_session, filters=CaseFilter(**kw), per_page=200))  # noqa: E731
    assert search(text="路灯") == {lamp.tracking_code}
    assert search(text="1234") == {lamp.tracking_code}  # phone digits
    assert search(text=lamp.tracking_code.lower()) == {lamp.tracking_code}
    assert search(text="100%_") == {pension.tracking_code}  # LIKE wildcards are literal
    assert search(text="100%_x") == set()
    assert search(text="路灯", intent=Intent.consultation) == set()
    assert lamp.tracking_code in search(statuses=[CaseStatus.dispatched], department_id=org.dep["zjj"].id)
    assert pension.tracking_code not in search(statuses=[CaseStatus.dispatched])
    assert search(town="上海庙镇", text="嘎查") == {lamp.tracking_code}
    assert pension.tracking_code in search(channel=Channel.web)
    assert lamp.tracking_code not in search(channel=Channel.web)
    window = search(created_from=cn(2026, 3, 4, 0, 0), created_to=cn(2026, 3, 6, 0, 0))
    assert pension.tracking_code in window and lamp.tracking_code not in window


def test_pagination_is_stable_and_newest_first(db_session, new_case):
    made = [new_case(f"分页测试 {i}", at=cn(2026, 4, 1, 9, i)) for i in range(7)]
    first = list_cases(db_session, filters=CaseFilter(text="分页测试"), page=1, per_page=3)
    third = list_cases(db_session, filters=CaseFilter(text="分页测试"), page=3, per_page=3)
    assert first.total == 7 and first.pages == 3
    assert [c.id for c in first.items] == [c.id for c in reversed(made)][:3]
    assert [c.id for c in third.items] == [made[0].id]


def test_overdue_filter_and_supervision_list(db_session, flow, people, org):
    consult = flow.to("accepted", intent="consultation")  # 1 working day
    flow.do("dispatch", consult, people.agent, now=cn(2026, 3, 2, 9, 0))
    complaint = flow.to("accepted", intent="complaint")  # 5 working days, warning at 80 %: 4 days
    flow.do("dispatch", complaint, people.agent, now=cn(2026, 3, 2, 9, 0))
    assert complaint.warn_at == cn(2026, 3, 6, 9, 0)
    at = cn(2026, 3, 6, 12, 0)
    listed = dict(supervision_list(db_session, now=at))
    assert listed[consult] == "overdue" and listed[complaint] == "warning"
    assert list(listed)[0] is consult  # overdue first
    assert complaint not in dict(supervision_list(db_session, now=cn(2026, 3, 5, 9, 0)))
    overdue = codes(list_cases(db_session, filters=CaseFilter(overdue=True), now=at, per_page=200))
    assert consult.tracking_code in overdue and complaint.tracking_code not in overdue
    flow.do("sign", consult, people.handler)
    flow.do("suspend", consult, people.handler, now=cn(2026, 3, 6, 12, 0))
    assert consult not in dict(supervision_list(db_session, now=cn(2026, 3, 20, 12, 0)))


def test_detail_has_the_timeline_and_the_viewers_actions(db_session, flow, people, org):
    case = flow.to("dispatched")
    detail = case_detail(db_session, case_id=case.id, viewer=people.handler, ip="10.1.1.1")
    assert [e.action for e in detail.events] == ["accept", "dispatch"]
    assert set(detail.actions) == {"sign", "return", "request_extension"}
    assert detail.deadline in {"ok", "warning", "overdue"}
    agent_view = case_detail(db_session, case_id=case.id, viewer=people.agent)
    assert set(agent_view.actions) == {"redispatch", "merge"}
    with pytest.raises(CaseError) as err:
        case_detail(db_session, case_id=case.id, viewer=people.other_handler)
    assert err.value.code == "not_case_handler"
    views = list_audit(db_session, action="case.view", object_type="case", object_id=case.id)
    assert [(v.actor, v.ip) for v in views] == [(people.agent.username, None),
                                                (people.handler.username, "10.1.1.1")]
    with pytest.raises(CaseError) as err:
        case_detail(db_session, case_id=10**9, viewer=people.agent)
    assert err.value.code == "not_found"


def test_handler_queue_is_the_units_open_cases_most_urgent_first(db_session, flow, people, org):
    later = flow.to("accepted", intent="suggestion")
    flow.do("dispatch", later, people.agent, now=cn(2026, 3, 2, 9, 0))
    sooner = flow.to("accepted", intent="consultation")
    flow.do("dispatch", sooner, people.agent, now=cn(2026, 3, 2, 9, 0))
    done = flow.to("closed")
    elsewhere = flow.to("accepted")
    flow.do("dispatch", elsewhere, people.agent, department_id=org.dep["mzj"].id)
    queue = handler_queue(db_session, user=people.handler).items
    assert queue.index(sooner) < queue.index(later)
    assert done not in queue and elsewhere not in queue
    assert elsewhere in handler_queue(db_session, user=people.other_handler).items
