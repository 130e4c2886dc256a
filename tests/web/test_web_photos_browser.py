"""A citizen attaches a photo on the web form in headless Chromium (a phone-sized window, Mongolian page):
a file that is not a photo is refused with a message in the citizen's language and what was typed kept; a
real PNG is stored beside the case; an agent sees it on the case page (the image loads), a handler of
another unit gets 403, and every view is audited."""

from __future__ import annotations

import struct
import zlib

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from testkit.browser import chromium_browser, screenshot
from web_testkit import make_user, page_of, serve

from hotline.models import AuditRecord, Case, CasePhoto, Department, Role


def png(width: int = 24, height: int = 16) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes([200, 30, 30]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


@pytest.mark.browser
def test_a_citizen_attaches_a_photo_and_staff_see_it(app, web_engine, tmp_path):
    with Session(web_engine) as session:
        other = session.scalars(select(Department.code).order_by(Department.id.desc())).first()
    agent, stranger = make_user(web_engine, Role.agent), make_user(web_engine, Role.handler, department=other)
    (tmp_path / "note.jpg").write_bytes(b"this is not a picture")
    (tmp_path / "road.png").write_bytes(png())
    with serve(app) as base, chromium_browser() as browser:
        citizen = page_of(browser, base, width=390, height=844)
        citizen.goto(f"{base}/lang/mn_Mong?next=/public/submit")
        citizen.fill("input[name=name]", "巴特尔")
        citizen.fill("input[name=phone]", "13912347001")
        citizen.fill("textarea[name=text]", "嘎查路口的路灯坏了，晚上很黑")
        citizen.set_input_files("#photo-input", str(tmp_path / "note.jpg"))
        citizen.click("button[type=submit]")
        expect(citizen.locator("p.error")).to_contain_text("ᠵᠢᠷᠤᠭ")  # in the citizen's language
        expect(citizen.locator("p.error")).not_to_contain_text("照片")
        expect(citizen.locator("textarea[name=text]")).to_have_value("嘎查路口的路灯坏了，晚上很黑")

        citizen.set_input_files("#photo-input", str(tmp_path / "road.png"))
        citizen.click("button[type=submit]")
        code = citizen.locator("#tracking-code").inner_text().strip()
        with Session(web_engine) as session:
            case = session.scalar(select(Case).where(Case.tracking_code == code))
            [photo] = session.scalars(select(CasePhoto).where(CasePhoto.case_id == case.id)).all()
            case_id, photo_id = case.id, photo.id
            assert photo.media_type == "image/png" and photo.size == len(png())

        staff = page_of(browser, base, agent)
        staff.goto(f"{base}/cases/{case_id}")
        image = staff.locator("#case-photos img")
        expect(image).to_have_count(1)
        staff.wait_for_function("() => document.querySelector('#case-photos img').naturalWidth === 24")
        screenshot(staff, "case-photo")

        outsider = page_of(browser, base, stranger)
        denied = outsider.request.get(f"{base}/cases/{case_id}/photos/{photo_id}")
        assert denied.status == 403
        wrong_case = staff.request.get(f"{base}/cases/{case_id + 1}/photos/{photo_id}")
        assert wrong_case.status == 404
    with Session(web_engine) as session:
        views = session.scalars(select(AuditRecord).where(AuditRecord.action == "photo.view",
                                                          AuditRecord.object_id == str(case_id))).all()
        assert views and views[0].actor == agent
