"""Pages for citizens, no login: the web form (网上诉求), case tracking, the service guide (办事指南).

Forms carry a token bound to a cookie (web.public_guard) and submissions are rate-limited per IP. The web
form goes through hotline.calls.text_contacts.submit_text_contact, the same analysis as phone calls; the
town chosen on the form is put in front of the text so routing sees it like a place named on the phone.
"""

from __future__ import annotations

import re
import uuid

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.datastructures import UploadFile

from hotline.attachments.case_photos import attach_photos, check_photos
from hotline.attachments.photos import MAX_PHOTO_BYTES, PhotoRejected
from hotline.calls.text_contacts import submit_text_contact
from hotline.cases.errors import CaseError
from hotline.cases.intake import Contact
from hotline.cases.tracking import track_case
from hotline.db import unit_of_work
from hotline.models import Channel, ItemStatus, ServiceItem, Site
from hotline.seeding import read_seed_csv
from knowledge_base.mongolian_text import mostly_mongolian
from web.auth import public
from web.errors import WebError
from web.i18n import N_, error_text, request_locale, translate
from web.input_guard import NO_FILES, strip_controls
from web.public_guard import FORM_FIELD, check_form_token, client_ip, form_token, set_form_cookie
from web.templating import render

# 事项类型 (knowledge_base.catalog_schema.ITEM_TYPES), as citizens read them in either language
ITEM_TYPE_TEXT = {
    "administrative_license": N_("行政许可"), "administrative_confirmation": N_("行政确认"),
    "administrative_payment": N_("行政给付"), "administrative_ruling": N_("行政裁决"),
    "administrative_reward": N_("行政奖励"), "other_administrative": N_("其他行政权力"),
    "public_service": N_("公共服务"), "party_service": N_("党务服务"),
}

router = APIRouter()
PHONE = re.compile(r"^\+?\d{7,15}$")
GUIDE_HITS = 20


def service_index(app):
    """The knowledge-base search index: the analyzer's (kept fresh by it), else one built once here."""
    index = getattr(app.state.ctx.analyze, "kb_index", None)
    if index is not None:
        return index
    if getattr(app.state, "kb_index", None) is None:
        from knowledge_base.search import SearchIndex

        with app.state.ctx.session_factory() as session:
            app.state.kb_index = SearchIndex.from_session(session)
    return app.state.kb_index


def towns(session) -> list[str]:
    return sorted(
        set(session.scalars(select(Site.town).where(Site.town.is_not(None), Site.active.is_(True))))
    )


def clean_phone(raw: str) -> str:
    phone = re.sub(r"[\s-]", "", raw or "")
    if not PHONE.match(phone):
        raise WebError("invalid_input", N_("请填写正确的联系电话（7–15 位数字），用于查询办理进度和回访。"))
    return phone


def require_text(text: str) -> None:
    if not text.strip():
        raise WebError("invalid_input", N_("请填写诉求内容。"))


def citizen_text(town: str, text: str) -> str:
    return f"{town.strip()}：{text.strip()}" if town.strip() and text.strip() else text


def form_page(request: Request, template: str, context: dict, status_code: int = 200, session=None):
    """Render a public page with a form; pass the request's open ``session`` if it has one (SQLite allows
    one writer: a second session in the same request would wait for the first)."""
    if session is None:
        with request.app.state.ctx.session_factory() as own:
            return form_page(request, template, context, status_code, own)
    token, fresh = form_token(request)
    context = {
        "towns": towns(session),
        "form_token": token,
        "form_field": FORM_FIELD,
        "submission_id": uuid.uuid4().hex,
        "values": {},
        **context,
    }
    return set_form_cookie(request, render(request, template, context, status_code), fresh)


def submit_public_contact(request: Request, *, channel: Channel, submission_id: str, name: str, phone: str,
                          town: str, text: str, title: str | None = None):  # title: forum posts
    """Check a citizen's form, count it against the IP's limit and create the case (web form and forum).
    Raises WebError/ValueError with a message for the citizen."""
    if not re.fullmatch(r"[0-9a-f]{32}", submission_id):
        raise WebError("invalid_input", N_("表单已过期，请刷新页面后重新提交。"))
    if title is not None and not title.strip():
        raise WebError("invalid_input", N_("请填写帖子标题。"))
    contact = Contact(
        channel=channel,
        source_ref=f"{channel.value}:{submission_id}",
        text=citizen_text(town, text),
        title=title.strip()[:100] if title is not None else None,
        citizen_phone=clean_phone(phone),
        citizen_name=name.strip()[:64] or None,
        language="mn" if mostly_mongolian(text) else "zh",
        citizen_language="mn" if request_locale(request) == "mn_Mong" or mostly_mongolian(text) else "zh",
    )
    require_text(text)
    request.app.state.public_limiter.hit(client_ip(request))  # only well-formed posts count
    ctx = request.app.state.ctx
    return submit_text_contact(ctx.session_factory, hub=ctx.hub, analyze=ctx.analyze, contact=contact)


@router.get("/public/submit")
@public
def submit_form(request: Request):
    return form_page(request, "public_submit.html", {})


