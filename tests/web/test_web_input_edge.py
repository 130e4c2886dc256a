"""Hostile bytes at the edge: control characters, files for text fields, huge bodies (issue 14, 3 and 8).

Every public entry point, on SQLite and on PostgreSQL (which refuses NUL in text): no 5xx, nothing lost.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_testkit import KIOSK_KEY, csrf_of, form_token_of, login, make_user, new_case

from hotline.models import AuditRecord, Case, Channel, Role

NUL = "\x00"


def _fresh(client):
    client.cookies.clear()
    return client


def test_control_characters_are_cleaned_at_every_public_entry_point(any_client):
    c = _fresh(any_client)
    page = c.get("/public/submit")
    submission = re.search(r'name="submission_id" value="([0-9a-f]+)"', page.text).group(1)
    done = c.post("/public/submit", data={
        "form_token": form_token_of(page.text), "submission_id": submission, "name": f"李{NUL}四",
        "phone": f"139{NUL}0000 2222", "town": "上海庙镇", "text": f"路灯坏了{NUL}\x07请修\t一下"})
    assert done.status_code == 200, done.text
    code = re.search(r'id="tracking-code">([^<]+)<', done.text).group(1)
    with Session(any_client.engine) as s:
        case = s.scalar(select(Case).where(Case.tracking_code == code))
        assert case.citizen_name == "李四" and "路灯坏了请修\t一下" in case.content

    page = c.get("/forum")
    posted = c.post("/forum", data={
        "form_token": form_token_of(page.text), "submission_id": "f" * 32, "title": f"停{NUL}电",
        "name": "王五", "phone": "13900003333", "town": "上海庙镇", "text": f"小区停电{NUL}三天了"})
    assert posted.status_code == 200, posted.text
    with Session(any_client.engine) as s:
        post = s.scalar(select(Case).where(Case.channel == Channel.forum, Case.title == "停电"))
        assert post is not None and "小区停电三天了" in post.content

    for url in ("/guide?q=社保%00", "/forum?page=1%00", "/track?code=%00", "/login?next=/%00"):
        assert c.get(url).status_code < 500, url
    assert c.get("/guide/items/%00").status_code == 400
    page = c.get("/track")
    tracked = c.post("/track", data={"code": f"{code}{NUL}", "last4": "2222",
                                     "form_token": form_token_of(page.text)})
    assert tracked.status_code == 200, tracked.text

    kiosk = c.post("/api/kiosk/v1/contacts", headers={"X-API-Key": KIOSK_KEY},
                   json={"request_id": f"r{NUL}1", "text": f"咨询{NUL}社保", "phone": "13900004444"})
    assert kiosk.status_code < 500, kiosk.text

    page = c.get("/login")
    failed = c.post("/login", data={"username": f"nobody{NUL}", "password": f"x{NUL}",
                                   "form_token": form_token_of(page.text)}, follow_redirects=False)
    assert failed.status_code < 500
    with Session(any_client.engine) as s:  # the failed login left its audit row
        assert s.scalar(select(func.count()).select_from(AuditRecord)
                        .where(AuditRecord.action == "login.failed", AuditRecord.actor == "nobody")) >= 1


def test_a_file_for_a_text_field_is_refused_and_bodies_are_bounded(any_client):
    c = _fresh(any_client)
    page = c.get("/public/submit")
    fields = {"form_token": form_token_of(page.text), "submission_id": "a" * 32, "name": "李四",
              "phone": "13900005555", "town": "上海庙镇"}
    sent = c.post("/public/submit", data=fields, files={"text": ("x.bin", b"\x89PNG\x00junk", "image/png")})
    assert sent.status_code == 400 and "不接受文件" in sent.text
    multipart = c.post("/public/submit", data=fields | {"text": "多部分表单也能提交"},
                       files={"unused": (None, b"")})
    assert multipart.status_code == 200, multipart.text
    huge = c.post("/public/submit", data=fields | {"text": "长" * 600_000})
    assert huge.status_code == 413 and "上限" in huge.text


def test_numbers_the_database_cannot_hold_are_a_clear_422(any_client):
    """Issue 14, finding 7: huge integers in paths, query strings and forms."""
    huge = "99999999999999999999"
    c = _fresh(any_client)
    assert c.get(f"/forum?page={huge}").status_code == 422
    for role, urls in ((Role.supervisor, (f"/cases?page={huge}", f"/cases?department_id={huge}",
                                          f"/cases/{huge}", f"/callbacks/audit?page={huge}",
                                          f"/callbacks/audit?department_id={huge}&min_attempts={huge}",
                                          f"/callbacks/{huge}/recording")),
                       (Role.admin, (f"/admin/audit?page={huge}",)),
                       (Role.analyst, (f"/analytics/cases?before={huge}", f"/analytics/cases/{huge}")),
                       (Role.handler, (f"/my/cases?page={huge}",))):
        browser = c.new_browser()
        assert login(browser, make_user(any_client.engine, role)).status_code == 303
        for url in urls:
            response = browser.get(url)
            assert response.status_code in (404, 422), (url, response.status_code)
            assert response.status_code == 404 or any(w in response.text for w in ("范围", "格式", "整数"))


def test_security_headers_no_store_and_the_schema_is_for_admins_only(any_client):
    """Issue 14, finding 11."""
    c = _fresh(any_client)
    page = c.get("/guide")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "no-store" not in c.get("/static/console.css").headers.get("cache-control", "")
    for url in ("/openapi.json", "/api/docs", "/docs", "/api/openapi.json"):
        assert c.get(url, headers={"accept": "application/json"}).status_code in (401, 404), url
    browser = c.new_browser()
    assert login(browser, make_user(any_client.engine, Role.agent)).status_code == 303
    assert browser.get("/api/openapi.json").status_code == 403
    case_page = browser.get("/cases")
    assert case_page.status_code == 200 and case_page.headers["cache-control"] == "no-store"
    admin = c.new_browser()
    assert login(admin, make_user(any_client.engine, Role.admin)).status_code == 303
    schema = admin.get("/api/openapi.json").json()
    assert "/public/submit" in schema["paths"]


def test_case_pages_mask_numbers_for_every_role_with_an_audited_reveal(any_client):
    """Issue 14, finding 2: agents and handlers no longer see full numbers without asking."""
    case_id = new_case(any_client.app, "我的身份证号150102199001011234，电话13812345678", phone="13812345678")
    agent = any_client.new_browser()
    name = make_user(any_client.engine, Role.agent)
    assert login(agent, name).status_code == 303
    page = agent.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "13812345678" not in page.text and "19900101" not in page.text and "138****5678" in page.text
    with Session(any_client.engine) as s:
        before = s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "privacy.unmask", AuditRecord.actor == name))
    revealed = agent.get(f"/cases/{case_id}?reveal=1")
    # the phone comes back in full; an ID number in what the citizen said was masked when the case was made
    assert "13812345678" in revealed.text and "150102********1234" in revealed.text
    assert "150102199001011234" not in revealed.text
    with Session(any_client.engine) as s:
        after = s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "privacy.unmask", AuditRecord.actor == name))
    assert after == before + 1
    if 'id="intake-form"' in page.text:  # the masked phone sent back by the confirm form changes nothing
        fields = {"csrf_token": csrf_of(agent), "citizen_phone": "138****5678", "then": "save"}
        agent.post(f"/cases/{case_id}/confirm", data=fields, follow_redirects=False)
        with Session(any_client.engine) as s:
            assert s.get(Case, case_id).citizen_phone == "13812345678"
