"""The two speech queues as rows: 转写排队 (deferred transcription) and 待复听 (transcript review).

Services in the house style: session first, keyword-only arguments, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from asr import character_errors
from hotline.models import (
    Call,
    Case,
    CaseEvent,
    DeferredState,
    DeferredTranscription,
    ReviewState,
    TranscriptReview,
    User,
    utcnow,
)

OPEN_DEFERRED = (DeferredState.queued, DeferredState.running)


def queue_speech_work(session: Session, *, call: Call, deferred_reason: str | None, review_reason: str | None,
                      day: str | None) -> None:
    """A newly written call: queue its transcription (overload) or its review (low quality)."""
    if deferred_reason:
        session.add(DeferredTranscription(call_id=call.id, reason=deferred_reason[:200]))
    elif review_reason:
        queue_review(session, call=call, reason=review_reason,
                     day=date.fromisoformat(day) if day else call.started_at.date())


def queue_review(session: Session, *, call: Call, reason: str, day: date) -> TranscriptReview:
    existing = session.scalar(select(TranscriptReview).where(TranscriptReview.call_id == call.id))
    if existing is not None:
        return existing
    review = TranscriptReview(call_id=call.id, reason=reason, day=day, asr_model=call.asr_model or "",
                              codec=call.codec or "", recognised_text=call.transcript or "")
    session.add(review)
    return review


def deferred_waiting(session: Session) -> int:
    """Calls waiting for their transcription (转写排队中 N)."""
    return session.scalar(select(func.count()).select_from(DeferredTranscription)
                          .where(DeferredTranscription.state.in_(OPEN_DEFERRED))) or 0


def reviews_pending(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(TranscriptReview)
                          .where(TranscriptReview.state == ReviewState.pending)) or 0


@dataclass(frozen=True)
class ReviewRow:
    review: TranscriptReview
    call: Call
    case_id: int | None
    tracking_code: str | None


def pending_reviews(session: Session, *, limit: int = 50) -> list[ReviewRow]:
    """Oldest first: the calls an agent should listen to again."""
    rows = session.execute(
        select(TranscriptReview, Call, Case.id, Case.tracking_code)
        .join(Call, Call.id == TranscriptReview.call_id)
        .outerjoin(Case, Case.call_id == Call.id)
        .where(TranscriptReview.state == ReviewState.pending,
               Case.confidential.is_not(True))  # conduct reports stay sealed
        .order_by(TranscriptReview.id).limit(limit))
    return [ReviewRow(r, c, case_id, code) for r, c, case_id, code in rows]


def correct_transcript(session: Session, *, review: TranscriptReview, text: str, reviewer: User,
                       now: datetime | None = None) -> TranscriptReview:
    """Store what the citizen really said; the case text follows when it was the plain transcript."""
    now = now or utcnow()
    errors, length = character_errors(text, review.recognised_text)
    review.corrected_text = text
    review.char_errors, review.ref_chars = errors, length
    review.cer = round(errors / length, 4) if length else (0.0 if not errors else 1.0)
    review.state, review.reviewer_id, review.reviewed_at = ReviewState.corrected, reviewer.id, now
    case = session.scalar(select(Case).where(Case.call_id == review.call_id))
    if case is not None:
        if case.content.strip() == review.recognised_text.strip():
            if case.original_content is None:
                case.original_content = case.content
            case.content = text
        session.add(CaseEvent(case=case, at=now, actor=reviewer.username, action="transcript_corrected",
                                     note=f"复听校对转写（字错率 {review.cer:.1%}）",
                                     details={"review_id": review.id}))
    return review


@dataclass(frozen=True)
class CerRow:
    day: date
    model: str
    codec: str
    calls: int
    errors: int
    chars: int

    @property
    def cer(self) -> float | None:
        return self.errors / self.chars if self.chars else None


def cer_by_day_model_codec(session: Session, *, since: date) -> list[CerRow]:
    """Measured CER of the corrected calls: total edits / total characters, per day, model and codec."""
    rows = session.execute(
        select(TranscriptReview.day, TranscriptReview.asr_model, TranscriptReview.codec, func.count(),
               func.coalesce(func.sum(TranscriptReview.char_errors), 0),
               func.coalesce(func.sum(TranscriptReview.ref_chars), 0))
        .where(TranscriptReview.state == ReviewState.corrected, TranscriptReview.day >= since)
        .group_by(TranscriptReview.day, TranscriptReview.asr_model, TranscriptReview.codec)
        .order_by(TranscriptReview.day.desc(), TranscriptReview.asr_model, TranscriptReview.codec))
    return [CerRow(d, m, c, n, int(e or 0), int(ch or 0)) for d, m, c, n, e, ch in rows]


@dataclass(frozen=True)
class ConfidenceDay:
    day: date
    calls: int
    mean_confidence: float | None
    low: int  # calls queued for review that day


def confidence_by_day(session: Session, *, since: date, timezone: tzinfo) -> list[ConfidenceDay]:
    """Mean call confidence per day in ``timezone`` since ``since`` (newest first), with the calls queued
    for review that day."""
    start = datetime.combine(since, time.min, timezone) - timedelta(days=1)  # filtered exactly below
    calls = session.execute(select(Call.started_at, Call.asr_confidence)
                            .where(Call.started_at >= start, Call.asr_confidence.is_not(None)))
    by_day: dict[date, list[float]] = {}
    for started, conf in calls:
        day = (started if started.tzinfo else started.replace(tzinfo=UTC)).astimezone(timezone).date()
        if day >= since and conf is not None:
            by_day.setdefault(day, []).append(conf)
    low = dict(session.execute(select(TranscriptReview.day, func.count())
                               .where(TranscriptReview.day >= since).group_by(TranscriptReview.day)).all())
    return [ConfidenceDay(d, len(v), sum(v) / len(v), low.get(d, 0))
            for d, v in sorted(by_day.items(), reverse=True)]


def speech_badges(session: Session, call_ids: list[str]) -> dict:
    """For the console: the two queue counts and the confidence of the listed calls (one query each)."""
    confidence = dict(session.execute(select(Call.id, Call.asr_confidence).where(
        Call.id.in_(call_ids), Call.asr_confidence.is_not(None))).all()) if call_ids else {}
    return {"transcription_queued": deferred_waiting(session), "relisten_pending": reviews_pending(session),
            "call_confidence": confidence}
