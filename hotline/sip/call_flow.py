"""The inbound IVR as a pure state machine: greeting -> language (DTMF 1/2) -> tone -> listen -> end.

With ``queue=True`` the language choice leads to QUEUED instead (EnterQueue): the call waits for an agent,
driven by :mod:`hotline.sip.queue_visit`, which may send it back here with ``to_message`` (leave a message:
the listen prompt, the tone, then the robot intake as before) or ``close_with`` (a prompt, then hang up).
The greeting starts with the recording notice (本次通话将被录音) when that prompt is configured.

Driven by the SIP thread (and by the fake endpoint) with monotonic times; returns actions to perform.
Timeouts: no key within ``language_timeout_s`` after the greeting chooses zh; caller audio below the
threshold for ``silence_timeout_s`` while listening plays no_input and hangs up; ``max_call_s`` plays
goodbye and hangs up. DTMF 1/2 during the greeting interrupts it (barge-in).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

from hotline.sip.protocol import EndReason, Language

log = logging.getLogger(__name__)
CLOSING_GRACE_S = 20.0  # hang up even if the closing prompt never reports its end
LANGUAGE_KEYS: dict[str, Language] = {"1": "zh", "2": "mn"}
CONDUCT_KEY = "9"  # 党风政风监督: a conduct report, left as a message for 纪委监委 (never an agent)


@dataclass(frozen=True)
class Play:
    prompts: tuple[str, ...]


@dataclass(frozen=True)
class StopPlayback:
    pass


@dataclass(frozen=True)
class ChooseLanguage:
    lang: Language
    source: str  # "dtmf" | "default"


@dataclass(frozen=True)
class Hangup:
    reason: EndReason


@dataclass(frozen=True)
class EnterQueue:
    lang: Language


Action = Play | StopPlayback | ChooseLanguage | Hangup | EnterQueue


class Stage(Enum):
    GREETING = "greeting"
    CHOOSING = "choosing"
    INSTRUCTING = "instructing"
    LISTENING = "listening"
    QUEUED = "queued"  # waiting for / talking to an agent (queue_visit drives the call)
    CLOSING = "closing"
    DONE = "done"


class InboundFlow:
    def __init__(
        self,
        call_id: str,
        available: set[str],
        *,
        language_timeout_s: float,
        silence_timeout_s: float,
        max_call_s: float,
        queue: bool = False,
    ) -> None:
        self.call_id = call_id
        self.available = available
        self.language_timeout_s = language_timeout_s
        self.silence_timeout_s = silence_timeout_s
        self.max_call_s = max_call_s
        self.queue = queue
        self.stage = Stage.GREETING
        self.lang: Language | None = None
        self.started_at = self.stage_at = 0.0
        self.closing_reason: EndReason | None = None

    def _prompt(self, base: str) -> str | None:
        lang = self.lang or "zh"
        for name in (f"{base}_{lang}", f"{base}_zh"):
            if name in self.available:
                if not name.endswith(lang):
                    log.warning(
                        "call %s: prompt %s_%s is empty, playing %s instead", self.call_id, base, lang, name
                    )
                return name
        return None

    def _to(self, stage: Stage, now: float) -> None:
        self.stage, self.stage_at = stage, now

    def start(self, now: float) -> list[Action]:
        self.started_at = now
        names = ("recording_notice_zh", "greeting_zh", "greeting_mn")
        greeting = tuple(p for p in names if p in self.available)
        if not greeting:
            self._to(Stage.CHOOSING, now)
            return []
        self._to(Stage.GREETING, now)
        return [Play(greeting)]

    def _choose(self, lang: Language, source: str, now: float) -> list[Action]:
        self.lang = lang
        if self.queue:
            self._to(Stage.QUEUED, now)
            return [ChooseLanguage(lang, source), EnterQueue(lang)]
        return [ChooseLanguage(lang, source), *self.to_message(now)]

    def to_message(self, now: float) -> list[Action]:
        """Leave a message: the listen prompt and the tone, then listening (the robot intake)."""
        self._to(Stage.INSTRUCTING, now)
        prompts = tuple(
            p for p in (self._prompt("listen"), "tone" if "tone" in self.available else None) if p
        )
        actions: list[Action] = []
        if prompts:
            actions.append(Play(prompts))
        else:
            self._to(Stage.LISTENING, now)
        return actions

    def close_with(self, base: str, reason: EndReason, now: float) -> list[Action]:
        """Play prompt ``base`` (in the caller's language when recorded), then hang up."""
        self.closing_reason = reason
        self._to(Stage.CLOSING, now)
        prompt = self._prompt(base)
        if prompt is None:
            self._to(Stage.DONE, now)
            return [StopPlayback(), Hangup(reason)]
        return [StopPlayback(), Play((prompt,))]

    def _close(self, reason: EndReason, now: float) -> list[Action]:
        self.closing_reason = reason
        self._to(Stage.CLOSING, now)
        prompt = self._prompt("no_input" if reason is EndReason.SILENCE_TIMEOUT else "goodbye")
        if prompt is None:
            self._to(Stage.DONE, now)
            return [StopPlayback(), Hangup(reason)]
        return [StopPlayback(), Play((prompt,))]

    def on_dtmf(self, digit: str, now: float) -> list[Action]:
        if self.stage in (Stage.GREETING, Stage.CHOOSING) and digit in LANGUAGE_KEYS:
            return [StopPlayback(), *self._choose(LANGUAGE_KEYS[digit], "dtmf", now)]
        if self.stage in (Stage.GREETING, Stage.CHOOSING) and digit == CONDUCT_KEY:
            self.lang = "zh"  # the message path straight away, queue or not (hotline.calls.live seals it)
            return [StopPlayback(), ChooseLanguage("zh", "conduct"), *self.to_message(now)]
        return []

    def on_playback_done(self, now: float) -> list[Action]:
        """The playback queue ran empty."""
        if self.stage is Stage.GREETING:
            self._to(Stage.CHOOSING, now)
        elif self.stage is Stage.INSTRUCTING:
            self._to(Stage.LISTENING, now)
        elif self.stage is Stage.CLOSING:
            self._to(Stage.DONE, now)
            return [Hangup(self.closing_reason or EndReason.LOCAL_HANGUP)]
        return []

    def on_tick(self, now: float, last_voice_at: float) -> list[Action]:
        if self.stage is Stage.DONE:
            return []
        if self.stage is Stage.CLOSING:
            if now - self.stage_at > CLOSING_GRACE_S:
                self._to(Stage.DONE, now)
                return [StopPlayback(), Hangup(self.closing_reason or EndReason.LOCAL_HANGUP)]
            return []
        if now - self.started_at >= self.max_call_s:
            return self._close(EndReason.MAX_DURATION, now)
        if self.stage is Stage.CHOOSING and now - self.stage_at >= self.language_timeout_s:
            return self._choose("zh", "default", now)
        if (
            self.stage is Stage.LISTENING
            and now - max(last_voice_at, self.stage_at) >= self.silence_timeout_s
        ):
            return self._close(EndReason.SILENCE_TIMEOUT, now)
        return []
