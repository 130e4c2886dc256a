"""Result types: words, utterances and the transcript of one stream or file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from asr.zh_text import join_texts


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start: float  # seconds from the start of the stream
    end: float
    confidence: float  # 0..1, Vosk's lattice posterior


@dataclass(frozen=True, slots=True)
class Utterance:
    """One final result: the text between two endpoints (pauses) of the speaker."""

    text: str
    start: float
    end: float
    confidence: float  # mean of the word confidences
    words: tuple[Word, ...] = ()


@dataclass(slots=True)
class Transcript:
    """Everything a stream or file produced.

    ``complete`` is False when close() timed out before the decoder caught up (the utterances decoded so far
    are kept) or when decoding failed (``error`` says why). ``dropped_bytes`` counts audio refused by a full
    buffer; ``max_lag_s`` is the largest delay between audio arriving and being decoded.
    """

    utterances: list[Utterance] = field(default_factory=list)
    audio_seconds: float = 0.0
    sample_rate: int = 0
    dropped_bytes: int = 0
    max_lag_s: float = 0.0
    complete: bool = True
    error: str | None = None

    @property
    def text(self) -> str:
        return join_texts(u.text for u in self.utterances)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["text"] = self.text
        return data
