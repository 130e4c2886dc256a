"""The decode core shared by live streams and file transcription: PCM in, utterances out.

Audio is resampled to the model's rate and fed to Vosk in fixed slices, so the utterances do not depend on
how the caller cut the audio into chunks (a live stream and a file transcription of the same audio agree).
Not thread-safe: one decode task drives one decoder at a time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from asr.recognizer import Recognizer
from asr.resample import Resampler
from asr.silence_final import SilenceFinal
from asr.transcript import Utterance, Word
from asr.zh_text import normalize_zh

log = logging.getLogger(__name__)

SLICE_SECONDS = 0.1  # Vosk checks for an endpoint once per AcceptWaveform call
PARTIAL_EVERY_SECONDS = 0.2
_NON_LEXICAL = re.compile(r"^\[.*\]$")  # [unk], [noise], [laughter] ... are not words a person said

OnPartial = Callable[[str], None]
OnFinal = Callable[[Utterance], None]


class UtteranceDecoder:
    def __init__(
        self,
        recognizer: Recognizer,
        sample_rate: int,
        *,
        on_partial: OnPartial | None = None,
        on_final: OnFinal | None = None,
        final_after_silence_s: float | None = None,
        silence_dbfs: float = -45.0,
    ) -> None:
        """``final_after_silence_s``: ask Vosk for the final as soon as this much silence (below
        ``silence_dbfs``) follows speech, instead of waiting for Kaldi's endpoint (:mod:`asr.silence_final`);
        None: Kaldi's endpoint rules only."""
        self._rec = recognizer
        self._resampler = Resampler(sample_rate, recognizer.sample_rate)
        self._slice_bytes = int(recognizer.sample_rate * SLICE_SECONDS) * 2
        self._partial_every = max(1, round(PARTIAL_EVERY_SECONDS / SLICE_SECONDS))
        self._slices = 0
        self._silence = (SilenceFinal(recognizer.sample_rate, final_after_silence_s, silence_dbfs)
                         if final_after_silence_s else None)
        self.forced_finals = 0  # utterances ended by our silence detection
        self._time_base = recognizer.elapsed_seconds
        self._pending = bytearray()  # model-rate audio waiting to fill a slice
        self._odd = b""  # a half sample left over from a chunk of odd length
        self._on_partial, self._on_final = on_partial, on_final
        self._last_partial = ""
        self.input_samples = 0
        self.sample_rate = sample_rate
        self.utterances: list[Utterance] = []

    @property
    def audio_seconds(self) -> float:
        return self.input_samples / self.sample_rate

    def accept(self, pcm: bytes) -> None:
        if self._odd:
            pcm, self._odd = self._odd + pcm, b""
        if len(pcm) % 2:
            pcm, self._odd = pcm[:-1], pcm[-1:]
        samples = np.frombuffer(pcm, dtype="<i2")
        self.input_samples += len(samples)
        self._pending += self._resampler.push(samples).tobytes()
        self._feed_full_slices()

    def finish(self) -> list[Utterance]:
        """Decode what is left, emit the last utterance and return all of them."""
        self._pending += self._resampler.flush().tobytes()
        self._feed_full_slices()
        if self._pending:
            self._rec.accept(bytes(self._pending))
            self._pending.clear()
        self._emit_final(self._rec.final())
        return self.utterances

    def _feed_full_slices(self) -> None:
        size = self._slice_bytes
        whole = len(self._pending) - len(self._pending) % size
        for offset in range(0, whole, size):
            piece = bytes(self._pending[offset : offset + size])
            ended = self._rec.accept(piece)
            silent = self._silence is not None and self._silence.observe(piece)
            if ended:
                self._emit_final(self._rec.result())
                if self._silence is not None:
                    self._silence.restart()
            elif silent:
                self.forced_finals += 1
                self._emit_final(self._rec.final())
            elif self._on_partial is not None:
                self._slices += 1
                if self._slices % self._partial_every == 0:
                    self._emit_partial()
        del self._pending[:whole]

    def _emit_partial(self) -> None:
        text = normalize_zh(" ".join(w for w in self._rec.partial().split() if not _NON_LEXICAL.match(w)))
        if text != self._last_partial:
            self._last_partial = text
            _call_hook(self._on_partial, text)

    def _emit_final(self, result: dict[str, Any]) -> None:
        self._last_partial = ""
        base = self._time_base
        words = tuple(
            Word(normalize_zh(w["word"]), _seconds(w["start"] - base), _seconds(w["end"] - base), w["conf"])
            for w in result.get("result", ())
            if not _NON_LEXICAL.match(w["word"])
        )
        if not words:
            return
        utterance = Utterance(
            text=normalize_zh(" ".join(w.text for w in words)),
            start=words[0].start,
            end=words[-1].end,
            confidence=round(sum(w.confidence for w in words) / len(words), 4),
            words=words,
        )
        self.utterances.append(utterance)
        _call_hook(self._on_final, utterance)


def _call_hook(hook: Callable[[Any], None] | None, value: object) -> None:
    if hook is None:
        return
    try:
        hook(value)
    except Exception:  # a failing hook must not stop decoding of the call
        log.exception("asr hook %r failed", hook)


def _seconds(value: float) -> float:
    return max(0.0, round(value, 3))
