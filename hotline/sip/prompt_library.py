"""Operators' recordings of the IVR prompts: converted to the endpoint's format, every version kept.

A recording (from the browser's MediaRecorder — WebM/Opus or Ogg — or an uploaded WAV/MP3/M4A) is converted
with ffmpeg to 8 kHz 16-bit mono WAV under ``<data dir>/prompts/<slot>/``. Activating a version marks it the
slot's one active row; the caller (web route, runtime) then hands the file to the running endpoint
(``CallControl.set_prompt``), so new calls hear it without a restart. Session first, never commits.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.models import PromptRecording, utcnow
from hotline.sip.config import PROMPT_KEYS

RATE = 8000
MAX_BYTES = 20 * 1024 * 1024
MAX_SECONDS = 60.0
MIN_SECONDS = 0.3


class PromptError(ValueError):
    """The recording cannot be used; the message says what to do (Chinese, for the operator)."""


def convert(data: bytes, out: Path) -> float:
    """Any audio ffmpeg reads -> ``out`` as 8 kHz 16-bit mono WAV; returns its length in seconds."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise PromptError("服务器未安装 ffmpeg，无法转换录音（apt-get install ffmpeg）。")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".audio") as src:
        src.write(data)
        src.flush()
        done = subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-i", src.name, "-ac", "1",
                               "-ar", str(RATE), "-sample_fmt", "s16", "-f", "wav", str(out)],
                              capture_output=True, text=True, timeout=60)
    if done.returncode != 0 or not out.is_file():
        out.unlink(missing_ok=True)
        raise PromptError("无法识别该音频文件，请上传 WAV、MP3、M4A、OGG 或 WebM 录音。")
    with wave.open(str(out), "rb") as wav:
        seconds = wav.getnframes() / wav.getframerate()
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        out.unlink(missing_ok=True)
        raise PromptError(f"录音时长 {seconds:.1f} 秒；提示音应在 {MIN_SECONDS}–{MAX_SECONDS:.0f} 秒之间。")
    return seconds


def add_recording(session: Session, *, slot: str, data: bytes, source: str, actor: str,
                  data_dir: Path) -> PromptRecording:
    """Convert and keep a new (inactive) version of ``slot``."""
    if slot not in PROMPT_KEYS:
        raise PromptError(f"没有名为 {slot} 的提示音位置（可用：{'、'.join(PROMPT_KEYS)}）。")
    if not data:
        raise PromptError("录音为空，请重新录制或选择文件。")
    if len(data) > MAX_BYTES:
        raise PromptError(f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请剪短后再上传。")
    relative = Path("prompts") / slot / f"{utcnow():%Y%m%dT%H%M%S%f}.wav"
    seconds = convert(data, data_dir / relative)
    recording = PromptRecording(slot=slot, path=str(relative), seconds=round(seconds, 2), source=source,
                                created_by=actor, active=False)
    session.add(recording)
    session.flush()
    return recording


def activate(session: Session, *, recording_id: int) -> PromptRecording:
    recording = session.get(PromptRecording, recording_id)
    if recording is None:
        raise PromptError(f"录音 {recording_id} 不存在。")
    session.execute(update(PromptRecording).where(PromptRecording.slot == recording.slot)
                    .values(active=False))
    recording.active, recording.activated_at = True, utcnow()
    session.flush()
    return recording


def active_prompts(session: Session, *, data_dir: Path) -> dict[str, Path]:
    """slot -> file of the active version (files that went missing are skipped)."""
    rows = session.scalars(select(PromptRecording).where(PromptRecording.active.is_(True)))
    return {r.slot: data_dir / r.path for r in rows if (data_dir / r.path).is_file()}


def history(session: Session) -> list[PromptRecording]:
    return list(session.scalars(select(PromptRecording).order_by(PromptRecording.slot,
                                                                 PromptRecording.id.desc())))
