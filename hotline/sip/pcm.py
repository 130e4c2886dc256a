"""16-bit mono PCM helpers: load prompt WAVs at the bridge rate, frame energy, silence."""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np


class PromptFileError(ValueError):
    """A prompt WAV cannot be used; the message names the file and what to do."""


def frame_bytes(sample_rate: int) -> int:
    """Bytes in one 20 ms frame of 16-bit mono PCM."""
    return sample_rate // 50 * 2


def load_wav_pcm(path: Path, sample_rate: int) -> bytes:
    """Read a WAV (PCM 8/16-bit, mono or stereo, any rate) as 16-bit mono PCM at ``sample_rate``."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise PromptFileError(
            f"{path}: not a PCM WAV file ({exc}); convert with `sox IN -r 8000 -c 1 -b 16 OUT.wav`"
        ) from None
    except OSError as exc:
        raise PromptFileError(f"{path}: cannot read ({exc.strerror})") from None
    if width == 2:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    elif width == 1:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) * 256.0
    else:
        raise PromptFileError(f"{path}: {width * 8}-bit samples; use 16-bit (`sox IN -b 16 OUT.wav`)")
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return resample(samples, rate, sample_rate)


def resample(samples: np.ndarray, rate: int, target: int) -> bytes:
    """Linear-interpolation resampling (prompts only: speech and tones, not hi-fi)."""
    if rate != target and samples.size:
        count = int(round(samples.size * target / rate))
        positions = np.arange(count, dtype=np.float64) * (rate / target)
        samples = np.interp(positions, np.arange(samples.size), samples)
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def pcm_dbfs(pcm: bytes) -> float:
    """RMS level of 16-bit PCM in dBFS (-inf for digital silence)."""
    if len(pcm) < 2:
        return -math.inf
    samples = np.frombuffer(pcm, dtype="<i2", count=len(pcm) // 2).astype(np.float32)
    rms = float(np.sqrt(np.mean(samples * samples)))
    return 20.0 * math.log10(rms / 32768.0) if rms > 0 else -math.inf
