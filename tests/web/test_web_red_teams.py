"""Red service teams (headless Chromium): the town's team enters a member, opens the day's home-visit list,
and records the visit, which closes it and reaches the case timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from testkit.browser import chromium_browser
from web_testkit import make_user, new_case, page_of, serve

from hotline.cases.appointments import book_home_visit
from hotline.cases.red_teams import seed_red_teams
from hotline.cases.timeline import case_events
from hotline.cases.working_days import china_date, load_work_calendar
from hotline.models import AppointmentKind, Role, utcnow


def _booked_visit(app, engine) -> tuple[int, str]:
    case_id = new_case(app, "我是城川镇的 家里老人卧床 想请红色服务队上门帮办高龄津贴", name="王秀兰")
    with Session(engine) as session:
        seed_red_teams(session)
        calendar = load_work_calendar(session)
        day = china_date(utcnow()) + timedelta(days=1)
        while not calendar.is_working_day(day):
            day += timedelta(days=1)
        book_home_visit(session, case_id=case_id, kind=AppointmentKind.red_team, town="城川镇", day=day,
                        address="城川镇大沙头嘎查二社", actor=None)
        session.commit()
    return case_id, day.isoformat()


@pytest.mark.browser
def test_a_red_team_plans_its_day_and_closes_a_visit(app, web_engine):
    from playwright.sync_api import expect

    case_id, day = _booked_visit(app, web_engine)
    member = make_user(web_engine, Role.handler, site="ccz")
    with serve(app) as base, chromium_browser() as browser:
        page = page_of(browser, base, member, width=390, height=844)
        page.goto(f"{base}/teams")
        team = page.locator("#team-ccz")
        expect(team).to_contain_text("城川镇流动服务车")
        team.locator("input[name=name]").fill("斯琴")
        team.locator("input[name=duty]").fill("乡村医生")
        team.locator("button").click()
        page.wait_for_load_state()
        expect(page.locator("#team-ccz")).to_contain_text("斯琴（乡村医生）")
        page.goto(f"{base}/teams/ccz/day?day={day}")
        expect(page.locator("h2")).to_contain_text("（1 户）")
        visit = page.locator(".visit").first
        expect(visit).to_contain_text("城川镇大沙头嘎查二社")
        expect(visit).to_contain_text("王**")  # names masked on the printable list
        visit.locator("textarea[name=note]").fill("已代为提交高龄津贴申请材料")
        visit.locator("button[value=done]").click()
        page.wait_for_load_state()
        done = page.locator(".visit.closed").first
        expect(done).to_contain_text("已办结：已代为提交高龄津贴申请材料")
        expect(done.locator("form")).to_have_count(0)
    with Session(web_engine) as session:
        actions = [e.action for e in case_events(session, case_id)]
        assert actions[-1] == "home_visit"
