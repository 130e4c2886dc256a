"""Whole-file transcription with the same decode core as live streams."""

from __future__ import annotations

from pathlib import Path

from asr.audio_file import open_audio
from asr.decoding import UtteranceDecoder
from asr.recognizer_pool import usable_phrases
from asr.transcript import Transcript
from asr.vosk_backend import VoskModel


def transcribe_file(
    path: Path | str, model: VoskModel, *, phrases: list[str] | None = None, model_rate: int | None = None
) -> Transcript:
    """Transcribe a WAV file of any rate, width and channel count (other formats via sox).

    Raises :class:`asr.AudioFormatError` for files that are not readable audio. Silence gives an empty
    transcript. Phrases must be words of the model's vocabulary (see ``TranscriptionService.open_stream``).
    """
    source = open_audio(path)
    grammar, _ = usable_phrases(model, phrases or [])
    recognizer = model.new_recognizer(model_rate or model.sample_rate, grammar or None)
    decoder = UtteranceDecoder(recognizer, source.sample_rate)
    for block in source.blocks:
        decoder.accept(block)
    decoder.finish()
    return Transcript(
        utterances=decoder.utterances,
        audio_seconds=round(decoder.audio_seconds, 3),
        sample_rate=source.sample_rate,
    )
