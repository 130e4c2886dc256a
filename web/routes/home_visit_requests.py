"""Citizens and kiosks request a free home visit of their town's red service team
(孤寡老人、伤病残、老党员 and whoever cannot come in): the request becomes a case and books the
team's visit on the chosen day, so it is on the team's day list at once.

- ``GET/POST /public/home-visit`` — the bilingual citizen page
- ``POST /api/kiosk/v1/home-visits`` — ``{request_id, phone, name?, town, address, day,
  needs}`` → ``{tracking_code, visit_day}`` (``X-API-Key`` as for the other kiosk calls;
  a retried ``request_id`` returns the same case)"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from hotline.calls.text_contacts import submit_text_contact
from hotline.cases.appointments import DEFAULT_APPOINTMENTS, book_home_visit, home_visit_slot
from hotline.cases.errors import CaseError
from hotline.cases.intake import Contact
from hotline.cases.working_days import china_date, load_work_calendar
from hotline.db import unit_of_work
from hotline.models import Appointment, AppointmentKind, AppointmentStatus, Case, Channel, utcnow
from knowledge_base.mongolian_text import mostly_mongolian
from web.auth import public
from web.errors import WebError
from web.i18n import N_, error_text, translate
from web.public_guard import check_form_token, client_ip
from web.routes.kiosk import kiosk_id
from web.routes.public_pages import clean_phone, form_page, towns
from web.templating import render

router = APIRouter()
FOR_WHOM = {"elder_alone": N_("孤寡老人"), "sick_disabled": N_("伤病残"), "old_party_member": N_("老党员"),
            "other": N_("其他行动不便的群众")}
NO_DAY = N_("所选日期不能预约上门：请选择明天起 30 天内的工作日（当天名额已满时请换一天）。")


def _checked(session, *, town: str, address: str, needs: str, raw_day: str) -> date:
    """The day the team can come, or WebError with what to change (nothing is created before this passes)."""
    if town not in towns(session):
        raise WebError("invalid_input", N_("请选择所在镇。"))
    if not address.strip():
        raise WebError("invalid_input", N_("请填写上门地址（嘎查、浩特或牧点）。"))
    if not needs.strip():
        raise WebError("invalid_input", N_("请写明需要办理或帮助的事项。"))
    try:
        day = date.fromisoformat(raw_day.strip())
    except ValueError:
        raise WebError("invalid_input", NO_DAY) from None
    today = china_date(utcnow())
    if not (today < day <= today + timedelta(days=DEFAULT_APPOINTMENTS.days_ahead)) or \
            not load_work_calendar(session).is_working_day(day) or \
            home_visit_slot(session, kind=AppointmentKind.red_team, town=town, day=day).free < 1:
        raise WebError("invalid_input", NO_DAY)
    return day


def _text(for_whom: str, needs: str, address: str) -> str:
    who = FOR_WHOM.get(for_whom, FOR_WHOM["other"])
    return f"申请红色服务队上门服务（{who}）：{needs.strip()}（地址：{address.strip()}）"


def _book(request: Request, case: Case, *, town: str, day: date, address: str) -> Appointment:
    """Book the team's visit for the new case (a retried request keeps its first booking)."""
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        booked = session.scalar(select(Appointment).where(Appointment.case_id == case.id,
                                                          Appointment.status != AppointmentStatus.cancelled))
        if booked is not None:
            return booked
        return book_home_visit(session, case_id=case.id, kind=AppointmentKind.red_team, town=town, day=day,
                               address=address, actor=None, note="群众自助申请")


def _contact(channel: Channel, ref: str, *, text: str, phone: str, name: str) -> Contact:
    return Contact(channel=channel, source_ref=ref, text=text, citizen_phone=clean_phone(phone),
                   citizen_name=name.strip()[:64] or None, language="mn" if mostly_mongolian(text) else "zh")


@router.get("/public/home-visit")
@public
def home_visit_form(request: Request):
    return form_page(request, "public_home_visit.html", {"for_whom": FOR_WHOM, "today": china_date(utcnow())})


@router.post("/public/home-visit")
@public
def home_visit_submit(request: Request, name: str = Form(""), phone: str = Form(""), town: str = Form(""),
                      address: str = Form(""), day: str = Form(""), needs: str = Form(""),
                      for_whom: str = Form(""), submission_id: str = Form(""), form_token: str = Form("")):
    check_form_token(request, form_token)
    values = {"name": name, "phone": phone, "town": town, "address": address, "day": day, "needs": needs,
              "for_whom": for_whom}
    ctx = request.app.state.ctx
    try:
        if not re.fullmatch(r"[0-9a-f]{32}", submission_id):
            raise WebError("invalid_input", N_("表单已过期，请刷新页面后重新提交。"))
        with ctx.session_factory() as session:
            visit_day = _checked(session, town=town, address=address, needs=needs, raw_day=day)
        contact = _contact(Channel.web, f"web:{submission_id}", phone=phone, name=name,
                           text=f"{town}：{_text(for_whom, needs, address)}")
        request.app.state.public_limiter.hit(client_ip(request))
        case = submit_text_contact(ctx.session_factory, hub=ctx.hub, analyze=ctx.analyze, contact=contact)
        _book(request, case, town=town, day=visit_day, address=address)
    except (WebError, ValueError, CaseError) as exc:
        status = 429 if getattr(exc, "code", "") == "rate_limited" else 422
        message = translate(request, NO_DAY) if isinstance(exc, CaseError) else error_text(request, exc)
        return form_page(request, "public_home_visit.html", {
            "error": message, "values": values, "for_whom": FOR_WHOM, "today": china_date(utcnow()),
            "submission_id": uuid.uuid4().hex}, status)
    return render(request, "public_done.html", {"tracking_code": case.tracking_code, "kind": "web",
                                                "visit_town": town, "visit_day": visit_day.isoformat()})


class HomeVisitIn(BaseModel):
    request_id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$")
    phone: str = Field(max_length=32)
    name: str = Field(default="", max_length=64)
    town: str = Field(max_length=32)
    address: str = Field(max_length=200)
    day: str = Field(max_length=10)
    needs: str = Field(max_length=1000)
    for_whom: str = Field(default="other", max_length=32)


@router.post("/api/kiosk/v1/home-visits", status_code=201)
@public
def kiosk_home_visit(request: Request, body: HomeVisitIn) -> dict:
    kiosk = kiosk_id(request)
    request.app.state.kiosk_limiter.hit(kiosk)
    ctx = request.app.state.ctx
    with ctx.session_factory() as session:
        visit_day = _checked(session, town=body.town, address=body.address, needs=body.needs,
                             raw_day=body.day)
    contact = _contact(Channel.kiosk, f"kiosk:{kiosk}:{body.request_id}", phone=body.phone, name=body.name,
                       text=f"{body.town}：{_text(body.for_whom, body.needs, body.address)}")
    case = submit_text_contact(ctx.session_factory, hub=ctx.hub, analyze=ctx.analyze, contact=contact)
    try:
        appointment = _book(request, case, town=body.town, day=visit_day, address=body.address)
    except CaseError:
        raise WebError("invalid_input", NO_DAY) from None
    return {"tracking_code": case.tracking_code, "town": appointment.town,
            "visit_day": appointment.day.isoformat(), "track_url": "/track",
            "message": translate(request, N_("已预约红色服务队上门。凭工单编号和电话后四位可查询进度。"))}
