"""Admins keep the windows as reference data on /admin/windows; others may not. A window appointment from
the case page books a slot of the case's own window."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from web_testkit import csrf_of, signed_in

from hotline.models import Role, Site, Window


def test_admin_adds_and_renames_a_window(client, web_engine):
    signed_in(client, web_engine, Role.admin)
    with Session(web_engine) as session:
        town = session.scalar(select(Site).where(Site.code == "ccz"))
    page = client.get("/admin/windows")
    assert page.status_code == 200 and "医疗保障窗口" in page.text
    form = {"csrf_token": csrf_of(client), "site_id": str(town.id), "number": "9", "name": "城川帮办代办窗口",
            "zone": "", "active": "1"}
    assert client.post("/admin/windows", data=form, follow_redirects=True).status_code == 200
    form["name"] = "城川帮办代办窗口（一窗通办）"
    shown = client.post("/admin/windows", data=form, follow_redirects=True)
    assert "城川帮办代办窗口（一窗通办）" in shown.text
    bad = client.post("/admin/windows", data=dict(form, number="x"))
    assert bad.status_code == 422
    with Session(web_engine) as session:
        window = session.scalar(select(Window).where(Window.site_id == town.id, Window.number == 9))
        assert window.name == "城川帮办代办窗口（一窗通办）" and window.active
    agent = client.new_browser()
    signed_in(agent, web_engine, Role.agent)
    assert agent.get("/admin/windows").status_code == 403


def test_the_case_page_books_a_slot_of_the_cases_own_window(client, app, web_engine):
    import re
    from datetime import timedelta

    from web_testkit import new_case

    from hotline.cases.working_days import china_date, load_work_calendar
    from hotline.models import Appointment, Case, ServiceItem, utcnow

    case_id = new_case(app, "残疾人证到期了要换 去哪里办")
    with Session(web_engine) as session:
        case = session.get(Case, case_id)
        item = session.scalar(select(ServiceItem).where(ServiceItem.code == "ZW-CL-002"))
        case.service_item = item  # handled at window 4
        banner = session.scalar(select(Site.id).where(Site.code == "banner"))
        calendar = load_work_calendar(session)
        day = china_date(utcnow()) + timedelta(days=3)
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
        session.commit()
    signed_in(client, web_engine, Role.agent)
    page = client.get(f"/cases/{case_id}?site_id={banner}&day={day.isoformat()}").text
    assert "本事项在 4 号社会保障窗口办理" in page
    first_slot = re.search(r'name="slot_start" value="([^"]+)"', page).group(1)
    booked = client.post(f"/cases/{case_id}/appointments/window", follow_redirects=True,
                         data={"csrf_token": csrf_of(client), "site_id": str(banner),
                               "slot_start": first_slot})
    assert booked.status_code == 200 and "4号社会保障窗口" in booked.text
    with Session(web_engine) as session:
        appointment = session.scalar(select(Appointment).where(Appointment.case_id == case_id))
        assert appointment.window.number == 4 and appointment.resource == f"window:{appointment.window_id}"
