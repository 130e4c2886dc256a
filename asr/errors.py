"""Errors raised by the asr package; each message says what to do next."""

from __future__ import annotations


class AsrError(Exception):
    """Base class of every error the asr package raises on purpose."""


class ModelNotFoundError(AsrError):
    """No usable Vosk model at the configured path (missing, wrong folder, or unreadable)."""


class AudioFormatError(AsrError):
    """The input is not audio we can read (truncated header, not audio, unsupported encoding)."""


class ModelDownloadError(AsrError):
    """A model download or unpack failed; nothing half-written was left in the models directory."""
