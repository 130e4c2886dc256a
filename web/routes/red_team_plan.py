"""Red service teams plan by day and 嘎查: market days and party days as calendar entries next to the booked
visits of the next two weeks, and the register of residents in the special groups (consent recorded, phone and
ID masked for whoever does not visit)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from hotline.cases import special_groups
from hotline.cases.errors import CaseError
from hotline.cases.working_days import china_date
from hotline.db import unit_of_work
from hotline.models import RedTeam, Site, User, utcnow
from web.auth import CurrentUser
from web.form_schemas import form_body
from web.routes.red_teams import TEAM_USERS
from web.templating import render

router = APIRouter()


def _team(session, code: str) -> RedTeam:
    team = session.scalar(select(RedTeam).where(RedTeam.code == code[:32]))
    if team is None:
        raise CaseError("not_found", "没有这个红色服务队。")
    return team


def _date(raw: object, label: str, default: date | None = None) -> date:
    text = str(raw or "").strip()
    if not text and default is not None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CaseError("invalid_input", f"{label}格式应为 YYYY-MM-DD。") from None


@router.get("/teams/{code}/plan")
def plan_page(request: Request, code: str, start: str | None = None, user: CurrentUser = Depends(TEAM_USERS)):
    with request.app.state.ctx.session_factory() as session:
        team = _team(session, code)
        first = _date(start, "开始日期", china_date(utcnow()))
        return render(request, "red_team_plan.html", {
            "team": team, "days": special_groups.fortnight(session, team=team, start=first),
            "labels": special_groups.DAY_LABELS,
        })


@router.post("/teams/{code}/days", openapi_extra=form_body("day", "kind", "place", "note"))
async def add_day(request: Request, code: str, user: CurrentUser = Depends(TEAM_USERS)):
    form = await request.form()
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        team = _team(session, code)
        day = _date(form.get("day"), "日期")
        special_groups.add_service_day(session, actor=session.get_one(User, user.id), town=team.town, day=day,
                                       kind=str(form.get("kind") or ""), place=str(form.get("place") or ""),
                                       note=str(form.get("note") or ""))
        team_code = team.code
    return RedirectResponse(f"/teams/{team_code}/plan", status_code=303)


@router.get("/teams/{code}/residents")
def residents_page(request: Request, code: str, user: CurrentUser = Depends(TEAM_USERS)):
    with request.app.state.ctx.session_factory() as session:
        team = _team(session, code)
        viewer = session.get_one(User, user.id)
        return render(request, "red_team_residents.html", {
            "team": team, "residents": special_groups.residents(session, viewer=viewer, town=team.town),
            "full": special_groups.sees_in_full(session, viewer, team.town),
            "groups": special_groups.GROUP_LABELS, "today": china_date(utcnow()),
            "villages": list(session.scalars(select(Site).where(Site.town == team.town).order_by(Site.id))),
        })


@router.post("/teams/{code}/residents", openapi_extra=form_body(
    "name", "group", "site_id", "address", "phone", "id_number", "needs", "consent_by", "consent_way",
    "consent_at"))
async def register(request: Request, code: str, user: CurrentUser = Depends(TEAM_USERS)):
    form = await request.form()
    raw_site = str(form.get("site_id") or "")
    today = china_date(utcnow())
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        team = _team(session, code)
        special_groups.register_resident(
            session, actor=session.get_one(User, user.id), team=team, name=str(form.get("name") or ""),
            group=str(form.get("group") or ""), site_id=int(raw_site) if raw_site.isdigit() else None,
            address=str(form.get("address") or ""), phone=str(form.get("phone") or ""),
            id_number=str(form.get("id_number") or ""), needs=str(form.get("needs") or ""),
            consent_by=str(form.get("consent_by") or ""), consent_way=str(form.get("consent_way") or ""),
            consent_at=_date(form.get("consent_at"), "同意日期", today), today=today)
        team_code = team.code
    return RedirectResponse(f"/teams/{team_code}/residents", status_code=303)
