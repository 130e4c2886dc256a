"""The console's browser softphone: its WebSocket URL and short-lived SIP credentials for the signed-in
agent (checked by Kamailio's auth_ephemeral with HOTLINE_SOFTPHONE_SECRET)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from hotline.models import Role, utcnow
from hotline.sip.browser_phones import SoftphoneUnavailable, issue_credentials
from web.auth import CurrentUser, require_roles

router = APIRouter()
PHONE_USERS = require_roles(Role.agent, Role.supervisor, Role.admin)
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/api/softphone/credentials")
def softphone_credentials(request: Request, user: CurrentUser = Depends(PHONE_USERS)) -> JSONResponse:
    settings = request.app.state.ctx.settings
    try:
        creds = issue_credentials(
            username=user.username, display_name=user.display_name, ws_url=settings.softphone_ws_url,
            secret=settings.softphone_secret, domain=settings.softphone_sip_domain,
            ttl_s=settings.softphone_credential_ttl_s, now=utcnow(),
        )
    except SoftphoneUnavailable as exc:
        return JSONResponse({"code": "softphone_unavailable", "message": str(exc)}, status_code=404,
                            headers=NO_STORE)
    return JSONResponse(creds.as_json(), headers=NO_STORE)
