"""待复听: calls whose transcript is doubtful (low confidence or coverage). An agent plays the recording,
types what the citizen said, and the correction gives the measured CER (shown on /analytics/speech)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from hotline.calls.speech_queues import correct_transcript, deferred_waiting, pending_reviews
from hotline.db import unit_of_work
from hotline.models import ReviewState, Role, TranscriptReview, User
from hotline.privacy.masking import mask_text
from web.auth import CurrentUser, require_roles
from web.bounds import RowId
from web.form_schemas import form_body
from web.templating import render

router = APIRouter()
REVIEWERS = require_roles(Role.agent, Role.supervisor, Role.admin)
MAX_TEXT = 5000
REASONS = {"low_confidence": "识别置信度低", "low_coverage": "转写覆盖不全"}
NOTICES = {"corrected": "已保存校对文字，字错率已计入统计。"}


@router.get("/relisten")
def relisten_queue(request: Request, user: CurrentUser = Depends(REVIEWERS)):
    return _page(request)


def _page(request: Request, *, error: str | None = None, review_id: int | None = None, text: str = "",
          status_code: int = 200):
    with request.app.state.ctx.session_factory() as session:
        rows = pending_reviews(session)
        queued = deferred_waiting(session)
    return render(request, "relisten.html", {
        "rows": rows, "reasons": REASONS, "queued": queued, "mask": mask_text,
        "error": error, "error_id": review_id, "typed": text,
        "notice": NOTICES.get(request.query_params.get("notice", "")),
    }, status_code=status_code)


@router.post("/relisten/{review_id}", openapi_extra=form_body("text"))
async def relisten_correct(request: Request, review_id: RowId, user: CurrentUser = Depends(REVIEWERS)):
    form = await request.form()
    raw = form.get("text")
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return _page(request, error="请填写复听后的正确文字（市民实际说的话），再点“保存校对”。",
                     review_id=review_id, status_code=422)
    if len(text) > MAX_TEXT:
        return _page(request, error=f"校对文字不能超过 {MAX_TEXT} 字，请删减后再保存。", review_id=review_id,
                     text=text, status_code=422)
    with unit_of_work(request.app.state.ctx.session_factory) as session:
        review = session.get(TranscriptReview, review_id)
        if review is None or review.state != ReviewState.pending:
            error = "该通话已校对或不在待复听队列中，请刷新页面。"
        else:
            error = None
            correct_transcript(session, review=review, text=text, reviewer=session.get(User, user.id))
    if error:
        return _page(request, error=error, review_id=review_id, text=text, status_code=409)
    return RedirectResponse("/relisten?notice=corrected", status_code=303)
