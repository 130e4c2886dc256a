"""The only module that imports vosk: a shared Model and per-stream recognizers behind a small interface.

Vosk/Kaldi rules this module enforces or documents:
- one ``VoskModel`` per process, shared by every recognizer (it is read-only and thread-safe);
- a recognizer must never be used by two threads at once (Kaldi aborts the process) -- callers give each
  recognizer to one decode task at a time;
- Vosk keeps counting time across ``Reset()``; :attr:`VoskRecognizer.elapsed_seconds` lets callers turn
  its word times back into stream-relative ones.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import vosk

from asr import heap
from asr.dither import SeededDither
from asr.errors import ModelNotFoundError

_RATE_OPTION = re.compile(r"^--sample-frequency=(\d+)", re.MULTILINE)


class VoskModel:
    """A loaded Vosk model directory. Create with :func:`asr.load_model`."""

    def __init__(self, path: Path, *, log_level: int = -1, seeded_dither: bool = False) -> None:
        vosk.SetLogLevel(log_level)
        heap.fix_thresholds()  # Kaldi's large freed blocks would otherwise stay resident (asr.heap)
        self.path = path
        self.seeded_dither = seeded_dither  # Kaldi's dither is off in this directory: add it seeded
        try:
            self._model = vosk.Model(str(path))
        except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
            raise ModelNotFoundError(
                f"Vosk could not load the model in {path} ({exc}); files incomplete or corrupt? Run "
                "`hotline models verify`, or download it again: `hotline models download small-cn --force`"
            ) from exc
        self.sample_rate = _model_sample_rate(path)
        graph = path / "graph"
        # Lookahead models (HCLr.fst + Gr.fst) compose the grammar at run time: phrase lists work there only.
        self.supports_phrases = (graph / "HCLr.fst").exists() and (graph / "Gr.fst").exists()

    def knows_word(self, word: str) -> bool:
        return bool(self._model.vosk_model_find_word(word) >= 0)

    def new_recognizer(
        self, sample_rate: int | None = None, phrases: list[str] | None = None
    ) -> VoskRecognizer:
        rate = sample_rate or self.sample_rate
        if phrases:
            grammar = json.dumps(list(phrases), ensure_ascii=False)
            rec = vosk.KaldiRecognizer(self._model, float(rate), grammar)
        else:
            rec = vosk.KaldiRecognizer(self._model, float(rate))
        return VoskRecognizer(rec, rate, has_grammar=bool(phrases),
                              dither=SeededDither() if self.seeded_dither else None)

    def raw_recognizer(self, sample_rate: int) -> vosk.KaldiRecognizer:
        """A bare vosk.KaldiRecognizer (benchmarks compare our wrapper against it)."""
        return vosk.KaldiRecognizer(self._model, float(sample_rate))

    def __repr__(self) -> str:
        return f"VoskModel({str(self.path)!r}, sample_rate={self.sample_rate})"


class VoskRecognizer:
    """One Kaldi recognizer with word timings on; not thread-safe."""

    def __init__(self, rec: vosk.KaldiRecognizer, sample_rate: int, *, has_grammar: bool,
                 dither: SeededDither | None = None) -> None:
        rec.SetWords(True)
        self._dither = dither
        self._rec = rec
        self.sample_rate = sample_rate
        self.has_grammar = has_grammar
        self._samples = 0  # fed since creation; Vosk's timestamps keep counting across Reset()
        self.vosk_cpu_s = 0.0  # CPU time of the calling threads inside Vosk (what decoding itself costs)

    @property
    def elapsed_seconds(self) -> float:
        return self._samples / self.sample_rate

    def accept(self, pcm: bytes) -> bool:
        """Feed 16-bit mono PCM at the recognizer's rate; True when an utterance just ended."""
        self._samples += len(pcm) // 2
        if self._dither is not None:
            pcm = self._dither(pcm)
        return bool(self._timed(self._rec.AcceptWaveform, pcm))

    def result(self) -> dict[str, Any]:
        return _json_object(self._timed(self._rec.Result))

    def partial(self) -> str:
        return str(_json_object(self._timed(self._rec.PartialResult)).get("partial", ""))

    def final(self) -> dict[str, Any]:
        return _json_object(self._timed(self._rec.FinalResult))

    def reset(self) -> None:
        """Make the next stream start as on a new recognizer, keeping only the graph's caches (warm).

        Vosk's own Reset() keeps the feature pipeline and speaker adaptation (i-vector) of all audio fed
        since its last rebuild (it rebuilds after ~10 minutes of audio): ~1 KB per 10 ms of audio stays
        allocated (a pooled recognizer grew ~90 MB over 135 calls, measured), and the next caller's words
        depend on who spoke before (one clip decoded 52 different ways in 100 reuses; once when recycled).
        FinalResult() on a running recognizer frees both; the next accept() builds fresh ones. The sample
        fed first makes it running (FinalResult does nothing after an endpoint) and counts in the time base.
        """
        self._samples += 1
        self._timed(self._rec.AcceptWaveform, b"\0\0")
        self._timed(self._rec.FinalResult)
        self._timed(self._rec.Reset)
        if self._dither is not None:
            self._dither.restart()

    def close(self) -> None:
        """Free the Kaldi recognizer now (not when the last Python reference goes) and give the freed pages
        back to the system: a recycled recognizer's graph cache is tens of MB, which glibc would otherwise
        keep in its arenas, scattered, next to the new recognizer's (RSS grew with recycling alone)."""
        self._rec = None
        heap.trim()

    def _timed(self, call: Callable[..., Any], *args: Any) -> Any:
        started = time.thread_time()
        try:
            return call(*args)
        finally:
            self.vosk_cpu_s += time.thread_time() - started


def _json_object(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _model_sample_rate(path: Path) -> int:
    conf = path / "conf" / "mfcc.conf"
    try:
        found = _RATE_OPTION.search(conf.read_text(encoding="utf-8"))
    except OSError:
        found = None
    return int(found.group(1)) if found else 16000  # Kaldi's default frame rate
