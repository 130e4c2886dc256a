"""Jinja2 templates with the zh-CN filters every page uses. Autoescaping is always on."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from web import i18n, labels

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _page_context(request: Request) -> dict:
    """Every page knows who is signed in (for the navigation) and the CSRF token for its forms."""
    from web.auth import request_csrf_token

    user = getattr(request.state, "user", None)
    csrf = request_csrf_token(request) if user else ""
    return {"user": user, "csrf": csrf, "calendar_warning": _calendar_warning(request, user),
            "topic_spikes": _topic_spikes(request, user), **i18n.template_context(request)}


def _topic_spikes(request: Request, user) -> list[dict]:
    """Supervisors see this week's unseen hot-topic spikes on every page (hotline.analytics.topic_spikes)."""
    if user is None or getattr(user.role, "value", None) != "supervisor":
        return []
    from web.analytics.spike_notices import spike_notices

    with request.app.state.ctx.session_factory() as session:
        return spike_notices(session)


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
    env.add_extension("jinja2.ext.i18n")
    # the i18n extension adds this method; per request the context's gettext (web.i18n) wins
    env.install_null_translations()  # type: ignore[attr-defined]
    env.filters["cn_time"] = labels.china_time
    env.filters["percent"] = labels.percent
    env.filters["intent_label"] = lambda v: labels.label(labels.INTENT, v)
    env.filters["channel_label"] = lambda v: labels.label(labels.CHANNEL, v)
    env.filters["status_label"] = lambda v: labels.label(labels.STATUS, v)
    env.filters["level_label"] = lambda v: labels.label(labels.LEVEL, v)
    env.filters["language_label"] = lambda v: labels.label(labels.LANGUAGE, v)
    env.filters["transcript_label"] = lambda v: labels.label(labels.TRANSCRIPT, v)
    env.filters["role_label"] = lambda v: labels.label(labels.ROLE, v)
    env.filters["deadline_label"] = lambda v: labels.label(labels.DEADLINE, v)
    env.filters["event_label"] = labels.event_label
    env.filters["mask_name"] = labels.mask_name
    env.filters["audit_action"] = lambda v: labels.AUDIT_ACTION.get(v) or labels.event_label(v.split(".")[-1])
    env.filters["audit_object"] = lambda v: labels.label(labels.AUDIT_OBJECT, v)
    env.filters["audit_details"] = labels.audit_details
    env.filters["kept_label"] = labels.kept_report_label
    env.filters["end_reason_label"] = lambda v: labels.label(labels.END_REASON, v)
    env.filters["notice_label"] = lambda v: labels.NOTICE.get(v or "", "")
    return templates


def render(request: Request, template: str, context: dict | None = None, status_code: int = 200):
    return request.app.state.templates.TemplateResponse(
        request, template, context or {}, status_code=status_code
    )
