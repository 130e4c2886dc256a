"""The holiday calendar for admins: entered years, a year's days, import or take next year's arrangement."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from hotline.cases import calendar_admin
from hotline.cases.errors import CaseError
from hotline.cases.holiday_library import library_version, library_years
from hotline.cases.working_days import china_date
from hotline.db import unit_of_work
from hotline.models import DayKind, Role, User, utcnow
from web.auth import CurrentUser, require_roles
from web.bounds import CalendarYear
from web.form_schemas import form_body, upload_body
from web.public_guard import client_ip
from web.templating import render

router = APIRouter()
ADMINS = require_roles(Role.admin)


def _year(raw: object, default: int) -> int:
    text = str(raw or "").strip()
    if not text:
        return default
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise CaseError("invalid_input", "年份应为四位数字，如 2027。")
    return int(text)


def _page(request: Request, session, *, year: int, **extra):
    today = china_date(utcnow())
    status = calendar_admin.calendar_status(session, today=today)
    return render(request, "admin_calendar.html", {
        "year": year, "status": status, "days": calendar_admin.list_calendar_days(session, year=year),
        "entered": year in status.years, "library": library_version(),
        "library_has_year": year in library_years(), "kinds": DayKind, **extra,
    })


@router.get("/admin/calendar")
def calendar_page(request: Request, year: str | None = None, _user: CurrentUser = Depends(ADMINS)):
    today = china_date(utcnow())
    default = today.year + 1 if today.month >= calendar_admin.WARN_FROM_MONTH else today.year
    with request.app.state.ctx.session_factory() as session:
        return _page(request, session, year=_year(year, default))


@router.post("/admin/calendar/{year}/import", openapi_extra=upload_body("file", "arrangement"))
async def import_year(request: Request, year: CalendarYear, user: CurrentUser = Depends(ADMINS)):
    async with request.form() as form:  # closes every uploaded part, whatever was sent
        text = str(form.get("arrangement") or "")
        upload = form.get("file")
        if upload is not None and hasattr(upload, "read"):
            raw = await upload.read()
            text = raw.decode("utf-8-sig", errors="replace") if raw else text
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        try:
            days = calendar_admin.parse_arrangement(text, year=year)
            calendar_admin.enter_year(session, actor=session.get(User, user.id), year=year, days=days,
                                      source="网页录入", now=utcnow(), ip=client_ip(request))
        except CaseError as exc:
            session.rollback()
            return _page(request, session, year=year, error=exc.message, arrangement=text)
    return RedirectResponse(f"/admin/calendar?year={year}", status_code=303)


@router.post("/admin/calendar/{year}/library", openapi_extra=form_body())
def from_library(request: Request, year: CalendarYear, user: CurrentUser = Depends(ADMINS)):
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        calendar_admin.enter_year_from_library(session, actor=session.get(User, user.id), year=year,
                                               now=utcnow(), ip=client_ip(request))
    return RedirectResponse(f"/admin/calendar?year={year}", status_code=303)


@router.post("/admin/calendar/{year}/confirm", openapi_extra=form_body())
def confirm(request: Request, year: CalendarYear, user: CurrentUser = Depends(ADMINS)):
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        calendar_admin.confirm_year(session, actor=session.get(User, user.id), year=year, now=utcnow(),
                                    ip=client_ip(request))
    return RedirectResponse(f"/admin/calendar?year={year}", status_code=303)


@router.post("/admin/calendar/day", openapi_extra=form_body("day", "kind", "remove", "name"))
async def set_day(request: Request, user: CurrentUser = Depends(ADMINS)):
    form = await request.form()
    try:
        day = date.fromisoformat(str(form.get("day") or ""))
        kind = DayKind(str(form.get("kind") or ""))
    except ValueError:
        raise CaseError("invalid_input", "请填写日期（YYYY-MM-DD）并选择放假或调休上班。") from None
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        actor, ip = session.get(User, user.id), client_ip(request)
        if form.get("remove"):
            calendar_admin.remove_calendar_day(session, actor=actor, day=day, now=utcnow(), ip=ip)
        else:
            calendar_admin.set_calendar_day(session, actor=actor, day=day, kind=kind,
                                            name=str(form.get("name") or ""), now=utcnow(), ip=ip)
    return RedirectResponse(f"/admin/calendar?year={day.year}", status_code=303)
