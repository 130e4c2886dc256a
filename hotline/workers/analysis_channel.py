"""Contact analysis for the SIP workers, done by the main process over a socket pair (one per worker).

The analyzer (intent and department models, jieba's and pypinyin's dictionaries, the knowledge-base index)
is ~240 MB of Python objects; held in every worker it made each extra worker cost 316 MB private memory.
The main process holds one already (for the web channels), so a worker sends it the text and gets the
:class:`ContactAnalysis` back: one JSON line each way. Requests from a worker's threads are serialised on its
socket (an analysis takes milliseconds); the main process answers each worker on a thread of its own.

When the answer does not come (main process gone or stuck, a failing analysis), the worker gets an empty
analysis, which sends the case to human triage (分拣): the call and its case are never lost for it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from hotline.cases.intake import ContactAnalysis

log = logging.getLogger(__name__)
ANSWER_TIMEOUT_S = 10.0


def serve_analysis(sock: socket.socket, analyze: Callable[[str], ContactAnalysis], name: str) -> None:
    """Main side: answer one worker's requests until it closes its end (exit or crash). Blocking."""
    with sock, sock.makefile("rwb") as stream:
        for line in stream:
            try:
                question = json.loads(line)
                reply: dict[str, Any] = {"id": question["id"],
                                         "analysis": dataclasses.asdict(analyze(question["text"]))}
            except Exception as exc:  # a bad line or a failing analysis: the worker triages by hand
                log.exception("%s: analysis failed", name)
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            try:
                stream.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")
                stream.flush()
            except OSError:
                return


def start_analysis_server(sock: socket.socket, analyze: Callable[[str], ContactAnalysis],
                          name: str) -> threading.Thread:
    thread = threading.Thread(target=serve_analysis, args=(sock, analyze, name), daemon=True,
                              name=f"{name}-analysis")
    thread.start()
    return thread


class RemoteAnalyzer:
    """Worker side: callable like ``ContactAnalyzer`` (text -> ContactAnalysis); thread-safe; never raises.

    Questions carry a number and answers echo it, so an answer that comes after its question timed out is
    skipped instead of being taken for the next one's."""

    def __init__(self, sock: socket.socket, *, timeout: float = ANSWER_TIMEOUT_S) -> None:
        self._sock, self._timeout = sock, timeout
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._asked = 0
        self.failures = 0

    def __call__(self, text: str) -> ContactAnalysis:
        with self._lock:
            self._asked += 1
            try:
                self._sock.settimeout(self._timeout)
                self._sock.sendall(json.dumps({"id": self._asked, "text": text}, ensure_ascii=False).encode()
                                   + b"\n")
                deadline = time.monotonic() + self._timeout
                while True:
                    reply = json.loads(self._line(deadline))
                    if reply.get("id") == self._asked:
                        return ContactAnalysis(**reply["analysis"])
            except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:
                self.failures += 1
                log.warning("contact analysis unavailable (%s): the case goes to triage", exc or type(exc))
                return ContactAnalysis()

    def _line(self, deadline: float) -> bytes:
        while (end := self._buffer.find(b"\n")) < 0:
            self._sock.settimeout(max(0.001, deadline - time.monotonic()))
            chunk = self._sock.recv(65536)
            if not chunk:
                raise EOFError("the main process closed the analysis channel")
            self._buffer += chunk
        line = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        return line

    def close(self) -> None:
        self._sock.close()
