"""Red service teams (headless Chromium, 390 px phone): a citizen requests a home visit on
the public page, the town's team enters a member and a market day, plans the fortnight
(the market day and the booked visit shown), records the visit on the day's list, which
closes the appointment it came from. The register of the special groups keeps consent
and masks phone and ID for staff who do not visit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.browser import chromium_browser
from web_testkit import csrf_of, make_user, page_of, serve, signed_in

from hotline.cases.red_teams import seed_red_teams
from hotline.cases.timeline import case_events
from hotline.cases.working_days import china_date, load_work_calendar
from hotline.models import Appointment, AppointmentStatus, AuditRecord, Case, Role, SpecialResident, utcnow


def track_case_view(engine, code: str, last4: str):
    """What the citizen's tracking page is built from."""
    from hotline.cases.tracking import track_case

    with Session(engine) as session:
        return track_case(session, tracking_code=code, phone_last4=last4)


def _visit_day(engine) -> str:
    with Session(engine) as session:
        seed_red_teams(session)
        session.commit()
        calendar = load_work_calendar(session)
        day = china_date(utcnow()) + timedelta(days=2)
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
    return day.isoformat()


@pytest.mark.browser
def test_a_citizen_requests_a_visit_the_team_plans_its_market_day_and_closes_it(app, web_engine):
    from playwright.sync_api import expect

    day = _visit_day(web_engine)
    member = make_user(web_engine, Role.handler, site="ccz")
    with serve(app) as base, chromium_browser() as browser:
        citizen = page_of(browser, base, width=390, height=844)
        citizen.goto(f"{base}/public/home-visit")
        form = citizen.locator("#home-visit")
        form.locator("input[name=name]").fill("王秀兰")
        form.locator("input[name=phone]").fill("13947712345")
        form.locator("select[name=town]").select_option("城川镇")
        form.locator("select[name=for_whom]").select_option("elder_alone")
        form.locator("input[name=address]").fill("大沙头嘎查二社")
        form.locator("input[name=day]").fill(day)
        form.locator("textarea[name=needs]").fill("老人卧床，想请人上门帮办高龄津贴")
        form.locator("button[type=submit]").click()
        citizen.wait_for_load_state()
        expect(citizen.locator("#visit-booked")).to_contain_text(day)
        tracking = citizen.locator("#tracking-code").inner_text()

        page = page_of(browser, base, member, width=390, height=844)
        page.goto(f"{base}/teams")
        team = page.locator("#team-ccz")
        team.locator("input[name=name]").fill("斯琴")
        team.locator("input[name=duty]").fill("乡村医生")
        team.locator("button").click()
        page.wait_for_load_state()
        expect(page.locator("#team-ccz")).to_contain_text("斯琴（乡村医生）")

        page.goto(f"{base}/teams/ccz/residents")
        register = page.locator("#register")
        register.locator("input[name=name]").fill("额尔敦")
        register.locator("select[name=group]").select_option("old_party_member")
        register.locator("input[name=address]").fill("大沙头嘎查四社")
        register.locator("input[name=needs]").fill("代缴党费")
        register.locator("input[name=consent_by]").fill("额尔敦本人")
        register.locator("input[name=consent_way]").fill("本人签字")
        register.locator("button").click()
        page.wait_for_load_state()
        expect(page.locator("#residents")).to_contain_text("额尔敦本人 · 本人签字")

        page.goto(f"{base}/teams/ccz/plan")
        add = page.locator("#add-day")
        add.locator("input[name=day]").fill(day)
        add.locator("select[name=kind]").select_option("market")
        add.locator("input[name=place]").fill("城川集")
        add.locator("button").click()
        page.wait_for_load_state()
        row = page.locator("#plan tr.service-day")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("集市日 · 城川集")
        expect(row.locator("td").last).to_have_text("1")  # the citizen's visit that day
        row.locator("a").click()
        page.wait_for_load_state()
        expect(page.locator("#day-entries")).to_contain_text("集市日 · 城川集")
        expect(page.locator("#day-residents")).to_contain_text("额**（老党员） · 代缴党费")
        visit = page.locator(".visit").filter(has_text="大沙头嘎查二社").first
        expect(visit).to_contain_text("王**")  # names masked on the printable list
        visit.locator("textarea[name=note]").fill("已代为提交高龄津贴申请材料")
        visit.locator("button[value=done]").click()
        page.wait_for_load_state()
        done = page.locator(".visit.closed").filter(has_text="大沙头嘎查二社").first
        expect(done).to_contain_text("预约已关闭（已上门办结）")
        expect(done.locator("form")).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with Session(web_engine) as session:
        case = session.scalar(select(Case).where(Case.tracking_code == tracking))
        appointment = session.scalar(select(Appointment).where(Appointment.case_id == case.id))
        assert appointment.status == AppointmentStatus.closed and appointment.town == "城川镇"
        assert [e.action for e in case_events(session, case.id)][-1] == "home_visit"
    tracked = track_case_view(web_engine, tracking, "2345")
    assert tracked.appointments[0].closed and not tracked.appointments[0].cancelled


