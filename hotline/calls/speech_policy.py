"""When live transcription gives up (past ASR capacity) and which calls an agent should listen to again.

Overload: a call is transcribed later from its recording (a ``DeferredTranscription`` row) when, at its
start, other calls already wait for a recognizer or the live lag is past ``defer_lag_s``; or, during the
call, its stream waited ``defer_wait_s`` for a recognizer or fell ``defer_lag_s`` behind; or, at hang-up,
its last words were not decoded within the close timeout. Capture and recording never stop.

Quality: ``confidence`` is the mean Vosk word confidence of the citizen's words; ``coverage`` is the share
of the captured audio that was decoded (dropped frames and unfinished decoding lower it). A call below
either bound goes to the 待复听 queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

FRAME_SECONDS = 0.02


@dataclass(frozen=True)
class SpeechPolicy:
    defer_lag_s: float = 20.0
    defer_wait_s: float = 5.0
    relisten_confidence: float = 0.6
    relisten_coverage: float = 0.9
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_settings(cls, settings) -> SpeechPolicy:
        return cls(defer_lag_s=settings.asr_defer_lag_s, defer_wait_s=settings.asr_defer_wait_s,
                   relisten_confidence=settings.relisten_confidence,
                   relisten_coverage=settings.relisten_coverage, timezone=settings.timezone)

    # --- overload ------------------------------------------------------------------------------------
    def overloaded(self, stats: dict) -> str | None:
        """Why a new call should not be decoded live now (None: decode it)."""
        if stats.get("streams_waiting", 0):
            return f"识别器全忙，{stats['streams_waiting']} 路通话在等待"
        lag = float(stats.get("max_lag_s", 0.0) or 0.0)
        if lag >= self.defer_lag_s:
            return f"实时转写滞后 {lag:.0f} 秒（上限 {self.defer_lag_s:g} 秒）"
        return None

    def stream_behind(self, stream) -> str | None:
        """Why an open stream should be given up (None: keep decoding it live)."""
        lag = stream.lag_s
        if stream.waiting_for_recognizer and lag >= self.defer_wait_s:
            return f"等待空闲识别器超过 {self.defer_wait_s:g} 秒"
        if lag >= self.defer_lag_s and stream.buffered_seconds > 0:
            return f"实时转写滞后 {lag:.0f} 秒（上限 {self.defer_lag_s:g} 秒）"
        return None

    def free_for_backlog(self, stats: dict, pool_size: int) -> bool:
        """True when a recognizer can be lent to the deferred queue without making a live call wait."""
        return (not stats.get("streams_waiting", 0) and stats.get("open_streams", 0) < pool_size
                and float(stats.get("max_lag_s", 0.0) or 0.0) < self.defer_lag_s)

    # --- quality -------------------------------------------------------------------------------------
    def review_reason(self, confidence: float | None, coverage: float | None) -> str | None:
        if confidence is not None and confidence < self.relisten_confidence:
            return "low_confidence"
        if coverage is not None and coverage < self.relisten_coverage:
            return "low_coverage"
        return None

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.timezone)).date()


def call_confidence(utterances: list[dict]) -> float | None:
    """Mean word confidence of the citizen's words (utterance confidence where words are missing)."""
    values: list[float] = []
    for u in utterances:
        if u.get("speaker", "citizen") != "citizen":
            continue
        words = [w[3] for w in u.get("words") or [] if len(w) > 3 and w[3] is not None]
        if words:
            values.extend(float(c) for c in words)
        elif u.get("confidence") is not None and u.get("text"):
            values.append(float(u["confidence"]))
    return round(sum(values) / len(values), 4) if values else None


def coverage(decoded_s: float | None, captured_s: float) -> float | None:
    if decoded_s is None or captured_s <= 0:
        return None
    return round(min(1.0, decoded_s / captured_s), 4)


def model_label(transcriber) -> str:
    """A short name of the model decoding (its directory, or the speech servers' URLs)."""
    path = getattr(getattr(transcriber, "model", None), "path", None)
    if path is None:
        return ""
    return path.name if isinstance(path, Path) else str(path)[:128]
