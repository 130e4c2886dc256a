"""The real SIP endpoint on pjsua2: the only module that imports pjsua2.

One thread ("sip-endpoint") owns the Endpoint (threadCnt = 0, mainThreadOnly) and polls libHandleEvents(10);
every pjsua2 call runs there, other threads post commands. Call logic lives in pjsua2-free modules
(call_flow, media_session, recording, outbound); this module is glue. See
/work/shared/notes/pjsua2-and-vosk-measured.md for the crash patterns avoided here (pooled ports, no
destroyed ports while the bridge runs, references to every Call, exceptions never escape a callback).
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import queue
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pjsua2 as pj

from hotline.sip.call_flow import ChooseLanguage, Hangup, InboundFlow, Play, StopPlayback
from hotline.sip.config import SipConfig
from hotline.sip.media_session import MediaSession
from hotline.sip.outbound import OutboundCallHandle
from hotline.sip.pcm import frame_bytes, load_wav_pcm
from hotline.sip.protocol import (
    AudioSink,
    CallInfo,
    CallObserver,
    CallSummary,
    EndReason,
    NullObserver,
    SipCallError,
    SipStartError,
)
from hotline.sip.recording import RecordingWriter, VoiceActivity, recording_path
from hotline.sip.sip_message import dialled_numbers, uri_user

log = logging.getLogger(__name__)
QUARANTINE_S = 0.1  # late frames of the previous call may still arrive on a released port
_AUDIO = pj.PJMEDIA_FRAME_TYPE_AUDIO
_NONE = pj.PJMEDIA_FRAME_TYPE_NONE


def _vector_data(vector: object) -> int:
    """Address of a SWIG std::vector<unsigned char>'s storage (libstdc++: first member is the begin pointer)."""
    return ctypes.c_void_p.from_address(int(vector.this)).value or 0  # type: ignore[attr-defined]


def _read_frame(frame: pj.MediaFrame) -> bytes:
    """Frame bytes in ~2 us (bytes(frame.buf) iterates the SWIG vector element by element: ~250 us)."""
    return ctypes.string_at(_vector_data(frame.buf), frame.size)


def _write_frame(frame: pj.MediaFrame, pcm: bytes) -> None:
    buf = frame.buf
    buf.resize(len(pcm))
    ctypes.memmove(_vector_data(buf), pcm, len(pcm))
    frame.size = len(pcm)
    frame.type = _AUDIO


def _to_stderr(fn: Callable[[], object]) -> None:
    """Run ``fn`` with file descriptor 1 pointing at stderr (keeps `hotline call` stdout clean)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        fn()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _check_vector_layout() -> None:
    vec = pj.ByteVector()
    for byte in b"hotline":
        vec.push_back(byte)
    if ctypes.string_at(_vector_data(vec), 7) != b"hotline":
        raise SipStartError("unexpected std::vector layout in this pjsua2 build; cannot read frames fast")


class _Port(pj.AudioMediaPort):
    """A pooled media port: created after libStart, never destroyed while the bridge runs."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
        self.session: MediaSession | None = None
        self.free_after = 0.0

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:  # clock thread
        try:
            session = self.session
            if session is not None and frame.type == _AUDIO and frame.size:
                session.on_caller_frame(_read_frame(frame))
        except BaseException:
            log.exception("port %d: onFrameReceived failed", self.index)

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:  # clock thread
        try:
            session = self.session
            pcm = session.next_playback_frame() if session is not None else None
            if pcm is None:
                frame.type = _NONE
                frame.size = 0
            else:
                _write_frame(frame, pcm)
        except BaseException:
            log.exception("port %d: onFrameRequested failed", self.index)


class _Account(pj.Account):
    def __init__(self, owner: PjsuaEndpoint) -> None:
        super().__init__()
        self.owner = owner

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        try:
            self.owner._on_incoming(self, prm)
        except BaseException:
            log.exception("onIncomingCall failed")

    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        try:
            level = logging.INFO if prm.code // 100 == 2 else logging.WARNING
            log.log(level, "registration: %d %s (expires %ss)", prm.code, prm.reason, prm.expiration)
        except BaseException:
            log.exception("onRegState failed")


