"""A finished call as plain data, and how it is written: Call + Utterances + Case in one transaction.

The record is JSON-serialisable so that it can wait in the spool while the database is unavailable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from asr import join_texts
from classifier.case_draft import SPOKEN_DIGIT_CHARS, mask_id_numbers
from hotline.calls.speech_queues import queue_speech_work
from hotline.cases.conduct import file_conduct_report
from hotline.cases.intake import Contact, ContactAnalysis, create_case
from hotline.models import Call, CallDirection, Case, Channel, TranscriptStatus, Utterance

UNAVAILABLE_TEXT = "（语音转写不可用：{why}。请收听通话录音。）"
EMPTY_TEXT = "（来电未识别到有效语音，请收听通话录音。）"
MONGOLIAN_CALL_TEXT = "蒙古语来电：需人工听取（未自动转写，请收听通话录音）。"
SPEAKER_LABELS = {"citizen": "市民", "agent": "坐席", "department": "部门"}
DEFERRED_TEXT = "（转写排队中：来电时语音识别满负荷，录音将在空闲时转写，完成后本工单自动更新。）"
BLOCKED = "blocked"  # hotline.sip.protocol.EndReason.BLOCKED: a nuisance caller, no case


@dataclass
class FinishedCall:
    call_id: str
    sip_call_id: str
    caller: str
    callee: str
    direction: str
    started_at: str  # ISO 8601, aware
    ended_at: str
    end_reason: str
    duration_s: float
    language: str
    recording_path: str | None
    frames_received: int
    frames_dropped: int
    transcript_status: str  # TranscriptStatus value
    transcript_note: str = ""  # why the transcript is unavailable or incomplete
    utterances: list[dict] = field(default_factory=list)  # {text, start, end, confidence, words}
    asr_max_lag_s: float | None = None
    worker: str | None = None
    analysis: dict = field(default_factory=dict)  # ContactAnalysis fields
    agent_id: int | None = None  # the agent who talked with the caller (bridged call)
    # speech quality (hotline.calls.speech_policy) and overload
    asr_model: str | None = None
    codec: str | None = None
    asr_confidence: float | None = None
    asr_coverage: float | None = None
    review_reason: str | None = None  # low_confidence | low_coverage: goes to 待复听
    day: str | None = None  # the call's day in China time (ISO), for the CER per day
    deferred_reason: str | None = None  # set: transcribed later from the recording (转写排队中)
    conduct: bool = False  # the caller chose 党风政风监督: a conduct report for 纪委监委

    @property
    def text(self) -> str:
        """What the caller said (the agent's words are not the citizen's matter)."""
        return join_texts(u["text"] for u in self.utterances if u.get("speaker", "citizen") == "citizen")

    def case_text(self) -> str:
        if self.language == "mn" and not self.utterances:
            return MONGOLIAN_CALL_TEXT  # no model of another language guessed at it
        if self.deferred_reason:
            return DEFERRED_TEXT
        if self.transcript_status == TranscriptStatus.unavailable:
            return UNAVAILABLE_TEXT.format(why=self.transcript_note or "原因未知")
        if any(u.get("speaker", "citizen") != "citizen" for u in self.utterances):
            return "\n".join(f"{SPEAKER_LABELS.get(u.get('speaker', 'citizen'), '市民')}：{u['text']}"
                             for u in self.utterances)
        return self.text or EMPTY_TEXT

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> FinishedCall:
        return cls(**data)


def _words_kept(utterance: dict) -> list:
    """The word timings, unless the utterance held an ID number: then its digits' words are blanked, so the
    number cannot be read back from them."""
    words = utterance.get("words", [])
    if mask_id_numbers(utterance["text"]) == utterance["text"]:
        return words
    return [["*" if any(ch.isdigit() or ch in SPOKEN_DIGIT_CHARS for ch in w[0]) else w[0], *w[1:]]
            for w in words]


def record_finished_call(session: Session, *, record: FinishedCall) -> Case | None:
    """Write the call, its utterances and its case. Idempotent by call id; does not commit.
    A blocked (nuisance) caller's call is stored without a case."""
    call = session.get(Call, record.call_id)
    if call is None:
        call = Call(
            id=record.call_id, sip_call_id=record.sip_call_id, direction=CallDirection(record.direction),
            caller=record.caller, callee=record.callee,
            started_at=datetime.fromisoformat(record.started_at),
            ended_at=datetime.fromisoformat(record.ended_at), end_reason=record.end_reason,
            duration_s=record.duration_s, language=record.language, recording_path=record.recording_path,
            frames_received=record.frames_received, frames_dropped=record.frames_dropped,
            transcript_status=TranscriptStatus(record.transcript_status),
            transcript=mask_id_numbers(record.text),
            asr_max_lag_s=record.asr_max_lag_s, worker=record.worker, asr_model=record.asr_model,
            codec=record.codec, asr_confidence=record.asr_confidence, asr_coverage=record.asr_coverage,
        )
        call.utterances = [
            Utterance(seq=i, start_s=u["start"], end_s=u["end"], text=mask_id_numbers(u["text"]),
                      confidence=u.get("confidence"), words=_words_kept(u),
                      speaker=u.get("speaker", "citizen"))
            for i, u in enumerate(record.utterances)
        ]
        session.add(call)
        session.flush()
        if record.end_reason != BLOCKED:  # a blocked nuisance call is kept, never transcribed or re-listened
            queue_speech_work(session, call=call, deferred_reason=record.deferred_reason,
                              review_reason=record.review_reason, day=record.day)
    if record.end_reason == BLOCKED:
        return None
    contact = Contact(
        channel=Channel.phone, source_ref=f"phone:{record.call_id}", text=record.case_text(),
        citizen_phone=record.caller or None, language=record.language, call_id=record.call_id,
        received_at=datetime.fromisoformat(record.started_at),
    )
    if record.conduct:
        return file_conduct_report(session, contact=contact)
    return create_case(session, contact=contact, analysis=ContactAnalysis(**record.analysis), actor="hotline")
