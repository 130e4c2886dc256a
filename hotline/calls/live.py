"""The live-call pipeline: SIP events -> streaming ASR -> analysis -> one case per call.

Threads: ``on_*`` hooks arrive on the SIP thread and return at once; caller frames arrive on the media
clock thread and go straight into the ASR stream's bounded buffer; transcripts arrive on ASR decode threads;
the slow part of hang-up (waiting for the last words, analysis, database) runs on a small finishing pool.

A caller who chooses a language the speech model does not speak (``asr_languages``; DTMF 2 蒙古语 with the
Chinese model) is recorded but not transcribed or classified: a model of another language only invents
words and a confident-looking route. The case says "蒙古语来电：需人工听取", carries ``language="mn"``
and no intent or handler, and waits in triage for a Mongolian-speaking person.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from hotline.calls.finished import FinishedCall, record_finished_call
from hotline.calls.registry import LiveCall, LiveCallRegistry
from hotline.calls.speech_policy import FRAME_SECONDS, SpeechPolicy, call_confidence, coverage, model_label
from hotline.calls.spool import Spool
from hotline.cases.intake import ContactAnalysis
from hotline.db import unit_of_work
from hotline.events import EventHub
from hotline.models import TranscriptStatus
from hotline.sip.call_flow import CONDUCT_KEY
from hotline.sip.protocol import AudioSink, CallInfo, CallSummary

if TYPE_CHECKING:
    from asr.streaming import Stream

log = logging.getLogger(__name__)

Analyze = Callable[[str], ContactAnalysis]
NOT_TRANSCRIBED = "{language}来电：语音模型不支持该语言，未自动转写"
LANGUAGE_NAMES = {"zh": "汉语", "mn": "蒙古语"}


class LiveCallPipeline:
    """Implements the SIP CallObserver. ``transcriber`` is an asr.TranscriptionService or None (no model)."""

    def __init__(
        self,
        *,
        transcriber,
        analyze: Analyze,
        session_factory,
        hub: EventHub,
        registry: LiveCallRegistry,
        spool: Spool,
        asr_unavailable_reason: str = "未配置语音识别模型",
        close_timeout_s: float = 30.0,
        worker_name: str | None = None,
        asr_languages: frozenset[str] = frozenset({"zh"}),
        speech_policy: SpeechPolicy | None = None,
    ) -> None:
        self.transcriber = transcriber
        self.analyze = analyze
        self.session_factory = session_factory
        self.hub = hub
        self.registry = registry
        self.spool = spool
        self.asr_unavailable_reason = asr_unavailable_reason
        self.close_timeout_s = close_timeout_s
        self.worker_name = worker_name
        self.asr_languages = asr_languages
        self._streams: dict[str, object] = {}
        self._sinks: dict[str, _StreamSink] = {}
        self._unheard: set[str] = set()  # calls in a language the model does not speak: results ignored
        self._infos: dict[str, CallInfo] = {}
        self._legs: dict[str, list[_Leg]] = {}  # caller call_id -> its agents' and departments' ASR streams
        self._chosen: set[str] = set()  # calls past the language menu
        self._conduct: set[str] = set()  # 党风政风监督 calls: nothing of them reaches the console
        self._lock = threading.Lock()
        self._finishing = ThreadPoolExecutor(max_workers=2, thread_name_prefix="call-finish")
        self._suggesting = ThreadPoolExecutor(max_workers=1, thread_name_prefix="call-suggest")
        # live analysis: the newest caller text waiting per call (finals that come faster than the analyzer
        # are analysed once, together), and the last text analysed with its result (reused at hang-up)
        self._to_suggest: dict[str, str] = {}
        self._analysed: dict[str, tuple[str, ContactAnalysis]] = {}
        self._ending: set[str] = set()  # hung up: no more live suggestions, the case gets the analysis
        # past ASR capacity: call id -> why its transcription waits for the recording (转写排队)
        self.policy = speech_policy or SpeechPolicy()
        self._deferred: dict[str, str] = {}
        self._model_label = model_label(transcriber)
        self._stop_watch = threading.Event()
        if transcriber is not None:
            threading.Thread(target=self._watch_overload, name="asr-overload-watch", daemon=True).start()

    # --- CallObserver hooks (SIP thread) -------------------------------------------------------------
    def on_call_started(self, call: CallInfo) -> AudioSink | None:
        self.registry.add(LiveCall(call.call_id, call.caller, call.callee, call.started_at))
        stream = None
        overload = self._overloaded()
        if overload:
            log.warning("call %s: %s; recorded now, transcribed later from the recording", call.call_id,
                        overload)
            with self._lock:
                self._deferred[call.call_id] = overload
        elif self.transcriber is not None:
            try:
                stream = self.transcriber.open_stream(
                    call.sample_rate,
                    on_partial=lambda text, cid=call.call_id: self._on_partial(cid, text),
                    on_final=lambda utt, cid=call.call_id: self._on_final(cid, utt),
                )
            except Exception:
                log.exception("call %s: could not open an ASR stream; recording only", call.call_id)
        sink = _StreamSink(stream) if stream is not None else None
        with self._lock:
            self._infos[call.call_id] = call
            if stream is not None and sink is not None:
                self._streams[call.call_id] = stream
                self._sinks[call.call_id] = sink
        self.hub.publish("call.started", call_id=call.call_id, caller=call.caller, callee=call.callee,
                         started_at=call.started_at.isoformat())
        return sink

    def on_language(self, call_id: str, lang: str) -> None:
        self._chosen.add(call_id)
        if call_id in self._conduct:
            return
        self.registry.update(call_id, language=lang)
        self.hub.publish("call.language", call_id=call_id, language=lang)
        if lang not in self.asr_languages:
            with self._lock:
                self._unheard.add(call_id)
                stream = self._streams.pop(call_id, None)
                sink = self._sinks.pop(call_id, None)
            if sink is not None:
                sink.detach()  # the clock thread stops feeding the model at once
            if stream is not None:
                self._finishing.submit(self._discard, call_id, stream)

    def _discard(self, call_id: str, stream) -> None:
        """Give the recognizer back without using what it heard (finishing pool)."""
        try:
            stream.close(self.close_timeout_s)
        except Exception:
            log.exception("call %s: closing the unused ASR stream failed", call_id)
        finally:
            with self._lock:
                self._unheard.discard(call_id)

    # --- past ASR capacity: transcribe from the recording later -------------------------------------
    def _overloaded(self) -> str | None:
        if self.transcriber is None:
            return None
        try:
            return self.policy.overloaded(self.transcriber.stats())
        except Exception:
            log.exception("reading the ASR load failed")
            return None

    def _watch_overload(self) -> None:
        """Give up live decoding of a stream that waits too long for a recognizer or falls too far behind."""
        while not self._stop_watch.wait(0.5):
            with self._lock:
                open_streams = [(cid, st, self._sinks.get(cid)) for cid, st in self._streams.items()]
            for call_id, stream, sink in open_streams:
                try:
                    reason = self.policy.stream_behind(stream)
                except Exception:
                    continue  # a stand-in stream without lag figures
                if not reason:
                    continue
                log.warning("call %s: %s; its recording is transcribed later", call_id, reason)
                with self._lock:
                    self._deferred.setdefault(call_id, reason)
                if sink is not None:
                    sink.detach()
                getattr(stream, "abandon", lambda: None)()

    def on_dtmf(self, call_id: str, digit: str) -> None:
        if digit == CONDUCT_KEY and call_id not in self._chosen:
            self._seal(call_id)
            return
        if call_id not in self._conduct:
            self.hub.publish("call.dtmf", call_id=call_id, digit=digit)

    def _seal(self, call_id: str) -> None:
        """The caller chose 党风政风监督 (the greeting's key 9): the call leaves the agents' live panel, and
        its words are neither shown live nor analysed; at hang-up it becomes a conduct report for 纪委监委."""
        self._conduct.add(call_id)
        self.registry.remove(call_id)
        self.hub.publish("call.ended", call_id=call_id, reason="conduct_report")

    def on_call_ended(self, call_id: str, summary: CallSummary) -> None:
        with self._lock:
            stream = self._streams.pop(call_id, None)
            self._sinks.pop(call_id, None)
            info = self._infos.pop(call_id, None)
            legs = self._legs.pop(call_id, [])
            self._ending.add(call_id)
        self._chosen.discard(call_id)
        if info is None:
            with self._lock:
                self._ending.discard(call_id)
            log.error("call %s ended but was never started; ignored", call_id)
            return
        self._finishing.submit(self._finish, info, summary, stream, legs)

    # --- the agent's leg of a bridged call (SIP thread) -----------------------------------------------
    def on_agent_leg(self, call_id: str, agent_id: int, leg: CallInfo) -> AudioSink | None:
        self.registry.update(call_id, agent_id=agent_id, agent_state="ringing")
        self.hub.publish("call.agent_ringing", call_id=call_id, agent_id=agent_id)
        return self._open_leg(call_id, leg, "agent", agent_id)

    def on_party_leg(self, call_id: str, speaker: str, leg: CallInfo) -> AudioSink | None:
        """A department (transfer) or a consulted agent: its own stream, stored with ``speaker``."""
        self.hub.publish("call.party_ringing", call_id=call_id, speaker=speaker)
        return self._open_leg(call_id, leg, speaker, None)

    def _open_leg(self, call_id: str, leg: CallInfo, speaker: str, agent_id: int | None) -> AudioSink | None:
        if self.transcriber is None:
            return None
        try:
            stream = self.transcriber.open_stream(
                leg.sample_rate, on_partial=lambda text, cid=call_id: self._on_partial(cid, text, speaker),
                on_final=lambda utt, cid=call_id: self._on_final(cid, utt, speaker))
        except Exception:
            log.exception("call %s: no ASR stream for the %s leg", call_id, speaker)
            return None
        opened = _Leg(stream, agent_id, speaker, leg.sample_rate)
        with self._lock:
            self._legs.setdefault(call_id, []).append(opened)
        return _LegSink(opened)

    def on_agent_connected(self, call_id: str, agent_id: int) -> None:
        with self._lock:
            info = self._infos.get(call_id)
            legs = [leg for leg in self._legs.get(call_id, []) if leg.agent_id == agent_id]
            if not legs:  # a consulted agent who now takes the call: their leg (timed by its first frame)
                for leg in [leg for leg in self._legs.get(call_id, []) if leg.speaker == "agent"
                            and leg.agent_id is None][-1:]:
                    leg.agent_id = agent_id
        if info is not None and legs and legs[-1].offset_s is None:
            legs[-1].offset_s = (datetime.now(UTC) - info.started_at).total_seconds()
        self.registry.update(call_id, agent_id=agent_id, agent_state="connected")
        self.hub.publish("call.agent_connected", call_id=call_id, agent_id=agent_id)

    def on_agent_gone(self, call_id: str, agent_id: int, answered: bool) -> None:
        self.registry.update(call_id, agent_state="gone" if answered else "")
        self.hub.publish("call.agent_gone", call_id=call_id, agent_id=agent_id, answered=answered)
        if not answered:  # a missed ring: its stream heard nothing worth keeping
            with self._lock:
                legs = self._legs.get(call_id, [])
                missed = [leg for leg in legs if leg.agent_id == agent_id and leg.offset_s is None]
                for leg in missed[-1:]:
                    legs.remove(leg)
            for leg in missed[-1:]:
                self._finishing.submit(_discard, leg)

    # --- ASR hooks (decode threads) ------------------------------------------------------------------
    def _on_partial(self, call_id: str, text: str, speaker: str = "citizen") -> None:
        if call_id in self._unheard or call_id in self._conduct:
            return
        if speaker == "citizen":
            self.registry.update(call_id, partial=text)
        self.hub.publish("call.partial", call_id=call_id, text=text, speaker=speaker)

    def _on_final(self, call_id: str, utterance, speaker: str = "citizen") -> None:
        if call_id in self._unheard or call_id in self._conduct:
            return
        text_so_far = self.registry.append_final(call_id, utterance.text, speaker)
        self.hub.publish("call.final", call_id=call_id, text=utterance.text, start=utterance.start,
                         end=utterance.end, confidence=utterance.confidence, speaker=speaker)
        if text_so_far:
            with self._lock:
                if call_id in self._ending:
                    return  # analysed once, with the whole text, for the case
                queued = call_id in self._to_suggest
                self._to_suggest[call_id] = text_so_far
            if not queued:
                self._suggesting.submit(self._suggest, call_id)

    def _suggest(self, call_id: str) -> None:
        """Analyse the call's newest text for the agent's live suggestions (one thread, in turn)."""
        with self._lock:
            text = self._to_suggest.pop(call_id, None)
            if text is None or call_id in self._ending:
                return
        try:
            analysis = self.analyze(text)
        except Exception:
            log.exception("call %s: live analysis failed", call_id)
            return
        suggestion = asdict(analysis)
        with self._lock:
            if call_id not in self._ending:
                self._analysed[call_id] = (text, analysis)
        if self.registry.update(call_id, suggestion=suggestion) is not None:
            self.hub.publish("call.analysis", call_id=call_id, **suggestion)

    def _analysis_of(self, call_id: str, text: str) -> ContactAnalysis:
        """The case's analysis: the live one when it was made on this very text, else a new one."""
        with self._lock:
            done = self._analysed.get(call_id)
        if done is not None and done[0] == text:
            return done[1]
        return self.analyze(text)

    def _forget_analysis(self, call_id: str) -> None:
        with self._lock:
            self._ending.discard(call_id)
            self._to_suggest.pop(call_id, None)
            self._analysed.pop(call_id, None)

    # --- hang-up (finishing pool) --------------------------------------------------------------------
    def _finish(self, info: CallInfo, summary: CallSummary, stream, legs: list[_Leg] | None = None) -> None:
        try:
            record = self._finished_record(info, summary, stream)
            for leg in legs or []:
                self._add_leg_side(record, leg, info.started_at)
            self.spool.put(info.call_id, record.to_json())  # durable before anything else can fail
        except Exception:
            log.exception("call %s: finishing failed; its recording is %s", info.call_id,
                          summary.recording_path)
        finally:
            self.registry.remove(info.call_id)  # never leave a finished call on the console (or in memory)
            self._forget_analysis(info.call_id)
        try:
            self.flush_spool()
        except Exception:
            log.exception("call %s: writing the spool failed; retried by the next flush", info.call_id)

    def _finished_record(self, info: CallInfo, summary: CallSummary, stream) -> FinishedCall:
        utterances: list[dict] = []
        status, note, lag = TranscriptStatus.unavailable, self.asr_unavailable_reason, None
        language = summary.language or "zh"
        if language not in self.asr_languages:
            note = NOT_TRANSCRIBED.format(language=LANGUAGE_NAMES.get(language, language))
        transcript = None
        with self._lock:
            deferred = self._deferred.pop(info.call_id, None)
        if deferred and stream is not None:
            stream.abandon()
        if stream is not None:
            try:
                transcript = stream.close(0.5 if deferred else self.close_timeout_s)
            except Exception as exc:
                log.exception("call %s: closing the ASR stream failed", info.call_id)
                note = f"转写出错：{exc}"
        if transcript is not None:
            utterances = [
                {"text": u.text, "start": u.start, "end": u.end, "confidence": u.confidence,
                 "words": [[w.text, w.start, w.end, w.confidence] for w in u.words]}
                for u in transcript.utterances
            ]
            lag = transcript.max_lag_s
            if transcript.error:
                note = f"转写出错：{transcript.error}"
            else:
                status = TranscriptStatus.complete if utterances else TranscriptStatus.empty
                note = ""
                if not transcript.complete and not deferred:
                    deferred = f"挂机后 {self.close_timeout_s:g} 秒内未转写完"
                    if hasattr(stream, "abandon"):
                        stream.abandon()  # stop spending CPU on it: the recording is transcribed later
        if deferred and self.transcriber is not None and language in self.asr_languages \
                and summary.recording_path:
            status, note = TranscriptStatus.unavailable, f"转写排队中：{deferred}"
        elif deferred:
            if language in self.asr_languages and not utterances:
                note = f"语音识别满负荷且无录音可补转写（{deferred}）"
            deferred = None  # nothing to transcribe later (another language, no recording)
        record = FinishedCall(
            call_id=info.call_id, sip_call_id=info.sip_call_id, caller=info.caller, callee=info.callee,
            direction=info.direction, started_at=info.started_at.isoformat(),
            ended_at=summary.ended_at.isoformat(), end_reason=summary.reason.value,
            duration_s=summary.duration_s, language=language,
            recording_path=str(summary.recording_path) if summary.recording_path else None,
            frames_received=summary.frames_received, frames_dropped=summary.frames_dropped,
            transcript_status=status.value, transcript_note=note, utterances=utterances,
            asr_max_lag_s=lag, worker=self.worker_name,
            asr_model=self._model_label or None, codec=getattr(summary, "codec", "") or None,
            deferred_reason=deferred, day=self.policy.day_of(info.started_at).isoformat(),
        )
        if transcript is not None and not deferred:
            record.asr_confidence = call_confidence(utterances)
            record.asr_coverage = coverage(transcript.audio_seconds, summary.frames_received * FRAME_SECONDS)
            record.review_reason = self.policy.review_reason(record.asr_confidence, record.asr_coverage)
        analysis = ContactAnalysis()
        if info.call_id in self._conduct:
            self._conduct.discard(info.call_id)
            record.conduct = True  # routed to 纪委监委 as such, not by analysis
            record.review_reason = None  # its words are never shown in the agents' 待复听 queue
        elif record.text and language in self.asr_languages and not deferred:
            try:
                analysis = self._analysis_of(info.call_id, record.text)
            except Exception:
                log.exception("call %s: analysis failed; the case goes to triage", info.call_id)
        record.analysis = asdict(analysis)
        return record

    def _add_leg_side(self, record: FinishedCall, leg: _Leg, started_at: datetime) -> None:
        """A further leg's utterances (坐席 or 部门), on the caller's time line, merged in order."""
        try:
            transcript = leg.stream.close(self.close_timeout_s)
        except Exception:
            log.exception("call %s: closing the %s ASR stream failed", record.call_id, leg.speaker)
            return
        offset = leg.offset_s
        if offset is None:  # a department or consulted leg: from its first frame of audio
            offset = (leg.first_frame_at - started_at).total_seconds() if leg.first_frame_at else 0.0
        for u in transcript.utterances:
            record.utterances.append({
                "text": u.text, "start": u.start + offset, "end": u.end + offset, "confidence": u.confidence,
                "words": [[w.text, w.start + offset, w.end + offset, w.confidence] for w in u.words],
                "speaker": leg.speaker})
        record.utterances.sort(key=lambda u: u["start"])
        if leg.agent_id is not None:
            record.agent_id = leg.agent_id  # the last agent who had the call

    def flush_spool(self) -> tuple[int, int]:
        """Write every spooled call to the database; what cannot be written stays for the next try."""
        return self.spool.replay(self._write)

    def _write(self, data: dict) -> None:
        record = FinishedCall.from_json(data)
        with unit_of_work(self.session_factory) as session:
            case = record_finished_call(session, record=record)
            case_id, code = (case.id, case.tracking_code) if case is not None else (None, None)
        if record.conduct:  # the console saw the call leave when the caller chose 党风政风监督
            self.hub.publish("case.created", case_id=case_id, tracking_code=code, channel="phone")
            return
        self.hub.publish("call.ended", call_id=record.call_id, case_id=case_id, reason=record.end_reason,
                         duration_s=record.duration_s)
        if case_id is None:
            return  # a blocked nuisance caller: the call is stored, no case
        self.hub.publish("case.created", case_id=case_id, tracking_code=code, channel="phone",
                         call_id=record.call_id)

    def close(self) -> None:
        """Finish the calls being finished, then stop."""
        self._stop_watch.set()
        self._finishing.shutdown(wait=True)
        self._suggesting.shutdown(wait=True, cancel_futures=True)


class _Leg:
    """A further leg of a caller's call: an agent's (speaker agent) or a department's (speaker department)."""

    __slots__ = ("stream", "agent_id", "speaker", "sample_rate", "offset_s", "first_frame_at")

    def __init__(self, stream: Stream, agent_id: int | None, speaker: str, sample_rate: int) -> None:
        self.stream, self.agent_id, self.speaker, self.sample_rate = stream, agent_id, speaker, sample_rate
        self.offset_s: float | None = None  # seconds into the caller's call when this leg was joined
        self.first_frame_at: datetime | None = None


class _LegSink:
    """AudioSink of a further leg; notes when its first frame came (the leg's place on the call's time)."""

    __slots__ = ("_leg", "_feed")

    def __init__(self, leg: _Leg) -> None:
        self._leg, self._feed = leg, leg.stream.feed

    def push(self, pcm: bytes) -> bool:
        if self._leg.first_frame_at is None:  # a block of frames comes with its last frame
            seconds = len(pcm) / 2 / self._leg.sample_rate
            self._leg.first_frame_at = datetime.now(UTC) - timedelta(seconds=seconds)
        return self._feed(pcm)


def _discard(leg: _Leg) -> None:
    """An agent leg that never connected: close its stream, keep nothing."""
    try:
        leg.stream.close(1.0)
    except Exception:
        log.exception("closing an unused agent ASR stream failed")


class _StreamSink:
    """AudioSink over an ASR stream: push runs on the media clock thread and only buffers."""

    __slots__ = ("_feed",)

    def __init__(self, stream: Stream) -> None:
        self._feed = stream.feed

    def push(self, pcm: bytes) -> bool:
        return self._feed(pcm)

    def detach(self) -> None:
        """Drop further audio (the recording is made elsewhere); an attribute swap, safe across threads."""
        self._feed = _drop


def _drop(pcm: bytes) -> bool:
    return True
