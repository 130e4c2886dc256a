"""The local event channel: a worker writes one JSON object per line to a pipe the main process reads.

Line format: ``{"kind": "call.final", "data": {...}}``. Writes are whole lines under a lock, so events from
the SIP, decode and finishing threads never interleave. A broken pipe (main process gone) is remembered and
makes ``closed`` true: the worker then stops.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class EventWriter:
    """Worker side. ``send`` is thread-safe and never raises."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.closed = False

    def send(self, kind: str, data: dict) -> None:
        try:
            line = json.dumps({"kind": kind, "data": data}, ensure_ascii=False, default=_plain)
        except (TypeError, ValueError):
            log.exception("event %s is not serialisable; not sent", kind)
            return
        with self._lock:
            if self.closed:
                return
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except (BrokenPipeError, OSError, ValueError):
                self.closed = True

    def forward(self, event) -> None:
        """An EventHub listener: every event the worker's pipeline publishes goes to the main process."""
        self.send(event.kind, event.data)


def read_events(stream: IO[str], on_bad: Callable[[str], None] | None = None) -> Iterator[tuple[str, dict]]:
    """Main side: (kind, data) per line until the worker closes its end (exit or crash)."""
    for line in stream:
        line = line.strip()
        if not line:
            continue
        try:
            message = json.loads(line)
            yield str(message["kind"]), dict(message.get("data") or {})
        except (ValueError, KeyError, TypeError):
            if on_bad is not None:
                on_bad(line)
