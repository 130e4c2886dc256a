"""语音识别质量: the measured CER of agents' corrections per day, model and codec; call confidence per day;
the two speech queues; the latest calls with their confidence."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hotline.analytics.filters import china_today
from hotline.calls.speech_queues import (
    cer_by_day_model_codec,
    confidence_by_day,
    deferred_waiting,
    reviews_pending,
)
from hotline.cases.working_days import CHINA
from hotline.models import Call, Case
from hotline.privacy.masking import mask_text

router = APIRouter()
DAYS = 30
LATEST_CALLS = 20


@router.get("/analytics/speech", response_class=HTMLResponse)
def speech_quality_page(request: Request):
    since = china_today() - timedelta(days=DAYS - 1)
    with request.app.state.ctx.session_factory() as session:
        cer_rows = cer_by_day_model_codec(session, since=since)
        total_errors = sum(r.errors for r in cer_rows)
        total_chars = sum(r.chars for r in cer_rows)
        latest = session.execute(
            select(Call, Case.id).outerjoin(Case, Case.call_id == Call.id)
            .where(Call.asr_confidence.is_not(None), Case.confidential.is_not(True))  # conduct: sealed
            .order_by(Call.started_at.desc()).limit(LATEST_CALLS)).all()
        context = {
            "days": DAYS, "cer_rows": cer_rows,
            "overall_cer": total_errors / total_chars if total_chars else None,
            "corrected": sum(r.calls for r in cer_rows),
            "confidence_days": confidence_by_day(session, since=since, timezone=CHINA),
            "queued": deferred_waiting(session), "pending": reviews_pending(session),
            "latest": latest, "mask": mask_text,
        }
    return request.app.state.templates.TemplateResponse(request, "analytics/speech.html", context)
