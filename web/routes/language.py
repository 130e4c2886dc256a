"""The citizen's language control: ``/lang/mn_Mong?next=/guide`` remembers the choice in a cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from web.auth import public
from web.errors import WebError
from web.i18n import COOKIE, LOCALES, N_

router = APIRouter()
ONE_YEAR_S = 365 * 24 * 3600


def safe_next(target: str) -> str:
    """Only a path on this site (no //host or scheme): the control cannot be used as an open redirect."""
    local = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if local else "/guide"


@router.get("/lang/{locale}")
@public
def choose_language(request: Request, locale: str, next: str = "/guide"):
    if locale not in LOCALES:
        raise WebError("not_found", N_("不支持该语言。"))
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(COOKIE, locale, max_age=ONE_YEAR_S, httponly=True, samesite="lax",
                        secure=request.app.state.ctx.settings.env == "production")
    return response
