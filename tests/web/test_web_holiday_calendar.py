"""The admin's holiday calendar page: the warning on every page while a year is missing, import of the
arrangement (a bad paste keeps the text and names the line), and only admins may change it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete
from sqlalchemy.orm import Session
from web_testkit import WebClient, build_app, csrf_of, serve, signed_in

from hotline import migrate
from hotline.cases.calendar_admin import WARN_FROM_MONTH, seed_holiday_calendar
from hotline.cases.working_days import china_date
from hotline.db import make_engine
from hotline.models import CalendarDay, CalendarYear, Role, utcnow
from hotline.seeding import seed_organisation


def _missing_years(engine) -> list[int]:
    """Remove this year's (and from November next year's) arrangement, whatever today is."""
    today = china_date(utcnow())
    years = [today.year] + ([today.year + 1] if today.month >= WARN_FROM_MONTH else [])
    with Session(engine) as session:
        seed_organisation(session)
        seed_holiday_calendar(session)
        session.execute(delete(CalendarDay).where(CalendarDay.day >= date(years[0], 1, 1)))
        session.execute(delete(CalendarYear).where(CalendarYear.year >= years[0]))
        session.commit()
    return years


def test_admin_sees_the_warning_and_enters_the_missing_years(analyzer, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'cal.sqlite3'}")
    migrate.upgrade(engine)
    years = _missing_years(engine)
    app = build_app(engine, analyzer, tmp_path)
    with serve(app) as url, WebClient(app, url) as client:
        signed_in(client, engine, Role.admin)
        home = client.get("/admin/users")
        assert "节假日安排尚未录入" in home.text and 'href="/admin/calendar"' in home.text
        page = client.get(f"/admin/calendar?year={years[0]}")
        assert "未录入" in page.text
        monday = next(date(years[0], 1, d) for d in range(1, 8) if date(years[0], 1, d).weekday() == 0)
        bad = client.post(f"/admin/calendar/{years[0]}/import",
                          data={"csrf_token": csrf_of(client), "arrangement": f"{monday},上班,"})
        assert bad.status_code == 200 and "第1行" in bad.text and "未导入任何日期" in bad.text
        assert f"{monday},上班," in bad.text  # the admin's text is kept
        for year in years:
            first_saturday = next(date(year, 1, d) for d in range(1, 8) if date(year, 1, d).weekday() == 5)
            text = f"{year}-01-01,放假,元旦\n{first_saturday},上班,测试调休上班\n"
            done = client.post(f"/admin/calendar/{year}/import",
                               data={"csrf_token": csrf_of(client), "arrangement": text},
                               follow_redirects=True)
            assert done.status_code == 200 and "（已录入）" in done.text and "测试调休上班" in done.text
        assert "节假日安排尚未录入" not in client.get("/admin/users").text
        agent = client.new_browser()
        signed_in(agent, engine, Role.agent)
        assert agent.get("/admin/calendar").status_code == 403
        assert "节假日安排尚未录入" not in agent.get("/").text
    engine.dispose()
