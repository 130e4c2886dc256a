"""Call bookkeeping shared by the pjsua2 endpoint and the fake: admission, IVR, timers, summaries.

Subclasses supply the signalling (``_signal_hangup``, ``_signal_dtmf``) and the media binding
(``_bind_media``, ``_unbind_media``, ``_media_free``). Everything here runs on the SIP thread, except
``_post`` (any thread) and what MediaSession does on the clock thread.
"""

from __future__ import annotations

import logging
import queue as queue_module
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hotline.sip.call_flow import ChooseLanguage, EnterQueue, Hangup, InboundFlow, Play, StopPlayback
from hotline.sip.caller_screen import CallerScreen, screen_inbound
from hotline.sip.config import SipConfig
from hotline.sip.media_session import MediaSession
from hotline.sip.outbound import OutboundCallHandle
from hotline.sip.pcm import frame_bytes, load_wav_pcm
from hotline.sip.protocol import (
    AgentQueue,
    AudioSink,
    CallInfo,
    CallObserver,
    CallSummary,
    Direction,
    EndReason,
    Language,
    NullObserver,
)
from hotline.sip.queue_visit import QueueVisit, enter_queue
from hotline.sip.recording import RecordingWriter, VoiceActivity, recording_path

log = logging.getLogger(__name__)
MEDIA_SETUP_TIMEOUT_S = 20.0  # an answered inbound call whose audio never starts is hung up


@dataclass(eq=False)
class LiveCall:
    """Everything held for one call until it is finalized (``call`` is the signalling object)."""

    call: object
    info: CallInfo | None
    created_at: float
    status_code: int = 0
    status_text: str = ""
    session: MediaSession | None = None
    activity: VoiceActivity | None = None
    flow: InboundFlow | None = None
    handle: OutboundCallHandle | None = None
    answered_at: datetime | None = None
    answered_mono: float = 0.0
    media_up: bool = False
    end_reason: EndReason | None = None
    disconnected: bool = False
    dtmf: list[str] = field(default_factory=list)
    language: Language | None = None
    language_source: str | None = None
    answer_timeout: float = 45.0
    record: bool = True
    media: object = None  # the subclass's media binding (a pooled port)
    error: str = ""
    codec: str = ""  # the negotiated audio codec (set by the adapter when media starts)


