"""The telephony boundary: event types and the interfaces the call pipeline talks to.

Nothing here imports pjsua2. Two implementations exist: :mod:`hotline.sip.pjsua_adapter` (real SIP) and
:mod:`hotline.sip.fake` (drives the same hooks without a network, for fast pipeline tests).

Threads: observer hooks run on the SIP thread (the one thread that owns the pjsua2 endpoint), except
:meth:`AudioSink.push`, which runs on the media clock thread with every 20 ms frame of caller audio and must
only copy the bytes and return (it slows the bridge for every call otherwise). A hook that blocks delays
every call on the endpoint; an exception from a hook is logged and swallowed (push: counted as dropped).

Order per inbound call: on_call_started (before the 200 OK; the sink receives audio from the first frame,
greeting included) -> on_dtmf / on_language (once) -> on_call_ended (after the recording file is closed;
the port is detached from the call before that, so push has stopped, bar one frame already in flight).
Rejected INVITEs (404 unknown number, 486 over the limit) reach no hook; they are logged. Outbound calls
report to their :class:`OutboundCall` handle, not to the observer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

Language = Literal["zh", "mn"]
Direction = Literal["inbound", "outbound"]


class EndReason(StrEnum):
    """Why a call ended (stored as CallSummary.reason)."""

    CALLER_HANGUP = "caller_hangup"  # the remote party hung up (inbound caller or outbound callee)
    LOCAL_HANGUP = "local_hangup"  # our side hung up on request (hangup(), outbound scripts)
    SILENCE_TIMEOUT = "silence_timeout"  # caller audio below the energy threshold for too long
    MAX_DURATION = "max_duration"  # [limits] max_call_seconds reached
    SHUTDOWN = "shutdown"  # the endpoint stopped while the call was up
    REJECTED = "rejected"  # outbound call refused by the remote side (status_code tells why)
    NO_ANSWER = "no_answer"  # outbound call not answered in time
    ERROR = "error"  # media or SIP failure on our side
    BLOCKED = "blocked"  # a blacklisted caller heard the short message (hotline.sip.caller_screen)


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What is known about a call when it starts (given to ``on_call_started``)."""

    call_id: str  # our uuid4 hex, used in logs, events, recording file names
    sip_call_id: str  # the SIP Call-ID header
    caller: str  # caller number (user part of the From URI), "" when anonymous
    caller_uri: str  # full remote URI as sent, e.g. '"Zhang" <sip:13800000000@10.0.0.5>'
    callee: str  # the dialled number (served DID) for inbound, the target number for outbound
    direction: Direction
    started_at: datetime  # aware UTC
    remote_address: str  # "ip:port" the INVITE came from (inbound) or the target host (outbound)
    sample_rate: int  # Hz of the PCM given to AudioSink.push (16-bit signed little endian, mono)
    frame_bytes: int  # bytes per 20 ms frame (sample_rate / 50 * 2)


@dataclass(frozen=True, slots=True)
class CallSummary:
    """How a call went (given to ``on_call_ended``)."""

    call_id: str
    sip_call_id: str
    reason: EndReason
    status_code: int  # last SIP status: 200 for an answered call, 4xx-6xx for a rejected outbound call
    status_text: str  # its reason phrase, e.g. "Not Found"
    started_at: datetime  # aware UTC
    answered_at: datetime | None
    ended_at: datetime
    duration_s: float  # answered -> ended (0.0 when never answered)
    recording_path: Path | None  # WAV (16-bit mono, CallInfo.sample_rate), closed when this is delivered
    recording_seconds: float  # audio length written to recording_path
    frames_received: int  # 20 ms caller frames delivered by the media bridge
    frames_dropped: int  # frames the AudioSink refused (push returned False)
    language: Language | None  # None for outbound calls
    language_source: Literal["dtmf", "default"] | None
    dtmf: str = ""  # every digit received, in order
    error: str = ""  # set when reason is ERROR
    codec: str = ""  # negotiated audio codec, e.g. "PCMA" ("" when unknown)


@runtime_checkable
class AudioSink(Protocol):
    """Receives caller audio. ``push`` runs on the media clock thread: copy and return (microseconds)."""

    def push(self, pcm: bytes) -> bool:
        """Take whole 20 ms frames (a block of up to 100 ms); False when refused (all counted as dropped)."""
        ...


