"""日报 for the leadership: downloaded as XLSX from the report page in Chromium; every figure equals a count
made here from the cases themselves (in Python, not the report's SQL)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from testkit.browser import launch_chromium
from web_testkit import make_user, new_case, serve, sign_in, signed_in

from hotline.analytics.filters import CHINA, china_today
from hotline.cases.lifecycle import answer_case
from hotline.models import Case, CaseStatus, Role, User
from web.labels import INTENT

FINISHED = {CaseStatus.answered, CaseStatus.closed, CaseStatus.callback_done, CaseStatus.archived}


def _todays_cases(engine) -> list[Case]:
    today = china_today()
    with Session(engine) as session:
        cases = session.scalars(select(Case).options(selectinload(Case.department)))
        return [
            c
            for c in cases
            if c.created_at.replace(tzinfo=c.created_at.tzinfo or UTC).astimezone(CHINA).date() == today
        ]


def _sheet(book, title) -> dict[str, int]:
    return {row[0]: row[1] for row in book[title].iter_rows(min_row=2, values_only=True)}


@pytest.mark.browser
def test_daily_report_xlsx_downloaded_equals_the_database(app, web_engine, tmp_path):
    from playwright.sync_api import sync_playwright

    new_case(app, "咨询医保异地就医备案怎么办理")
    answered = new_case(app, "想问一下社保卡补办地点")
    with Session(web_engine) as session:
        agent = session.get(
            User, session.scalar(select(User.id).where(User.username == make_user(web_engine, Role.agent)))
        )
        answer_case(session, case_id=answered, actor=agent, reply="到旗政务服务中心社保窗口办理。")
        session.commit()
    supervisor = make_user(web_engine, Role.supervisor)
    with serve(app) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(accept_downloads=True, locale="zh-CN").new_page()
            sign_in(page, base, supervisor)
            page.click("text=报表")
            assert "日报" in page.locator("#report h2").inner_text()
            with page.expect_download() as info:
                page.click("#report-download")
            path = tmp_path / "daily.xlsx"
            info.value.save_as(path)
            assert info.value.suggested_filename.endswith(".xlsx")
        finally:
            browser.close()

    cases = _todays_cases(web_engine)
    book = load_workbook(path, read_only=True)
    summary = _sheet(book, "概况")
    assert summary["受理总量"] == len(cases) >= 2
    finished = [c for c in cases if c.status in FINISHED]
    assert summary["已办结（含直接答复）"] == len(finished) >= 1
    assert summary["按时办结"] == sum(1 for c in finished if c.due_at is None or c.closed_at <= c.due_at)
    assert summary["办结率"] == f"{len(finished) / len(cases) * 100:.1f}%"
    intents = Counter(INTENT[c.intent.value] if c.intent else "未确定" for c in cases)
    assert _sheet(book, "按诉求类型") == dict(intents)
    departments = Counter(c.department.name if c.department else "未派单" for c in cases)
    assert _sheet(book, "按承办单位") == dict(departments)
    assert sum(_sheet(book, "按渠道").values()) == len(cases)


def test_report_periods_and_bad_input(client, web_engine):
    signed_in(client, web_engine, Role.supervisor)
    from hotline.analytics.period_report import keep_reports
    from hotline.models import utcnow

    with Session(web_engine) as session:
        name = keep_reports(
            session, directory=client.app.state.ctx.settings.data_dir / "reports", now=utcnow()
        )[0]
    listed = client.get("/reports").text
    assert f'href="/reports/kept/{name}">日报 ' in listed
    assert client.get(f"/reports/kept/{name}").content[:2] == b"PK"
    assert client.get("/reports/kept/..%2F..%2Fweb.sqlite3").status_code == 404
    weekly = client.get("/reports", params={"kind": "weekly", "day": "2026-03-04"})
    assert weekly.status_code == 200 and "2026年03月02日至2026年03月08日" in weekly.text
    monthly = client.get("/reports/download", params={"kind": "monthly", "day": "2026-02-10"})
    assert monthly.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert client.get("/reports", params={"kind": "yearly"}).status_code == 422
    assert client.get("/reports", params={"day": "3/4/2026"}).status_code == 422


def test_finished_periods_are_kept_once_and_listed(web_engine, tmp_path):
    from datetime import datetime

    from hotline.analytics.period_report import keep_reports, kept_reports

    now = datetime(2026, 3, 4, 2, 0, tzinfo=CHINA)  # a Wednesday
    with Session(web_engine) as session:
        written = keep_reports(session, directory=tmp_path, now=now)
        assert written == ["daily-2026-03-03.xlsx", "weekly-2026-02-23.xlsx", "monthly-2026-02-01.xlsx"]
        assert keep_reports(session, directory=tmp_path, now=now) == []  # idempotent
    assert kept_reports(tmp_path)[0] == "daily-2026-03-03.xlsx"
    assert load_workbook(tmp_path / "weekly-2026-02-23.xlsx")["概况"]["A1"].value.startswith(
        "7812345 热线周报"
    )
