"""Catalogue import in the console: the same all-or-nothing check and report as ``hotline kb import``
(``import-national`` for the national XLSX format), a preview by default, an audit row when written."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request

from hotline.db import unit_of_work
from hotline.models import Role, User
from knowledge_base.catalog_io import ImportResult, import_catalog
from knowledge_base.catalog_schema import CatalogFileError
from knowledge_base.item_history import ACTION_LABELS, FIELD_LABELS
from knowledge_base.national_format import DEFAULT_MAPPING, import_national, parse_mapping
from web.auth import CurrentUser, require_roles
from web.form_schemas import upload_body
from web.routes.public_pages import service_index
from web.templating import render

router = APIRouter()
ADMINS = require_roles(Role.admin)
FORMATS = {"catalogue": "本系统目录格式（CSV/XLSX）", "national": "国家标准事项格式（政务服务网导出的 XLSX）"}


def _field_by_label(line: str) -> str:
    """"办理时限=承诺时限" → "办理时限=time_limit_days" (fields named as the page shows them)."""
    header, sep, field = line.strip().partition("=")
    labels = {label.split("（")[0]: code for code, label in FIELD_LABELS.items()}
    return f"{header}{sep}{labels.get(field.strip(), field.strip())}"


def _page(request: Request, **extra):
    return render(request, "admin_kb_import.html", {
        "formats": FORMATS, "actions": ACTION_LABELS, "fields": FIELD_LABELS, "mapping": DEFAULT_MAPPING,
        **extra})


@router.get("/admin/kb/import")
def import_page(request: Request, _user: CurrentUser = Depends(ADMINS)):
    return _page(request, chosen="catalogue")


@router.post("/admin/kb/import", openapi_extra=upload_body("file", "format", "mode", "mapping"))
async def import_upload(request: Request, user: CurrentUser = Depends(ADMINS)):
    async with request.form() as form:
        upload = form.get("file")
        name = Path(str(getattr(upload, "filename", "") or "")).name
        data = await upload.read() if upload is not None and hasattr(upload, "read") else b""
        chosen = str(form.get("format") or "catalogue")
        apply = form.get("mode") == "apply"
        lines = str(form.get("mapping") or "").splitlines()
        extra = [_field_by_label(line) for line in lines if line.strip()]
    chosen = chosen if chosen in FORMATS else "catalogue"
    try:
        mapping = parse_mapping(extra)  # the portal's own headers, e.g. 办理时限=承诺时限
    except ValueError:
        return _page(request, chosen=chosen, error="表头对应每行写成“表头=字段”，如 办理时限=承诺时限。")
    suffix = Path(name).suffix.lower()
    if not data or suffix not in (".csv", ".xlsx"):
        return _page(request, chosen=chosen, error="请选择一个 .csv 或 .xlsx 文件。")
    with tempfile.TemporaryDirectory(prefix="kb-import-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            actor = session.get_one(User, user.id).username
            try:
                result: ImportResult
                if chosen == "national":
                    result = import_national(session, path=path, actor=actor, mapping=mapping,
                                             preview=not apply)
                else:
                    result = import_catalog(session, path=path, actor=actor, dry_run=not apply)
            except CatalogFileError as exc:
                session.rollback()
                return _page(request, chosen=chosen, filename=name, problems=exc.problems)
            result.source = name
            if not apply:
                session.rollback()
    if apply:
        with request.app.state.ctx.session_factory() as session:
            service_index(request.app).refresh_from_session(session)
    return _page(request, chosen=chosen, filename=name, result=result, applied=apply)