class CallControl:
    def __init__(
        self,
        config: SipConfig,
        observer: CallObserver | None,
        *,
        timezone: str,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        synchronous_writer: bool = False,
        queue: AgentQueue | None = None,
    ) -> None:
        self.config = config
        self.queue = queue if config.queue.enabled else None
        self.screen: CallerScreen | None = None  # the nuisance-caller check (hotline.sip.caller_screen)
        self._visits: dict[str, QueueVisit] = {}  # inbound call_id -> its stay in the agents' queue
        self.observer = observer or NullObserver()
        self.timezone = timezone
        self.clock = clock
        self.wall_clock = wall_clock
        self.sample_rate = config.media.clock_rate
        self.frame_bytes = frame_bytes(self.sample_rate)
        self.prompts: dict[str, bytes] = {}
        self.writer = RecordingWriter(
            config.recording.directory, config.recording.retention_days, synchronous=synchronous_writer
        )
        self._commands: queue_module.SimpleQueue = queue_module.SimpleQueue()
        self._calls: dict[str, LiveCall] = {}  # our call_id -> call; holds the signalling object's reference

    # -- to be provided by the endpoint
    def place_call(
        self, uri: str, *, sink: AudioSink | None = None, record: bool = True, answer_timeout: float = 45.0,
        caller_id: str | None = None,
    ) -> OutboundCallHandle:
        raise NotImplementedError

    def _signal_hangup(self, live: LiveCall, status_code: int) -> None:
        raise NotImplementedError

    def _signal_dtmf(self, live: LiveCall, digits: str) -> None:
        raise NotImplementedError

    def _bind_media(self, live: LiveCall) -> None:
        """Route the call's media through ``live.session`` (set ``live.media``)."""

    def _unbind_media(self, live: LiveCall) -> None:
        """Stop routing media for the call (quarantine a pooled port)."""

    def _media_free(self) -> bool:
        return True

    def _bridge(self, caller: LiveCall, agent: LiveCall) -> None:
        """Join the two calls' audio both ways in the conference bridge."""
        raise NotImplementedError

    def _listen(self, listener: LiveCall, *sources: LiveCall) -> None:
        """Send every source leg's audio to the listener (one way: the listener is not heard)."""
        raise NotImplementedError

    def _unbridge(self, caller: LiveCall, agent: LiveCall) -> None:
        """Part the two calls' audio (hold); each leg keeps its own port."""
        raise NotImplementedError

    def _send(self, source: LiveCall, target: LiveCall, on: bool) -> None:
        """Start (``on``) or stop sending one leg's audio to another, one way (supervisor whisper/barge)."""
        raise NotImplementedError

    # -- shared
    def load_prompts(self) -> None:
        for name, path in self.config.ivr.prompts.items():
            if path is not None:
                self.prompts[name] = load_wav_pcm(path, self.sample_rate)
            elif name.endswith("_mn"):
                log.warning(
                    "IVR prompt slot %s is empty: Mongolian callers hear the Mandarin prompt; record it "
                    "and set [ivr] %s in sip.conf",
                    name,
                    name,
                )

    def set_prompt(self, name: str, path: Path) -> None:
        """Use ``path`` for prompt slot ``name`` from the next call on (no restart): the dict is replaced in
        one assignment, so the SIP thread sees the old or the new set, never half of one."""
        pcm = load_wav_pcm(path, self.sample_rate)
        self.prompts = {**self.prompts, name: pcm}
        log.info("IVR prompt %s now plays %s (%.1f s)", name, path, len(pcm) / 2 / self.sample_rate)

    def active_calls(self) -> int:
        return sum(
            1 for live in list(self._calls.values()) if live.info is not None and not live.disconnected
        )

    def _post(self, command: str, args: tuple) -> None:
        self._commands.put((command, args))

    def _admission(self, request_user: str, to_user: str, source: str) -> tuple[int, str]:
        """(0, served number) to answer, else (status, reason) to reject with."""
        served = [n for n in (request_user, to_user) if n in self.config.account.numbers]
        if not served:
            log.info("INVITE from %s for %r/%r: not a served number -> 404", source, request_user, to_user)
            return 404, "Not Found"
        if self.active_calls() >= self.config.limits.max_calls or not self._media_free():
            log.warning(
                "INVITE from %s: %d calls up (limit %d) -> 486 Busy Here",
                source,
                self.active_calls(),
                self.config.limits.max_calls,
            )
            return 486, "Busy Here"
        return 0, served[0]

    def _new_call(
        self,
        call: object,
        *,
        direction: Direction,
        caller: str,
        caller_uri: str,
        callee: str,
        remote: str,
        sip_call_id: str,
    ) -> LiveCall:
        key = uuid.uuid4().hex
        info = CallInfo(
            call_id=key,
            sip_call_id=sip_call_id,
            caller=caller,
            caller_uri=caller_uri,
            callee=callee,
            direction=direction,
            started_at=self.wall_clock(),
            remote_address=remote,
            sample_rate=self.sample_rate,
            frame_bytes=self.frame_bytes,
        )
        live = LiveCall(call=call, info=info, created_at=self.clock())
        self._calls[key] = live
        return live

    def _track_rejected(self, call: object) -> LiveCall:
        """Keep a rejected call's signalling object alive until it is disconnected."""
        live = LiveCall(call=call, info=None, created_at=self.clock())
        self._calls[uuid.uuid4().hex] = live
        return live

    def _start_inbound(self, live: LiveCall) -> None:
        assert live.info is not None
        sink = self._hook("on_call_started", live.info)
        self._attach(live, sink if isinstance(sink, AudioSink) else None, record=True)
        limits = self.config.limits
        live.flow = InboundFlow(
            live.info.call_id,
            set(self.prompts),
            language_timeout_s=self.config.ivr.language_timeout_s,
            silence_timeout_s=limits.silence_timeout_s,
            max_call_s=limits.max_call_s,
            queue=self.queue is not None,
        )
        screen_inbound(self, live)
        log.info(
            "call %s: %s -> %s from %s (Call-ID %s)",
            live.info.call_id,
            live.info.caller,
            live.info.callee,
            live.info.remote_address,
            live.info.sip_call_id,
        )

    def _start_outbound(self, live: LiveCall, uri: str, sink: AudioSink | None, record: bool) -> None:
        assert live.info is not None
        live.record = record
        self._attach(live, sink, record)
        live.handle = OutboundCallHandle(live.info.call_id, uri, live.session, self.prompts, self._post)  # type: ignore[arg-type]

    def _attach(self, live: LiveCall, sink: AudioSink | None, record: bool) -> None:
        info = live.info
        assert info is not None
        live.activity = VoiceActivity(self.config.limits.silence_threshold_dbfs, self.clock)
        live.session = MediaSession(info.call_id, sink, self.writer, self.frame_bytes)
        path = recording_path(self.config.recording.directory, info.call_id, info.started_at, self.timezone)
        self.writer.open(info.call_id, path if record else None, self.sample_rate, live.activity)
        self._bind_media(live)

    def _hook(self, name: str, *args: object) -> object:
        try:
            return getattr(self.observer, name)(*args)
        except BaseException:
            log.exception("observer %s failed", name)
            return None

    # -- events from the signalling layer
    def _answered(self, live: LiveCall) -> None:
        if live.answered_at is None:
            live.answered_at, live.answered_mono = self.wall_clock(), self.clock()
            if live.handle is not None:
                live.handle.emit("answered", status_code=200)

    def _media_active(self, live: LiveCall) -> None:
        if not live.media_up:
            live.media_up = True
            if live.flow is not None:
                self._perform(live, live.flow.start(self.clock()))

    def _dtmf(self, live: LiveCall, digit: str) -> None:
        if live.info is None or live.disconnected:
            return
        live.dtmf.append(digit)
        log.info("call %s: DTMF %s", live.info.call_id, digit)
        if live.handle is not None:
            live.handle.emit("dtmf", digit=digit)
            return
        self._hook("on_dtmf", live.info.call_id, digit)
        visit = self._visits.get(live.info.call_id)
        if visit is not None:
            visit.on_dtmf(digit, self.clock())
        if live.flow is not None:
            self._perform(live, live.flow.on_dtmf(digit, self.clock()))

    def _disconnected(self, live: LiveCall, error: str = "") -> None:
        if live.disconnected:
            return
        live.disconnected = True
        if live.end_reason is None:
            if live.answered_at is not None or live.handle is None:
                live.end_reason = EndReason.CALLER_HANGUP
            else:
                live.end_reason = EndReason.REJECTED
        visit = self._visits.pop(live.info.call_id, None) if live.info is not None else None
        if visit is not None:
            visit.on_caller_gone(self.clock())
        self._release(live, error)

    # -- actions
    def _perform(self, live: LiveCall, actions: list) -> None:
        assert live.info is not None and live.session is not None
        for action in actions:
            if isinstance(action, Play):
                for name in action.prompts:
                    live.session.playback.enqueue(name, self.prompts[name])
            elif isinstance(action, StopPlayback):
                live.session.playback.stop()
            elif isinstance(action, ChooseLanguage):
                live.language, live.language_source = action.lang, action.source
                log.info("call %s: language %s (%s)", live.info.call_id, action.lang, action.source)
                self._hook("on_language", live.info.call_id, action.lang)
            elif isinstance(action, Hangup):
                self._hangup(live, action.reason)
            elif isinstance(action, EnterQueue):
                visit = enter_queue(self, live, self.queue, action.lang, self.clock())  # type: ignore[arg-type]
                if visit is None:
                    self._perform(live, live.flow.to_message(self.clock()))  # type: ignore[union-attr]
                else:
                    self._visits[live.info.call_id] = visit

    def _hangup(self, live: LiveCall, reason: EndReason) -> None:
        if live.disconnected:
            return
        if live.end_reason is None:
            live.end_reason = reason
        self._signal_hangup(live, 200 if live.answered_at is not None or live.handle is None else 487)

    def _tick(self) -> None:
        now = self.clock()
        for live in list(self._calls.values()):
            if live.disconnected or live.session is None:
                continue
            finished = live.session.playback.pop_finished()
            if live.handle is not None:
                for name in finished:
                    live.handle.emit("playback_done", name=name)
                if live.answered_at is None and now - live.created_at > live.answer_timeout:
                    self._hangup(live, EndReason.NO_ANSWER)
                elif (
                    live.answered_at is not None and now - live.answered_mono > self.config.limits.max_call_s
                ):
                    self._hangup(live, EndReason.MAX_DURATION)
            elif (
                live.flow is not None and not live.media_up and now - live.created_at > MEDIA_SETUP_TIMEOUT_S
            ):
                log.warning(
                    "call %s: no audio stream %.0f s after answer, hanging up",
                    live.info.call_id if live.info else "?",
                    now - live.created_at,
                )
                live.error = "no audio stream after answer (SDP/RTP problem)"
                self._hangup(live, EndReason.ERROR)
            elif live.flow is not None and live.media_up:
                if finished and not live.session.playback.busy:
                    self._perform(live, live.flow.on_playback_done(now))
                self._perform(live, live.flow.on_tick(now, live.activity.last_voice_at))  # type: ignore[union-attr]
        for key, visit in list(self._visits.items()):
            try:
                visit.tick(now)
            except BaseException:
                log.exception("call %s: queue step failed; the caller leaves a message", key)
                visit.stage = type(visit.stage).LEFT
                if not visit.live.disconnected and visit.live.flow is not None:
                    self._perform(visit.live, visit.live.flow.to_message(now))
            if visit.done:
                self._visits.pop(key, None)

    def _drain_commands(self) -> None:
        while True:
            try:
                command, args = self._commands.get_nowait()
            except queue_module.Empty:
                return
            try:
                if command == "run":
                    fn, future = args
                    try:
                        future.set_result(fn())
                    except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                        future.set_exception(exc)
                elif command == "finalize":
                    self._finalize(*args)
                elif command in ("dtmf", "hangup"):
                    live = self._calls.get(args[0])
                    if live is not None and not live.disconnected:
                        if command == "dtmf":
                            self._signal_dtmf(live, args[1])
                        else:
                            self._hangup(live, EndReason.LOCAL_HANGUP)
            except BaseException:
                log.exception("SIP command %s failed", command)

    def _release(self, live: LiveCall, error: str) -> None:
        """Detach media, hand on the last caller audio, close the recording; finalize once it is written."""
        self._unbind_media(live)
        if live.session is not None:
            live.session.flush()
        if live.info is None:  # a rejected inbound call: nothing to report
            self._post("finalize", (live, 0.0, error))
            return
        self.writer.close(live.info.call_id, lambda seconds: self._post("finalize", (live, seconds, error)))

    def _finalize(self, live: LiveCall, seconds: float, error: str) -> None:
        for key, value in list(self._calls.items()):
            if value is live:
                del self._calls[key]
        live.call = None  # drop the signalling reference (outside its own callback)
        if live.info is None or live.session is None:
            return
        info, ended = live.info, self.wall_clock()
        path = recording_path(self.config.recording.directory, info.call_id, info.started_at, self.timezone)
        summary = CallSummary(
            call_id=info.call_id,
            sip_call_id=info.sip_call_id,
            reason=live.end_reason or EndReason.ERROR,
            status_code=live.status_code,
            status_text=live.status_text,
            started_at=info.started_at,
            answered_at=live.answered_at,
            ended_at=ended,
            duration_s=(ended - live.answered_at).total_seconds() if live.answered_at else 0.0,
            recording_path=path if live.record and seconds else None,
            recording_seconds=seconds,
            frames_received=live.session.frames_received,
            frames_dropped=live.session.frames_dropped,
            language=live.language,
            language_source=live.language_source,  # type: ignore[arg-type]
            dtmf="".join(live.dtmf),
            error=error or live.error,
            codec=live.codec,
        )
        log.info(
            "call %s ended: %s after %.1f s, %d frames (%d dropped), recording %.1f s",
            info.call_id,
            summary.reason,
            summary.duration_s,
            summary.frames_received,
            summary.frames_dropped,
            seconds,
        )
        if live.handle is not None:
            live.handle.emit(
                "ended", status_code=live.status_code, reason=str(summary.reason), summary=summary
            )
        else:
            self._hook("on_call_ended", info.call_id, summary)
