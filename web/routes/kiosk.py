"""JSON API for the self-service kiosks (自助终端), version 1.

- ``GET  /api/kiosk/v1/items?q=&zone=`` service items (search when ``q`` is given)
- ``GET  /api/kiosk/v1/items/{code}``   one item with materials, steps, time limit, fee, answer
- ``POST /api/kiosk/v1/contacts``       ``{request_id, text, phone, name?, town?, conduct?}`` →
  ``{tracking_code}``; ``conduct: true`` is a 党风政风监督 report for 纪委监委 only, and ``phone`` may
  then be empty (anonymous)

Every request carries ``X-API-Key``: one key per kiosk, from ``WebContext.kiosk_api_keys`` or the
``HOTLINE_KIOSK_API_KEYS`` setting (comma-separated). ``request_id`` makes a retried post
return the same case. Errors are ``{code, message}`` with the status from web.errors.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline.calls.text_contacts import submit_text_contact
from hotline.cases.conduct import file_conduct_report
from hotline.cases.intake import Contact
from hotline.db import unit_of_work
from hotline.models import Channel, ItemStatus, ServiceItem
from knowledge_base.mongolian_text import mostly_mongolian
from web.auth import public
from web.errors import WebError
from web.i18n import N_, request_locale, translate
from web.routes.public_pages import citizen_text, clean_phone, require_text, service_index

router = APIRouter(prefix="/api/kiosk/v1")
MAX_ITEMS = 50


class ContactIn(BaseModel):
    request_id: str = Field(min_length=1, max_length=40)
    text: str = Field(max_length=5000)
    phone: str = Field(default="", max_length=32)
    name: str = Field(default="", max_length=64)
    town: str = Field(default="", max_length=32)
    conduct: bool = False  # 党风政风监督


def kiosk_id(request: Request) -> str:
    """The calling kiosk (a short hash of its key); 401 without a known key."""
    key = request.headers.get("x-api-key") or ""
    if not key or not any(hmac.compare_digest(key, k) for k in request.app.state.kiosk_keys):
        raise WebError("invalid_api_key", N_("缺少或无效的 API 密钥（请求头 X-API-Key）。"))
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def _summary(item: ServiceItem) -> dict:
    return {
        "code": item.code,
        "name": item.name,
        "name_mn": item.name_mn,
        "zone": item.zone,
        "time_limit_days": item.time_limit_days,
        "fee": item.fee,
    }


@router.get("/items")
@public
def items(request: Request, q: str = "", zone: str = "") -> dict:
    kiosk_id(request)
    with request.app.state.ctx.session_factory() as session:
        if q.strip():
            hits = service_index(request.app).search(q.strip()[:100], k=MAX_ITEMS)
            by_code = {
                i.code: i
                for i in session.scalars(
                    select(ServiceItem).where(ServiceItem.code.in_([h.code for h in hits]))
                )
            }
            found = [by_code[h.code] for h in hits if h.code in by_code]
        else:
            query = select(ServiceItem).where(ServiceItem.status == ItemStatus.active)
            if zone:
                query = query.where(ServiceItem.zone == zone)
            found = list(session.scalars(query.order_by(ServiceItem.zone, ServiceItem.code).limit(500)))
        return {"items": [_summary(i) for i in found], "count": len(found)}


@router.get("/items/{code}")
@public
def item(request: Request, code: str) -> dict:
    kiosk_id(request)
    with request.app.state.ctx.session_factory() as session:
        found = session.scalar(
            select(ServiceItem).where(ServiceItem.code == code, ServiceItem.status == ItemStatus.active)
            .options(selectinload(ServiceItem.department))
        )
        if found is None:
            raise WebError("not_found", N_("服务事项 {item_code} 不存在或已停止办理。"), item_code=code)
        return {
            **_summary(found),
            "department": found.department.name,
            "materials": found.materials,
            "steps": found.steps,
            "channels": found.channels,
            "answer": found.answer,
            "answer_mn": found.answer_mn,
        }


@router.post("/contacts", status_code=201)
@public
def contacts(request: Request, body: ContactIn) -> dict:
    kiosk = kiosk_id(request)
    request.app.state.kiosk_limiter.hit(kiosk)
    if not re.fullmatch(r"[A-Za-z0-9_.:-]+", body.request_id):
        raise WebError("invalid_input", N_("request_id 只能包含字母、数字和 _ . : -。"))
    ctx = request.app.state.ctx
    contact = Contact(
        channel=Channel.kiosk,
        source_ref=f"kiosk:{kiosk}:{body.request_id}",
        text=citizen_text(body.town, body.text),
        citizen_phone=clean_phone(body.phone) if body.phone.strip() or not body.conduct else None,
        citizen_name=body.name.strip() or None,
        language="mn" if mostly_mongolian(body.text) else "zh",
        citizen_language="mn" if request_locale(request) == "mn_Mong" or mostly_mongolian(body.text)
        else "zh",
    )
    if body.conduct:
        return _conduct(request, contact)
    case = submit_text_contact(ctx.session_factory, hub=ctx.hub, analyze=ctx.analyze, contact=contact)
    return {
        "tracking_code": case.tracking_code,
        "status": case.status.value,
        "track_url": "/track",
        "message": translate(request, N_("已受理。凭工单编号和电话后四位可查询办理进度。")),
    }


def _conduct(request: Request, contact: Contact) -> dict:
    """A conduct report: to 纪委监委 at once, nothing of it in the answer but its code."""
    require_text(contact.text)
    ctx = request.app.state.ctx
    with unit_of_work(ctx.session_factory) as session:
        case = file_conduct_report(session, contact=contact, actor="kiosk")
        case_id, code, status = case.id, case.tracking_code, case.status.value
    ctx.hub.publish("case.created", case_id=case_id, tracking_code=code, channel="kiosk")
    message = (N_("已交纪委监委办理。凭工单编号和电话后四位可查询办理进度。") if contact.citizen_phone
               else N_("已交纪委监委办理（匿名反映，无法查询进度）。"))
    return {"tracking_code": code, "status": status, "track_url": "/track" if contact.citizen_phone else None,
            "message": translate(request, message)}
