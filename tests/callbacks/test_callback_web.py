"""Callback pages over HTTP with a real sign-in: audit list and filters, recording, verdicts, rates, manual
callbacks, do-not-call, and who may do what."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from callback_web_kit import callback_app
from sqlalchemy.orm import Session

from hotline.models import (
    AnswerSource,
    AuditVerdict,
    Callback,
    CallbackResult,
    Case,
    CaseStatus,
    DoNotCall,
    Role,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from web_testkit import WebClient, csrf_of, serve, signed_in  # noqa: E402


@pytest.fixture
def site(tmp_path):
    app, engine, facts = callback_app(tmp_path)
    with serve(app) as url, WebClient(app, url) as client:
        yield client, engine, facts
    engine.dispose()


def test_supervisor_filters_plays_and_judges_callbacks(site):
    client, engine, facts = site
    signed_in(client, engine, Role.supervisor)
    page = client.get("/callbacks/audit")
    assert page.status_code == 200 and "回访质检" in page.text
    assert page.text.count("<audio") == 3
    unhappy = client.get("/callbacks/audit", params={"result": "unsatisfied"}).text
    assert unhappy.count('data-callback-id="') == 1 and "不满意" in unhappy
    assert client.get("/callbacks/audit", params={"min_attempts": "2"}).text.count('data-callback-id="') == 0
    assert (
        client.get("/callbacks/audit", params={"agent": "zhangsan", "state": "failed"}).text.count(
            'data-callback-id="'
        )
        == 1
    )
    assert "日期格式" in client.get("/callbacks/audit", params={"from": "3/2/2026"}).text

    cb = facts["callback_ids"]["13900000103"]
    audio = client.get(f"/callbacks/{cb}/recording")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert audio.content[:4] == b"RIFF" and len(audio.content) > 60000  # 2 s at 16 kHz
    failed = facts["callback_ids"]["13900000104"]
    assert client.get(f"/callbacks/{failed}/recording").status_code == 404

    token = csrf_of(client)
    refused = client.post(f"/callbacks/{cb}/verdict", data={"csrf_token": token, "verdict": "doubtful"})
    assert refused.status_code == 422 and "请填写说明" in refused.text
    saved = client.post(
        f"/callbacks/{cb}/verdict",
        data={"csrf_token": token, "verdict": "doubtful", "note": "录音中按键不清"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with Session(engine) as s:
        row = s.get(Callback, cb)
        assert (row.verdict, row.verdict_note) == (AuditVerdict.doubtful, "录音中按键不清")
    rates = client.get("/callbacks/rates").text
    assert "66.7%" in rates and "75.0%" in rates  # 2 of 3 satisfied; 3 of 4 callbacks answered


def test_agent_records_a_manual_callback_and_an_opt_out(site):
    client, engine, facts = site
    signed_in(client, engine, Role.agent)
    assert client.get("/callbacks/audit").status_code == 403  # supervisors only
    page = client.get("/callbacks/manual").text
    assert page.count('data-callback-id="') == 1  # the unanswered one
    cb = facts["callback_ids"]["13900000104"]
    response = client.post(
        f"/callbacks/{cb}/manual",
        data={"csrf_token": csrf_of(client), "result": "satisfied", "note": "电话回访，群众满意"},
        follow_redirects=True,
    )
    assert response.status_code == 200 and "已登记" in response.text
    with Session(engine) as s:
        row = s.get(Callback, cb)
        assert (row.result, row.answered_via) == (CallbackResult.satisfied, AnswerSource.agent)
        assert s.get(Case, facts["case_ids"]["13900000104"]).status == CaseStatus.callback_done
    again = client.post(
        f"/callbacks/{cb}/manual", data={"csrf_token": csrf_of(client), "result": "unsatisfied"}
    )
    assert again.status_code == 409 and "不能重复登记" in again.text
    bad = client.post("/callbacks/opt-out", data={"csrf_token": csrf_of(client), "phone": "12ab"})
    assert bad.status_code == 422 and "无效" in bad.text
    ok = client.post(
        "/callbacks/opt-out",
        data={"csrf_token": csrf_of(client), "phone": "139 0000 0199", "reason": "群众要求"},
        follow_redirects=True,
    )
    assert ok.status_code == 200 and "不回访名单" in ok.text
    with Session(engine) as s:
        assert s.query(DoNotCall).filter_by(phone="13900000199").count() == 1
    assert (
        client.post("/callbacks/opt-out", data={"phone": "13900000198"}).status_code == 403
    )  # no CSRF token


def test_manual_callbacks_are_paged_with_labelled_inputs(site):
    from datetime import timedelta

    client, engine, facts = site
    with Session(engine) as s:
        model = s.get(Callback, facts["callback_ids"]["13900000104"])
        for n in range(25):
            s.add(
                Callback(
                    case_id=model.case_id,
                    case_closed_at=model.case_closed_at - timedelta(minutes=n + 1),
                    state="due",
                    due_at=model.due_at,
                    deadline_at=model.deadline_at,
                    phone=model.phone,
                    language="zh",
                    department_id=model.department_id,
                )
            )
        s.commit()
    signed_in(client, engine, Role.agent)
    first = client.get("/callbacks/manual", params={"state": "due"}).text
    assert first.count('data-callback-id="') == 20 and "第 1 / 2 页" in first
    assert first.count('aria-label="工单 ') == 20 and first.count("的回访评价</label>") == 20
    second = client.get("/callbacks/manual", params={"state": "due", "page": 2}).text
    assert second.count('data-callback-id="') >= 5 and "上一页" in second
    assert client.get("/callbacks/manual", params={"state": "all"}).status_code == 422
