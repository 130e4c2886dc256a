"""Recognizers that run elsewhere: speech servers speaking the vosk-server WebSocket protocol.

An operator runs upstream ``vosk-server`` (alphacep/kaldi-* images) on other machines, or ``hotline asr
serve`` (:mod:`asr.speech_server`) once per machine so that SIP workers share one model; the hotline then
decodes through :class:`RemoteServers` instead of a local model. The protocol, as upstream's
``websocket/asr_server.py`` speaks it: the client sends ``{"config": {"sample_rate": R, "words": 1}}`` as
text, then binary 16-bit mono PCM; the server answers every audio message with one JSON text, a Result
(``{"text", "result": [words]}``) when an utterance ended, else a PartialResult (``{"partial"}``);
``{"eof" : 1}`` asks for the FinalResult, after which the server closes.

Failover: a recognizer keeps the audio of the utterance in progress. When its server fails (refused,
closed, timed out), the server is marked down for ``retry_after_s`` and the utterance is replayed on the next
server, so a call's transcript completes when one of several servers dies mid-call. Word times are kept
relative to the recognizer's own start, as :class:`asr.vosk_backend.VoskRecognizer` keeps them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from contextlib import ExitStack
from typing import Any

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

from asr.errors import AsrError

log = logging.getLogger(__name__)
EOF_MESSAGE = '{"eof" : 1}'  # upstream compares this exact text


class SpeechServerError(AsrError):
    """No configured speech server could decode (all refused, failed or timed out)."""


class _NoServer(Exception):
    """No server accepted a new session."""


class RemoteServers:
    """The configured speech servers, in order of preference, with their health. Stands in for a
    :class:`asr.vosk_backend.VoskModel` in :class:`asr.TranscriptionService` (thread-safe)."""

    supports_phrases = False  # phrase lists need the model's vocabulary, which a remote server does not show

    def __init__(self, urls: list[str], *, sample_rate: int = 16000, timeout_s: float = 5.0,
                 retry_after_s: float = 30.0) -> None:
        if not urls:
            raise ValueError("no speech server URL (ws://host:port)")
        bad = [u for u in urls if not u.startswith(("ws://", "wss://"))]
        if bad:
            raise ValueError(f"speech server URLs must start with ws:// or wss://: {', '.join(bad)}")
        self.urls = list(urls)
        self.sample_rate = sample_rate
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self.path = ", ".join(urls)  # shown where a model's path is
        self._down_until: dict[str, float] = {}
        self._errors: dict[str, str] = {}
        self._lock = threading.Lock()
        self.failovers = 0

    def knows_word(self, word: str) -> bool:
        return False

    def new_recognizer(self, sample_rate: int | None = None, phrases: list[str] | None = None
                       ) -> RemoteRecognizer:
        return RemoteRecognizer(self, sample_rate or self.sample_rate)

    def candidates(self) -> list[str]:
        """Servers to try, healthy ones first (in configured order), then those marked down."""
        now = time.monotonic()
        with self._lock:
            up = [u for u in self.urls if self._down_until.get(u, 0.0) <= now]
            down = sorted((u for u in self.urls if u not in up), key=lambda u: self._down_until[u])
        return up + down

    def mark_down(self, url: str, reason: str, *, quiet: bool = False) -> None:
        with self._lock:
            self._down_until[url] = time.monotonic() + self.retry_after_s
            self._errors[url] = reason
        if not quiet:
            log.warning("speech server %s failed (%s); trying the next one", url, reason)

    def mark_up(self, url: str) -> None:
        with self._lock:
            self._down_until.pop(url, None)
            self._errors.pop(url, None)

    def status(self) -> dict[str, str]:
        """url -> "up" or "down: reason" (for /healthz)."""
        now = time.monotonic()
        with self._lock:
            return {u: ("up" if self._down_until.get(u, 0.0) <= now else f"down: {self._errors.get(u, '')}")
                    for u in self.urls}

    def check(self) -> dict[str, str]:
        """Probe every server with an empty session (config, then eof) and record the outcome."""
        for url in self.urls:
            try:
                with connect(url, open_timeout=self.timeout_s, close_timeout=1) as ws:
                    ws.send(json.dumps({"config": {"sample_rate": self.sample_rate}}))
                    ws.send(EOF_MESSAGE)
                    json.loads(ws.recv(timeout=self.timeout_s))
                self.mark_up(url)
            except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
                self.mark_down(url, _describe(exc), quiet=True)
        return self.status()

    def __repr__(self) -> str:
        return f"RemoteServers({self.urls!r}, sample_rate={self.sample_rate})"


class RemoteRecognizer:
    """One recognition session on a speech server, with the interface of a local recognizer; not
    thread-safe (one decode task drives it, like a Kaldi recognizer)."""

    has_grammar = False

    def __init__(self, servers: RemoteServers, sample_rate: int) -> None:
        self._servers = servers
        self.sample_rate = sample_rate
        self._ws: ClientConnection | None = None
        self._connection = ExitStack()  # websockets wants its connections used as context managers
        self.url: str | None = None
        self._samples = 0  # fed since creation (word times count from here, as Vosk's do across Reset)
        self._session_start = 0  # samples fed before the current server session's first audio
        self._utterance = bytearray()  # audio since the last result: replayed on another server on failure
        self._partial = ""
        self._result: dict[str, Any] = {}
        self.vosk_cpu_s = 0.0  # decoding CPU is spent on the server
        self.failovers = 0

    @property
    def elapsed_seconds(self) -> float:
        return self._samples / self.sample_rate

    def accept(self, pcm: bytes) -> bool:
        """Feed 16-bit mono PCM at the recognizer's rate; True when an utterance just ended."""
        self._samples += len(pcm) // 2
        self._utterance += pcm
        reply = self._exchange(pcm)
        if "text" in reply or "result" in reply:
            self._result = reply
            self._utterance.clear()
            self._partial = ""
            return True
        self._partial = str(reply.get("partial", ""))
        return False

    def result(self) -> dict[str, Any]:
        return self._result

    def partial(self) -> str:
        return self._partial

    def final(self) -> dict[str, Any]:
        """The last utterance's result; ends the server session."""
        if self._ws is None and not self._utterance:
            return {"text": ""}
        reply = self._exchange(None)
        self._close()
        self._utterance.clear()
        self._partial = ""
        return reply

    def reset(self) -> None:
        """Forget the utterance in progress (the next audio starts a new server session)."""
        self._close()
        self._utterance.clear()
        self._partial = ""

    def close(self) -> None:
        """Retired by a pool: the server keeps its own recognizers, so this only ends the session."""
        self.reset()

    def _exchange(self, pcm: bytes | None) -> dict[str, Any]:
        """Send ``pcm`` (None: eof) and return the server's answer, failing over to the next server (and
        replaying the utterance so far) when the current one fails."""
        failures: list[str] = []
        for _ in range(len(self._servers.urls) + 1):
            try:
                message: bytes | str
                if self._ws is None:  # a new session hears the whole utterance so far (ending with ``pcm``)
                    self._open()
                    if pcm is None and self._utterance:
                        self._send(bytes(self._utterance))
                    message = EOF_MESSAGE if pcm is None else bytes(self._utterance)
                else:
                    message = EOF_MESSAGE if pcm is None else pcm
                return self._shifted(self._send(message))
            except _NoServer as exc:  # every server was tried to open a session
                failures.append(str(exc))
                break
            except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
                url = self.url or "?"
                failures.append(f"{url}: {_describe(exc)}")
                self._servers.mark_down(url, _describe(exc))
                self._close()
                self.failovers += 1
                with self._servers._lock:
                    self._servers.failovers += 1
        raise SpeechServerError("no speech server could decode this audio ("
                                + "; ".join(failures) + "); check that `hotline asr serve` or vosk-server "
                                "runs at HOTLINE_ASR_SERVERS")

    def _open(self) -> None:
        failures = []
        for url in self._servers.candidates():
            try:
                self._connection = ExitStack()
                self._ws = self._connection.enter_context(
                    connect(url, open_timeout=self._servers.timeout_s, close_timeout=1, max_size=2**22))
                self._ws.send(json.dumps({"config": {"sample_rate": self.sample_rate, "words": 1}}))
                self.url = url
                self._session_start = self._samples - len(self._utterance) // 2
                self._servers.mark_up(url)
                return
            except (OSError, TimeoutError, WebSocketException) as exc:
                self._servers.mark_down(url, _describe(exc))
                failures.append(f"{url}: {_describe(exc)}")
        raise _NoServer("; ".join(failures) or "no server configured")

    def _send(self, message: bytes | str) -> dict[str, Any]:
        assert self._ws is not None
        self._ws.send(message)
        reply = json.loads(self._ws.recv(timeout=self._servers.timeout_s))
        if not isinstance(reply, dict):
            raise ValueError(f"unexpected answer from {self.url}: {reply!r}")
        return reply

    def _shifted(self, reply: dict[str, Any]) -> dict[str, Any]:
        """Word times of this session made relative to the recognizer's start."""
        offset = self._session_start / self.sample_rate
        if offset and reply.get("result"):
            reply["result"] = [{**w, "start": w["start"] + offset, "end": w["end"] + offset}
                               for w in reply["result"]]
        return reply

    def _close(self) -> None:
        if self._ws is not None:
            try:
                self._connection.close()
            except Exception:  # closing a broken connection may fail again; nothing to save
                pass
        self._ws = None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
