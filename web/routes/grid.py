"""Level 4 pages: a 中心户's phone page (linked households, tasks, "已上门/已代办"), the village station's
view of its 中心户, and routing a case to the caller's 中心户."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline.attachments.photos import PhotoRejected, open_photo, store_photo
from hotline.cases.errors import CaseError
from hotline.db import unit_of_work
from hotline.grid import register, tasks
from hotline.models import Case, GridTask, GridTaskKind, GridTaskOutcome, Role, Site, User, utcnow
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.form_schemas import form_body, upload_body
from web.templating import render

router = APIRouter()
GRID_USERS = require_roles(Role.handler, Role.admin)
ROUTERS = require_roles(Role.agent, Role.supervisor, Role.admin, Role.handler)


def _enum(enum_type, raw):
    try:
        return enum_type(str(raw or ""))
    except ValueError:
        raise CaseError("invalid_input", "请选择办理方式。") from None


@router.get("/grid")
def grid_home(request: Request, user: CurrentUser = Depends(GRID_USERS)):
    page = _home_page(request, user)
    return page if page is not None else RedirectResponse("/grid/station", status_code=303)


def _home_page(request: Request, user: CurrentUser, *, refused: tuple[int, str, str] | None = None):
    """The 中心户's phone page, or None when ``user`` is not a 中心户. ``refused`` = (task id, Chinese reason,
    the note as typed): that task's form comes back with the reason inline and the note kept."""
    with request.app.state.ctx.session_factory() as session:
        household = register.household_of_user(session, user_id=user.id)
        if household is None:
            return None
        return render(request, "grid_home.html", {
            "household": household, "linked": household.linked,
            "tasks": tasks.list_tasks(session, grid_household_id=household.id),
            "kinds": tasks.KIND_LABELS, "outcomes": tasks.OUTCOME_LABELS,
            "refused": refused,
        }, status_code=422 if refused else 200)


@router.post("/grid/tasks/{task_id}/outcome", openapi_extra=upload_body("photo", "outcome", "note", "back"))
async def task_outcome(request: Request, task_id: RowId, user: CurrentUser = Depends(GRID_USERS)):
    async with request.form() as form:  # closes every uploaded part, whatever was sent
        outcome, note = _enum(GridTaskOutcome, form.get("outcome")), str(form.get("note") or "")
        back = str(form.get("back") or "")
        upload = form.get("photo")
        data = await upload.read() if upload is not None and hasattr(upload, "read") else b""
    try:
        photo = store_photo(request.app.state.ctx.settings.data_dir, "grid", data) if data else None
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            tasks.record_outcome(session, task_id=task_id, outcome=outcome, note=note,
                                 actor=session.get_one(User, user.id), now=utcnow(),
                                 photo_path=photo.relative_path if photo else None)
    except (PhotoRejected, CaseError) as exc:
        reason = str(exc) if isinstance(exc, PhotoRejected) else exc.message
        if isinstance(exc, CaseError) and exc.code != "invalid_input":
            raise
        refused = (task_id, f"{reason}（办理情况未保存，请改正后再提交。）", note)
        page = _home_page(request, user, refused=refused)
        if page is None:  # the village station posting for its 中心户: the plain error page
            raise CaseError("invalid_input", reason) from None
        return page
    return RedirectResponse(back if back.startswith("/grid") else "/grid", status_code=303)


@router.get("/grid/tasks/{task_id}/photo")
def task_photo(request: Request, task_id: RowId, user: CurrentUser = Depends(GRID_USERS)):
    """The photo of a 已上门/已代办 record, for the 中心户, its village station and admins only."""
    with request.app.state.ctx.session_factory() as session:
        task = session.get(GridTask, task_id, options=[selectinload(GridTask.grid_household)])
        viewer = session.get_one(User, user.id)
        if task is None or not task.photo_path or not tasks.may_see_photo(viewer, task):
            raise CaseError("not_found", "没有这张照片。")
        relative = task.photo_path
    try:
        path, media = open_photo(request.app.state.ctx.settings.data_dir, relative)
    except FileNotFoundError:
        raise CaseError("not_found", "没有这张照片。") from None
    return FileResponse(path, media_type=media, headers={"Cache-Control": "private, no-store"})


def _station_id(session, user: CurrentUser, code: str | None) -> int:
    if user.role == Role.admin and code:
        site = session.scalar(select(Site).where(Site.code == code))
        if site is None:
            raise CaseError("not_found", "没有这个服务站。")
        return site.id
    if user.site_id is None:
        raise CaseError("forbidden", "您的账户没有所属的嘎查村服务站。")
    return user.site_id


@router.get("/grid/station")
def station_page(request: Request, site: str | None = None, user: CurrentUser = Depends(GRID_USERS)):
    with request.app.state.ctx.session_factory() as session:
        site_id = _station_id(session, user, site)
        return render(request, "grid_station.html", {
            "site": session.get(Site, site_id),
            "households": register.station_households(session, site_id=site_id),
            "tasks": tasks.list_tasks(session, site_id=site_id),
            "kinds": tasks.KIND_LABELS, "outcomes": tasks.OUTCOME_LABELS,
        })


@router.post("/grid/station/visits", openapi_extra=form_body("household_id", "linked_id", "request"))
async def plan_visit(request: Request, user: CurrentUser = Depends(GRID_USERS)):
    form = await request.form()
    raw_household, raw_linked = str(form.get("household_id") or ""), str(form.get("linked_id") or "")
    if not raw_household.isdigit():
        raise CaseError("invalid_input", "请选择中心户。")
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        tasks.plan_visit(session, household_id=int(raw_household),
                         linked_id=int(raw_linked) if raw_linked.isdigit() else None,
                         request=str(form.get("request") or ""), actor=session.get(User, user.id),
                         now=utcnow())
    return RedirectResponse("/grid/station", status_code=303)


@router.post("/cases/{case_id}/grid", openapi_extra=form_body("household_id", "kind", "request"))
async def route_case(request: Request, case_id: RowId, user: CurrentUser = Depends(ROUTERS)):
    form = await request.form()
    raw_household = str(form.get("household_id") or "")
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        case = session.get(Case, case_id)
        if case is None:
            raise CaseError("not_found", "工单不存在。")
        tasks.route_case(session, case=case, kind=_enum(GridTaskKind, form.get("kind")),
                         actor=session.get(User, user.id), now=utcnow(),
                         request=str(form.get("request") or ""),
                         grid_household_id=int(raw_household) if raw_household.isdigit() else None)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
