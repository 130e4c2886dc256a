"""The satisfaction survey over a real outbound call (any SipEndpoint: pjsua2 or the fake).

Answered → the question; DTMF 1 满意, 2 基本满意, 3 不满意, 9 repeat; a key stops the prompt (barge-in).
No key (or a wrong one) within ``input_timeout`` after the question → "no input" and the question again;
after ``max_asks`` questions → a polite goodbye and hang-up (outcome no_input). The call is recorded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from callbacks.answers import RESULT_BY_KEY
from callbacks.dialing import DialOutcome, DialRequest
from callbacks.prompts import CallbackPrompts, PromptSet
from hotline.models import CallbackResult
from hotline.sip.protocol import CallSummary, OutboundCall, SipCallError, SipEndpoint

log = logging.getLogger(__name__)
BUSY = frozenset({486, 600, 603})
INVALID_NUMBER = frozenset({404, 484, 604})


def classify_unanswered(summary: CallSummary | None) -> str:
    if summary is None:
        return "error"
    if summary.reason == "no_answer" or summary.status_code in (408, 480, 487):
        return "no_answer"
    if summary.status_code in BUSY:
        return "busy"
    if summary.status_code in INVALID_NUMBER:
        return "invalid_number"
    return "error" if summary.reason == "error" else "no_answer"


@dataclass
class _Survey:
    handle: OutboundCall
    prompts: PromptSet
    input_timeout: float
    max_asks: int
    asks: int = 0
    digits: str = ""
    result: CallbackResult | None = None
    listening_since: float | None = None
    closing: bool = False
    hangup_at: float | None = None
    outcome: str = "hung_up"
    playing: list[str] = field(default_factory=list)

    def play(self, name: str) -> None:
        self.playing.append(name)
        self.listening_since = None
        self.handle.play(self.prompts[name], name=name)

    def ask(self, *, counted: bool = True) -> None:
        self.asks += counted  # a repeat the citizen asked for (9) does not bring the goodbye closer
        self.play("question")

    def stop_prompt(self) -> None:
        playback = getattr(getattr(self.handle, "session", None), "playback", None)
        if playback is not None and self.playing and self.playing[-1] == "question":
            playback.stop()  # barge-in (not in the OutboundCall protocol; only where the handle allows)
            self.playing.clear()
            self.listening_since = time.monotonic()

    def finish(self, name: str, outcome: str) -> None:
        self.closing, self.outcome = True, outcome
        self.play(name)

    def on_digit(self, digit: str) -> None:
        if self.closing:
            return
        self.digits += digit
        self.stop_prompt()
        if digit in RESULT_BY_KEY:
            self.result = RESULT_BY_KEY[digit]
            self.finish("reopen" if self.result == CallbackResult.unsatisfied else "thanks", "answered")
        elif digit == "9":
            self.ask(counted=False)
        else:
            self.no_input()

    def no_input(self) -> None:
        if self.asks >= self.max_asks:
            self.finish("goodbye", "no_input")
        else:
            self.play("no_input")
            self.ask()

    def on_playback_done(self, name: str) -> None:
        if name in self.playing:
            self.playing.remove(name)
        if self.playing:
            return
        if self.closing:
            self.hangup_at = time.monotonic() + 0.3  # let the last frames reach the caller
        else:
            self.listening_since = time.monotonic()

    def on_idle(self) -> None:
        now = time.monotonic()
        if self.hangup_at is not None and now >= self.hangup_at:
            self.hangup_at = float("inf")
            self.handle.hangup()
        elif self.listening_since is not None and now - self.listening_since > self.input_timeout:
            self.listening_since = None
            self.no_input()


class SipDialer:
    """Implements :class:`callbacks.dialing.Dialer` over ``endpoint.place_call``."""

    def __init__(self, endpoint: SipEndpoint, prompts: CallbackPrompts, *,
                 uri_template: str | Callable[[str], str],
                 answer_timeout: float = 45.0, input_timeout: float = 8.0, max_asks: int = 2,
                 max_call_s: float = 180.0) -> None:
        if isinstance(uri_template, str) and "{number}" not in uri_template:
            raise ValueError("uri_template needs {number}, e.g. sip:{number}@pbx.example; "
                             f"got {uri_template!r}")
        self.endpoint, self.prompts, self.uri_template = endpoint, prompts, uri_template
        self.answer_timeout, self.input_timeout = answer_timeout, input_timeout
        self.max_asks, self.max_call_s = max_asks, max_call_s

    @property
    def max_dial_seconds(self) -> float:
        """Longest a dial can take: the claim timeout must exceed it."""
        return self.answer_timeout + self.max_call_s + 30

    def dial(self, request: DialRequest) -> DialOutcome:
        template = self.uri_template
        uri = template.format(number=request.phone) if isinstance(template, str) else template(request.phone)
        try:
            handle = self.endpoint.place_call(uri, record=True, answer_timeout=self.answer_timeout)
        except SipCallError as exc:
            log.warning("callback %s: cannot place the call: %s", request.callback_id, exc)
            return DialOutcome("no_line", detail=str(exc))
        prompts = self.prompts.for_language(request.language, callback_id=request.callback_id)
        survey = _Survey(handle, prompts, self.input_timeout, self.max_asks)
        deadline = time.monotonic() + self.answer_timeout + self.max_call_s + 10
        summary, answered = None, False
        while time.monotonic() < deadline:
            event = handle.next_event(0.05)
            if event is None:
                survey.on_idle()
                continue
            if event.kind == "answered":
                answered = True
                survey.ask()
            elif event.kind == "dtmf":
                survey.on_digit(event.digit)
            elif event.kind == "playback_done":
                survey.on_playback_done(event.name)
            elif event.kind == "ended":
                summary = event.summary
                break
            survey.on_idle()
        else:
            handle.hangup()
            summary = handle.wait_ended(10)
            log.error("callback %s: call %s overran %.0f s; hung up", request.callback_id, handle.call_id,
                      self.max_call_s)
        return self._outcome(handle, survey, summary, answered)

    def _outcome(self, handle: OutboundCall, survey: _Survey, summary: CallSummary | None,
                 answered: bool) -> DialOutcome:
        recording = summary.recording_path if summary else None
        common = DialOutcome("hung_up", digits=survey.digits, call_id=handle.call_id,
                             sip_status=summary.status_code if summary else None,
                             recording_path=str(recording) if recording else None,
                             duration_s=summary.duration_s if summary else None)
        if survey.result is not None:
            return replace(common, kind="answered", result=survey.result)
        if not answered:
            return replace(common, kind=classify_unanswered(summary),
                           detail=f"{summary.status_code} {summary.status_text}" if summary else "")
        return replace(common, kind=survey.outcome if survey.closing else "hung_up")
