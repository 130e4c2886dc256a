"""The main process's view of the workers' calls: their events applied to the one LiveCallRegistry."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from hotline.calls.registry import LiveCall, LiveCallRegistry

GRACE_S = 5.0  # a call started this recently may be missing from a status snapshot taken just before


class RegistryMirror:
    def __init__(self, registry: LiveCallRegistry) -> None:
        self.registry = registry
        self._owner: dict[str, tuple[int, float]] = {}  # call_id -> (worker, monotonic time added)
        self._lock = threading.Lock()

    def apply(self, worker: int, kind: str, data: dict) -> None:
        call_id = data.get("call_id")
        if not call_id or not kind.startswith("call."):
            return
        if kind == "call.started":
            self.registry.add(LiveCall(call_id, data.get("caller", ""), data.get("callee", ""),
                                       datetime.fromisoformat(data["started_at"])))
            with self._lock:
                self._owner[call_id] = (worker, time.monotonic())
        elif kind == "call.partial":
            if data.get("speaker", "citizen") == "citizen":
                self.registry.update(call_id, partial=data.get("text", ""))
        elif kind == "call.final":
            self.registry.append_final(call_id, data.get("text", ""), data.get("speaker", "citizen"))
        elif kind in ("call.agent_ringing", "call.agent_connected", "call.agent_gone"):
            state = {"call.agent_ringing": "ringing", "call.agent_connected": "connected"}.get(
                kind, "gone" if data.get("answered") else "")
            self.registry.update(call_id, agent_id=data.get("agent_id"), agent_state=state)
        elif kind == "call.language":
            self.registry.update(call_id, language=data.get("language", "zh"))
        elif kind == "call.analysis":
            self.registry.update(call_id, suggestion={k: v for k, v in data.items()
                                                      if k not in ("call_id", "worker")})
        elif kind == "call.ended":
            self._forget(call_id)

    def _forget(self, call_id: str) -> None:
        self.registry.remove(call_id)
        with self._lock:
            self._owner.pop(call_id, None)

    def reconcile(self, worker: int, live_ids: list[str], asr_lag_s: float = 0.0) -> list[str]:
        """A worker's status lists its calls: drop ours it no longer has (their end event was lost)."""
        now, keep = time.monotonic(), set(live_ids)
        with self._lock:
            gone = [cid for cid, (w, added) in self._owner.items()
                    if w == worker and cid not in keep and now - added > GRACE_S]
        for call_id in gone:
            self._forget(call_id)
        for call_id in keep:
            self.registry.update(call_id, asr_lag_s=asr_lag_s)
        return gone

    def drop_worker(self, worker: int) -> list[str]:
        """The worker died: its calls are no longer live. Returns their ids."""
        with self._lock:
            gone = [cid for cid, (w, _) in self._owner.items() if w == worker]
        for call_id in gone:
            self._forget(call_id)
        return gone

    def calls_of(self, worker: int) -> int:
        with self._lock:
            return sum(1 for w, _ in self._owner.values() if w == worker)