class CallObserver(Protocol):
    """The hooks the live-call pipeline implements for inbound calls (all on the SIP thread)."""

    def on_call_started(self, call: CallInfo) -> AudioSink | None:
        """A served call is being answered; return where its caller audio goes (None: recording only)."""
        ...

    def on_language(self, call_id: str, lang: Language) -> None:
        """The caller chose a language (DTMF 1 = zh, 2 = mn) or the IVR timeout chose zh."""
        ...

    def on_dtmf(self, call_id: str, digit: str) -> None:
        """Any DTMF digit (RFC 2833 or SIP INFO), including the language choice."""
        ...

    def on_call_ended(self, call_id: str, summary: CallSummary) -> None:
        """The call is over and its recording is closed."""
        ...

    def on_agent_leg(self, call_id: str, agent_id: int, leg: CallInfo) -> AudioSink | None:
        """An agent's phone is being dialled for inbound call ``call_id``; return where the agent's audio
        goes (a second ASR stream), from the first frame after they answer."""
        ...

    def on_agent_connected(self, call_id: str, agent_id: int) -> None:
        """The agent answered: both legs are bridged."""
        ...

    def on_agent_gone(self, call_id: str, agent_id: int, answered: bool) -> None:
        """The agent leg ended (missed ring, or the agent's side of a bridged call hung up)."""
        ...

    def on_party_leg(self, call_id: str, speaker: str, leg: CallInfo) -> AudioSink | None:
        """A further party is dialled into inbound call ``call_id`` (speaker "department" on a transfer, or
        "agent" when another agent is consulted); return where its audio goes (its own ASR stream, stored
        with that speaker)."""
        ...


class NullObserver:
    """An observer that records nothing; subclass it and override the hooks you need."""

    def on_call_started(self, call: CallInfo) -> AudioSink | None:
        return None

    def on_language(self, call_id: str, lang: Language) -> None:
        pass

    def on_dtmf(self, call_id: str, digit: str) -> None:
        pass

    def on_call_ended(self, call_id: str, summary: CallSummary) -> None:
        pass

    def on_agent_leg(self, call_id: str, agent_id: int, leg: CallInfo) -> AudioSink | None:
        return None

    def on_agent_connected(self, call_id: str, agent_id: int) -> None:
        pass

    def on_agent_gone(self, call_id: str, agent_id: int, answered: bool) -> None:
        pass

    def on_party_leg(self, call_id: str, speaker: str, leg: CallInfo) -> AudioSink | None:
        return None


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """Where a queued call stands (``AgentQueue.poll``); ``offer``: ring this agent now (already claimed)."""

    position: int
    expected_wait_s: float
    agent_id: int | None = None
    phone_uri: str = ""


