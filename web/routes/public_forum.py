"""百姓论坛: citizens post in public, the official reply is the case's reply.

Moderation rule: a post becomes public only once its case carries an official reply (答复 by the handler or
直接答复 by an agent) — so every public post has been read by staff first, and a post that is merged
into another case is never shown on its own. The phone number is never shown and the name is masked (张**).
Every post is a case (channel ``forum``) created through the same analysis as phone calls.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hotline.models import Case, CaseStatus, Channel
from web.auth import public
from web.bounds import PageNumber
from web.errors import WebError
from web.i18n import error_text
from web.public_guard import check_form_token
from web.routes.public_pages import form_page, submit_public_contact
from web.templating import render

router = APIRouter()
PER_PAGE = 20


def _published():
    return (
        Case.channel == Channel.forum,
        Case.replied_at.is_not(None),
        Case.reply != "",
        Case.status != CaseStatus.merged,
        Case.confidential.is_(False),  # a conduct report is never published
    )


@router.get("/forum")
@public
def forum(request: Request, page: PageNumber = 1):
    page = max(page, 1)
    with request.app.state.ctx.session_factory() as session:
        total = session.scalar(select(func.count()).select_from(Case).where(*_published())) or 0
        posts = list(
            session.scalars(
                select(Case)
                .where(*_published())
                .options(selectinload(Case.department))
                .order_by(Case.replied_at.desc())
                .limit(PER_PAGE)
                .offset((page - 1) * PER_PAGE)
            )
        )
        return form_page(
            request,
            "forum.html",
            {"posts": posts, "page": page, "pages": max(1, -(-total // PER_PAGE)), "total": total},
            session=session,
        )


@router.post("/forum")
@public
def new_post(
    request: Request,
    title: str = Form(""),
    name: str = Form(""),
    phone: str = Form(""),
    town: str = Form(""),
    text: str = Form(""),
    submission_id: str = Form(""),
    form_token: str = Form(""),
):
    check_form_token(request, form_token)
    values = {"title": title, "name": name, "phone": phone, "town": town, "text": text}
    try:
        case = submit_public_contact(request, channel=Channel.forum, submission_id=submission_id, name=name,
                                     phone=phone, town=town, text=text, title=title)
    except (WebError, ValueError) as exc:
        status = 429 if getattr(exc, "code", "") == "rate_limited" else 422
        return form_page(
            request,
            "forum.html",
            {
                "error": error_text(request, exc),
                "values": values,
                "posts": [],
                "page": 1,
                "pages": 1,
                "total": 0,
                "compose": True,
            },
            status,
        )
    return render(request, "public_done.html", {"tracking_code": case.tracking_code, "kind": "forum"})
