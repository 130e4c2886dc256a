"""The real SIP endpoint on pjsua2: the only module that imports pjsua2.

One thread ("sip-endpoint") owns the Endpoint (threadCnt = 0, mainThreadOnly) and polls libHandleEvents(10);
every pjsua2 call runs there, other threads post commands. Call logic lives in pjsua2-free modules
(call_flow, media_session, recording, outbound); this module is glue. See
/work/shared/notes/pjsua2-and-vosk-measured.md for the crash patterns avoided here (pooled ports, no
destroyed ports while the bridge runs, references to every Call, exceptions never escape a callback).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import cast

import pjsua2 as pj

from hotline.sip import pjsip_log
from hotline.sip.call_control import CallControl, LiveCall
from hotline.sip.config import SipConfig
from hotline.sip.frame_buffer import check_layout, read_vector, write_vector
from hotline.sip.media_session import MediaSession
from hotline.sip.outbound import OutboundCallHandle
from hotline.sip.protocol import (
    AgentQueue,
    AudioSink,
    CallObserver,
    EndReason,
    SipCallError,
    SipStartError,
    presentable_caller_id,
)
from hotline.sip.sip_message import dialled_numbers, uri_host, uri_user

log = logging.getLogger(__name__)
QUARANTINE_S = 0.1  # late frames of the previous call may still arrive on a released port
# libHandleEvents' wait: SIP messages and pjsip timers end it early; our commands, ticks and media callbacks
# queued for this thread wait for its end. 10 ms while a call is up; 100 ms when idle (polling 100x a second
# cost ~0.5 % of a core per idle worker, measured). A command posted to an idle endpoint switches to 10 ms.
BUSY_POLL_MS = 10
IDLE_POLL_MS = 100
IDLE_AFTER_S = 2.0  # after the last call, queue visit or command
_AUDIO = pj.PJMEDIA_FRAME_TYPE_AUDIO
_NONE = pj.PJMEDIA_FRAME_TYPE_NONE


def _check_vector_layout() -> None:
    vec = pj.ByteVector()
    for byte in b"hotline":
        vec.push_back(byte)
    if not check_layout(vec, b"hotline"):
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
                session.on_caller_frame(read_vector(frame.buf, frame.size))
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
                write_vector(frame.buf, pcm)
                frame.size = len(pcm)
                frame.type = _AUDIO
        except BaseException:
            log.exception("port %d: onFrameRequested failed", self.index)


class _LogWriter(pj.LogWriter):
    """pjsip's log lines into Python logging (logger "pjsip"). The Endpoint deletes it in libDestroy."""

    def write(self, entry: pj.LogEntry) -> None:  # SIP thread (mainThreadOnly queues the others' lines)
        try:
            pjsip_log.forward(entry.level, entry.msg)
        except BaseException:  # noqa: BLE001 - an exception escaping a director callback aborts at exit
            pass


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
            self.owner.registration = (prm.code, prm.reason)
            if prm.code // 100 == 2:
                log.info("registration: %d %s (expires %ss)", prm.code, prm.reason, prm.expiration)
            else:
                log.warning(
                    "registration: %d %s; check [account] registrar, username and password_env",
                    prm.code,
                    prm.reason,
                )
        except BaseException:
            log.exception("onRegState failed")


class _Call(pj.Call):
    def __init__(self, owner: PjsuaEndpoint, account: pj.Account, pj_call_id: int = pj.PJSUA_INVALID_ID):
        super().__init__(account, pj_call_id)
        self.owner = owner
        self.live: LiveCall | None = None

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


