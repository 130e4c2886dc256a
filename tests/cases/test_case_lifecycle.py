"""What each transition does to a case: timeline, time limits, return, suspension, extension, reopen, merge,
and the 中转办 closing rule."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.cases import coordination, lifecycle
from hotline.cases.errors import CaseError
from hotline.cases.queries import handler_queue, returned_queue, supervision_list
from hotline.cases.time_limits import working_time_used
from hotline.cases.working_days import DAY
from hotline.models import ExtensionStatus


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_full_path_records_every_step(db_session, flow, people, org):
    case = flow.to("accepted", intent="complaint")
    lifecycle.dispatch_case(db_session, case_id=case.id, actor=people.agent, department_id=org.dep["ybj"].id,
                            now=cn(2026, 3, 2, 9, 0))
    assert case.due_at == cn(2026, 3, 9, 9, 0)  # complaint: 5 working days
    assert case.time_limit_days == 5
    for action, who in (("sign", people.handler), ("start", people.handler), ("reply", people.handler),
                        ("close", people.agent), ("callback", None), ("archive", people.supervisor)):
        flow.do(action, case, who)
    path = [(e.action, e.from_status, e.to_status) for e in case.events]
    assert path == [("accept", None, "accepted"), ("dispatch", "accepted", "dispatched"),
                    ("sign", "dispatched", "signed"), ("start", "signed", "handling"),
                    ("reply", "handling", "replied"), ("close", "replied", "closed"),
                    ("callback", "closed", "callback_done"), ("archive", "callback_done", "archived")]
    assert [e.actor for e in case.events[1:]] == [people.agent.username] + [people.handler.username] * 3 + [
        people.agent.username, "system", people.supervisor.username]
    assert case.events[1].note == "派往 旗医疗保障局"
    assert case.reply.startswith("经核实") and case.closed_at is not None and case.due_at is None


def test_answered_on_the_call(db_session, flow, people):
    case = flow.to("accepted")
    with pytest.raises(CaseError) as err:
        lifecycle.answer_case(db_session, case_id=case.id, actor=people.agent, reply="  ")
    assert err.value.code == "invalid_input" and case.status.value == "accepted"
    flow.do("answer", case, people.agent)
    assert case.status.value == "answered" and case.closed_at is not None and case.department_id is None


def test_time_limit_from_the_service_item_beats_the_intent_default(db_session, flow, people, org):
    from sqlalchemy import select

    from hotline.models import ItemKind, ServiceItem

    item = db_session.scalar(select(ServiceItem).limit(1))
    if item is None:
        item = ServiceItem(code="T-1", name="测试事项", zone="social", kind=ItemKind.government,
                           department_id=org.dep["ybj"].id, time_limit_days=7)
        db_session.add(item)
    item.time_limit_days = 7
    case = flow.to("accepted", intent="consultation")
    case.service_item_id = item.id
    case.time_limit_days = None
    db_session.flush()
    db_session.refresh(case)
    flow.do("dispatch", case, people.agent, now=cn(2026, 3, 2, 9, 0))
    assert case.time_limit_days == 7 and case.due_at == cn(2026, 3, 11, 9, 0)
    other = flow.to("accepted", intent="consultation")
    flow.do("dispatch", other, people.agent, now=cn(2026, 3, 2, 9, 0), time_limit_days=2)
    assert other.due_at == cn(2026, 3, 4, 9, 0)


def test_return_goes_to_the_agents_queue_and_is_dispatched_again(db_session, flow, people, org):
    case = flow.to("signed")
    with pytest.raises(CaseError) as err:
        flow.do("return", case, people.handler, reason="other")
    assert err.value.code == "invalid_input" and case.status.value == "signed"
    with pytest.raises(CaseError) as err:
        flow.do("return", case, people.handler, reason="because")
    assert err.value.code == "invalid_input"
    flow.do("return", case, people.handler, reason="not_our_remit", note="应由民政局办理")
    assert case.status.value == "returned" and case.return_reason == "not_our_remit" and case.due_at is None
    assert case.events[-1].note == "非本单位职责：应由民政局办理"
    assert case in returned_queue(db_session).items
    assert case not in handler_queue(db_session, user=people.handler).items
    flow.do("dispatch", case, people.agent, department_id=org.dep["mzj"].id, now=cn(2026, 3, 3, 10, 0))
    assert case.status.value == "dispatched" and case.return_reason is None
    assert case.due_at == cn(2026, 3, 4, 10, 0)  # consultation: 1 working day, restarted
    assert case in handler_queue(db_session, user=people.other_handler).items
    assert case not in returned_queue(db_session).items


def test_redispatch_moves_the_case_and_restarts_the_clock(db_session, flow, people, org):
    case = flow.to("handling")
    flow.do("redispatch", case, people.supervisor, department_id=org.dep["mzj"].id, now=cn(2026, 3, 6, 16, 0))
    assert case.status.value == "dispatched" and case.department_id == org.dep["mzj"].id
    assert case.due_at == cn(2026, 3, 9, 16, 0)
    with pytest.raises(CaseError) as err:
        flow.do("sign", case, people.handler)
    assert err.value.code == "not_case_handler"
    flow.do("sign", case, people.other_handler)


def test_suspension_stops_the_clock(db_session, flow, people, org):
    case = flow.to("accepted", intent="complaint")
    flow.do("dispatch", case, people.agent, now=cn(2026, 3, 2, 9, 0))
    flow.do("sign", case, people.handler, now=cn(2026, 3, 2, 10, 0))
    assert case.due_at == cn(2026, 3, 9, 9, 0)
    with pytest.raises(CaseError) as err:
        flow.do("suspend", case, people.handler, note="", now=cn(2026, 3, 3, 9))
    assert err.value.code == "invalid_input"
    flow.do("suspend", case, people.handler, now=cn(2026, 3, 3, 9, 0))
    later = cn(2026, 3, 12, 9, 0)  # past the original due date, but the clock is stopped
    assert working_time_used(case, now=later, calendar=flow_calendar(db_session)) == DAY
    assert case not in [c for c, _ in supervision_list(db_session, now=later)]
    flow.do("resume", case, people.handler, now=cn(2026, 3, 6, 9, 0))  # 3 working days suspended
    assert case.status.value == "signed"  # back where it was
    assert case.due_at == cn(2026, 3, 12, 9, 0)
    assert working_time_used(case, now=cn(2026, 3, 9, 9, 0), calendar=flow_calendar(db_session)) == 2 * DAY


def flow_calendar(session):
    from hotline.cases.working_days import load_work_calendar

    return load_work_calendar(session)


def test_extension_approved_moves_the_due_date_across_spring_festival(db_session, flow, people):
    case = flow.to("accepted", intent="complaint")
    flow.do("dispatch", case, people.agent, now=cn(2026, 2, 6, 10, 0))
    assert case.due_at == cn(2026, 2, 13, 10, 0)
    flow.do("sign", case, people.handler, now=cn(2026, 2, 9, 9, 0))
    extension = flow.do("request_extension", case, people.handler, days=3, reason="需要到牧区现场核实")
    with pytest.raises(CaseError) as err:
        flow.do("request_extension", case, people.handler, days=1)
    assert err.value.code == "extension_pending"
    assert coordination.pending_extensions(db_session) == [extension]
    flow.do("decide_extension", case, people.supervisor, extension=extension, approve=True, days=2,
            now=cn(2026, 2, 10, 9, 0))
    assert extension.status == ExtensionStatus.approved and extension.approved_days == 2
    assert case.due_at == cn(2026, 2, 24, 10, 0)  # 2/14 (调休 Saturday) and 2/24 after 春节
    assert case.time_limit_days == 7
    assert "批准延期 2 个工作日" in case.events[-1].note
    with pytest.raises(CaseError) as err:
        flow.do("decide_extension", case, people.supervisor, extension=extension, approve=True)
    assert err.value.code == "invalid_transition"


def test_extension_rejected_needs_a_reason_and_keeps_the_due_date(db_session, flow, people):
    case = flow.to("handling")
    due = case.due_at
    extension = flow.do("request_extension", case, people.handler)
    with pytest.raises(CaseError) as err:
        flow.do("decide_extension", case, people.supervisor, extension=extension, approve=False)
    assert err.value.code == "invalid_input" and extension.status == ExtensionStatus.pending
    flow.do("decide_extension", case, people.supervisor, extension=extension, approve=False,
            note="事项简单，按期办结")
    assert extension.status == ExtensionStatus.rejected and case.due_at == due


def test_reopen_by_supervisor_and_by_unsatisfied_callback(db_session, flow, people, org):
    case = flow.to("closed", intent="complaint")
    flow.do("reopen", case, people.supervisor, now=cn(2026, 3, 10, 9, 0))
    assert case.status.value == "reopened" and case.closed_at is None
    assert case.due_at == cn(2026, 3, 17, 9, 0)
    flow.do("reply", case, people.handler)
    assert case.status.value == "replied"

    other = flow.to("closed")
    flow.do("callback", other, None, satisfied=False)
    flow.do("reopen", other, None, note="回访不满意")
    assert other.status.value == "reopened" and other.events[-1].actor == "system"

    answered = flow.to("answered")
    with pytest.raises(CaseError) as err:
        flow.do("reopen", answered, people.supervisor)
    assert err.value.code == "invalid_input" and answered.status.value == "answered"
    flow.do("reopen", answered, people.supervisor, department_id=org.dep["mzj"].id)
    assert answered.status.value == "reopened" and answered.department_id == org.dep["mzj"].id


def test_merge_points_the_duplicate_to_the_master(db_session, flow, people, new_case):
    master = new_case("小区路灯不亮")
    duplicate = flow.to("dispatched")
    with pytest.raises(CaseError) as err:
        flow.do("merge", duplicate, people.agent, master=duplicate)
    assert err.value.code == "invalid_input"
    flow.do("merge", duplicate, people.agent, master=master)
    assert duplicate.status.value == "merged" and duplicate.merged_into_id == master.id
    assert duplicate.due_at is None
    assert duplicate.events[-1].note == f"并入工单 {master.tracking_code}"
    assert master.events[-1].action == "merged_duplicate"
    assert duplicate.tracking_code in master.events[-1].note and master.status.value == "accepted"
    third = flow.to("accepted")
    with pytest.raises(CaseError) as err:
        flow.do("merge", third, people.agent, master=duplicate)
    assert err.value.code == "invalid_input" and third.status.value == "accepted"


def test_coordinated_case_closes_only_when_every_co_handler_replied(db_session, flow, people, org):
    case = flow.to("accepted")
    flow.do("dispatch", case, people.agent, co_department_ids=[org.dep["mzj"].id, org.dep["ybj"].id],
            coordinator_id=people.coordinator.id)
    assert [c.department_id for c in coordination.co_handlers(db_session, case_id=case.id)] == [
        org.dep["mzj"].id]  # the lead department is not its own co-handler
    assert case in handler_queue(db_session, user=people.other_handler).items
    for action in ("sign", "start", "reply"):
        flow.do(action, case, people.handler)
    with pytest.raises(CaseError) as err:
        flow.do("close", case, people.supervisor)
    assert err.value.code == "co_handlers_pending" and "旗民政局" in err.value.message
    assert case.status.value == "replied"
    with pytest.raises(CaseError) as err:
        flow.do("co_reply", case, people.site_handler)
    assert err.value.code == "not_case_handler"
    flow.do("co_reply", case, people.other_handler, reply="低保资格已复核")
    assert case not in handler_queue(db_session, user=people.other_handler).items
    with pytest.raises(CaseError) as err:
        flow.do("co_reply", case, people.other_handler)
    assert err.value.code == "not_case_handler"
    flow.do("close", case, people.agent)
    assert case.status.value == "closed"


def test_the_coordinator_may_close_before_every_co_handler_replied(db_session, flow, people, org):
    case = flow.to("accepted")
    flow.do("dispatch", case, people.agent, co_department_ids=[org.dep["mzj"].id],
            coordinator_id=people.coordinator.id)
    flow.do("sign", case, people.handler)
    with pytest.raises(CaseError) as err:
        flow.do("coordinator_close", case, people.agent)  # an agent, but not this case's coordinator
    assert err.value.code == "forbidden" and case.status.value == "signed"
    with pytest.raises(CaseError) as err:
        flow.do("coordinator_close", case, people.coordinator, note=" ")
    assert err.value.code == "invalid_input"
    flow.do("coordinator_close", case, people.coordinator, note="两部门已电话会商，已答复群众")
    assert case.status.value == "closed"
    assert case.events[-1].details == {"pending_co_department_ids": [org.dep["mzj"].id]}


def test_dispatch_validates_its_target(db_session, flow, people):
    case = flow.to("accepted")
    for kwargs in ({"department_id": None}, {"department_id": 999999}, {"time_limit_days": 0},
                   {"coordinator_id": people.handler.id}, {"co_department_ids": [999999]}):
        with pytest.raises(CaseError) as err:
            flow.do("dispatch", case, people.agent, **kwargs)
        assert err.value.code == "invalid_input", kwargs
        assert case.status.value == "accepted" and len(case.events) == 1


def test_a_returned_case_starts_again_from_the_base_limit_not_the_extended_one(db_session, flow, people):
    case = flow.to("accepted", intent="complaint")
    flow.do("dispatch", case, people.agent, now=cn(2026, 3, 2, 9, 0))
    flow.do("sign", case, people.handler)
    flow.do("request_extension", case, people.handler, days=3)
    flow.do("decide_extension", case, people.supervisor, approve=True)
    assert case.time_limit_days == 8
    flow.do("return", case, people.handler, reason="unclear_ownership")
    flow.do("dispatch", case, people.agent, now=cn(2026, 3, 16, 9, 0))
    assert case.time_limit_days == 5 and case.due_at == cn(2026, 3, 23, 9, 0)
