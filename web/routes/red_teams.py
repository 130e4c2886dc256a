"""Red service teams: members and vehicle, the day's home-visit list (printable, phone-friendly), and the
visit records."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline.cases import red_teams, special_groups
from hotline.cases.errors import CaseError
from hotline.cases.working_days import china_date
from hotline.db import unit_of_work
from hotline.models import RedTeam, Role, User, VisitOutcome, utcnow
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.form_schemas import form_body
from web.templating import render

router = APIRouter()
TEAM_USERS = require_roles(Role.agent, Role.supervisor, Role.admin, Role.handler)


def _team(session, code: str) -> RedTeam:
    team = session.scalar(select(RedTeam).where(RedTeam.code == code).options(selectinload(RedTeam.members)))
    if team is None:
        raise CaseError("not_found", "没有这个红色服务队。")
    return team


def _day(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw) if raw else china_date(utcnow()) + timedelta(days=1)
    except ValueError:
        raise CaseError("invalid_input", "日期格式应为 YYYY-MM-DD。") from None


@router.get("/teams")
def teams_page(request: Request, _user: CurrentUser = Depends(TEAM_USERS)):
    with request.app.state.ctx.session_factory() as session:
        teams = list(session.scalars(
            select(RedTeam).options(selectinload(RedTeam.members)).order_by(RedTeam.id)))
        members = {t.id: t.members for t in teams}
        return render(request, "red_teams.html", {"teams": teams, "members": members})


@router.post("/teams/{code}/members", openapi_extra=form_body("name", "duty", "phone"))
async def add_member(request: Request, code: str, _user: CurrentUser = Depends(TEAM_USERS)):
    form = await request.form()
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        red_teams.add_member(session, team=_team(session, code), name=str(form.get("name") or ""),
                             duty=str(form.get("duty") or ""), phone=str(form.get("phone") or ""))
    return RedirectResponse("/teams", status_code=303)


@router.get("/teams/{code}/day")
def day_page(request: Request, code: str, day: str | None = None, user: CurrentUser = Depends(TEAM_USERS)):
    the_day = _day(day)
    with request.app.state.ctx.session_factory() as session:
        team = _team(session, code)
        entries = special_groups.service_days(session, town=team.town, start=the_day, end=the_day)
        # on a market or party day the team can call on registered residents along the way
        residents = special_groups.residents(session, viewer=session.get_one(User, user.id),
                                             town=team.town) if entries else []
        return render(request, "red_team_day.html", {
            "team": team, "day": the_day, "visits": red_teams.day_plan(session, team=team, day=the_day),
            "outcomes": red_teams.OUTCOME_LABELS, "members": team.members,
            "entries": entries, "residents": residents,
            "day_labels": special_groups.DAY_LABELS,
        })


@router.post("/teams/{code}/visits/{appointment_id}", openapi_extra=form_body("outcome", "note"))
async def record_visit(request: Request, code: str, appointment_id: RowId,
                       user: CurrentUser = Depends(TEAM_USERS)):
    form = await request.form()
    try:
        outcome = VisitOutcome(str(form.get("outcome") or ""))
    except ValueError:
        raise CaseError("invalid_input", "请选择上门结果。") from None
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        team = _team(session, code)
        red_teams.record_visit(session, appointment_id=appointment_id, team=team, outcome=outcome,
                               note=str(form.get("note") or ""), actor=session.get(User, user.id),
                               now=utcnow())
    return RedirectResponse(f"/teams/{code}/day?day={_day(str(form.get('day') or ''))}", status_code=303)
