"""Windows of the service sites as reference data admins keep (number, name, functional zone, active)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from hotline.cases.errors import CaseError
from hotline.cases.windows import list_windows, save_window
from hotline.db import unit_of_work
from hotline.models import Role, Site
from knowledge_base.catalog_schema import zone_codes
from web.auth import CurrentUser, require_roles
from web.form_schemas import form_body
from web.templating import render

router = APIRouter()
ADMINS = require_roles(Role.admin)


@router.get("/admin/windows")
def windows_page(request: Request, _user: CurrentUser = Depends(ADMINS)):
    with request.app.state.ctx.session_factory() as session:
        return render(request, "admin_windows.html", {
            "windows": list_windows(session), "zones": zone_codes(),
            "sites": list(session.scalars(select(Site).order_by(Site.id))),
        })


@router.post("/admin/windows", openapi_extra=form_body("site_id", "number", "zone", "name", "active"))
async def save(request: Request, _user: CurrentUser = Depends(ADMINS)):
    form = await request.form()
    site, number = str(form.get("site_id") or ""), str(form.get("number") or "")
    if not site.isdigit() or not number.isdigit():
        raise CaseError("invalid_input", "请选择站点并填写窗口号（正整数）。")
    zone = str(form.get("zone") or "") or None
    if zone is not None and zone not in zone_codes():
        raise CaseError("invalid_input", "功能区无效。")
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        save_window(session, site_id=int(site), number=int(number), name=str(form.get("name") or ""),
                    zone=zone, active=form.get("active") == "1")
    return RedirectResponse("/admin/windows", status_code=303)
