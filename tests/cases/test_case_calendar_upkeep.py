"""Holiday calendar upkeep: seeded from chinese-calendar, next year entered by an admin (CLI or service),
a warning from November while it is missing, and time limits past the known calendar that say so."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select
from typer.testing import CliRunner

from hotline.cases.calendar_admin import (
    calendar_status,
    confirm_year,
    enter_year,
    enter_year_from_library,
    parse_arrangement,
    seed_holiday_calendar,
    set_calendar_day,
)
from hotline.cases.errors import CaseError
from hotline.cases.holiday_library import library_years
from hotline.cases.time_limits import start_clock
from hotline.cases.working_days import load_work_calendar
from hotline.models import CalendarDay, CalendarYear, Case, DayKind, Role


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


# A 2027 arrangement as an admin would type it from the State Council notice (元旦 on a Friday).
ARRANGEMENT_2027 = """day,kind,name
2027-01-01,放假,元旦
2027-01-02,放假,元旦
2027-01-03,放假,元旦
2027-02-06,放假,春节
2027-02-07,上班,春节调休上班
"""


@pytest.fixture
def admin(make_user):
    return make_user(Role.admin)


@pytest.fixture
def without_2027(db_session):
    """The database as shipped in December 2026: chinese-calendar 1.11 knows 2025 and 2026, not 2027."""
    db_session.execute(delete(CalendarDay).where(CalendarDay.day >= date(2027, 1, 1)))
    db_session.execute(delete(CalendarYear).where(CalendarYear.year >= 2027))
    db_session.flush()


def test_seed_comes_from_the_library_and_marks_the_years_entered(db_session):
    assert seed_holiday_calendar(db_session) == 0  # conftest seeded already: idempotent
    years = {y.year: y for y in db_session.scalars(select(CalendarYear))}
    assert {2025, 2026} <= set(years) and set(years) == {y for y in library_years() if y >= 2025}
    assert years[2026].source.startswith("chinese-calendar ")
    assert db_session.get(CalendarDay, date(2026, 2, 14)).kind == DayKind.workday  # 春节调休 Saturday
    assert db_session.get(CalendarDay, date(2026, 10, 1)).name == "国庆节"


def test_a_time_limit_across_new_year_without_2027_says_it_is_a_guess(db_session, without_2027):
    calendar = load_work_calendar(db_session)
    case = Case()
    start_clock(case, now=cn(2026, 12, 30, 10, 0), days=5, calendar=calendar)
    # Thu 31, Fri 1 Jan counted as working days: only the Monday–Friday rule is known for 2027
    assert case.due_at == cn(2027, 1, 6, 10, 0)
    notice = calendar.unknown_notice(case.due_at)
    assert notice and "2027" in notice and "2026年12月31日" in notice and "周一至周五" in notice
    # within the known calendar there is nothing to say
    start_clock(case, now=cn(2026, 12, 21, 10, 0), days=3, calendar=calendar)
    assert calendar.unknown_notice(case.due_at) is None


def test_the_same_time_limit_with_2027_entered_skips_new_year(db_session, without_2027, admin):
    days = parse_arrangement(ARRANGEMENT_2027, year=2027)
    enter_year(db_session, actor=admin, year=2027, days=days, source="测试", now=cn(2026, 12, 4, 9, 0))
    calendar = load_work_calendar(db_session)
    case = Case()
    start_clock(case, now=cn(2026, 12, 30, 10, 0), days=5, calendar=calendar)
    assert case.due_at == cn(2027, 1, 7, 10, 0)  # 元旦 1 Jan is not a working day
    assert calendar.unknown_notice(case.due_at) is None
    assert calendar.is_working_day(date(2027, 2, 7))  # the 调休 Sunday


def test_admins_are_warned_from_november_while_next_year_is_missing(db_session, without_2027, admin):
    assert calendar_status(db_session, today=date(2026, 10, 31)).warning is None
    warning = calendar_status(db_session, today=date(2026, 12, 4)).warning
    assert warning and "2027 年的节假日安排尚未录入" in warning
    assert "2027 年的节假日安排尚未录入" in calendar_status(db_session, today=date(2027, 1, 4)).warning
    enter_year(db_session, actor=admin, year=2027, days=parse_arrangement(ARRANGEMENT_2027, year=2027),
               source="测试", now=cn(2026, 12, 4, 9, 0))
    assert calendar_status(db_session, today=date(2026, 12, 4)).warning is None


def test_a_bad_arrangement_names_every_problem_and_enters_nothing(db_session, without_2027):
    bad = "2027-01-01,放假,元旦\n2027-01-04,上班,\n2026-12-31,放假,元旦\n2027-13-01,放假,x\n2027-02-01,休假,"
    with pytest.raises(CaseError) as err:
        parse_arrangement(bad, year=2027)
    message = err.value.message
    assert "第2行" in message and "调休上班只能设在周末" in message
    assert "第3行" in message and "不在 2027 年" in message
    assert "第4行" in message and "第5行" in message and "未导入任何日期" in message
    assert db_session.scalar(select(CalendarYear).where(CalendarYear.year == 2027)) is None


def test_days_entered_one_by_one_count_once_confirmed(db_session, without_2027, admin):
    now = cn(2026, 12, 4, 9, 0)
    with pytest.raises(CaseError):
        confirm_year(db_session, actor=admin, year=2027, now=now)  # nothing entered yet
    set_calendar_day(db_session, actor=admin, day=date(2027, 1, 1), kind=DayKind.holiday, name="元旦",
                     now=now)
    # not confirmed yet: still a guess
    assert load_work_calendar(db_session).unknown_notice(cn(2027, 1, 6, 10, 0))
    confirm_year(db_session, actor=admin, year=2027, now=now)
    assert load_work_calendar(db_session).unknown_notice(cn(2027, 1, 6, 10, 0)) is None


def test_a_year_the_library_does_not_know_is_refused_with_what_to_do(db_session, admin):
    with pytest.raises(CaseError) as err:
        enter_year_from_library(db_session, actor=admin, year=2031, now=cn(2026, 12, 4, 9, 0))
    assert "升级" in err.value.message


def test_cli_imports_next_year_and_reports_status(monkeypatch, tmp_path):
    from hotline.cli.main import app

    runner = CliRunner()
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    assert runner.invoke(app, ["init"]).exit_code == 0
    before = runner.invoke(app, ["calendar", "status"])
    assert before.exit_code == 0 and "2026" in before.output
    bad = tmp_path / "bad.csv"
    bad.write_text("2027-01-04,上班,\n", encoding="utf-8")
    refused = runner.invoke(app, ["calendar", "import", str(bad), "--year", "2027"])
    assert refused.exit_code == 1 and "调休上班只能设在周末" in refused.output
    good = tmp_path / "2027.csv"
    good.write_text(ARRANGEMENT_2027, encoding="utf-8-sig")
    done = runner.invoke(app, ["calendar", "import", str(good), "--year", "2027"])
    assert done.exit_code == 0, done.output
    assert "2027 年已录入：5 天" in done.output
    after = runner.invoke(app, ["calendar", "status"])
    assert "2027" in after.output and "2027 年的节假日安排尚未录入" not in after.output
