"""The analytics pages over HTTP: figures, drill-down, masking and audited unmasking, exports, wallboard."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.agents.call_queue import enter_queue
from hotline.analytics import figures
from hotline.analytics.filters import parse_filter
from hotline.calls.registry import LiveCall
from hotline.demo.seed import seed_demo_cases
from hotline.models import AuditRecord, Call, Case, CaseStatus, Channel, Role, User, Utterance, WebSession
from tests.analytics.analytics_app import act_as, analytics_app, serve

PHONE = re.compile(r"1[3-9]\d{9}")
SPOKEN = "幺三九零四七七一二三四"


@pytest.fixture
def client(fresh_engine, tmp_path):
    seed_demo_cases(fresh_engine, cases=400, days=20, seed=3, batch=400)
    app = analytics_app(fresh_engine, tmp_path, status={"calls_waiting": 2})
    with serve(app) as base, httpx.Client(base_url=base, timeout=60) as c:
        c.engine = fresh_engine
        c.app_ = app
        yield c


def _audits(engine) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(AuditRecord)
                        .where(AuditRecord.action == "privacy.unmask"))


def test_dashboard_shows_figures_with_definitions_and_drill_links(client):
    page = client.get("/analytics")
    assert page.status_code == 200, page.text
    html = page.text
    for label in ("响应率", "办结率", "满意率", "按时办结率", "回访覆盖率", "受理量趋势", "按镇",
                  "按承办单位"):
        assert label in html
    assert "小时内签收或直接答复的工单数" in html  # the definition is on the page
    with Session(client.engine) as s:
        counts = figures.measure_counts(s, parse_filter({}))
    assert 'data-measure="satisfied"><td>满意</td><td class="num"><a href="/analytics/cases?' in html
    drill = client.get("/analytics/cases", params={"measure": "satisfied"})
    assert drill.status_code == 200
    assert f'<span id="total">{counts["satisfied"]}</span>' in drill.text
    assert counts["satisfied"] > 0
    assert client.get("/analytics", params={"start": "2026-13-01"}).status_code == 400
    assert "应为日期" in client.get("/analytics", params={"start": "bad"}).text
    for grain, bucket, says in (("day", "x'; drop", "应形如 2026-03-02"), ("week", "2026-03-03", "周一"),
                                ("month", "2026-13", "应形如 2026-03"),
                                ("hour", "2026-03-02", "2026-03-02 09")):
        bad = client.get("/analytics/cases", params={"grain": grain, "bucket": bucket})
        assert bad.status_code == 400 and says in bad.text, (grain, bucket, bad.text)
    week = client.get("/analytics/cases", params={"grain": "week", "bucket": "2026-03-02"})
    assert week.status_code == 200 and '<span id="total">' in week.text


def test_api_breakdown_totals_and_bad_dimension(client):
    data = client.get("/api/analytics/breakdown", params={"dimension": "channel"}).json()
    total = client.get("/api/analytics/summary").json()["total"]
    assert sum(r["count"] for r in data["rows"]) == total > 0
    assert {r["label"] for r in data["rows"]} <= {"电话", "网站", "百姓论坛", "自助终端"}
    assert client.get("/api/analytics/breakdown", params={"dimension": "colour"}).status_code == 400


def test_analysts_see_masked_numbers_and_supervisors_unmask_with_audit(client):
    page = client.get("/analytics/cases").text
    assert not PHONE.search(page)
    assert re.search(r"1[3-9]\d\*{4}\d{4}", page)
    forbidden = client.get("/analytics/cases", params={"unmask": "1"})
    assert forbidden.status_code == 403 and _audits(client.engine) == 0
    act_as(client.app_, Role.supervisor, "sup")
    clear = client.get("/analytics/cases", params={"unmask": "1"})
    assert clear.status_code == 200 and PHONE.search(clear.text)
    assert _audits(client.engine) == 1
    act_as(client.app_, Role.handler, "dept")
    assert client.get("/analytics/cases").status_code == 403


def test_transcripts_are_masked_including_spoken_digits(client):
    with Session(client.engine) as s:
        call = Call(id="c-mask-1", direction="inbound", caller="13900001111", callee="7812345",
                    started_at=datetime.now(UTC))
        s.add(call)
        s.add(Utterance(call_id=call.id, seq=0, start_s=1.0, end_s=4.0, text=f"我的电话是{SPOKEN}"))
        case = Case(tracking_code="T-MASK", source_ref="t:mask", channel=Channel.phone,
                    status=CaseStatus.accepted, title="咨询", content="身份证15062719900101123X",
                    call_id=call.id, citizen_phone="13900001111")
        s.add(case)
        s.commit()
        case_id = case.id
    html = client.get(f"/analytics/cases/{case_id}").text
    assert SPOKEN not in html and "13900001111" not in html and "19900101" not in html
    assert "幺三九****一二三四" in html
    act_as(client.app_, Role.admin, "root")
    html = client.get(f"/analytics/cases/{case_id}", params={"unmask": "1"}).text
    assert SPOKEN in html and "13900001111" in html
    assert _audits(client.engine) == 1


def test_csv_and_xlsx_exports_hold_every_row_masked(client):
    with Session(client.engine) as s:
        expected = figures.measure_counts(s, parse_filter({}), names=("closed",))["closed"]
    response = client.get("/analytics/export.csv", params={"measure": "closed"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    body = response.content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "受理编号", "受理时间"]
    assert len(rows) - 1 == expected > 0
    assert not PHONE.search(body.decode("utf-8-sig"))
    assert {r[5] for r in rows[1:]} <= {"直接答复", "已办结", "已回访"}
    xlsx = client.get("/analytics/export.xlsx", params={"measure": "closed"})
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True)["工单"]
    assert sum(1 for _ in sheet.iter_rows()) - 1 == expected


def test_wallboard_counts_live_calls_agents_and_today(client):
    now = datetime.now(UTC)
    ctx = client.app_.state.ctx
    ctx.live_calls.add(LiveCall(call_id="live-1", caller="13800000000", callee="7812345", started_at=now))
    with Session(client.engine) as s:
        agent = User(username="agent1", display_name="坐席一", role=Role.agent, password_hash="x")
        s.add(agent)
        s.flush()
        s.add(WebSession(token_hash="a" * 64, user_id=agent.id, created_at=now,
                         last_seen_at=now - timedelta(minutes=2), expires_at=now + timedelta(hours=8)))
        s.add(WebSession(token_hash="b" * 64, user_id=agent.id, created_at=now, last_seen_at=now,
                         expires_at=now + timedelta(hours=8)))
        stale = User(username="agent2", display_name="坐席二", role=Role.agent, password_hash="x")
        s.add(stale)
        s.flush()
        s.add(WebSession(token_hash="c" * 64, user_id=stale.id, created_at=now - timedelta(hours=3),
                         last_seen_at=now - timedelta(hours=2), expires_at=now + timedelta(hours=5)))
        s.add(Case(tracking_code="T-TODAY", source_ref="t:today", channel=Channel.web,
                   status=CaseStatus.accepted, title="今天", content="今天的工单", intent="complaint",
                   created_at=now))
        for n in (1, 2):  # two callers waiting for an agent: the stored queue rows, not a status constant
            enter_queue(s, call_id=f"waiting-{n}", caller="", language="zh", worker="w", now=now)
        s.commit()
    data = client.get("/api/analytics/wallboard").json()
    assert data["calls_active"] == 1 and data["calls_waiting"] == 2 and data["agents_online"] == 1
    assert data["queue"]["longest_wait_s"] >= 0 and data["queue"]["abandoned"] == 0
    assert data["today"]["by_intent"].get("complaint", 0) >= 1
    assert sum(data["today"]["by_intent"].values()) == data["today"]["cases"]
    page = client.get("/analytics/wallboard").text
    assert 'id="wb-active">1<' in page and "/api/analytics/wallboard" not in page.split("<script")[0]


def test_hot_topics_page_flags_a_spike(client):
    now = datetime.now(UTC)
    with Session(client.engine) as s:
        for n in range(12):
            s.add(Case(tracking_code=f"T-SP{n}", source_ref=f"t:spike{n}", channel=Channel.web,
                       status=CaseStatus.accepted, title="停电投诉",
                       content="小区突然停电，变压器烧了，一直没人来修",
                       town="城川镇", created_at=now - timedelta(minutes=n)))
        s.commit()
    page = client.get("/analytics/topics")
    assert page.status_code == 200, page.text
    row = re.search(r'<tr class="spike"><td><a href="([^"]+)">停电</a></td><td class="num">(\d+)</td>',
                    page.text)
    assert row and int(row.group(2)) >= 12, page.text[page.text.find("topic-table"):][:1500]
    drill = client.get(row.group(1).replace("&amp;", "&"))
    assert int(re.search(r'<span id="total">(\d+)</span>', drill.text).group(1)) >= 12