def test_the_register_needs_consent_and_masks_for_staff_who_do_not_visit(client, web_engine):
    _visit_day(web_engine)
    signed_in(client, web_engine, Role.handler, site="ccz")
    form = {"csrf_token": csrf_of(client), "name": "巴图", "group": "old_party_member",
            "address": "某嘎查三社", "phone": "13847700001", "id_number": "152728194501011234",
            "needs": "代缴党费", "consent_way": "本人签字"}
    refused = client.post("/teams/ccz/residents", data=form)
    assert refused.status_code == 422 and "未经同意不得登记" in refused.text
    assert client.post("/teams/ccz/residents", data=dict(form, consent_by="巴图本人")).status_code == 303
    page = client.get("/teams/ccz/residents").text
    assert "13847700001" in page and "巴图本人 · 本人签字" in page
    agent = client.new_browser()
    signed_in(agent, web_engine, Role.agent)
    masked = agent.get("/teams/ccz/residents").text
    assert "13847700001" not in masked and "138****0001" in masked
    assert "152728194501011234" not in masked and 'id="register"' not in masked
    assert agent.post("/teams/ccz/residents", data=dict(form, csrf_token=csrf_of(agent),
                                                         consent_by="x")).status_code == 403
    with Session(web_engine) as session:
        resident = session.scalar(select(SpecialResident).where(SpecialResident.name == "巴图"))
        assert resident.consent_by == "巴图本人"
        audit = session.scalar(select(AuditRecord).where(AuditRecord.action == "resident.register"))
        assert audit is not None


def test_a_kiosk_requests_a_home_visit_and_a_retry_returns_the_same_case(client, web_engine):
    from web_testkit import KIOSK_KEY

    day = _visit_day(web_engine)
    body = {"request_id": "hv-kiosk-1", "phone": "13947700002", "name": "乌云", "town": "城川镇",
            "address": "某嘎查一社", "day": day, "needs": "伤残老人，代办残疾人证换领",
            "for_whom": "sick_disabled"}
    key = {"X-API-Key": KIOSK_KEY}
    first = client.post("/api/kiosk/v1/home-visits", json=body, headers=key)
    assert first.status_code == 201, first.text
    assert first.json()["visit_day"] == day
    again = client.post("/api/kiosk/v1/home-visits", json=body, headers=key)
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    sunday = china_date(utcnow()) + timedelta(days=(6 - china_date(utcnow()).weekday()) % 7 or 7)
    with Session(web_engine) as session:
        while load_work_calendar(session).is_working_day(sunday):  # an adjusted working Sunday
            sunday += timedelta(days=7)
    refused = client.post("/api/kiosk/v1/home-visits", json=dict(body, request_id="hv-kiosk-2",
                                                                 day=sunday.isoformat()), headers=key)
    assert refused.status_code == 422 and "工作日" in refused.json()["message"]
    assert client.post("/api/kiosk/v1/home-visits", json=body).status_code == 401
    with Session(web_engine) as session:
        case = session.scalar(select(Case).where(Case.tracking_code == first.json()["tracking_code"]))
        booked = session.scalars(select(Appointment).where(Appointment.case_id == case.id)).all()
        assert [a.status for a in booked] == [AppointmentStatus.booked] and case.channel.value == "kiosk"
