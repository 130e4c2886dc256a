"""Calls in progress, as the console and the wallboard see them. Thread-safe."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from asr import join_texts


@dataclass
class LiveCall:
    call_id: str
    caller: str
    callee: str
    started_at: datetime
    language: str = "zh"
    partial: str = ""
    finals: list[str] = field(default_factory=list)
    suggestion: dict = field(default_factory=dict)  # latest ContactAnalysis as a dict
    asr_lag_s: float = 0.0
    lines: list[dict] = field(default_factory=list)  # both sides in order: {"speaker": citizen|agent, "text"}
    agent_id: int | None = None
    agent_state: str = ""  # "" | ringing | connected | gone

    def snapshot(self) -> dict:
        return {
            "call_id": self.call_id, "caller": self.caller, "callee": self.callee,
            "started_at": self.started_at.isoformat(), "language": self.language,
            "partial": self.partial, "finals": list(self.finals), "suggestion": dict(self.suggestion),
            "asr_lag_s": round(self.asr_lag_s, 3), "lines": list(self.lines), "agent_id": self.agent_id,
            "agent_state": self.agent_state,
        }


class LiveCallRegistry:
    def __init__(self) -> None:
        self._calls: dict[str, LiveCall] = {}
        self._lock = threading.Lock()

    def add(self, call: LiveCall) -> None:
        with self._lock:
            self._calls[call.call_id] = call

    def remove(self, call_id: str) -> LiveCall | None:
        with self._lock:
            return self._calls.pop(call_id, None)

    def update(self, call_id: str, **changes: object) -> LiveCall | None:
        with self._lock:
            call = self._calls.get(call_id)
            if call is not None:
                for key, value in changes.items():
                    setattr(call, key, value)
            return call

    def append_final(self, call_id: str, text: str, speaker: str = "citizen") -> str | None:
        """Add a final utterance; return the caller's text so far (None if the call is gone or the words are
        the agent's: suggestions and the case draft follow the caller)."""
        with self._lock:
            call = self._calls.get(call_id)
            if call is None:
                return None
            call.lines.append({"speaker": speaker, "text": text})
            if speaker != "citizen":
                return None
            call.finals.append(text)
            call.partial = ""
            return join_texts(call.finals)

    def snapshots(self) -> list[dict]:
        with self._lock:
            return [c.snapshot() for c in sorted(self._calls.values(), key=lambda c: c.started_at)]

    def __len__(self) -> int:
        with self._lock:
            return len(self._calls)
