"""Offline speech recognition for the hotline: Vosk models, live streams, file transcription.

Public API (a pure library: plain arguments, no settings, nothing loaded at import time)::

    model = asr.load_model(path)                     # raises asr.ModelNotFoundError saying what to do
    service = asr.TranscriptionService(model, decode_threads=None, pool_size=8, model_rate=None,
                                       max_buffer_seconds=120.0)
    stream = service.open_stream(8000, on_partial=..., on_final=..., phrases=None)
    stream.feed(pcm) -> bool                         # media clock thread: O(1), never blocks or raises
    transcript = stream.close(timeout=30.0)          # Transcript(utterances, text, dropped_bytes, max_lag_s)
    asr.transcribe_file(path, model) -> Transcript
    asr.normalize_zh(text) -> str

Hooks run on decode threads; see :mod:`asr.streaming` for the threading contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asr.errors import AsrError, AudioFormatError, ModelDownloadError, ModelNotFoundError
from asr.model_files import load_model, model_problems
from asr.quality import character_error_rate, character_errors
from asr.transcript import Transcript, Utterance, Word
from asr.zh_text import join_texts, normalize_zh

if TYPE_CHECKING:
    from asr.file_transcription import transcribe_file
    from asr.streaming import Stream, TranscriptionService
    from asr.vosk_backend import VoskModel

__all__ = [
    "AsrError",
    "AudioFormatError",
    "ModelDownloadError",
    "ModelNotFoundError",
    "Stream",
    "Transcript",
    "TranscriptionService",
    "Utterance",
    "VoskModel",
    "Word",
    "character_error_rate",
    "character_errors",
    "join_texts",
    "load_model",
    "model_problems",
    "normalize_zh",
    "transcribe_file",
]

_LAZY = {  # these pull in vosk (a native library): imported on first use, not with `import asr`
    "transcribe_file": "asr.file_transcription",
    "Stream": "asr.streaming",
    "TranscriptionService": "asr.streaming",
    "VoskModel": "asr.vosk_backend",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'asr' has no attribute {name!r}")