class PjsuaEndpoint(CallControl):
    """The SIP endpoint (see :class:`hotline.sip.protocol.SipEndpoint`).

    ``start()``/``stop()``/``place_call()`` from any thread; observer hooks run on the "sip-endpoint" thread.
    ``ephemeral_port=True`` is for clients (`hotline call`): any free UDP port, no TCP.
    """

    def __init__(
        self,
        config: SipConfig,
        observer: CallObserver | None = None,
        *,
        timezone: str = "Asia/Shanghai",
        ephemeral_port: bool = False,
        pj_log_level: int = 1,
        queue: AgentQueue | None = None,
    ) -> None:
        super().__init__(config, observer, timezone=timezone, queue=queue)
        self.ephemeral_port = ephemeral_port
        self.pj_log_level = pj_log_level
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._stopping = threading.Event()
        self._ports: list[_Port] = []
        self._ep: pj.Endpoint | None = None
        self._account: _Account | None = None
        self._log_writer: _LogWriter | None = None  # referenced while the Endpoint lives (SWIG director)
        self.local_port = 0
        # last REGISTER result (code, reason) when [account] registrar is set
        self.registration: tuple[int, str] | None = None

    # ------------------------------------------------------------------ public API (any thread)
    def start(self, timeout: float = 15.0) -> None:
        if self._thread is not None:
            raise SipStartError("the SIP endpoint is already running (one pjsua2 Endpoint per process)")
        self.load_prompts()
        self.writer.start()
        self._thread = threading.Thread(target=self._run, name="sip-endpoint", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise SipStartError(f"SIP endpoint did not start within {timeout:g} s")
        if self._start_error is not None:
            self._thread.join(5)
            self._thread = None
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

    def place_call(
        self, uri: str, *, sink: AudioSink | None = None, record: bool = True, answer_timeout: float = 45.0,
        caller_id: str | None = None,
    ) -> OutboundCallHandle:
        if not uri.startswith(("sip:", "sips:")):
            raise SipCallError(f"not a SIP URI: {uri!r} (expected sip:NUMBER@HOST[:PORT])")
        shown = presentable_caller_id(caller_id)
        return self._on_sip_thread(lambda: self._place_call(uri, sink, record, answer_timeout, shown))

    # ------------------------------------------------------------------ SIP thread
    def _on_sip_thread(self, fn: Callable[[], OutboundCallHandle]) -> OutboundCallHandle:
        if threading.current_thread() is self._thread:
            return fn()
        if self._thread is None or self._stopping.is_set():
            raise SipCallError("the SIP endpoint is not running")
        future: Future = Future()
        self._post("run", (fn, future))
        return future.result(timeout=10)

    def _run(self) -> None:
        try:
            self._create()
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._start_error = exc
            self._ready.set()
            self._destroy()
            return
        self._ready.set()
        busy_until = 0.0
        try:
            while not self._stopping.is_set():
                now = time.monotonic()
                if self._calls or self._visits or not self._commands.empty():
                    busy_until = now + IDLE_AFTER_S
                self._ep.libHandleEvents(  # type: ignore[union-attr]
                    BUSY_POLL_MS if now < busy_until else IDLE_POLL_MS)
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
        pjsip_log.run_capturing_stdout(ep.libCreate)  # pjlib's banner goes to stdout before the writer exists
        ep_cfg = pj.EpConfig()
        ep_cfg.uaConfig.threadCnt = 0
        ep_cfg.uaConfig.mainThreadOnly = True
        ep_cfg.uaConfig.maxCalls = 4
        ep_cfg.uaConfig.userAgent = "hotline-7812345"
        ep_cfg.logConfig.level = self.pj_log_level
        ep_cfg.logConfig.consoleLevel = self.pj_log_level  # with a writer: what reaches it, never stdout
        ep_cfg.logConfig.decor = pj.PJ_LOG_HAS_SENDER  # no time, colour or newline: our formatter adds them
        self._log_writer = _LogWriter()
        ep_cfg.logConfig.writer = self._log_writer
        self._log_writer.__disown__()  # libDestroy deletes it: Python must not delete it a second time
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
        acfg.idUri = f'"{a.display_name}" <sip:{a.numbers[0]}@{self._own_host()}>'
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

    # ------------------------------------------------------------------ media binding
    def _media_free(self) -> bool:
        return self._free_port() is not None

    def _free_port(self) -> _Port | None:
        now = time.monotonic()
        for port in self._ports:
            if port.session is None and port.free_after <= now:
                return port
        return None

    def _bind_media(self, live: LiveCall) -> None:
        port = self._free_port()
        assert port is not None
        port.session = live.session
        live.media = port

    def _bridge(self, caller: LiveCall, agent: LiveCall) -> None:
        """Caller <-> agent in the conference bridge; each leg's own port keeps receiving its side (ASR)."""
        a = cast(_Call, caller.call).getAudioMedia(-1)
        b = cast(_Call, agent.call).getAudioMedia(-1)
        a.startTransmit(b)
        b.startTransmit(a)
        del a, b  # no AudioMedia may outlive the calls

    def _listen(self, listener: LiveCall, *sources: LiveCall) -> None:
        ear = cast(_Call, listener.call).getAudioMedia(-1)
        for source in sources:
            mouth = cast(_Call, source.call).getAudioMedia(-1)
            mouth.startTransmit(ear)
            del mouth
        del ear

    def _unbridge(self, caller: LiveCall, agent: LiveCall) -> None:
        a = cast(_Call, caller.call).getAudioMedia(-1)
        b = cast(_Call, agent.call).getAudioMedia(-1)
        a.stopTransmit(b)
        b.stopTransmit(a)
        del a, b

    def _send(self, source: LiveCall, target: LiveCall, on: bool) -> None:
        mouth = cast(_Call, source.call).getAudioMedia(-1)
        ear = cast(_Call, target.call).getAudioMedia(-1)
        if on:
            mouth.startTransmit(ear)
        else:
            mouth.stopTransmit(ear)
        del mouth, ear

    def _unbind_media(self, live: LiveCall) -> None:
        port = live.media
        if isinstance(port, _Port):
            port.session = None  # late frames of this call are dropped from here on
            port.free_after = time.monotonic() + QUARANTINE_S
        live.media = None

    # ------------------------------------------------------------------ signalling (SIP thread)
    def _on_incoming(self, account: _Account, prm: pj.OnIncomingCallParam) -> None:
        call = _Call(self, account, prm.callId)
        source = prm.rdata.srcAddress
        status, detail = self._admission(*dialled_numbers(prm.rdata.wholeMsg), source)
        if status:
            call.live = self._track_rejected(call)
            op = pj.CallOpParam()
            op.statusCode, op.reason = status, detail
            call.answer(op)
            return
        ci = call.getInfo()
        call.live = live = self._new_call(
            call,
            direction="inbound",
            caller=uri_user(ci.remoteUri),
            caller_uri=ci.remoteUri,
            callee=detail,
            remote=source,
            sip_call_id=ci.callIdString,
        )
        self._start_inbound(live)
        op = pj.CallOpParam()
        op.statusCode = 200
        call.answer(op)

    def _own_host(self) -> str:
        a, t = self.config.account, self.config.transport
        return a.registrar.split(":", 1)[1] if a.registrar else f"{t.bind_address}:{self.local_port}"

    def _call_op(self, caller_id: str | None) -> pj.CallOpParam:
        """INVITE parameters; with a caller id the called phone shows that number (From + PAI)."""
        op = pj.CallOpParam(True)
        if caller_id is not None:
            identity = f'"{caller_id}" <sip:{caller_id}@{self._own_host()}>'
            op.txOption.localUri = identity
            header = pj.SipHeader()
            header.hName, header.hValue = "P-Asserted-Identity", identity
            op.txOption.headers.append(header)
        return op

    def _place_call(
        self, uri: str, sink: AudioSink | None, record: bool, answer_timeout: float, caller_id: str | None
    ) -> OutboundCallHandle:
        if self.active_calls() >= self.config.limits.max_calls or not self._media_free():
            raise SipCallError(
                f"no free line: {self.active_calls()} calls up (limit {self.config.limits.max_calls})"
            )
        call = _Call(self, self._account)
        call.live = live = self._new_call(
            call,
            direction="outbound",
            caller=self.config.account.numbers[0],
            caller_uri="",
            callee=uri_user(uri),
            remote=uri_host(uri),
            sip_call_id="",
        )
        live.answer_timeout = answer_timeout
        self._start_outbound(live, uri, sink, record)
        try:
            call.makeCall(uri, self._call_op(caller_id))
        except pj.Error as exc:
            live.status_text = exc.reason
            live.end_reason = EndReason.ERROR
            self._disconnected(live, f"cannot call {uri}: {exc.reason}")
            raise SipCallError(f"cannot call {uri}: {exc.reason}") from None
        log.info("call %s: dialling %s", live.info.call_id, uri)  # type: ignore[union-attr]
        return live.handle  # type: ignore[return-value]

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
        elif ci.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self._answered(live)
        elif ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self._disconnected(live)

    def _on_media_state(self, call: _Call) -> None:
        live = call.live
        if live is None or not isinstance(live.media, _Port) or live.disconnected:
            return
        ci = call.getInfo()
        for index, media in enumerate(ci.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                try:
                    live.codec = call.getStreamInfo(index).codecName.upper()[:32]
                except Exception:
                    log.debug("call %s: no stream info for the codec", live.info and live.info.call_id)
                audio = call.getAudioMedia(index)
                audio.startTransmit(live.media)
                live.media.startTransmit(audio)
                del audio  # no AudioMedia may outlive the call
                self._media_active(live)

    def _on_dtmf(self, call: _Call, digit: str) -> None:
        if call.live is not None:
            self._dtmf(call.live, digit)

    def _signal_hangup(self, live: LiveCall, status_code: int) -> None:
        op = pj.CallOpParam()
        op.statusCode = status_code
        try:
            cast(_Call, live.call).hangup(op)
        except pj.Error as exc:
            log.warning("hangup failed: %s", exc.reason)

    def _signal_dtmf(self, live: LiveCall, digits: str) -> None:
        cast(_Call, live.call).dialDtmf(digits)

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
            ep.libDestroy()  # deletes the log writer
        except BaseException:
            log.exception("SIP endpoint shutdown failed")
        self._ep = None
        self._log_writer = None
