"""The Dialer protocol the scheduler calls, its plain data, and a scripted fake for tests.

A dial is synchronous: ``dial`` returns when the call is over. Implementations: :class:`SipDialer`
(callbacks.sip_dialer, over the hotline's SIP endpoint) and :class:`ScriptedDialer` (no network).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from hotline.models import CallbackResult

# outcome kinds: answered (result set), no_answer, busy, invalid_number, hung_up (answered, no key),
# no_input (answered, asked twice, no valid key), no_line (no free line: not counted), error
OUTCOMES = ("answered", "no_answer", "busy", "invalid_number", "hung_up", "no_input", "no_line", "error")


@dataclass(frozen=True)
class DialRequest:
    callback_id: int
    case_id: int
    phone: str
    language: str  # zh | mn: the citizen's choice on the original call
    attempt: int


@dataclass(frozen=True)
class DialOutcome:
    kind: str
    result: CallbackResult | None = None
    digits: str = ""
    sip_status: int | None = None
    call_id: str | None = None
    recording_path: str | None = None
    duration_s: float | None = None
    detail: str = ""


class Dialer(Protocol):
    def dial(self, request: DialRequest) -> DialOutcome:
        """Call the citizen, ask, and return how it went (never raises for call failures)."""
        ...


class ScriptedDialer:
    """Answers from a script: ``outcome(request) -> DialOutcome`` (default: key 1). With ``log_path`` each
    dial appends a JSON line {"event": "dial"|"done", callback_id, attempt, pid} (O_APPEND, one write), so
    several processes can prove that no callback was dialled twice."""

    def __init__(self, outcome: Callable[[DialRequest], DialOutcome] | None = None, *,
                 log_path: Path | None = None, seconds: float = 0.0) -> None:
        self.outcome = outcome or (lambda r: DialOutcome("answered", CallbackResult.satisfied, digits="1"))
        self.log_path = log_path
        self.seconds = seconds
        self.requests: list[DialRequest] = []
        self._lock = threading.Lock()

    def _log(self, event: str, request: DialRequest) -> None:
        if self.log_path is None:
            return
        line = json.dumps({"event": event, "callback_id": request.callback_id, "attempt": request.attempt,
                           "pid": os.getpid()}) + "\n"
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def dial(self, request: DialRequest) -> DialOutcome:
        with self._lock:
            self.requests.append(request)
        self._log("dial", request)
        if self.seconds:
            time.sleep(self.seconds)
        outcome = self.outcome(request)
        self._log("done", request)
        return outcome


def outcome_to_json(outcome: DialOutcome) -> dict[str, object]:
    data = asdict(outcome)
    data["result"] = outcome.result.value if outcome.result else None
    return data
