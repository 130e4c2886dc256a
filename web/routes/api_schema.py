"""The OpenAPI document, for administrators only (it maps every route; issue 14, finding 11)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from hotline.models import Role
from web.auth import CurrentUser, require_roles

router = APIRouter()


@router.get("/api/openapi.json", include_in_schema=False)
def openapi_document(request: Request, _user: CurrentUser = Depends(require_roles(Role.admin))):
    return JSONResponse(request.app.openapi())
