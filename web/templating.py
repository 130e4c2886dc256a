"""Jinja2 templates with the zh-CN filters every page uses. Autoescaping is always on."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from web import labels

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _page_context(request: Request) -> dict:
    """Every page knows who is signed in (for the navigation) and the CSRF token for its forms."""
    from web.auth import request_csrf_token

    user = getattr(request.state, "user", None)
    return {"user": user, "csrf": request_csrf_token(request) if user else "",
            "calendar_warning": _calendar_warning(request, user)}


def _calendar_warning(request: Request, user) -> str | None:
    """Admins see, on every page, that the coming year's holiday arrangement is missing (from November)."""
    if user is None or getattr(user.role, "value", None) != "admin":
        return None
    from hotline.cases.calendar_admin import calendar_status
    from hotline.cases.working_days import china_date
    from hotline.models import utcnow

    with request.app.state.ctx.session_factory() as session:
        return calendar_status(session, today=china_date(utcnow())).warning


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[_page_context])
    env = templates.env
    env.autoescape = True
    env.filters["cn_time"] = labels.china_time
    env.filters["intent_label"] = lambda v: labels.label(labels.INTENT, v)
    env.filters["channel_label"] = lambda v: labels.label(labels.CHANNEL, v)
    env.filters["status_label"] = lambda v: labels.label(labels.STATUS, v)
    env.filters["level_label"] = lambda v: labels.label(labels.LEVEL, v)
    env.filters["language_label"] = lambda v: labels.label(labels.LANGUAGE, v)
    env.filters["transcript_label"] = lambda v: labels.label(labels.TRANSCRIPT, v)
    env.filters["role_label"] = lambda v: labels.label(labels.ROLE, v)
    env.filters["deadline_label"] = lambda v: labels.label(labels.DEADLINE, v)
    env.filters["event_label"] = lambda v: labels.label(labels.EVENT, v)
    env.filters["mask_name"] = labels.mask_name
    return templates


def render(request: Request, template: str, context: dict | None = None, status_code: int = 200):
    return request.app.state.templates.TemplateResponse(
        request, template, context or {}, status_code=status_code
    )
