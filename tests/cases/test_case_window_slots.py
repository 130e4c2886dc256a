"""Appointments book a slot of the case's own window (一窗受理): one citizen per window and half hour, so the
same slot is full for a second case of that window while another window's case still gets it.
Both databases."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hotline.cases.appointments import book_window, case_window, window_slots
from hotline.cases.errors import CaseError
from hotline.cases.intake import Contact, ContactAnalysis, create_case
from hotline.models import Channel, Department, ItemKind, Role, ServiceItem, Site, Window

CN = ZoneInfo("Asia/Shanghai")


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=CN)


def _item(session, code: str, window_number: int) -> ServiceItem:
    item = ServiceItem(code=code, name=f"测试事项{code}", zone="social", kind=ItemKind.government,
                       department=session.scalar(select(Department).where(Department.code == "rsj")),
                       levels=["banner"], channels=["window"], materials=["身份证"], time_limit_days=5,
                       window_number=window_number)
    session.add(item)
    session.flush()
    return item


def _case(session, item: ServiceItem, ref: str):
    case = create_case(session, contact=Contact(channel=Channel.web, source_ref=f"web:{ref}", text="预约办理",
                                                citizen_phone="13900000000"),
                       analysis=ContactAnalysis(intent="appointment"))
    case.service_item = item
    session.flush()
    return case


def test_the_seeded_windows_are_140_in_six_zones(db_session):
    assert db_session.scalar(select(func.count()).select_from(Window)) == 140
    zones = set(db_session.scalars(select(Window.zone)))
    assert zones == {"party", "social", "market", "land", "pastoral", "public"}
    names = set(db_session.scalars(select(Department.name)))
    for name in db_session.scalars(select(Window.name).where(Window.number > 12)):
        assert name.split("窗口")[0] in names  # every department window names a department that exists


def test_a_window_slot_is_booked_once_and_other_windows_keep_theirs(db_session, make_user, calendar):
    agent = make_user(Role.agent)
    banner = db_session.scalar(select(Site).where(Site.code == "banner"))
    social, market = _item(db_session, "T-WIN-4", 4), _item(db_session, "T-WIN-6", 6)
    first, second, other = (_case(db_session, social, "w1"), _case(db_session, social, "w2"),
                            _case(db_session, market, "w3"))
    window = case_window(db_session, case=first, site_id=banner.id)
    assert window is not None and window.number == 4
    slot = cn(2026, 3, 4, 10, 0)
    now = cn(2026, 3, 2, 9, 0)
    booked = book_window(db_session, case_id=first.id, site_id=banner.id, slot_start=slot, actor=agent,
                         now=now, calendar=calendar)
    assert booked.window_id == window.id and booked.resource == f"window:{window.id}"
    with pytest.raises(CaseError) as refused:
        book_window(db_session, case_id=second.id, site_id=banner.id, slot_start=slot, actor=agent, now=now,
                    calendar=calendar)
    assert refused.value.code == "slot_full"
    free = {s.start: s.free for s in window_slots(db_session, site_id=banner.id, day=slot.date(),
                                                   calendar=calendar, window=window)}
    assert free[slot] == 0 and free[cn(2026, 3, 4, 10, 30)] == 1
    at_six = book_window(db_session, case_id=other.id, site_id=banner.id, slot_start=slot, actor=agent,
                         now=now, calendar=calendar)
    assert at_six.window.number == 6
    assert "4号社会保障窗口" in first.events[-1].note
