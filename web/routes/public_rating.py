"""The citizen rates a closed case on the tracking page; the satisfaction callback is then not dialled."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from callbacks.answers import record_web_rating
from hotline.cases.errors import CaseError
from hotline.cases.tracking import track_case
from hotline.db import unit_of_work
from hotline.models import utcnow
from web.auth import public
from web.errors import WebError
from web.i18n import N_, error_text, gettext_for
from web.public_guard import check_form_token, client_ip
from web.routes.public_pages import form_page

router = APIRouter()
RATINGS = {"satisfied": N_("满意"), "basically_satisfied": N_("基本满意"), "unsatisfied": N_("不满意")}


@router.post("/track/rate")
@public
def rate(request: Request, code: str = Form(""), last4: str = Form(""), result: str = Form(""),
         comment: str = Form(""), form_token: str = Form("")):
    check_form_token(request, form_token)
    ip = client_ip(request)
    try:
        request.app.state.track_limiter.hit(ip)  # the phone digits are checked again: same guessing limit
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            track_case(session, tracking_code=code, phone_last4=last4, ip=ip)
            record_web_rating(session, tracking_code=code, result=result, comment=comment.strip()[:500],
                              now=utcnow(), ip=ip)
        with unit_of_work(request.app.state.ctx.session_factory) as session:
            view = track_case(session, tracking_code=code, phone_last4=last4, ip=ip)
    except (CaseError, WebError) as exc:
        status = {"invalid_input": 422, "not_found": 404, "invalid_transition": 409}.get(exc.code, 429)
        return form_page(request, "track.html", {"error": error_text(request, exc), "values": {"code": code}},
                         status)
    _ = gettext_for(request)
    notice = _("感谢您的评价（{rating}）。").format(rating=_(RATINGS.get(result, result)))
    if result == "unsatisfied":
        notice += _("您的诉求已转为重新办理，我们会尽快处理。")
    return form_page(request, "track.html", {"view": view, "values": {"code": code}, "notice": notice})