class AgentQueue(Protocol):
    """The shared call queue the endpoint asks (implemented over database rows by hotline.calls).

    Called on the SIP thread, at most about once a second per queued call; each call is one short
    transaction. Every method must return quickly and never raise (log and degrade instead).
    """

    def agents_available(self, language: Language) -> bool:
        """Is any agent signed in (ready, busy or talking) to queue for?"""
        ...

    def enter(self, call: CallInfo, language: Language) -> int | None:
        """Queue the call; its ticket, or None when it cannot be queued (the caller leaves a message)."""
        ...

    def poll(self, ticket: int, *, may_offer: bool) -> QueueStatus:
        """Position, expected wait and, when ``may_offer`` (a line is free to dial an agent) and an agent
        was claimed for this call, whom to ring."""
        ...

    def missed(self, ticket: int, agent_id: int, detail: str) -> None: ...

    def connected(self, ticket: int, agent_id: int) -> None: ...

    def finished(self, ticket: int) -> None:
        """The bridged call is over (the agent goes to wrap-up)."""
        ...

    def abandoned(self, ticket: int) -> None:
        """The caller hung up while waiting or while an agent's phone rang."""
        ...

    def overflow(self, ticket: int, reason: str) -> None:
        """The caller leaves the queue unanswered: waited_too_long | no_line."""
        ...

    def outcome(self, ticket: int, choice: str) -> None:
        """What an overflowed caller chose: message | ring_back | hangup."""
        ...

    def take_command(self, ticket: int) -> str:
        """The agent's pending request for a bridged call ("" none, hold, resume, hangup), cleared."""
        ...

    # transfers (hotline.sip.transfers; the commands are listed in hotline.agents.transfers)
    def pass_on(self, ticket: int, language: str, detail: str) -> None:
        """The agent's part ends (wrap-up); the call waits again (``language``: "" keeps its queue)."""
        ...

    def offer_to(self, ticket: int, agent_id: int, consult: bool) -> str:
        """Claim this ready agent for the call; their phone URI, or "" when they are not ready."""
        ...

    def release(self, ticket: int, agent_id: int) -> None:
        """A consulted agent is not needed any more (ready again)."""
        ...

    def consulted(self, ticket: int, agent_id: int) -> None:
        """The consulted agent answered."""
        ...

    def hand_over(self, ticket: int, to_agent: int) -> None:
        """An announced transfer completed: the call is the consulted agent's now."""
        ...


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One event on an outbound call handle (``OutboundCall.events``)."""

    kind: Literal["ringing", "answered", "dtmf", "playback_done", "ended"]
    at: datetime
    digit: str = ""
    status_code: int = 0
    reason: str = ""
    name: str = ""  # the prompt or audio name for playback_done
    summary: CallSummary | None = field(default=None, compare=False)


class OutboundCall(Protocol):
    """Handle of a call placed with :meth:`SipEndpoint.place_call`. Methods are thread-safe."""

    call_id: str
    uri: str

    def play(self, pcm: bytes, *, name: str = "audio") -> None:
        """Queue 16-bit mono PCM at the endpoint clock rate for the remote party; then 'playback_done'."""
        ...

    def play_prompt(self, name: str) -> None:
        """Queue a configured prompt by name, e.g. 'tone' or a file loaded with SipEndpoint.load_prompt."""
        ...

    def send_dtmf(self, digits: str) -> None:
        """Send RFC 2833 DTMF digits (0-9, *, #, A-D)."""
        ...

    def hangup(self) -> None:
        """End the call (CANCEL while ringing, BYE when answered)."""
        ...

    def wait_answered(self, timeout: float) -> bool:
        """Block until answered (True) or ended/timeout (False)."""
        ...

    def next_event(self, timeout: float) -> CallEvent | None:
        """The next event in order, or None after timeout."""
        ...

    def wait_ended(self, timeout: float) -> CallSummary | None:
        """Block until the call is over; the summary, or None after timeout."""
        ...


class SipEndpoint(Protocol):
    """What `hotline serve` and the call pipeline use; implemented by PjsuaEndpoint and FakeSipEndpoint."""

    sample_rate: int  # the conference bridge's clock rate (Hz)

    def set_prompt(self, name: str, path: Path) -> None:
        """Play ``path`` for prompt slot ``name`` from the next call on (no restart)."""
        ...

    def start(self) -> None:
        """Bind transports and begin answering; raises SipStartError with a readable message."""
        ...

    def stop(self, timeout: float = 5.0) -> None:
        """Hang up every call (reason shutdown), close recordings and release the SIP stack."""
        ...

    def place_call(
        self, uri: str, *, sink: AudioSink | None = None, record: bool = True, answer_timeout: float = 45.0,
        caller_id: str | None = None,
    ) -> OutboundCall:
        """Dial ``uri`` (e.g. 'sip:13800000000@pbx.example'); raises SipCallError when no line is free.

        ``caller_id`` (e.g. the citizen's number on an agent's leg) is presented to the called phone as the
        From user and display name and in P-Asserted-Identity; None or an unusable value presents 7812345."""
        ...

    def active_calls(self) -> int:
        """Calls currently up or being set up."""
        ...


CALLER_ID = re.compile(r"[+]?[0-9A-Za-z*#._-]{1,40}")


def presentable_caller_id(caller_id: str | None) -> str | None:
    """``caller_id`` when it can be put in a SIP URI user part as it is, else None (present our number)."""
    if caller_id and caller_id.lower() not in ("anonymous", "unknown") and CALLER_ID.fullmatch(caller_id):
        return caller_id
    return None


class SipError(Exception):
    """Base class of telephony errors; the message says what to do."""


class SipStartError(SipError):
    """The endpoint could not start (port in use, bad address, pjsua2 failure)."""


class SipCallError(SipError):
    """An outbound call could not be placed (no free line, bad URI, endpoint not running)."""