PHOTO_ERRORS = {  # why hotline.attachments refused a photo, as citizens read it in either language
    "too_big": N_("照片太大，请选择不超过 5 MB 的照片。"),
    "too_many": N_("最多上传 3 张照片，请删去多余的照片。"),
    "empty": N_("照片是空文件，请重新选择。"),
    "not_a_photo": N_("只接受 JPG、PNG 或 WebP 格式的照片，请换一张照片。"),
}


def _photo_error(exc: PhotoRejected) -> str:
    return PHOTO_ERRORS.get(getattr(exc, "reason", ""), PHOTO_ERRORS["not_a_photo"])


PUBLIC_FORM_FIELDS = ("name", "phone", "town", "text", "submission_id", FORM_FIELD)
PUBLIC_FORM_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": [FORM_FIELD],
    "properties": {**{f: {"type": "string", "maxLength": 5000} for f in PUBLIC_FORM_FIELDS},
                   "photo": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}}


@router.post("/public/submit", openapi_extra=PUBLIC_FORM_BODY)
@public
async def submit(request: Request):
    """The web form (multipart: up to three photos, checked by their bytes, stored beside the case)."""
    async with request.form() as form:
        if any(isinstance(v, UploadFile) for k, v in form.multi_items() if k != "photo"):
            return form_page(request, "public_submit.html", {"error": translate(request, NO_FILES),
                                                             "values": {}}, 400)
        values = {k: strip_controls(str(form.get(k) or "")) for k in ("name", "phone", "town", "text")}
        submission_id, token = str(form.get("submission_id") or ""), str(form.get(FORM_FIELD) or "")
        files = [f for f in form.getlist("photo") if isinstance(f, UploadFile)]
        uploads = [await f.read(MAX_PHOTO_BYTES + 1) for f in files]
    check_form_token(request, token)
    try:
        photos = check_photos(uploads)
        case = await run_in_threadpool(
            submit_public_contact, request, channel=Channel.web, submission_id=submission_id, **values)
        if photos:
            ctx = request.app.state.ctx
            with unit_of_work(ctx.session_factory) as session:
                attach_photos(session, case_id=case.id, photos=photos, data_dir=ctx.settings.data_dir)
    except PhotoRejected as exc:
        return form_page(request, "public_submit.html", {"error": translate(request, _photo_error(exc)),
                                                         "values": values}, 422)
    except (WebError, ValueError) as exc:
        status = 429 if getattr(exc, "code", "") == "rate_limited" else 422
        return form_page(
            request,
            "public_submit.html",
            {"error": error_text(request, exc), "values": values},
            status,
        )
    return render(request, "public_done.html", {"tracking_code": case.tracking_code, "kind": "web",
                                                "photos": len(photos)})


@router.get("/track")
@public
def track_form(request: Request):
    """``/track?code=…`` (the bookmark from the success page) fills in the code; the last four digits
    are still asked for."""
    code = (request.query_params.get("code") or "").strip().upper()[:16]
    return form_page(request, "track.html", {"values": {"code": code}} if code else {})


@router.post("/track")
@public
def track(request: Request, code: str = Form(""), last4: str = Form(""), form_token: str = Form("")):
    check_form_token(request, form_token)
    try:
        request.app.state.track_limiter.hit(client_ip(request))
        with unit_of_work(request.app.state.ctx.session_factory) as session:  # the look-up is audited
            view = track_case(session, tracking_code=code, phone_last4=last4, ip=client_ip(request))
    except (CaseError, WebError) as exc:
        return form_page(
            request,
            "track.html",
            {"error": error_text(request, exc), "values": {"code": code}},
            422 if exc.code == "invalid_input" else 404 if exc.code == "not_found" else 429,
        )
    return form_page(request, "track.html", {"view": view, "values": {"code": code}})


def zone_names() -> dict[str, str]:
    return {row["code"]: row["name"] for row in read_seed_csv("zones.csv")}


@router.get("/guide")
@public
def guide(request: Request, q: str = "", zone: str = ""):
    q = q.strip()[:100]
    with request.app.state.ctx.session_factory() as session:
        if q:
            hits = service_index(request.app).search(q, k=GUIDE_HITS)
            items = [session.scalar(select(ServiceItem).where(ServiceItem.code == h.code)) for h in hits]
            items = [i for i in items if i is not None]
        else:
            query = select(ServiceItem).where(ServiceItem.status == ItemStatus.active)
            if zone:
                query = query.where(ServiceItem.zone == zone)
            items = list(session.scalars(query.order_by(ServiceItem.zone, ServiceItem.code)))
        grouped: dict[str, list[ServiceItem]] = {}
        for item in items:
            grouped.setdefault(item.zone, []).append(item)
        return render(
            request,
            "guide.html",
            {
                "q": q,
                "zone": zone,
                "zones": zone_names(),
                "grouped": grouped,
                "searched": bool(q),
                "count": len(items),
            },
        )


@router.get("/guide/items/{code}")
@public
def guide_item(request: Request, code: str):
    with request.app.state.ctx.session_factory() as session:
        item = session.scalar(
            select(ServiceItem).where(ServiceItem.code == code, ServiceItem.status == ItemStatus.active)
            .options(selectinload(ServiceItem.department))
        )
        if item is None:
            raise WebError("not_found", N_("该服务事项不存在或已停止办理。"))
        return render(
            request, "guide_item.html", {"item": item, "zones": zone_names(), "department": item.department,
                                         "item_types": ITEM_TYPE_TEXT}
        )