class _Call(pj.Call):
    def __init__(self, owner: PjsuaEndpoint, account: pj.Account, pj_call_id: int = pj.PJSUA_INVALID_ID):
        super().__init__(account, pj_call_id)
        self.owner = owner
        self.live: _Live | None = None

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        try:
            self.owner._on_call_state(self)
        except BaseException:
            log.exception("onCallState failed")

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        try:
            self.owner._on_media_state(self)
        except BaseException:
            log.exception("onCallMediaState failed")

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        try:
            self.owner._on_dtmf(self, prm.digit)
        except BaseException:
            log.exception("onDtmfDigit failed")


@dataclass(eq=False)
class _Live:
    """Everything the endpoint holds for one call until it is finalized."""

    call: _Call | None
    info: CallInfo | None
    status_code: int = 0
    status_text: str = ""
    session: MediaSession | None = None
    port: _Port | None = None
    activity: VoiceActivity | None = None
    flow: InboundFlow | None = None
    handle: OutboundCallHandle | None = None
    created_mono: float = field(default_factory=time.monotonic)
    answered_at: datetime | None = None
    answered_mono: float = 0.0
    media_up: bool = False
    end_reason: EndReason | None = None
    disconnected: bool = False
    dtmf: list[str] = field(default_factory=list)
    language: str | None = None
    language_source: str | None = None
    answer_timeout: float = 45.0
    record: bool = True


