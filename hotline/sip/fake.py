"""A SIP endpoint without a network, for fast tests of the call pipeline (``--fake-sip`` runs too).

It shares :class:`CallControl` with the pjsua2 endpoint (same admission, IVR, timers, recordings, summaries)
and drives the same observer hooks, synchronously in the calling thread, on a manual clock::

    fake = FakeSipEndpoint(config, observer)
    fake.start()
    caller = fake.incoming_call(caller="13800000000")   # on_call_started; caller.status == 200
    caller.press("1")                                   # on_dtmf, on_language("zh")
    caller.send_audio(pcm)                              # AudioSink.push per 20 ms frame; clock advances
    caller.wait(2.0)                                    # 2 s of caller silence
    caller.hang_up()                                    # on_call_ended(summary)

Outbound: ``handle = fake.place_call(uri)``, then ``fake.remote(handle).answer()`` / ``.reject(486)``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from hotline.sip.call_control import CallControl, LiveCall
from hotline.sip.config import SipConfig
from hotline.sip.outbound import OutboundCallHandle
from hotline.sip.protocol import (
    AgentQueue,
    AudioSink,
    CallObserver,
    EndReason,
    SipCallError,
    presentable_caller_id,
)
from hotline.sip.sip_message import uri_host, uri_user

log = logging.getLogger(__name__)


class FakeRemote:
    """The far end of one fake call: what it sends and what it heard."""

    def __init__(self, endpoint: FakeSipEndpoint, live: LiveCall | None, status: int) -> None:
        self.endpoint = endpoint
        self.live = live
        self.status = status  # 200 answered, 404/486 rejected (inbound); 0 until answered (outbound)
        self.heard = bytearray()  # PCM played to this party (prompts), at the endpoint clock rate
        self.received_dtmf = ""
        self.hung_up = False
        self.shown_caller: str | None = None  # outbound: the caller id the called phone displays

    @property
    def call_id(self) -> str:
        return self.live.info.call_id if self.live and self.live.info else ""

    def send_audio(self, pcm: bytes) -> None:
        """Deliver caller audio frame by frame (other calls hear silence), 20 ms of clock per frame."""
        size = self.endpoint.frame_bytes
        for start in range(0, len(pcm) - size + 1, size):
            self.endpoint._frame_tick({id(self): pcm[start : start + size]})

    def wait(self, seconds: float) -> None:
        """Let time pass with a silent caller (the bridge still delivers silent frames)."""
        self.endpoint.advance(seconds)

    def press(self, digit: str) -> None:
        if self.live is not None:
            self.endpoint._dtmf(self.live, digit)
            self.endpoint._pump()

    def hang_up(self) -> None:
        if self.live is not None and not self.live.disconnected:
            self.endpoint._disconnected(self.live)
            self.endpoint._pump()

    def answer(self) -> None:
        """Outbound: the called party picks up."""
        if self.live is not None and not self.live.disconnected:
            self.status = self.live.status_code = 200
            self.live.status_text = "OK"
            self.endpoint._answered(self.live)
            self.endpoint._media_active(self.live)
            self.endpoint._pump()

    def reject(self, status: int = 486, reason: str = "Busy Here") -> None:
        """Outbound: the called party refuses."""
        if self.live is not None and not self.live.disconnected:
            self.status = self.live.status_code = status
            self.live.status_text = reason
            self.endpoint._disconnected(self.live)
            self.endpoint._pump()

    def _exchange(self, frame: bytes) -> None:
        """One 20 ms media exchange: the caller's frame in, a prompt frame (or silence) out."""
        live = self.live
        if live is None or live.disconnected or live.session is None or not live.media_up:
            return
        live.session.on_caller_frame(frame)
        played = live.session.next_playback_frame()
        self.heard += played if played is not None else bytes(len(frame))


