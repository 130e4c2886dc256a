"""Booking for a case, by whoever talks to the citizen (agents, supervisors, the case's handlers): a window
slot at a service site, a home visit (红色服务队 / 流动服务车), and cancelling either."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hotline.cases import appointments
from hotline.cases.errors import CaseError
from hotline.cases.queries import may_view
from hotline.models import Appointment, AppointmentKind, Case, Role, User
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.form_schemas import form_body
from web.form_values import form_text
from web.routes.case_action_kit import case_done, form_number, run_case_work

router = APIRouter()
BOOKERS = (Role.agent, Role.supervisor, Role.handler, Role.admin)


def _check_booker(session: Session, actor: User, case_id: int) -> None:
    """Handlers book only for cases of their own department or site."""
    case = session.get(Case, case_id)
    if case is None:
        raise CaseError("not_found", f"工单 {case_id} 不存在。")
    if not may_view(session, case, actor):
        raise CaseError("not_case_handler", "该工单未派给您所在的单位。")


def _slot_start(form: FormData) -> datetime:
    try:
        return datetime.fromisoformat(form_text(form, "slot_start"))
    except ValueError:
        raise CaseError("invalid_input", "请从可选时段中选择预约时间。") from None


@router.post("/cases/{case_id}/appointments/window", openapi_extra=form_body("slot_start", "site_id", "note"))
async def book_window(
    request: Request, case_id: RowId, user: CurrentUser = Depends(require_roles(*BOOKERS))
) -> Any:
    def work(session: Session, actor: User, form: FormData) -> int:
        _check_booker(session, actor, case_id)
        appointments.book_window(
            session,
            case_id=case_id,
            site_id=form_number(form, "site_id", "站点") or 0,
            slot_start=_slot_start(form),
            actor=actor,
            note=form_text(form, "note"),
        )
        return case_id

    _, status = await run_case_work(request, user, work)
    return case_done(request, case_id, status)


@router.post("/cases/{case_id}/appointments/home",
             openapi_extra=form_body("day", "kind", "town", "address", "note"))
async def book_home(
    request: Request, case_id: RowId, user: CurrentUser = Depends(require_roles(*BOOKERS))
) -> Any:
    def work(session: Session, actor: User, form: FormData) -> int:
        _check_booker(session, actor, case_id)
        try:
            day = date.fromisoformat(form_text(form, "day"))
        except ValueError:
            raise CaseError("invalid_input", "请选择上门服务日期。") from None
        kind = form_text(form, "kind")
        if kind not in ("red_team", "service_vehicle"):
            raise CaseError("invalid_input", "请选择红色服务队或流动服务车。")
        appointments.book_home_visit(
            session,
            case_id=case_id,
            kind=AppointmentKind(kind),
            town=form_text(form, "town"),
            day=day,
            address=form_text(form, "address"),
            actor=actor,
            note=form_text(form, "note"),
        )
        return case_id

    _, status = await run_case_work(request, user, work)
    return case_done(request, case_id, status)


@router.post("/appointments/{appointment_id}/cancel", openapi_extra=form_body("reason"))
async def cancel_appointment(
    request: Request, appointment_id: RowId, user: CurrentUser = Depends(require_roles(*BOOKERS))
) -> Any:
    def work(session: Session, actor: User, form: FormData) -> int:
        appointment = session.get(Appointment, appointment_id)
        if appointment is None:
            raise CaseError("not_found", f"预约 {appointment_id} 不存在。")
        _check_booker(session, actor, appointment.case_id)
        appointments.cancel_appointment(
            session, appointment_id=appointment_id, actor=actor, reason=form_text(form, "reason")
        )
        return appointment.case_id

    case_id, status = await run_case_work(request, user, work)
    return case_done(request, case_id, status)
