"""Reading audio files as 16-bit mono PCM blocks: PCM WAV natively, anything else through sox."""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import numpy as np

from asr.errors import AudioFormatError

SOX_RATE = 16000  # rate sox is asked to deliver for formats we do not read ourselves
BLOCK_SECONDS = 1.0


@dataclass
class AudioSource:
    sample_rate: int
    blocks: Generator[bytes, None, None]  # 16-bit little-endian mono PCM
    channels: int
    reader: str  # "wav" or "sox"


def open_audio(path: Path | str) -> AudioSource:
    """Open ``path`` for block-wise reading; raise :class:`AudioFormatError` saying what is wrong."""
    path = Path(path)
    if not path.exists():
        raise AudioFormatError(f"{path}: no such file")
    if not path.is_file():
        raise AudioFormatError(f"{path}: not a regular file")
    try:
        return _open_wav(path)
    except (wave.Error, EOFError) as exc:
        wav_problem = str(exc) or "truncated header"
    sox = shutil.which("sox")
    if sox is None:
        raise AudioFormatError(
            f"{path}: not a PCM WAV file we can read ({wav_problem}); install sox (`apt-get install sox`) to "
            "transcribe other formats, or convert it: `sox in.mp3 -r 16000 -c 1 -b 16 out.wav`"
        )
    return _open_with_sox(sox, path)


def _open_wav(path: Path) -> AudioSource:
    reader = wave.open(str(path), "rb")  # closed by blocks()
    width, channels, rate = reader.getsampwidth(), reader.getnchannels(), reader.getframerate()
    if width not in (1, 2, 3, 4) or channels < 1 or rate < 1000:
        reader.close()
        raise wave.Error(f"unsupported WAV layout: {width * 8}-bit, {channels} channels, {rate} Hz")

    def blocks() -> Generator[bytes, None, None]:
        with reader:
            frames = max(1, int(rate * BLOCK_SECONDS))
            while data := reader.readframes(frames):
                usable = len(data) - len(data) % (width * channels)  # a truncated last frame is dropped
                if usable:
                    yield _to_mono_int16(data[:usable], width, channels).tobytes()

    return AudioSource(rate, blocks(), channels, "wav")


def _to_mono_int16(data: bytes, width: int, channels: int) -> np.ndarray:
    if width == 1:  # 8-bit WAV is unsigned
        samples = (np.frombuffer(data, np.uint8).astype(np.int32) - 128) << 8
    elif width == 2:
        samples = np.frombuffer(data, "<i2").astype(np.int32)
    elif width == 3:
        raw = np.frombuffer(data, np.uint8).reshape(-1, 3).astype(np.int32)
        samples = ((raw[:, 0] | raw[:, 1] << 8 | raw[:, 2] << 16) << 8) >> 16  # sign-extend, keep top 16 bits
    else:
        samples = np.frombuffer(data, "<i4").astype(np.int64) >> 16
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    clipped: np.ndarray = np.clip(samples, -32768, 32767).astype("<i2")
    return clipped


def _open_with_sox(sox: str, path: Path) -> AudioSource:
    cmd = [sox, "-V1", str(path), "-t", "raw", "-e", "signed", "-b", "16", "-L", "-c", "1"]
    cmd += ["-r", str(SOX_RATE), "-"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = cast(IO[bytes], proc.stdout), cast(IO[bytes], proc.stderr)  # both piped above
    block = SOX_RATE * 2
    first = stdout.read(block)
    if not first and proc.wait() != 0:
        message = stderr.read().decode("utf-8", "replace").strip()
        stderr.close()
        stdout.close()
        raise AudioFormatError(f"{path}: not an audio file sox can read ({message or 'no details'})")

    def blocks() -> Generator[bytes, None, None]:
        try:
            data = first
            while data:
                usable = len(data) - len(data) % 2
                yield data[:usable]
                data = stdout.read(block)
            if proc.wait() != 0:
                message = stderr.read().decode("utf-8", "replace").strip()
                raise AudioFormatError(f"{path}: sox failed while reading ({message})")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            stdout.close()
            stderr.close()

    return AudioSource(SOX_RATE, blocks(), 1, "sox")
