"""An observer that writes every call event as one JSON line: `hotline sip run --events`, and SIP tests."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import datetime
from pathlib import Path
from typing import IO

from hotline.sip.pcm import frame_bytes
from hotline.sip.protocol import AudioSink, CallInfo, CallSummary, Language, NullObserver


class CountingSink:
    """Accepts all audio and counts its bytes and 20 ms frames (stands in for the ASR feed)."""

    def __init__(self, frame_bytes: int = 640) -> None:
        self.frame_bytes = frame_bytes
        self.bytes = 0

    @property
    def frames(self) -> int:
        return self.bytes // self.frame_bytes

    def push(self, pcm: bytes) -> bool:
        self.bytes += len(pcm)
        return True


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


class JsonlObserver(NullObserver):
    """Writes {"event": ..., ...} lines and flushes each one, so another process can follow the file."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.sinks: dict[str, CountingSink] = {}

    def _write(self, event: str, **fields: object) -> None:
        line = json.dumps({"event": event, **{k: _plain(v) for k, v in fields.items()}}, ensure_ascii=False)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def on_call_started(self, call: CallInfo) -> AudioSink | None:
        self.sinks[call.call_id] = sink = CountingSink(frame_bytes(call.sample_rate))
        self._write("call_started", **dataclasses.asdict(call))
        return sink

    def on_language(self, call_id: str, lang: Language) -> None:
        self._write("language", call_id=call_id, lang=lang)

    def on_dtmf(self, call_id: str, digit: str) -> None:
        self._write("dtmf", call_id=call_id, digit=digit)

    def on_call_ended(self, call_id: str, summary: CallSummary) -> None:
        sink = self.sinks.pop(call_id, None)
        self._write("call_ended", **dataclasses.asdict(summary), sink_frames=sink.frames if sink else 0)
