"""What decoding needs of a model and its recognizers: a local Vosk model (:mod:`asr.vosk_backend`) and the
speech servers of :mod:`asr.remote` both provide it."""

from __future__ import annotations

from typing import Any, Protocol


class Recognizer(Protocol):
    """One recognition stream; not thread-safe. Word times count from the recognizer's creation."""

    sample_rate: int
    has_grammar: bool
    vosk_cpu_s: float

    @property
    def elapsed_seconds(self) -> float: ...

    def accept(self, pcm: bytes) -> bool: ...

    def result(self) -> dict[str, Any]: ...

    def partial(self) -> str: ...

    def final(self) -> dict[str, Any]: ...

    def reset(self) -> None: ...

    def close(self) -> None:
        """Free it now (a pool retires it); it is not used afterwards."""


class SpeechModel(Protocol):
    sample_rate: int
    supports_phrases: bool

    @property
    def path(self) -> Any: ...

    def knows_word(self, word: str) -> bool: ...

    def new_recognizer(self, sample_rate: int | None = None, phrases: list[str] | None = None
                       ) -> Recognizer: ...
