"""A warm pool of recognizers, reused with Reset() instead of created per call.

Creating a recognizer costs ~0.1 s and its first utterances cost 0.4-3 s of extra CPU while Kaldi fills its
graph caches; a pooled recognizer keeps those caches. Recognizers with a phrase list (a grammar) are made
fresh and not pooled: their graph differs per phrase list.
"""

from __future__ import annotations

import logging
import threading

from asr.recognizer import Recognizer, SpeechModel

log = logging.getLogger(__name__)


class RecognizerPool:
    def __init__(self, model: SpeechModel, size: int, model_rate: int) -> None:
        self._model, self._rate = model, model_rate
        self._lock = threading.Lock()
        self._idle = [model.new_recognizer(model_rate) for _ in range(size)]
        self.created = size
        self.dropped = 0  # extra recognizers made when the pool ran dry, dropped on release
        self.size = size

    def acquire(self, phrases: list[str] | None = None) -> Recognizer:
        """Take an idle recognizer (or make one); the caller owns it until :meth:`release`."""
        if phrases:
            return self._model.new_recognizer(self._rate, phrases)
        with self._lock:
            if self._idle:
                return self._idle.pop()
            self.created += 1
        log.warning("asr recognizer pool exhausted (%d in use); creating another (cold)", self.created - 1)
        return self._model.new_recognizer(self._rate)

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

    def release(self, recognizer: Recognizer, *, healthy: bool = True) -> None:
        """Return a recognizer; beyond the pool's size it is dropped, so a burst does not keep ~60 MB per
        extra recognizer for the life of the process."""
        if recognizer.has_grammar or not healthy:
            return
        with self._lock:
            if len(self._idle) >= self.size:
                self.dropped += 1
                return
        recognizer.reset()
        with self._lock:
            self._idle.append(recognizer)

    @property
    def idle(self) -> int:
        with self._lock:
            return len(self._idle)

    def clear(self) -> None:
        with self._lock:
            self._idle.clear()


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
