"""Two agents book the last place of a slot at the same moment: one gets it, the other a clear answer.

Real transactions on both databases (committed, then cleaned up), not the rolled-back test session.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hotline.cases.appointments import book_window, set_capacity, window_resource
from hotline.cases.calendar_admin import seed_holiday_calendar
from hotline.cases.errors import CaseError
from hotline.cases.intake import Contact, ContactAnalysis, create_case
from hotline.db import begin_write
from hotline.models import (
    Appointment,
    AppointmentCapacity,
    AppointmentStatus,
    AuditRecord,
    Case,
    Channel,
    Role,
    Site,
    User,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SLOT = datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


def test_the_last_place_goes_to_exactly_one_booking(engine):
    tag = f"race-{time.monotonic_ns()}"
    with Session(engine) as s:
        seed_holiday_calendar(s)
        site = s.scalar(select(Site).where(Site.code == "ccz"))
        agent = User(username=tag, display_name="话务员", role=Role.supervisor, password_hash="x",
                     must_change_password=False, failed_logins=0, active=True)
        s.add(agent)
        s.flush()
        set_capacity(s, actor=agent, resource=window_resource(site.id), capacity=1)
        case_ids = [create_case(s, contact=Contact(channel=Channel.web, source_ref=f"web:{tag}-{i}",
                                                   text="预约办理", citizen_phone="13900000000"),
                                analysis=ContactAnalysis(intent="appointment")).id for i in range(2)]
        s.commit()
        site_id, agent_id = site.id, agent.id
    outcome: dict[str, object] = {}
    try:
        first = begin_write(Session(engine))  # as every route's unit of work does
        book_window(first, case_id=case_ids[0], site_id=site_id, slot_start=SLOT,
                    actor=first.get(User, agent_id), now=NOW)  # seat 1 taken, not committed yet

        def second_agent() -> None:
            with begin_write(Session(engine)) as s:
                try:
                    book_window(s, case_id=case_ids[1], site_id=site_id, slot_start=SLOT,
                                actor=s.get(User, agent_id), now=NOW)
                    s.commit()
                    outcome["second"] = "booked"
                except CaseError as exc:
                    outcome["second"] = exc.code
                except OperationalError as exc:
                    outcome["second"] = repr(exc)

        thread = threading.Thread(target=second_agent)
        thread.start()
        time.sleep(0.5)  # the second booking is now waiting on the first one's seat
        first.commit()
        first.close()
        thread.join(timeout=60)
        assert not thread.is_alive()
        with Session(engine) as s:
            booked = s.scalars(select(Appointment).where(
                Appointment.case_id.in_(case_ids), Appointment.status == AppointmentStatus.booked)).all()
        assert [a.case_id for a in booked] == [case_ids[0]]
        assert outcome["second"] == "slot_full", outcome  # SQLite too: a writing session waits for the lock
    finally:
        with Session(engine) as s:
            s.execute(delete(Appointment).where(Appointment.case_id.in_(case_ids)))
            s.execute(delete(AuditRecord).where(AuditRecord.object_id.in_([str(i) for i in case_ids])))
            s.execute(delete(AuditRecord).where(AuditRecord.actor == tag))
            s.execute(delete(Case).where(Case.id.in_(case_ids)))
            resource = window_resource(site_id)
            s.execute(delete(AppointmentCapacity).where(AppointmentCapacity.resource == resource))
            s.execute(delete(User).where(User.id == agent_id))
            s.commit()


def test_the_last_place_of_a_window_goes_to_exactly_one_booking(engine):
    """The same race at one window (the case's own window, one place per slot): one booking, one slot_full."""
    from hotline.models import Department, ItemKind, ServiceItem

    tag = f"wrace-{time.monotonic_ns()}"
    with Session(engine) as s:
        seed_holiday_calendar(s)
        banner = s.scalar(select(Site).where(Site.code == "banner"))
        agent = User(username=tag, display_name="话务员", role=Role.agent, password_hash="x",
                     must_change_password=False, failed_logins=0, active=True)
        item = ServiceItem(code=tag[:32].upper(), name=f"测试{tag}", zone="social", kind=ItemKind.government,
                           department=s.scalar(select(Department).where(Department.code == "rsj")),
                           levels=["banner"], channels=["window"], materials=["身份证"], time_limit_days=5,
                           window_number=4)
        s.add_all([agent, item])
        s.flush()
        case_ids = []
        for i in range(2):
            case = create_case(s, contact=Contact(channel=Channel.web, source_ref=f"web:{tag}-{i}",
                                                  text="预约办理", citizen_phone="13900000000"),
                               analysis=ContactAnalysis(intent="appointment"))
            case.service_item_id = item.id
            case_ids.append(case.id)
        s.commit()
        site_id, agent_id, item_id = banner.id, agent.id, item.id
    outcome: dict[str, object] = {}
    try:
        first = begin_write(Session(engine))
        mine = book_window(first, case_id=case_ids[0], site_id=site_id, slot_start=SLOT,
                           actor=first.get(User, agent_id), now=NOW)
        assert mine.window_id is not None

        def second_agent() -> None:
            with begin_write(Session(engine)) as s:
                try:
                    book_window(s, case_id=case_ids[1], site_id=site_id, slot_start=SLOT,
                                actor=s.get(User, agent_id), now=NOW)
                    s.commit()
                    outcome["second"] = "booked"
                except CaseError as exc:
                    outcome["second"] = exc.code
                except OperationalError as exc:
                    outcome["second"] = repr(exc)

        thread = threading.Thread(target=second_agent)
        thread.start()
        time.sleep(0.5)
        first.commit()
        first.close()
        thread.join(timeout=60)
        assert not thread.is_alive()
        assert outcome["second"] == "slot_full", outcome
        with Session(engine) as s:
            booked = s.scalars(select(Appointment).where(Appointment.case_id.in_(case_ids))).all()
        assert [a.case_id for a in booked] == [case_ids[0]]
    finally:
        with Session(engine) as s:
            s.execute(delete(Appointment).where(Appointment.case_id.in_(case_ids)))
            s.execute(delete(AuditRecord).where(AuditRecord.object_id.in_([str(i) for i in case_ids])))
            s.execute(delete(Case).where(Case.id.in_(case_ids)))
            s.execute(delete(ServiceItem).where(ServiceItem.id == item_id))
            s.execute(delete(User).where(User.id == agent_id))
            s.commit()
