"""党风政风监督: the public page where anyone may report the conduct of officials or staff, anonymously if
they wish. The report goes to 纪委监委 only (hotline.cases.conduct); the page never shows it back."""

from __future__ import annotations

import re

from fastapi import APIRouter, Form, Request

from hotline.cases.conduct import file_conduct_report
from hotline.cases.intake import Contact
from hotline.db import unit_of_work
from hotline.models import Channel
from knowledge_base.mongolian_text import mostly_mongolian
from web.auth import public
from web.errors import WebError
from web.i18n import N_, error_text
from web.public_guard import check_form_token, client_ip
from web.routes.public_pages import citizen_text, clean_phone, form_page, require_text
from web.templating import render

router = APIRouter()
MAX_TEXT_CHARS = 5000
TEMPLATE = "public_conduct.html"


def conduct_contact(*, submission_id: str, name: str, phone: str, town: str, target: str, text: str
                    ) -> Contact:
    """The report as a contact; name and phone are optional (anonymous), but a phone given must be one."""
    if not re.fullmatch(r"[0-9a-f]{32}", submission_id):
        raise WebError("invalid_input", N_("表单已过期，请刷新页面后重新提交。"))
    require_text(text)
    if len(text.strip()) > MAX_TEXT_CHARS:
        raise WebError("invalid_input", N_("反映内容不能超过 5000 字，请精简后再提交。"))
    body = citizen_text(town, text)
    if target.strip():
        body = f"反映对象：{target.strip()[:100]}。{body}"
    return Contact(
        channel=Channel.web, source_ref=f"conduct:{submission_id}", text=body,
        citizen_phone=clean_phone(phone) if phone.strip() else None,
        citizen_name=name.strip()[:64] or None,
        language="mn" if mostly_mongolian(text) else "zh",
    )


@router.get("/public/conduct")
@public
def conduct_form(request: Request):
    return form_page(request, TEMPLATE, {})


@router.post("/public/conduct")
@public
def conduct_submit(
    request: Request,
    name: str = Form(""),
    phone: str = Form(""),
    town: str = Form(""),
    target: str = Form(""),
    text: str = Form(""),
    submission_id: str = Form(""),
    form_token: str = Form(""),
):
    check_form_token(request, form_token)
    values = {"name": name, "phone": phone, "town": town, "target": target, "text": text}
    try:
        contact = conduct_contact(submission_id=submission_id, name=name, phone=phone, town=town,
                                  target=target, text=text)
        request.app.state.public_limiter.hit(client_ip(request))
        ctx = request.app.state.ctx
        with unit_of_work(ctx.session_factory) as session:
            case = file_conduct_report(session, contact=contact, actor="web")
            case_id, code = case.id, case.tracking_code
        ctx.hub.publish("case.created", case_id=case_id, tracking_code=code, channel="web")
    except (WebError, ValueError) as exc:
        status = 429 if getattr(exc, "code", "") == "rate_limited" else 422
        return form_page(request, TEMPLATE, {"error": error_text(request, exc), "values": values}, status)
    return render(request, "public_done.html", {"tracking_code": code, "kind": "conduct",
                                                "anonymous": contact.citizen_phone is None})
