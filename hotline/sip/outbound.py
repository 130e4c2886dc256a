"""The handle of an outbound call: events for the caller of place_call, commands posted to the SIP thread."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from hotline.sip.media_session import MediaSession
from hotline.sip.protocol import CallEvent, CallSummary


class OutboundCallHandle:
    """Implements :class:`hotline.sip.protocol.OutboundCall`; thread-safe."""

    def __init__(
        self,
        call_id: str,
        uri: str,
        session: MediaSession,
        prompts: dict[str, bytes],
        post: Callable[[str, tuple], None],
    ) -> None:
        self.call_id = call_id
        self.uri = uri
        self.session = session
        self._prompts = prompts
        self._post = post
        self._events: queue.Queue[CallEvent] = queue.Queue()
        self._answered = threading.Event()
        self._ended = threading.Event()
        self.summary: CallSummary | None = None

    # -- used by the caller of place_call
    def play(self, pcm: bytes, *, name: str = "audio") -> None:
        self.session.playback.enqueue(name, pcm)

    def play_prompt(self, name: str) -> None:
        if name not in self._prompts:
            raise KeyError(f"no prompt named {name!r}; known: {', '.join(sorted(self._prompts))}")
        self.session.playback.enqueue(name, self._prompts[name])

    def send_dtmf(self, digits: str) -> None:
        bad = [d for d in digits if d not in "0123456789*#ABCD"]
        if bad:
            raise ValueError(f"DTMF digits are 0-9, *, #, A-D; got {bad}")
        self._post("dtmf", (self.call_id, digits))

    def hangup(self) -> None:
        self._post("hangup", (self.call_id,))

    def wait_answered(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self._answered.is_set() and not self._ended.is_set() and time.monotonic() < deadline:
            self._answered.wait(min(0.05, max(0.0, deadline - time.monotonic())))
        return self._answered.is_set()

    def next_event(self, timeout: float) -> CallEvent | None:
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def wait_ended(self, timeout: float) -> CallSummary | None:
        self._ended.wait(timeout)
        return self.summary

    @property
    def answered(self) -> bool:
        return self._answered.is_set()

    # -- used by the endpoint (SIP thread)
    def emit(self, kind: str, **fields: object) -> None:
        if kind == "answered":
            self._answered.set()
        event = CallEvent(kind=kind, at=datetime.now(UTC), **fields)  # type: ignore[arg-type]
        if kind == "ended":
            self.summary = event.summary
        self._events.put(event)
        if kind == "ended":
            self._ended.set()
