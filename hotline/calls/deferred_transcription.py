"""The 转写排队 worker: transcribe the recordings of calls decoded past capacity, then update call and case.

Runs as a scheduler job in `hotline serve` (embedded SIP) and in every SIP worker's loop. Rows are claimed
with a conditional UPDATE, so any number of processes share the queue; a claim older than ``lease_s`` (its
process died) is taken again, so a restart loses nothing. A job only runs while a pooled recognizer is free
and no live call waits for one: the backlog never makes a live call wait.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session, selectinload

from asr import join_texts
from classifier.case_draft import mask_id_numbers
from hotline.calls.finished import DEFERRED_TEXT, EMPTY_TEXT, SPEAKER_LABELS
from hotline.calls.speech_policy import SpeechPolicy, call_confidence, coverage, model_label
from hotline.calls.speech_queues import queue_review
from hotline.cases.intake import TITLE_CHARS, ContactAnalysis
from hotline.db import unit_of_work
from hotline.models import (
    Call,
    Case,
    CaseEvent,
    CaseStatus,
    DeferredState,
    DeferredTranscription,
    Department,
    Intent,
    ServiceItem,
    Site,
    TranscriptStatus,
    Utterance,
    utcnow,
)

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
FEED_AHEAD_S = 2.0  # audio buffered ahead of the decoder: its lag stays short, so live calls are not deferred


class DeferredTranscriber:
    def __init__(self, *, session_factory, transcriber, analyze: Callable[[str], ContactAnalysis],
                 policy: SpeechPolicy | None = None, name: str = "", hub=None,
                 lease_s: float = 600.0) -> None:
        self.session_factory, self.transcriber, self.analyze = session_factory, transcriber, analyze
        self.policy = policy or SpeechPolicy()
        self.name, self.hub, self.lease_s = name or "hotline", hub, lease_s
        self._running = threading.Lock()

    def start_run(self) -> None:
        """Scheduler tick: start :meth:`run` on a thread of its own unless one is still running (a long
        recording takes longer than a tick; the tick itself returns at once)."""
        if not self._running.acquire(blocking=False):
            return

        def work() -> None:
            try:
                self.run()
            finally:
                self._running.release()

        threading.Thread(target=work, name="deferred-transcription", daemon=True).start()

    def run(self, max_calls: int = 5) -> int:
        """Scheduler job: work up to ``max_calls`` rows while capacity allows; returns how many were done."""
        done = 0
        try:
            while done < max_calls and self._capacity() and self.run_once() is not None:
                done += 1
        except Exception:
            log.exception("deferred transcription failed; the row is retried")
        return done

    def _capacity(self) -> bool:
        stats = self.transcriber.stats()
        return self.policy.free_for_backlog(stats, getattr(self.transcriber.pool, "size", 1))

    def run_once(self) -> str | None:
        """Claim, transcribe and write one queued call; its id, or None when nothing was claimed."""
        claimed = self._claim()
        if claimed is None:
            return None
        row_id, call_id, path = claimed
        try:
            transcript, seconds = self._transcribe(Path(path) if path else None)
        except Exception as exc:
            self._failed(row_id, call_id, exc)
            return call_id
        with unit_of_work(self.session_factory) as session:
            self._write(session, row_id, call_id, transcript, seconds)
        log.info("call %s: transcribed from its recording (%d utterances)", call_id,
                 len(transcript.utterances))
        return call_id

    # --- steps ----------------------------------------------------------------------------------------
    def _claim(self) -> tuple[int, str, str | None] | None:
        now = utcnow()
        claimable = or_(DeferredTranscription.state == DeferredState.queued,
                        and_(DeferredTranscription.state == DeferredState.running,
                             DeferredTranscription.claimed_at < now - timedelta(seconds=self.lease_s)))
        with unit_of_work(self.session_factory) as session:
            row = session.execute(select(DeferredTranscription.id, DeferredTranscription.call_id)
                                  .where(claimable).order_by(DeferredTranscription.id).limit(1)).first()
            if row is None:
                return None
            taken = session.execute(
                update(DeferredTranscription).where(DeferredTranscription.id == row.id, claimable)
                .values(state=DeferredState.running, claimed_by=self.name[:64], claimed_at=now,
                        attempts=DeferredTranscription.attempts + 1)
                .execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                return None  # another process was quicker
            path = session.scalar(select(Call.recording_path).where(Call.id == row.call_id))
        return row.id, row.call_id, path

    def _transcribe(self, path: Path | None):
        from asr.audio_file import open_audio

        if path is None or not path.exists():
            raise FileNotFoundError(f"录音文件不存在：{path}")
        source = open_audio(path)
        stream = self.transcriber.open_stream(source.sample_rate)
        seconds = 0.0
        for block in source.blocks:
            while stream.buffered_seconds > FEED_AHEAD_S:
                time.sleep(0.02)
            seconds += len(block) / 2 / source.sample_rate
            while not stream.feed(block):
                time.sleep(0.05)
        transcript = stream.close(max(60.0, seconds * 2))
        if transcript.error or not transcript.complete:
            raise RuntimeError(transcript.error or "转写未在时限内完成")
        return transcript, seconds

    def _failed(self, row_id: int, call_id: str, exc: Exception) -> None:
        with unit_of_work(self.session_factory) as session:
            row = session.get(DeferredTranscription, row_id)
            if row is None:
                return
            row.error = str(exc)[:2000]
            gone = isinstance(exc, FileNotFoundError) or row.attempts >= MAX_ATTEMPTS
            row.state = DeferredState.failed if gone else DeferredState.queued
            if gone:
                case = session.scalar(select(Case).where(Case.call_id == call_id))
                if case is not None:
                    session.add(CaseEvent(case=case, actor="hotline", action="transcribe_failed",
                                                 note=f"录音补转写失败：{row.error}。请收听通话录音。"))
        log.warning("call %s: transcribing the recording failed: %s", call_id, exc)

    def _write(self, session: Session, row_id: int, call_id: str, transcript, seconds: float) -> None:
        row = session.get(DeferredTranscription, row_id)
        call = session.get(Call, call_id, options=[selectinload(Call.utterances)])
        if row is None or call is None:
            return
        kept = [{"text": u.text, "start": u.start_s, "end": u.end_s, "confidence": u.confidence,
                 "words": u.words, "speaker": u.speaker} for u in call.utterances if u.speaker != "citizen"]
        citizen = [{"text": u.text, "start": u.start, "end": u.end, "confidence": u.confidence,
                    "words": [[w.text, w.start, w.end, w.confidence] for w in u.words], "speaker": "citizen"}
                   for u in transcript.utterances]
        session.execute(delete(Utterance).where(Utterance.call_id == call_id))
        session.expire(call, ["utterances"])
        merged = sorted(citizen + kept, key=lambda u: u["start"])
        for i, u in enumerate(merged):
            session.add(Utterance(call_id=call_id, seq=i, start_s=u["start"], end_s=u["end"], text=u["text"],
                                  confidence=u["confidence"], words=u["words"], speaker=u["speaker"]))
        text = join_texts(u["text"] for u in citizen)
        call.transcript = text
        call.transcript_status = TranscriptStatus.complete if citizen else TranscriptStatus.empty
        call.asr_confidence = call_confidence(citizen)
        call.asr_coverage = coverage(transcript.audio_seconds, seconds)
        call.asr_model = model_label(self.transcriber) or call.asr_model
        now = utcnow()
        waited = (now - _aware(row.created_at)).total_seconds() / 60
        row.state, row.done_at, row.error = DeferredState.done, now, None
        case = session.scalar(select(Case).where(Case.call_id == call_id))
        if case is not None:
            self._update_case(session, case, merged, text, waited)
        reason = self.policy.review_reason(call.asr_confidence, call.asr_coverage)
        if reason and not (case is not None and case.confidential):  # a conduct report is not re-listened
            queue_review(session, call=call, reason=reason, day=self.policy.day_of(_aware(call.started_at)))
        session.flush()
        if self.hub is not None and case is not None:
            self.hub.publish("call.transcribed", call_id=call_id, case_id=case.id)

    def _update_case(self, session: Session, case: Case, utterances: list[dict], text: str,
                     waited_min: float) -> None:
        if case.content.strip() == DEFERRED_TEXT:  # an agent has not written over the notice
            if any(u["speaker"] != "citizen" for u in utterances):
                body = "\n".join(f"{SPEAKER_LABELS.get(u['speaker'], '市民')}：{u['text']}"
                                 for u in utterances)
            else:
                body = text or EMPTY_TEXT
            body = mask_id_numbers(body)
            if case.title == DEFERRED_TEXT[:TITLE_CHARS]:
                case.title = body[:TITLE_CHARS]
            case.content = body
        note = f"录音转写完成（排队 {waited_min:.0f} 分钟）"
        if text and case.status == CaseStatus.accepted and case.dispatched_at is None and case.needs_triage:
            try:
                _classify(session, case, self.analyze(text))
                note += "，已重新分析诉求类型与承办部门"
            except Exception:
                log.exception("case %s: analysis of the transcribed recording failed", case.id)
        session.add(CaseEvent(case=case, actor="hotline", action="transcribed", note=note))


def _classify(session: Session, case: Case, analysis: ContactAnalysis) -> None:
    """What intake would have decided had the words been known at the call's end."""
    route = analysis.top_route or {}
    department = _by_code(session, Department, route.get("department"))
    site = _by_code(session, Site, route.get("site"))
    item = _by_code(session, ServiceItem, (route.get("item") or {}).get("code"))
    case.intent = Intent(analysis.intent) if analysis.intent else None
    case.intent_confidence = analysis.intent_confidence
    case.needs_triage = analysis.needs_triage
    case.department_id = department.id if department else None
    case.handler_level = route.get("level")
    case.site_id = site.id if site else None
    case.town = route.get("town")
    case.service_item_id = item.id if item else None
    case.time_limit_days = item.time_limit_days if item else None
    case.routing = analysis.routing
    case.kb_matches = analysis.kb_matches


def _by_code(session: Session, model, code):
    if not code:
        return None
    return session.scalar(select(model).where(model.code == code))


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
