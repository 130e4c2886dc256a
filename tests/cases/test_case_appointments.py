"""预约: window slots on working days and hours only, per-slot and per-town capacity, cancellation."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.cases.appointments import (
    book_home_visit,
    book_window,
    cancel_appointment,
    home_resource,
    home_visit_slot,
    set_capacity,
    window_capacity,
    window_resource,
    window_slots,
)
from hotline.cases.errors import CaseError
from hotline.models import AppointmentKind, AppointmentStatus

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_slots_follow_working_days_and_hours(db_session, calendar, org):
    site = org.site["alzqz"]
    slots = window_slots(db_session, site_id=site.id, day=date(2026, 3, 3))
    assert len(slots) == 14  # 08:30–12:00 and 14:30–18:00 in 30-minute slots
    assert slots[0].start == cn(2026, 3, 3, 8, 30) and slots[6].end == cn(2026, 3, 3, 12, 0)
    assert slots[7].start == cn(2026, 3, 3, 14, 30) and slots[-1].end == cn(2026, 3, 3, 18, 0)
    assert slots[0].capacity == window_capacity(db_session, site.id) == 2  # two windows at the town centre
    assert window_slots(db_session, site_id=site.id, day=date(2026, 3, 8)) == []  # Sunday
    assert window_slots(db_session, site_id=site.id, day=date(2026, 2, 16)) == []  # 春节
    assert len(window_slots(db_session, site_id=site.id, day=date(2026, 2, 14))) == 14  # 调休 Saturday


def test_window_capacity_is_enforced_and_cancelling_frees_places(db_session, calendar, org, people, new_case):
    site = org.site["banner"]
    set_capacity(db_session, actor=people.supervisor, resource=window_resource(site.id), capacity=2)
    start = cn(2026, 3, 4, 9, 0)
    first, second, third = (new_case(f"预约办理社保卡 {i}", intent="appointment") for i in range(3))

    def book(case, actor=people.agent):
        return book_window(db_session, case_id=case.id, site_id=site.id, slot_start=start, actor=actor,
                           now=NOW)

    a1 = book(first)
    book(second, actor=None)  # self-service
    with pytest.raises(CaseError) as err:
        book(third)
    assert err.value.code == "slot_full"
    slots = window_slots(db_session, site_id=site.id, day=date(2026, 3, 4))
    slot = next(s for s in slots if s.start == start)
    assert (slot.capacity, slot.booked, slot.free) == (2, 2, 0)
    cancel_appointment(db_session, appointment_id=a1.id, actor=people.agent, reason="群众改期", now=NOW)
    assert a1.status == AppointmentStatus.cancelled and a1.seat is None
    a3 = book(third)
    assert a3.seat == 1
    assert [e.action for e in first.events][-2:] == ["book_appointment", "cancel_appointment"]
    assert "旗党群政务服务中心" in third.events[-1].note or site.name in third.events[-1].note
    with pytest.raises(CaseError) as err:
        cancel_appointment(db_session, appointment_id=a1.id, actor=people.agent, reason="", now=NOW)
    assert err.value.code == "invalid_transition"
    with pytest.raises(CaseError) as err:
        set_capacity(db_session, actor=people.agent, resource=window_resource(site.id), capacity=9)
    assert err.value.code == "forbidden"


def test_bad_slots_are_refused_with_a_reason(db_session, calendar, org, people, new_case):
    site = org.site["alzqz"]
    case = new_case("预约", intent="appointment")

    def book(start, actor=people.agent):
        return book_window(db_session, case_id=case.id, site_id=site.id, slot_start=start, actor=actor,
                           now=NOW)

    # off the grid, lunch break, Saturday, already past, beyond 30 days
    for start in (cn(2026, 3, 3, 10, 15), cn(2026, 3, 3, 12, 0), cn(2026, 3, 7, 9, 0), cn(2026, 3, 2, 8, 30),
                  cn(2026, 5, 6, 9, 0)):
        with pytest.raises(CaseError) as err:
            book(start)
        assert err.value.code == "slot_unavailable", start
    with pytest.raises(CaseError) as err:
        book(cn(2026, 3, 3, 9, 0), actor=people.analyst)
    assert err.value.code == "forbidden"
    book(cn(2026, 3, 3, 9, 0))
    with pytest.raises(CaseError) as err:
        book(cn(2026, 3, 3, 9, 30))
    assert err.value.code == "appointment_exists"


def test_home_visits_have_a_daily_capacity_per_town_and_team(db_session, calendar, people, new_case):
    day = date(2026, 3, 4)
    set_capacity(db_session, actor=people.admin, resource=home_resource(AppointmentKind.red_team, "城川镇"),
                 capacity=1)
    cases = [new_case(f"老人行动不便，申请上门办理 {i}", intent="appointment") for i in range(4)]
    def book(case, kind=AppointmentKind.red_team, town="城川镇", address="嘎查"):
        return book_home_visit(db_session, case_id=case.id, kind=kind, town=town, day=day, address=address,
                               actor=people.agent, now=NOW)

    visit = book(cases[0], address="城川镇大沙头嘎查三社")
    assert visit.slot_start == cn(2026, 3, 4, 0, 0) and visit.town == "城川镇"
    with pytest.raises(CaseError) as err:
        book(cases[1])
    assert err.value.code == "slot_full"
    book(cases[1], kind=AppointmentKind.service_vehicle)  # another team
    book(cases[2], town="昂素镇")  # another town
    slot = home_visit_slot(db_session, kind=AppointmentKind.red_team, town="城川镇", day=day)
    assert (slot.capacity, slot.booked) == (1, 1)
    for kwargs, code in (({"town": "北京市"}, "invalid_input"), ({"address": " "}, "invalid_input"),
                         ({"day": date(2026, 3, 2)}, "slot_unavailable"), ({"day": date(2026, 3, 7)},
                                                                             "slot_unavailable")):
        args = {"kind": AppointmentKind.red_team, "town": "昂素镇", "day": date(2026, 3, 5), "address": "某"}
        args.update(kwargs)
        with pytest.raises(CaseError) as err:
            book_home_visit(db_session, case_id=cases[3].id, actor=people.agent, now=NOW, **args)
        assert err.value.code == code, kwargs
