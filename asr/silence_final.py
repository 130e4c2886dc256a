"""Faster live finals: end an utterance on our own silence detection instead of waiting for Kaldi's endpoint.

Kaldi's endpoint rules judge trailing silence on the decoder's best path, which runs ~0.5 s behind the
audio (the network's look-ahead), so even a 0.5 s rule gives a final ~1.1 s after the last word
(bench/endpointing.py). :class:`SilenceFinal` watches the energy of the audio fed to the recognizer, in
20 ms frames, and says when ``after_s`` of silence has followed speech: the decoder then asks Vosk for its
FinalResult at once. It sees exactly the slices the recognizer gets, so the same audio always gives the same
decisions (however the caller's audio was chunked or timed).
"""

from __future__ import annotations

import numpy as np

FRAME_SECONDS = 0.02
MIN_SPEECH_SECONDS = 0.1  # voiced audio since the last final before a silence may end it (not a click)


def power_floor(threshold_dbfs: float) -> float:
    """The mean power of 16-bit samples whose RMS is ``threshold_dbfs``."""
    return float((32768.0 * 10.0 ** (threshold_dbfs / 20.0)) ** 2)


def voiced_frames(samples: np.ndarray, frame: int, floor: float) -> np.ndarray:
    """Per whole frame of ``frame`` samples (float32): whether its mean power reaches ``floor`` (RMS at or
    above the threshold; digital silence never does). ``len(samples)`` must be a multiple of ``frame``."""
    power = np.square(samples).reshape(-1, frame).mean(axis=1)
    voiced: np.ndarray = (power > 0) & (power >= floor)
    return voiced


class SilenceFinal:
    """Per slice of 16-bit mono PCM: True once ``after_s`` of frames below ``threshold_dbfs`` (RMS) followed
    at least :data:`MIN_SPEECH_SECONDS` of frames at or above it since the last final."""

    def __init__(self, sample_rate: int, after_s: float, threshold_dbfs: float = -45.0) -> None:
        if not after_s > 0:
            raise ValueError(f"after_s must be positive seconds, not {after_s!r}")
        self._frame = max(1, int(sample_rate * FRAME_SECONDS))
        self._floor = power_floor(threshold_dbfs)
        self._silent_needed = round(after_s / FRAME_SECONDS)
        self._speech_needed = round(MIN_SPEECH_SECONDS / FRAME_SECONDS)
        self._carry = np.zeros(0, np.float32)  # samples of an unfinished frame
        self.restart()

    def restart(self) -> None:
        """An utterance ended (by Kaldi's rule or by us): wait for new speech."""
        self._speech = 0
        self._silent = 0

    def observe(self, pcm: bytes) -> bool:
        samples = np.concatenate([self._carry, np.frombuffer(pcm, "<i2", len(pcm) // 2).astype(np.float32)])
        whole = len(samples) - len(samples) % self._frame
        self._carry = samples[whole:]
        for voiced in voiced_frames(samples[:whole], self._frame, self._floor):
            if voiced:
                self._speech += 1
                self._silent = 0
            else:
                self._silent += 1
        if self._silent >= self._silent_needed:
            ended = self._speech >= self._speech_needed
            self.restart()  # a few clicks apart are not speech either
            return ended
        return False
