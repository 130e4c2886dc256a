"""Level 4 in the console: a linked household's 代办 request goes to its 中心户 by itself (the village
station above sees it), the 中心户 records "已代办" with a photo on a 390 px phone (headless Chromium), and
the photo is shown only to the 中心户, its station and admins."""

from __future__ import annotations

import struct
import zlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from testkit.browser import chromium_browser
from web_testkit import WebClient, csrf_of, login, make_user, new_case, page_of, serve, signed_in

from hotline.grid.register import register_linked, seed_grid_households
from hotline.models import Case, GridHousehold, GridTask, Role, User

PHONE = "13947700088"


def _png(width: int = 8, height: int = 6) -> bytes:
    """A real (tiny, red) PNG, so the browser can decode what the server returns."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


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
def test_a_households_request_reaches_its_center_which_records_it_with_a_photo(app, web_engine, tmp_path):
    from playwright.sync_api import expect

    center = _prepare(web_engine)
    case_id = new_case(app, "我妈腿脚不便 城乡居民医保要续费 想请人帮忙代缴", phone=PHONE)
    stranger_case = new_case(app, "想请人帮忙代缴医保", phone="13900009999")  # not a linked household
    photo = tmp_path / "现场.png"
    photo.write_bytes(_png())
    with serve(app) as base, WebClient(app, base) as station, chromium_browser() as browser:
        signed_in(station, web_engine, Role.handler, site="asz-bywsu")
        board = station.get("/grid/station").text
        assert "巴音乌苏嘎查党员中心户02" in board and "联系户求助自动转来" in board and "待办" in board

        phone = page_of(browser, base, center, width=390, height=844, is_mobile=True, has_touch=True)
        phone.goto(f"{base}/grid")
        task = phone.locator(".task").first
        expect(task).to_contain_text("代办")
        expect(task).to_contain_text("乌云其其格")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        task.locator("textarea[name=note]").fill("已到家中代缴2027年度医保，老人满意")
        task.locator("input[name=photo]").set_input_files(str(photo))
        task.locator("button[value=proxied]").click()
        phone.wait_for_load_state()
        done = phone.locator(".done").first
        expect(done).to_contain_text("已代办")
        expect(phone.locator(".task")).to_have_count(0)
        shown = done.locator("img.task-photo")
        expect(shown).to_be_visible()
        assert shown.evaluate("img => img.complete && img.naturalWidth") == 8  # served and decoded

        board = station.get("/grid/station").text
        assert "已代办：已到家中代缴2027年度医保" in board and "现场照片" in board
        with Session(web_engine) as session:
            task_row = session.scalar(select(GridTask).where(GridTask.case_id == case_id))
            task_id = task_row.id
            assert session.scalar(select(GridTask).where(GridTask.case_id == stranger_case)) is None
            routed = session.get(Case, case_id, options=[selectinload(Case.events)])
            assert "自动转巴音乌苏嘎查党员中心户02" in routed.events[1].note
        served = station.get(f"/grid/tasks/{task_id}/photo")
        assert served.status_code == 200 and served.headers["content-type"] == "image/png"
        assert served.content == photo.read_bytes()
        other_station = station.new_browser()
        signed_in(other_station, web_engine, Role.handler, site="ccz")
        assert other_station.get(f"/grid/tasks/{task_id}/photo").status_code == 404
        agent = station.new_browser()
        signed_in(agent, web_engine, Role.agent)
        assert agent.get(f"/grid/tasks/{task_id}/photo").status_code == 403
        timeline = agent.get(f"/cases/{case_id}").text
        assert "已代办" in timeline

        again = new_case(app, "还想请中心户帮我办一下草原补奖卡挂失", phone=PHONE)
        with Session(web_engine) as session:
            open_id = session.scalar(select(GridTask.id).where(GridTask.case_id == again))
        own = station.new_browser()
        login(own, center)
        refused = own.post(f"/grid/tasks/{open_id}/outcome", data={"csrf_token": csrf_of(own),
                                                                  "outcome": "visited", "note": "已上门"},
                           files={"photo": ("照片.jpg", b"not a photo at all", "image/jpeg")})
        assert refused.status_code == 422 and "只接受 JPG、PNG 或 WebP" in refused.text
        with Session(web_engine) as session:
            assert session.get(GridTask, open_id).status.value == "open"  # nothing recorded

        # on the phone: a refused photo brings the form back with the reason inline and the note kept
        not_a_photo = tmp_path / "照片.jpg"
        not_a_photo.write_bytes(b"not a photo at all")
        phone.goto(f"{base}/grid")
        task = phone.locator(f"#task-{open_id}")
        task.locator("textarea[name=note]").fill("已上门帮老人挂失草原补奖卡，新卡十天后到")
        task.locator("input[name=photo]").set_input_files(str(not_a_photo))
        task.locator("button[value=visited]").click()
        phone.wait_for_load_state()
        task = phone.locator(f"#task-{open_id}")
        expect(task.locator(".error")).to_contain_text("只接受 JPG、PNG 或 WebP")
        expect(task.locator("textarea[name=note]")).to_have_value("已上门帮老人挂失草原补奖卡，新卡十天后到")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        task.locator("input[name=photo]").set_input_files(str(photo))  # a real photo: saved, nothing retyped
        task.locator("button[value=visited]").click()
        phone.wait_for_load_state()
        expect(phone.locator(f"#task-{open_id}")).to_have_count(0)
        expect(phone.locator(".done").filter(has_text="新卡十天后到")).to_contain_text("已上门")