class FakeSipEndpoint(CallControl):
    """Implements :class:`hotline.sip.protocol.SipEndpoint` in memory; see the module docstring."""

    def __init__(
        self, config: SipConfig, observer: CallObserver | None = None, *, timezone: str = "Asia/Shanghai",
        queue: AgentQueue | None = None,
    ):
        self.now = 0.0
        base = datetime.now(UTC)
        super().__init__(
            config,
            observer,
            timezone=timezone,
            clock=lambda: self.now,
            wall_clock=lambda: base + timedelta(seconds=self.now),
            synchronous_writer=True,
            queue=queue,
        )
        self.remotes: dict[str, FakeRemote] = {}
        self.bridges: list[tuple[str, str]] = []  # (caller call_id, agent leg call_id) joined by _bridge
        self.listens: list[tuple[str, ...]] = []  # (listener leg, source legs...) joined by _listen
        self.sends: set[tuple[str, str]] = set()  # (source leg, target leg) one way, by _send (whisper/barge)
        self.running = False

    def start(self) -> None:
        self.load_prompts()
        self.writer.start()
        self.running = True

    def stop(self, timeout: float = 5.0) -> None:
        for live in list(self._calls.values()):
            self._hangup(live, EndReason.SHUTDOWN)
        self._pump()
        self.writer.stop()
        self.running = False

    def incoming_call(
        self, caller: str = "13800000000", callee: str | None = None, remote_address: str = "127.0.0.1:5062"
    ) -> FakeRemote:
        """An INVITE from ``caller`` to ``callee`` (default: the first served number)."""
        callee = callee or self.config.account.numbers[0]
        status, detail = self._admission(callee, callee, remote_address)
        if status:
            return FakeRemote(self, None, status)
        remote = FakeRemote(self, None, 200)
        live = self._new_call(
            remote,
            direction="inbound",
            caller=caller,
            caller_uri=f"<sip:{caller}@fake>",
            callee=detail,
            remote=remote_address,
            sip_call_id=f"fake-{self.now:.2f}-{caller}",
        )
        remote.live = live
        self.remotes[live.info.call_id] = remote  # type: ignore[union-attr]
        self._start_inbound(live)
        live.status_code, live.status_text = 200, "OK"
        self._answered(live)
        self._media_active(live)
        self._pump()
        return remote

    def place_call(
        self, uri: str, *, sink: AudioSink | None = None, record: bool = True, answer_timeout: float = 45.0,
        caller_id: str | None = None,
    ) -> OutboundCallHandle:
        if not self.running:
            raise SipCallError("the SIP endpoint is not running")
        if not uri.startswith(("sip:", "sips:")):
            raise SipCallError(f"not a SIP URI: {uri!r} (expected sip:NUMBER@HOST[:PORT])")
        if self.active_calls() >= self.config.limits.max_calls:
            raise SipCallError(
                f"no free line: {self.active_calls()} calls up (limit {self.config.limits.max_calls})"
            )
        remote = FakeRemote(self, None, 0)
        remote.shown_caller = presentable_caller_id(caller_id) or self.config.account.numbers[0]
        live = self._new_call(
            remote,
            direction="outbound",
            caller=self.config.account.numbers[0],
            caller_uri="",
            callee=uri_user(uri),
            remote=uri_host(uri),
            sip_call_id=f"fake-out-{self.now:.2f}",
        )
        live.answer_timeout = answer_timeout
        remote.live = live
        self._start_outbound(live, uri, sink, record)
        self.remotes[live.info.call_id] = remote  # type: ignore[union-attr]
        return live.handle  # type: ignore[return-value]

    def remote(self, call: OutboundCallHandle | str) -> FakeRemote:
        """The far end of a call, by handle or call_id."""
        return self.remotes[call if isinstance(call, str) else call.call_id]

    def advance(self, seconds: float) -> None:
        """Let time pass for every call (silent callers), 20 ms at a time."""
        for _ in range(int(round(seconds * 50))):
            self._frame_tick({})

    def _frame_tick(self, frames: dict[int, bytes]) -> None:
        silence = bytes(self.frame_bytes)
        for remote in [r for r in self.remotes.values() if r.live is not None and not r.live.disconnected]:
            remote._exchange(frames.get(id(remote), silence))
        self.now += 0.02
        self._pump()

    # -- CallControl hooks
    def _signal_hangup(self, live: LiveCall, status_code: int) -> None:
        remote = live.call
        if isinstance(remote, FakeRemote):
            remote.hung_up = True
        self._disconnected(live)

    def _bridge(self, caller: LiveCall, agent: LiveCall) -> None:
        self.bridges.append((caller.info.call_id, agent.info.call_id))  # type: ignore[union-attr]

    def _listen(self, listener: LiveCall, *sources: LiveCall) -> None:
        self.listens.append((listener.info.call_id, *(s.info.call_id for s in sources)))  # type: ignore[union-attr]

    def _unbridge(self, caller: LiveCall, agent: LiveCall) -> None:
        self.bridges.remove((caller.info.call_id, agent.info.call_id))  # type: ignore[union-attr]

    def _send(self, source: LiveCall, target: LiveCall, on: bool) -> None:
        pair = (source.info.call_id, target.info.call_id)  # type: ignore[union-attr]
        if on:
            self.sends.add(pair)
        else:
            self.sends.discard(pair)

    def _signal_dtmf(self, live: LiveCall, digits: str) -> None:
        remote = live.call
        if isinstance(remote, FakeRemote):
            remote.received_dtmf += digits

    def _pump(self) -> None:
        self._drain_commands()
        self._tick()
        self._drain_commands()
