"""Citizen channels: the web form, tracking, the forum with its moderation rule, the service guide, the kiosk
API — and hostile text rendered inert on every page that shows it."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from web_testkit import KIOSK_KEY, csrf_of, form_token_of, new_case, signed_in
from web_testkit import submit_public_form as submit

from hotline.models import Case, Channel, Role

XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def _case_by_code(engine, code) -> Case:
    with Session(engine) as session:
        return session.scalar(select(Case).where(Case.tracking_code == code))




def test_web_form_creates_a_case_the_citizen_can_track(client, web_engine):
    done, data = submit(client)
    assert done.status_code == 200
    code = re.search(r'id="tracking-code">([^<]+)<', done.text).group(1)
    case = _case_by_code(web_engine, code)
    assert case.channel == Channel.web and case.citizen_phone == "13900001111" and case.citizen_name == "李四"
    assert case.content.startswith("上海庙镇：") and case.kb_matches  # the real analysis ran

    again = client.post("/public/submit", data=data)  # a double click: same submission, same case
    assert re.search(r'id="tracking-code">([^<]+)<', again.text).group(1) == code

    page = client.get("/track")
    wrong = client.post(
        "/track", data={"code": code, "last4": "0000", "form_token": form_token_of(page.text)}
    )
    assert wrong.status_code == 404 and "未找到该工单" in wrong.text
    view = client.post(
        "/track", data={"code": code.lower(), "last4": "1111", "form_token": form_token_of(page.text)}
    )
    assert view.status_code == 200 and "工单已受理" in view.text and "已受理" in view.text


def test_web_form_refuses_forgeries_bad_input_and_floods(client, web_engine):
    client.get("/public/submit")
    forged = client.post(
        "/public/submit",
        data={"form_token": "f" * 64, "submission_id": "a" * 32, "phone": "13900001111", "text": "x"},
    )
    assert forged.status_code == 403
    bad_phone, _ = submit(client, phone="12ab")
    assert (
        bad_phone.status_code == 422
        and "联系电话" in bad_phone.text
        and "社保卡丢了怎么补办" in bad_phone.text
    )
    empty, _ = submit(client, text="   ")
    assert empty.status_code == 422 and "请填写诉求内容" in empty.text
    accepted = [submit(client)[0].status_code for _ in range(5)]  # mistakes above do not count
    flooded, _ = submit(client)
    assert accepted == [200] * 5 and flooded.status_code == 429 and "提交过于频繁" in flooded.text


def test_forum_shows_only_replied_posts_with_the_official_reply(client, web_engine):
    page = client.get("/forum")
    submission = re.search(r'name="submission_id" value="([0-9a-f]+)"', page.text).group(1)
    posted = client.post(
        "/forum",
        data={
            "form_token": form_token_of(page.text),
            "submission_id": submission,
            "title": "上海庙镇供暖不热",
            "name": "王小明",
            "phone": "13700002222",
            "town": "上海庙镇",
            "text": "家里暖气一直不热，希望尽快处理",
        },
    )
    code = re.search(r'id="tracking-code">([^<]+)<', posted.text).group(1)
    case = _case_by_code(web_engine, code)
    assert case.channel == Channel.forum and case.title == "上海庙镇供暖不热"
    assert "上海庙镇供暖不热" not in client.get("/forum").text  # not public before an official reply

    agent = client.new_browser()
    signed_in(agent, web_engine, Role.agent)
    agent.post(
        f"/cases/{case.id}/answer", data={"csrf_token": csrf_of(agent), "reply": "已通知热力公司上门检修。"}
    )
    forum = client.get("/forum").text
    assert "上海庙镇供暖不热" in forum and "已通知热力公司上门检修。" in forum
    assert "王**" in forum and "王小明" not in forum and "13700002222" not in forum


def test_service_guide_lists_searches_and_details(client):
    listing = client.get("/guide")
    assert listing.status_code == 200 and "党群服务区" in listing.text
    found = client.get("/guide", params={"q": "社保卡补办"})
    first = re.search(r'href="/guide/items/([^"]+)">([^<]+)</a>', found.text)
    assert "社会保障卡" in first.group(2)
    item = client.get(f"/guide/items/{first.group(1)}")
    assert item.status_code == 200 and "办结时限" in item.text and "主管部门" in item.text
    assert client.get("/guide/items/NO-SUCH").status_code == 404


def test_kiosk_api_needs_a_key_and_returns_tracking_codes(client, web_engine):
    assert client.get("/api/kiosk/v1/items", params={"q": "社保"}).json()["code"] == "invalid_api_key"
    key = {"X-API-Key": KIOSK_KEY}
    items = client.get("/api/kiosk/v1/items", params={"q": "社保卡补办"}, headers=key).json()["items"]
    assert items and "社会保障卡" in items[0]["name"]
    detail = client.get(f"/api/kiosk/v1/items/{items[0]['code']}", headers=key).json()
    assert {"materials", "steps", "time_limit_days", "fee", "answer", "department"} <= detail.keys()
    missing = client.get("/api/kiosk/v1/items/NOPE", headers=key)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"

    body = {
        "request_id": "k1-0001",
        "text": "我想咨询残疾证怎么办",
        "phone": "13600003333",
        "town": "上海庙镇",
    }
    created = client.post("/api/kiosk/v1/contacts", json=body, headers=key)
    assert created.status_code == 201
    code = created.json()["tracking_code"]
    assert _case_by_code(web_engine, code).channel == Channel.kiosk
    retry = client.post("/api/kiosk/v1/contacts", json=body, headers=key)
    assert retry.json()["tracking_code"] == code
    bad = client.post(
        "/api/kiosk/v1/contacts", json={"request_id": "k1-0002", "text": "x", "phone": "abc"}, headers=key
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
    malformed = client.post("/api/kiosk/v1/contacts", json={"text": "x"}, headers=key)
    assert malformed.status_code == 422 and "request_id" in malformed.json()["message"]
    empty = client.post(
        "/api/kiosk/v1/contacts",
        json={"request_id": "k1-3", "text": " ", "phone": "13600003333"},
        headers=key,
    )
    assert empty.status_code == 422 and empty.json()["code"] == "contact_rejected"


def test_hostile_text_is_escaped_on_every_page(client, web_engine):
    done, _ = submit(client, text=XSS, name=XSS)
    code = re.search(r'id="tracking-code">([^<]+)<', done.text).group(1)
    case = _case_by_code(web_engine, code)
    forum_case = new_case(client.app, XSS, channel=Channel.forum, name=XSS, title=XSS)
    agent = client.new_browser()
    signed_in(agent, web_engine, Role.agent)
    for cid in (case.id, forum_case):
        agent.post(f"/cases/{cid}/answer", data={"csrf_token": csrf_of(agent), "reply": XSS})
    pages = {
        "case": agent.get(f"/cases/{case.id}").text,
        "console": agent.get("/").text,
        "list": agent.get("/cases", params={"q": "onerror"}).text,
        "forum": client.get("/forum").text,
        "tracking": client.post(
            "/track",
            data={"code": code, "last4": "1111", "form_token": form_token_of(client.get("/track").text)},
        ).text,
    }
    for name, html in pages.items():
        assert "<script>alert(1)" not in html and "<img src=x" not in html, name
        assert "&lt;script&gt;alert(1)" in html or "&lt;img" in html, name
    assert ESCAPED in pages["case"] and ESCAPED in pages["forum"]


def test_guessing_the_phone_digits_is_rate_limited(client, web_engine):
    with Session(web_engine) as session:
        code = session.get(Case, new_case(client.app, "咨询低保怎么申请", phone="13500004321")).tracking_code
    token = form_token_of(client.get("/track").text)
    guesses = [
        client.post("/track", data={"code": code, "last4": f"{n:04d}", "form_token": token}).status_code
        for n in range(20)
    ]
    assert guesses == [404] * 20
    blocked = client.post("/track", data={"code": code, "last4": "4321", "form_token": token})
    assert blocked.status_code == 429 and "提交过于频繁" in blocked.text


def test_public_pages_emergency_numbers_privacy_notice_brand_and_bookmark(client):
    page = client.get("/public/submit").text
    for number in ("110", "119", "120"):
        assert f'<a href="tel:{number}">{number}</a>' in page
    assert "个人信息保护告知" in page and "提交即表示您已阅读并同意" in page
    assert '<a class="brand" href="/public/submit">' in page  # citizens stay on citizen pages
    done, _ = submit(client, text="小区路灯不亮，请维修")
    code = re.search(r'id="tracking-code">([^<]+)<', done.text).group(1)
    assert f'href="/track?code={code}"' in done.text
    bookmarked = client.get("/track", params={"code": code}).text
    assert f'value="{code}"' in bookmarked and 'name="last4"' in bookmarked
