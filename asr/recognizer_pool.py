"""A warm pool of recognizers, reused with Reset() instead of created per call.

Creating a recognizer costs ~0.1 s and its first utterances cost 0.4-3 s of extra CPU while Kaldi fills its
graph caches; a pooled recognizer keeps those caches. Recognizers with a phrase list (a grammar) are made
fresh and not pooled: their graph differs per phrase list.

The pool never grows: when every recognizer is busy (decoding has fallen behind real time, so finished
calls still hold theirs), a stream waits for one instead of getting a cold extra -- an extra costs ~60 MB
and seconds of CPU exactly when the CPU is short, which made a starved worker grow 4 -> 20 recognizers
(measured). Memory stays set by the pool's size; the waiting stream's audio stays buffered.

A recognizer is replaced by a new one after ``recycle_after_s`` of audio: Vosk's lookahead graph keeps a
cache per recognizer that grows with every new stretch of the graph varied speech reaches (measured with
the soak's calls: ~0.3-0.6 MB per call and recognizer, for hundreds of calls). Recycling bounds it; the new
recognizer pays Kaldi's warm-up once (the service decodes its warm-up audio on it when idle).
"""

from __future__ import annotations

import logging
import threading

from asr.recognizer import Recognizer, SpeechModel

log = logging.getLogger(__name__)
RECYCLE_AFTER_S = 120.0  # of audio decoded by one pooled recognizer before a new one takes its place


class RecognizerPool:
    def __init__(self, model: SpeechModel, size: int, model_rate: int,
                 recycle_after_s: float | None = RECYCLE_AFTER_S) -> None:
        self._model, self._rate = model, model_rate
        self._lock = threading.Lock()
        self._idle = [model.new_recognizer(model_rate) for _ in range(size)]
        self._born = {id(r): 0.0 for r in self._idle}  # recognizer -> its elapsed_seconds when pooled
        self.created = size
        self.replaced = 0  # recognizers made to replace a failed one
        self.recycled = 0  # recognizers made to replace one that had decoded recycle_after_s of audio
        self.recycle_after_s = recycle_after_s
        self.size = size

    def acquire(self, phrases: list[str] | None = None) -> Recognizer | None:
        """Take an idle recognizer (None when all are busy: wait for a :meth:`release`); the caller owns it
        until it releases it. With ``phrases`` a grammar recognizer is made for this caller alone."""
        if phrases:
            return self._model.new_recognizer(self._rate, phrases)
        with self._lock:
            return self._idle.pop() if self._idle else None

    def take(self, recognizer: Recognizer) -> bool:
        """Take this particular recognizer if it is idle (used for warm-up)."""
        with self._lock:
            if recognizer in self._idle:
                self._idle.remove(recognizer)
                return True
            return False

    def idle_recognizers(self) -> list[Recognizer]:
        with self._lock:
            return list(self._idle)

    def release(self, recognizer: Recognizer, *, healthy: bool = True) -> Recognizer | None:
        """Return a recognizer; a failed one, or one past ``recycle_after_s`` of audio, is replaced by a new
        (cold) one, so the pool keeps its size. Returns the new recognizer when one was made."""
        if recognizer.has_grammar:
            return None
        with self._lock:
            used = recognizer.elapsed_seconds - self._born.get(id(recognizer), 0.0)
        worn = self.recycle_after_s is not None and used >= self.recycle_after_s
        made = None
        if healthy and not worn:
            recognizer.reset()
        else:
            made = self._model.new_recognizer(self._rate)
            with self._lock:
                self._born.pop(id(recognizer), None)
                self._born[id(made)] = made.elapsed_seconds
                self.created += 1
                if healthy:
                    self.recycled += 1
                else:
                    self.replaced += 1
            recognizer.close()
            recognizer = made
        with self._lock:
            self._idle.append(recognizer)
        return made

    @property
    def idle(self) -> int:
        with self._lock:
            return len(self._idle)

    @property
    def live(self) -> int:
        """Recognizers of this pool in existence (idle or lent): never more than ``size``."""
        with self._lock:
            return self.created - self.recycled - self.replaced

    def clear(self) -> None:
        with self._lock:
            self._idle.clear()
            self._born.clear()


def usable_phrases(model: SpeechModel, phrases: list[str]) -> tuple[list[str], list[str]]:
    """Split a phrase list into a Vosk grammar and the phrases it cannot use.

    Trade-off: a grammar does not boost the phrases inside free speech, it *restricts* recognition to them
    (plus ``[unk]`` when the model has it). Use it where the caller is expected to say one of a known set
    (a service-item name, a menu choice); leave it off for the free conversation of a call. Only lookahead
    models (graph/HCLr.fst + Gr.fst, like vosk-model-small-cn-0.22) support it, and every word of a phrase
    must be in the model's vocabulary (words separated by spaces); other phrases are returned as ignored.
    """
    if not phrases:
        return [], []
    if not model.supports_phrases:
        log.warning("model %s has a static graph: phrase list ignored", model.path)
        return [], list(phrases)
    usable = [p for p in phrases if p.split() and all(model.knows_word(w) for w in p.split())]
    ignored = [p for p in phrases if p not in usable]
    if ignored:
        log.warning("phrases not in the model's vocabulary, ignored: %s", ignored)
    if usable and model.knows_word("[unk]"):
        usable.append("[unk]")  # speech outside the list comes out as unknown instead of a forced phrase
    return usable, ignored