class PjsuaEndpoint:
    """The SIP endpoint. ``start()``/``stop()`` from any thread; hooks run on the SIP thread."""

    def __init__(
        self,
        config: SipConfig,
        observer: CallObserver | None = None,
        *,
        timezone: str = "Asia/Shanghai",
        ephemeral_port: bool = False,
        pj_log_level: int = 1,
    ) -> None:
        self.config = config
        self.observer = observer or NullObserver()
        self.timezone = timezone
        self.ephemeral_port = ephemeral_port  # client use (`hotline call`): any free UDP port, no TCP
        self.pj_log_level = pj_log_level
        self.sample_rate = config.media.clock_rate
        self.frame_bytes = frame_bytes(self.sample_rate)
        self.prompts: dict[str, bytes] = {}
        self.writer = RecordingWriter(config.recording.directory, config.recording.retention_days)
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._stopping = threading.Event()
        self._calls: dict[str, _Live] = {}  # our call_id -> live call, holds the pj.Call reference
        self._ports: list[_Port] = []
        self._ep: pj.Endpoint | None = None
        self._account: _Account | None = None
        self.local_port = 0

    # ------------------------------------------------------------------ public API (any thread)
    def start(self, timeout: float = 15.0) -> None:
        for name, path in self.config.ivr.prompts.items():
            if path is None:
                if name.endswith("_mn"):
                    log.warning(
                        "IVR prompt slot %s is empty: Mongolian callers hear the Mandarin prompt; record "
                        "it and set [ivr] %s in sip.conf",
                        name,
                        name,
                    )
                continue
            self.prompts[name] = load_wav_pcm(path, self.sample_rate)
        self.writer.start()
        self._thread = threading.Thread(target=self._run, name="sip-endpoint", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise SipStartError(f"SIP endpoint did not start within {timeout:g} s")
        if self._start_error is not None:
            self._thread.join(5)
            self.writer.stop()
            raise SipStartError(str(self._start_error)) from self._start_error

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(timeout + 5)
        if self._thread.is_alive():
            log.error("SIP thread did not stop within %.0f s", timeout + 5)
        self._thread = None
        self.writer.stop()

    def active_calls(self) -> int:
        return sum(
            1 for live in list(self._calls.values()) if live.info is not None and not live.disconnected
        )

    def place_call(
        self, uri: str, *, sink: AudioSink | None = None, record: bool = True, answer_timeout: float = 45.0
    ) -> OutboundCallHandle:
        if not uri.startswith(("sip:", "sips:")):
            raise SipCallError(f"not a SIP URI: {uri!r} (expected sip:NUMBER@HOST[:PORT])")
        return self._on_sip_thread(lambda: self._place_call(uri, sink, record, answer_timeout))

    # ------------------------------------------------------------------ SIP thread
    def _on_sip_thread(self, fn):  # type: ignore[no-untyped-def]
        if threading.current_thread() is self._thread:
            return fn()
        if self._thread is None or self._stopping.is_set():
            raise SipCallError("the SIP endpoint is not running")
        future: Future = Future()
        self._commands.put(("run", (fn, future)))
        return future.result(timeout=10)

    def _post(self, command: str, args: tuple) -> None:
        self._commands.put((command, args))

    def _run(self) -> None:
        try:
            self._create()
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._start_error = exc
            self._ready.set()
            self._destroy()
            return
        self._ready.set()
        try:
            while not self._stopping.is_set():
                self._ep.libHandleEvents(10)  # type: ignore[union-attr]
                self._drain_commands()
                self._tick()
        except BaseException:
            log.exception("SIP loop failed")
        self._shutdown_calls()
        self._destroy()

    def _create(self) -> None:
        _check_vector_layout()
        cfg, media = self.config, self.config.media
        self._ep = ep = pj.Endpoint()
        _to_stderr(ep.libCreate)  # pjlib logs its banner to stdout before any log config applies
        ep_cfg = pj.EpConfig()
        ep_cfg.uaConfig.threadCnt = 0
        ep_cfg.uaConfig.mainThreadOnly = True
        ep_cfg.uaConfig.maxCalls = 4
        ep_cfg.uaConfig.userAgent = "hotline-7812345"
        ep_cfg.logConfig.level = self.pj_log_level
        ep_cfg.logConfig.consoleLevel = self.pj_log_level
        ep_cfg.medConfig.clockRate = media.clock_rate
        ep_cfg.medConfig.sndClockRate = media.clock_rate
        ep_cfg.medConfig.channelCount = 1
        ep_cfg.medConfig.noVad = True
        ep_cfg.medConfig.ecTailLen = 0
        ep_cfg.medConfig.jbInit = media.jitter_buffer_init_ms
        ep_cfg.medConfig.jbMax = media.jitter_buffer_max_ms
        ep.libInit(ep_cfg)
        t = cfg.transport
        for kind, port in ((pj.PJSIP_TRANSPORT_UDP, t.udp_port), (pj.PJSIP_TRANSPORT_TCP, t.tcp_port)):
            if self.ephemeral_port and kind == pj.PJSIP_TRANSPORT_TCP:
                continue
            if port == 0 and not self.ephemeral_port:
                continue
            tcfg = pj.TransportConfig()
            tcfg.port = 0 if self.ephemeral_port else port
            tcfg.boundAddress = t.bind_address
            if t.public_address:
                tcfg.publicAddress = t.public_address
            try:
                tid = ep.transportCreate(kind, tcfg)
            except pj.Error as exc:
                name = "udp_port" if kind == pj.PJSIP_TRANSPORT_UDP else "tcp_port"
                raise SipStartError(
                    f"[transport] {name}: cannot bind {t.bind_address}:{port} ({exc.reason}); "
                    "is another endpoint running on it?"
                ) from None
            if not self.local_port:
                self.local_port = ep.transportGetInfo(tid).localName.rsplit(":", 1)[-1]
                self.local_port = int(self.local_port)
        ep.libStart()
        ep.audDevManager().setNullDev()
        wanted = {name: 255 - i for i, name in enumerate(media.codecs)}
        for codec in ep.codecEnum2():
            name = codec.codecId.split("/")[0].upper()
            ep.codecSetPriority(codec.codecId, wanted.get(name, 0))
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, media.clock_rate, 1, 20000, 16)
        for index in range(2 * cfg.limits.max_calls):
            port = _Port(index)
            port.createPort(f"hotline{index}", fmt)
            self._ports.append(port)
        self._account = _Account(self)
        self._account.create(self._account_config(), True)
        log.info(
            "SIP endpoint listening on %s (udp %s, tcp %s), numbers %s, max %d calls",
            t.bind_address,
            self.local_port if self.ephemeral_port else t.udp_port,
            "off" if self.ephemeral_port else t.tcp_port,
            ",".join(cfg.account.numbers),
            cfg.limits.max_calls,
        )

    def _account_config(self) -> pj.AccountConfig:
        a, t = self.config.account, self.config.transport
        acfg = pj.AccountConfig()
        host = a.registrar.split(":", 1)[1] if a.registrar else f"{t.bind_address}:{self.local_port}"
        acfg.idUri = f'"{a.display_name}" <sip:{a.numbers[0]}@{host}>'
        if a.registrar:
            acfg.regConfig.registrarUri = a.registrar
            acfg.regConfig.timeoutSec = a.register_interval_s
            acfg.regConfig.retryIntervalSec = 60
            acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", a.realm, a.username, 0, a.password))
        else:
            acfg.regConfig.registerOnAdd = False
        if a.outbound_proxy:
            acfg.sipConfig.proxies.append(a.outbound_proxy)
        acfg.mediaConfig.transportConfig.port = t.rtp_port_start
        acfg.mediaConfig.transportConfig.portRange = t.rtp_port_count
        acfg.mediaConfig.transportConfig.boundAddress = t.bind_address
        if t.public_address:
            acfg.mediaConfig.transportConfig.publicAddress = t.public_address
        acfg.mediaConfig.lockCodecEnabled = False
        return acfg

    def _drain_commands(self) -> None:
        while True:
            try:
                command, args = self._commands.get_nowait()
            except queue.Empty:
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
                    if live is not None and live.call is not None and not live.disconnected:
                        if command == "dtmf":
                            live.call.dialDtmf(args[1])
                        else:
                            self._hangup(live, EndReason.LOCAL_HANGUP)
            except BaseException:
                log.exception("SIP command %s failed", command)

    # ------------------------------------------------------------------ call handling (SIP thread)
    def _free_port(self) -> _Port | None:
        now = time.monotonic()
        for port in self._ports:
            if port.session is None and port.free_after <= now:
                return port
        return None

    def _attach(self, live: _Live, sink: AudioSink | None, record: bool) -> None:
        info = live.info
        assert info is not None
        live.activity = VoiceActivity(self.config.limits.silence_threshold_dbfs)
        live.session = MediaSession(info.call_id, sink, self.writer, self.frame_bytes)
        path = recording_path(self.config.recording.directory, info.call_id, info.started_at, self.timezone)
        self.writer.open(info.call_id, path if record else None, self.sample_rate, live.activity)
        live.port = self._free_port()
        live.port.session = live.session  # type: ignore[union-attr]

    def _on_incoming(self, account: _Account, prm: pj.OnIncomingCallParam) -> None:
        call = _Call(self, account, prm.callId)
        msg, source = prm.rdata.wholeMsg, prm.rdata.srcAddress
        ci = call.getInfo()
        live = _Live(call=call, info=None)
        call.live = live
        key = uuid.uuid4().hex
        self._calls[key] = live  # reference kept until DISCONNECTED, rejected calls included
        request_user, to_user = dialled_numbers(msg)
        served = [n for n in (request_user, to_user) if n in self.config.account.numbers]
        if not served:
            log.info("INVITE from %s for %r/%r: not a served number -> 404", source, request_user, to_user)
            return self._reject(call, 404, "Not Found")
        if self.active_calls() >= self.config.limits.max_calls or self._free_port() is None:
            log.warning(
                "INVITE from %s: %d calls up (limit %d) -> 486 Busy Here",
                source,
                self.active_calls(),
                self.config.limits.max_calls,
            )
            return self._reject(call, 486, "Busy Here")
        live.info = CallInfo(
            call_id=key,
            sip_call_id=ci.callIdString,
            caller=uri_user(ci.remoteUri),
            caller_uri=ci.remoteUri,
            callee=served[0],
            direction="inbound",
            started_at=datetime.now(UTC),
            remote_address=source,
            sample_rate=self.sample_rate,
            frame_bytes=self.frame_bytes,
        )
        sink = self._hook("on_call_started", live.info)
        self._attach(live, sink if isinstance(sink, AudioSink) else None, True)
        limits = self.config.limits
        live.flow = InboundFlow(
            key,
            set(self.prompts),
            language_timeout_s=self.config.ivr.language_timeout_s,
            silence_timeout_s=limits.silence_timeout_s,
            max_call_s=limits.max_call_s,
        )
        log.info(
            "call %s: %s -> %s from %s (Call-ID %s)",
            key,
            live.info.caller,
            served[0],
            source,
            live.info.sip_call_id,
        )
        op = pj.CallOpParam()
        op.statusCode = 200
        call.answer(op)

    def _reject(self, call: _Call, code: int, reason: str) -> None:
        op = pj.CallOpParam()
        op.statusCode = code
        op.reason = reason
        call.answer(op)

    def _place_call(self, uri: str, sink: AudioSink | None, record: bool, answer_timeout: float):  # type: ignore[no-untyped-def]
        if self.active_calls() >= self.config.limits.max_calls or self._free_port() is None:
            raise SipCallError(
                f"no free line: {self.active_calls()} calls up (limit {self.config.limits.max_calls})"
            )
        key = uuid.uuid4().hex
        call = _Call(self, self._account)  # type: ignore[arg-type]
        live = _Live(call=call, info=None, answer_timeout=answer_timeout, record=record)
        call.live = live
        live.info = CallInfo(
            call_id=key,
            sip_call_id="",
            caller=self.config.account.numbers[0],
            caller_uri="",
            callee=uri_user(uri),
            direction="outbound",
            started_at=datetime.now(UTC),
            remote_address=uri.split("@")[-1],
            sample_rate=self.sample_rate,
            frame_bytes=self.frame_bytes,
        )
        self._attach(live, sink, record)
        live.handle = OutboundCallHandle(key, uri, live.session, self.prompts, self._post)  # type: ignore[arg-type]
        self._calls[key] = live
        try:
            call.makeCall(uri, pj.CallOpParam(True))
        except pj.Error as exc:
            live.disconnected = True
            live.end_reason = EndReason.ERROR
            self._release(live, f"cannot call {uri}: {exc.reason}")
            raise SipCallError(f"cannot call {uri}: {exc.reason}") from None
        log.info("call %s: dialling %s", key, uri)
        return live.handle

    def _hook(self, name: str, *args: object) -> object:
        try:
            return getattr(self.observer, name)(*args)
        except BaseException:
            log.exception("observer %s failed", name)
            return None

    def _on_call_state(self, call: _Call) -> None:
        live = call.live
        if live is None or live.disconnected:
            return
        ci = call.getInfo()
        live.status_code, live.status_text = ci.lastStatusCode, ci.lastReason
        if live.info is not None and not live.info.sip_call_id and ci.callIdString:
            live.info = replace(live.info, sip_call_id=ci.callIdString)
        if ci.state == pj.PJSIP_INV_STATE_EARLY and live.handle is not None:
            live.handle.emit("ringing", status_code=ci.lastStatusCode)
        elif ci.state == pj.PJSIP_INV_STATE_CONFIRMED and live.answered_at is None:
            live.answered_at, live.answered_mono = datetime.now(UTC), time.monotonic()
            if live.handle is not None:
                live.handle.emit("answered", status_code=200)
        elif ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            live.disconnected = True
            if live.end_reason is None:
                if live.answered_at is not None:
                    live.end_reason = EndReason.CALLER_HANGUP
                else:
                    live.end_reason = EndReason.REJECTED if live.handle else EndReason.CALLER_HANGUP
            self._release(live, "")

    def _on_media_state(self, call: _Call) -> None:
        live = call.live
        if live is None or live.port is None or live.disconnected:
            return
        ci = call.getInfo()
        for index, media in enumerate(ci.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                audio = call.getAudioMedia(index)
                audio.startTransmit(live.port)
                live.port.startTransmit(audio)
                del audio
                if not live.media_up:
                    live.media_up = True
                    if live.flow is not None:
                        self._perform(live, live.flow.start(time.monotonic()))

    def _on_dtmf(self, call: _Call, digit: str) -> None:
        live = call.live
        if live is None or live.info is None or live.disconnected:
            return
        live.dtmf.append(digit)
        log.info("call %s: DTMF %s", live.info.call_id, digit)
        if live.handle is not None:
            live.handle.emit("dtmf", digit=digit)
            return
        self._hook("on_dtmf", live.info.call_id, digit)
        if live.flow is not None:
            self._perform(live, live.flow.on_dtmf(digit, time.monotonic()))

    def _perform(self, live: _Live, actions: list) -> None:
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

    def _hangup(self, live: _Live, reason: EndReason) -> None:
        if live.end_reason is None:
            live.end_reason = reason
        op = pj.CallOpParam()
        op.statusCode = 200 if live.answered_at is not None or live.handle is None else 487
        try:
            live.call.hangup(op)  # type: ignore[union-attr]
        except pj.Error as exc:
            log.warning("hangup failed: %s", exc.reason)

    def _tick(self) -> None:
        now = time.monotonic()
        for live in list(self._calls.values()):
            if live.disconnected or live.session is None:
                continue
            finished = live.session.playback.pop_finished()
            if live.handle is not None:
                for name in finished:
                    live.handle.emit("playback_done", name=name)
                if live.answered_at is None and now - live.created_mono > live.answer_timeout:
                    self._hangup(live, EndReason.NO_ANSWER)
                elif (
                    live.answered_at is not None and now - live.answered_mono > self.config.limits.max_call_s
                ):
                    self._hangup(live, EndReason.MAX_DURATION)
            elif live.flow is not None and live.media_up:
                if finished and not live.session.playback.busy:
                    self._perform(live, live.flow.on_playback_done(now))
                self._perform(live, live.flow.on_tick(now, live.activity.last_voice_at))  # type: ignore[union-attr]

    def _release(self, live: _Live, error: str) -> None:
        """Detach the port (quarantined), close the recording; finalize when the writer is done."""
        if live.port is not None:
            live.port.session = None
            live.port.free_after = time.monotonic() + QUARANTINE_S
            live.port = None
        if live.info is None:  # a rejected inbound call: nothing to report
            self._post("finalize", (live, 0.0, error))
            return
        self.writer.close(live.info.call_id, lambda seconds: self._post("finalize", (live, seconds, error)))

    def _finalize(self, live: _Live, seconds: float, error: str) -> None:
        for key, value in list(self._calls.items()):
            if value is live:
                del self._calls[key]
        live.call = None  # drop the pj.Call reference (outside its own callback)
        if live.info is None or live.session is None:
            return
        info, ended = live.info, datetime.now(UTC)
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
            recording_path=recording_path(
                self.config.recording.directory, info.call_id, info.started_at, self.timezone
            )
            if live.record and seconds
            else None,
            recording_seconds=seconds,
            frames_received=live.session.frames_received,
            frames_dropped=live.session.frames_dropped,
            language=live.language,  # type: ignore[arg-type]
            language_source=live.language_source,
            dtmf="".join(live.dtmf),
            error=error,  # type: ignore[arg-type]
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

    def _shutdown_calls(self) -> None:
        for live in list(self._calls.values()):
            if not live.disconnected and live.call is not None:
                self._hangup(live, EndReason.SHUTDOWN)
        deadline = time.monotonic() + 5
        while self._calls and time.monotonic() < deadline:
            self._ep.libHandleEvents(10)  # type: ignore[union-attr]
            self._drain_commands()
        for live in list(self._calls.values()):  # never disconnected in time: report anyway
            live.disconnected = True
            live.end_reason = live.end_reason or EndReason.SHUTDOWN
            self._release(live, "")
        self.writer.stop()
        self._drain_commands()

    def _destroy(self) -> None:
        """Release pjsua2 in an order that does not abort: calls, account, clock, ports, library."""
        ep = self._ep
        if ep is None:
            return
        self._calls.clear()
        try:
            if self._account is not None:
                self._account.shutdown()
                self._account = None
                for _ in range(10):
                    ep.libHandleEvents(10)
            ep.audDevManager().setNoDev()  # stops the null device clock: no more frame callbacks
            self._ports.clear()  # (no loop variable may outlive this: it would keep a port alive)
            gc.collect()
            ep.libDestroy()
        except BaseException:
            log.exception("SIP endpoint shutdown failed")
        self._ep = None
