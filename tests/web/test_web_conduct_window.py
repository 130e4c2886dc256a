"""党风政风监督 window (issue 20, 5): a conduct report filed on the public page (anonymous or named), through
the kiosk API or the phone's key 9 goes to 纪委监委 at once; route × role: no agent, handler of another
department, analyst or admin reads its words or its reporter on any page, API or export; 纪委监委 and
supervisors read it; exports never carry the reporter."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from web_testkit import KIOSK_KEY, csrf_of, form_token_of, login, make_user

from hotline.analytics.filters import china_today
from hotline.calls.finished import FinishedCall, record_finished_call
from hotline.cases.conduct_access import ANONYMOUS_SHOWN, SEALED_TITLE
from hotline.models import Call, Case, CaseStatus, Department, Role
from hotline.privacy.masking import mask_text

SECRET = "城建局窗口科员收取好处费八百元"  # what the reporter says: nobody but 纪委监委 may read it
NAME = "举报人乌兰"
PHONE = "13947790214"  # used by no other test: caller history must show nothing of it
READERS = {"jwjw_handler": (Role.handler, "jwjw"), "supervisor": (Role.supervisor, None)}
OTHERS = {"agent": (Role.agent, None), "other_handler": (Role.handler, "zwfwj"),
          "analyst": (Role.analyst, None), "admin": (Role.admin, None)}


def _post_conduct(client, **fields):
    page = client.get("/public/conduct")
    assert page.status_code == 200 and "党风政风监督" in page.text
    submission = re.search(r'name="submission_id" value="([0-9a-f]+)"', page.text).group(1)
    data = {"form_token": form_token_of(page.text), "submission_id": submission, "name": "", "phone": "",
            "town": "", "target": "", "text": ""} | fields
    return client.post("/public/conduct", data=data)


def _case(engine, code: str) -> Case:
    with Session(engine) as session:
        case = session.scalar(select(Case).where(Case.tracking_code == code))
        assert case is not None
        session.expunge(case)
        return case


def _urls(client, case: Case) -> list[str]:
    """Every GET route of the app that could show a case (ids filled in with the report's), plus the
    filtered lists, searches, drill-downs and exports that would find it."""
    today = china_today()
    span = f"start={(today - timedelta(days=7)).isoformat()}&end={today.isoformat()}"
    week = (today - timedelta(days=today.weekday())).isoformat()
    fixed = [
        "/", "/cases", "/cases?q=好处费", f"/cases?q={case.tracking_code}", "/returned", "/my/cases",
        "/supervision", "/transfer", "/callbacks/manual", "/callbacks/audit", "/forum", "/intake/next",
        f"/cases/{case.id}", f"/analytics/cases/{case.id}", f"/analytics/cases?{span}",
        f"/analytics/cases?{span}&keyword=好处费", f"/analytics/cases?{span}&unmask=1",
        f"/analytics/export.csv?{span}", f"/analytics/export.csv?{span}&unmask=1",
        f"/analytics/export.xlsx?{span}",
        f"/analytics/topics?week={week}", f"/api/analytics/summary?{span}", "/api/agent/desk",
        f"/api/callers/{PHONE}/history", "/api/live-calls", f"/reports?{span}",
    ]
    routed = []
    for route in client.app.routes:
        path = getattr(route, "path", "")
        if "GET" not in getattr(route, "methods", ()) or path.startswith(("/static", "/api/events")):
            continue
        filled = path.replace("{case_id}", str(case.id)).replace("{phone}", PHONE)
        if "{" not in filled:
            routed.append(filled)
    return list(dict.fromkeys(fixed + routed))


def _text(response) -> str:
    kind = response.headers.get("content-type", "")
    if "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(response.content)) as book:
            return "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist()
                           if n.endswith(".xml"))
    return response.content.decode("utf-8", "replace")


def _leaks(body: str) -> list[str]:
    return [w for w in (SECRET, NAME, PHONE, mask_text(PHONE)) if w in body]  # a search's own words echo


@pytest.fixture
def engine(web_engine):
    return web_engine


@pytest.fixture
def reports(client, engine):
    """Two conduct reports from the public page: one anonymous, one named with a phone."""
    anonymous = _post_conduct(client, text=f"{SECRET}，不给就不办", target="城建局")
    assert anonymous.status_code == 200 and "纪委监委" in anonymous.text
    assert "无法查询进度" in anonymous.text  # anonymous: said plainly, no tracking link
    named = _post_conduct(client, text=f"{SECRET}，还推诿扯皮", name=NAME, phone=PHONE, town="上海庙镇")
    assert named.status_code == 200
    codes = re.findall(r'id="tracking-code">([^<]+)<', anonymous.text + named.text)
    return [_case(engine, c) for c in codes]


def test_conduct_reports_reach_only_jiwei_and_supervisors(client, engine, reports):
    anonymous, named = reports
    with Session(engine) as session:
        jwjw = session.scalar(select(Department.id).where(Department.code == "jwjw"))
    for case in reports:  # dispatched straight to 纪委监委: no agent confirms (reads) it first
        assert case.confidential and case.department_id == jwjw and case.status == CaseStatus.dispatched
        assert case.due_at is not None
    assert anonymous.citizen_phone is None and anonymous.citizen_name is None
    assert named.citizen_phone == PHONE and named.citizen_name == NAME

    for label, (role, department) in OTHERS.items():
        browser = client.new_browser()
        assert login(browser, make_user(engine, role, department=department)).status_code == 303
        fetched = 0
        for url in _urls(client, named):
            response = browser.get(url, follow_redirects=True)
            assert response.status_code < 500, (label, url, response.status_code)
            fetched += response.status_code == 200
            body = _text(response)
            if url.startswith("/api/callers/"):  # the number asked about comes back; its cases do not
                assert response.json().get("total", 0) == 0, (label, response.json())
                body = body.replace(PHONE, "")
            leaks = _leaks(body)
            assert not leaks, (label, url, leaks)
        assert fetched >= 3, label  # pages the role may open (the rest answer 403)
        page = browser.get(f"/cases/{named.id}")
        assert page.status_code in (403, 404), (label, page.status_code)
        if role in (Role.agent, Role.admin):
            assert "党风政风监督件" in page.text  # they learn why, not what
        if role in (Role.agent, Role.admin):  # the case exists on the lists, sealed
            listed = browser.get("/cases").text
            assert named.tracking_code in listed and SEALED_TITLE in listed
        if role == Role.agent:  # nor may they act on it
            refused = browser.post(f"/cases/{named.id}/redispatch", data={"department_id": str(jwjw + 1)},
                                   headers={"X-CSRF-Token": csrf_of(browser)})
            assert refused.status_code == 403 and "党风政风监督件" in refused.text
            assert _case(engine, named.tracking_code).status == CaseStatus.dispatched

    jiwei = client.new_browser()
    assert login(jiwei, make_user(engine, Role.handler, department="jwjw")).status_code == 303
    queue = jiwei.get("/my/cases").text
    assert named.tracking_code in queue and anonymous.tracking_code in queue and SEALED_TITLE not in queue
    page = jiwei.get(f"/cases/{named.id}")
    assert page.status_code == 200 and SECRET in page.text and NAME in page.text

    boss = client.new_browser()
    assert login(boss, make_user(engine, Role.supervisor)).status_code == 303
    assert SECRET in boss.get(f"/cases/{named.id}").text
    today = china_today()
    span = f"start={(today - timedelta(days=1)).isoformat()}&end={today.isoformat()}"
    for url in (f"/analytics/export.csv?{span}&unmask=1", f"/analytics/export.xlsx?{span}&unmask=1",
                f"/analytics/cases?{span}&unmask=1", f"/analytics/cases/{named.id}?unmask=1"):
        body = _text(boss.get(url))
        assert SECRET in body, url  # a supervisor reads the report ...
        assert NAME not in body and PHONE not in body and mask_text(PHONE) not in body, url  # ... not who
        if "export" in url:
            assert ANONYMOUS_SHOWN in body


def test_kiosk_and_phone_reports_are_conduct_reports(client, engine):
    answer = client.post("/api/kiosk/v1/contacts", headers={"X-API-Key": KIOSK_KEY},
                         json={"request_id": "conduct-1", "text": SECRET, "conduct": True})
    assert answer.status_code == 201 and answer.json()["track_url"] is None
    kiosk_case = _case(engine, answer.json()["tracking_code"])
    assert kiosk_case.confidential and kiosk_case.citizen_phone is None

    record = FinishedCall(
        call_id="conduct-call-1", sip_call_id="x", caller=PHONE, callee="7812345", direction="inbound",
        started_at="2026-03-02T01:00:00+00:00", ended_at="2026-03-02T01:01:00+00:00",
        end_reason="remote_hangup",
        duration_s=60.0, language="zh", recording_path=None, frames_received=0, frames_dropped=0,
        transcript_status="complete", conduct=True,
        utterances=[{"text": f"{SECRET} 我的身份证号幺五零六二三幺九九零零幺零幺幺二三四", "start": 0.0,
                     "end": 5.0, "words": [["幺五零六二三幺九九零零幺零幺幺二三四", 1.0, 4.0, 0.9]]}])
    with Session(engine) as session:
        case_id = record_finished_call(session, record=record).id
        session.commit()
        case = session.scalar(select(Case).where(Case.id == case_id).options(
            selectinload(Case.department), selectinload(Case.call).selectinload(Call.utterances)))
        assert case.confidential and case.department.code == "jwjw" and case.status == CaseStatus.dispatched
        said = case.call.utterances[0]
        assert "150623********1234" in said.text and "19900101" not in case.call.transcript
        assert said.words[0][0] == "*"  # the ID number cannot be read back from the word timings
