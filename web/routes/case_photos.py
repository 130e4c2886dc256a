"""A citizen's photos on the case page: served only to staff who may see the case (a handler: cases of their
unit), each view audited."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse

from hotline.accounts.audit import record_audit
from hotline.attachments.photos import open_photo
from hotline.cases.queries import may_view
from hotline.db import unit_of_work
from hotline.models import Case, CasePhoto, Role, User
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.public_guard import client_ip

router = APIRouter()
CASE_VIEWERS = require_roles(Role.agent, Role.supervisor, Role.admin, Role.handler)


@router.get("/cases/{case_id}/photos/{photo_id}")
def case_photo(request: Request, case_id: RowId, photo_id: RowId,
               user: CurrentUser = Depends(CASE_VIEWERS)) -> FileResponse:
    ctx = request.app.state.ctx
    with unit_of_work(ctx.session_factory) as session:
        photo = session.get(CasePhoto, photo_id)
        case = session.get(Case, case_id)
        if photo is None or case is None or photo.case_id != case.id:
            raise HTTPException(404, "照片不存在")
        viewer = session.get(User, user.id)
        if user.role == Role.handler and not may_view(session, case, viewer):
            raise HTTPException(403, "该工单未派给您所在的单位。")
        try:
            path, media = open_photo(ctx.settings.data_dir, photo.path)
        except FileNotFoundError:
            raise HTTPException(404, "照片文件不存在") from None
        record_audit(session, actor=viewer, action="photo.view", object_type="case", object_id=case.id,
                     ip=client_ip(request), details={"page": "case_detail"})
    return FileResponse(path, media_type=media, headers={"Cache-Control": "private, no-store"})
