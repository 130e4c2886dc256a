"""Level 4 in the console: an agent turns a linked household's call into a 代办 task for its 中心户,
the 中心户 records "已代办" on a 390 px phone (headless Chromium), and the village station above sees
the outcome."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from testkit.browser import chromium_browser
from web_testkit import WebClient, csrf_of, make_user, new_case, page_of, serve, signed_in

from hotline.grid.register import register_linked, seed_grid_households
from hotline.models import GridHousehold, Role, User

PHONE = "13947700088"


def _prepare(engine) -> str:
    """The 中心户 巴音乌苏嘎查党员中心户02 with an account, and one registered linked household."""
    center = make_user(engine, Role.handler, site="asz-bywsu")
    with Session(engine) as session:
        seed_grid_households(session)
        household = session.scalar(select(GridHousehold).where(GridHousehold.code == "asz-bywsu-02")
                                   .options(selectinload(GridHousehold.linked)))
        household.user_id = session.scalar(select(User.id).where(User.username == center))
        register_linked(session, linked_id=household.linked[0].id, head_name="乌云其其格", phone=PHONE,
                        place="三社", note="腿脚不便")
        session.commit()
    return center


@pytest.mark.browser
def test_a_case_goes_to_the_household_which_records_it_on_a_phone(app, web_engine):
    from playwright.sync_api import expect

    center = _prepare(web_engine)
    case_id = new_case(app, "我妈腿脚不便 城乡居民医保要续费 想请人帮忙代缴", phone=PHONE)
    with serve(app) as base, WebClient(app, base) as agent, chromium_browser() as browser:
        signed_in(agent, web_engine, Role.agent)
        page = agent.get(f"/cases/{case_id}")
        assert "巴音乌苏嘎查党员中心户02" in page.text and 'id="grid-suggestion"' in page.text
        form = {"csrf_token": csrf_of(agent), "kind": "proxy", "request": "代缴城乡居民医保"}
        routed = agent.post(f"/cases/{case_id}/grid", data=form, follow_redirects=True)
        assert routed.status_code == 200 and "转党员中心户" in routed.text and "待办" in routed.text

        phone = page_of(browser, base, center, width=390, height=844, is_mobile=True, has_touch=True)
        phone.goto(f"{base}/grid")
        task = phone.locator(".task").first
        expect(task).to_contain_text("代缴城乡居民医保")
        expect(task).to_contain_text("乌云其其格")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        task.locator("textarea[name=note]").fill("已到家中代缴2027年度医保，老人满意")
        task.locator("button[value=proxied]").click()
        phone.wait_for_load_state()
        expect(phone.locator(".done").first).to_contain_text("已代办")
        expect(phone.locator(".task")).to_have_count(0)

        station = agent.new_browser()
        signed_in(station, web_engine, Role.handler, site="asz-bywsu")
        board = station.get("/grid/station")
        assert "已代办：已到家中代缴2027年度医保" in board.text
        timeline = agent.get(f"/cases/{case_id}").text
        assert "中心户办理结果" in timeline or "已代办" in timeline
