"""Per-call WAV recordings and caller voice activity, written by one thread off the media clock.

The clock thread only enqueues frames (``RecordingWriter.frame``); this thread writes them, measures their
level for the silence timeout and, every few hours, deletes recordings past their retention.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from asr.silence_final import power_floor, voiced_frames
from hotline.sip.pcm import frame_bytes as frame_size

log = logging.getLogger(__name__)
PURGE_EVERY_S = 6 * 3600


class VoiceActivity:
    """When the caller was last heard above the threshold (monotonic seconds); read by the SIP thread."""

    def __init__(self, threshold_dbfs: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold_dbfs = threshold_dbfs
        self.clock = clock
        self.last_voice_at = clock()
        self.voiced_frames = 0

    def observe(self, pcm: bytes, frame_bytes: int = 320) -> None:
        """One or more whole frames of ``frame_bytes``: counts the voiced ones (RMS at or above the
        threshold) and, when there is one, notes the time."""
        per_frame = max(1, frame_bytes // 2)
        frames = len(pcm) // 2 // per_frame or 1
        samples = np.frombuffer(pcm, dtype="<i2", count=min(len(pcm) // 2, frames * per_frame))
        if not samples.size:
            return
        voiced = int(np.count_nonzero(voiced_frames(samples.astype(np.float32), samples.size // frames,
                                                    power_floor(self.threshold_dbfs))))
        if voiced:
            self.last_voice_at = self.clock()
            self.voiced_frames += voiced


@dataclass
class _Open:
    wav: wave.Wave_write | None
    path: Path | None
    activity: VoiceActivity
    frames: int = 0
    frame_bytes: int = 0


def recording_path(directory: Path, call_id: str, started_at: datetime, tz: str = "Asia/Shanghai") -> Path:
    """<directory>/<local date>/<call_id>.wav (dates in the hotline's time zone)."""
    return directory / started_at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d") / f"{call_id}.wav"


def purge_recordings(directory: Path, retention_days: int, now: float | None = None) -> int:
    """Delete WAVs older than ``retention_days`` (0 keeps all) and empty date folders; returns the count."""
    return len(purge_recording_files(directory, retention_days, now))


def purge_recording_files(directory: Path, retention_days: int, now: float | None = None) -> list[Path]:
    """Like :func:`purge_recordings`, returning the deleted files (for the audit record and the calls)."""
    if retention_days <= 0 or not directory.is_dir():
        return []
    cutoff = (now or time.time()) - timedelta(days=retention_days).total_seconds()
    deleted: list[Path] = []
    for path in directory.glob("*/*.wav"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted.append(path)
        except OSError as exc:
            log.warning("recording purge: cannot delete %s: %s", path, exc)
    for folder in directory.iterdir():
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    if deleted:
        log.info("recording purge: deleted %d recordings older than %d days", len(deleted), retention_days)
    return deleted


class RecordingWriter:
    """One writer thread per endpoint. ``frame`` is safe to call from the clock thread.

    ``synchronous=True`` (the fake endpoint) does the work inline in the calling thread instead.
    """

    def __init__(self, directory: Path, retention_days: int, *, synchronous: bool = False) -> None:
        self.directory = directory
        self.retention_days = retention_days
        self.synchronous = synchronous
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._open: dict[str, _Open] = {}
        self._thread: threading.Thread | None = None
        self._last_purge = 0.0
        # on_purged(deleted files): set by the composition root to audit the purge and forget the paths
        self.on_purged: Callable[[list[Path]], None] | None = None

    def start(self) -> None:
        if self.synchronous:
            return
        self._thread = threading.Thread(target=self._run, name="sip-recorder", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self.synchronous:
            for call_id in list(self._open):
                self._close(call_id, None)
        if self._thread:
            self._queue.put(("stop",))
            self._thread.join(timeout)
            self._thread = None

    def open(self, call_id: str, path: Path | None, sample_rate: int, activity: VoiceActivity) -> None:
        self._submit(("open", call_id, path, sample_rate, activity))

    def frame(self, call_id: str, pcm: bytes) -> None:
        """Caller audio: one or more whole 20 ms frames."""
        self._submit(("frame", call_id, pcm))

    def close(self, call_id: str, on_closed: Callable[[float], None]) -> None:
        """Close the file; ``on_closed(recorded_seconds)`` then runs on the writer thread."""
        self._submit(("close", call_id, on_closed))

    def _submit(self, item: tuple) -> None:
        if self.synchronous:
            self._handle(item)
        else:
            self._queue.put(item)

    def _handle(self, item: tuple) -> None:
        try:
            handlers: dict[str, Callable[..., None]] = {"open": self._open_call, "frame": self._frame,
                                                        "close": self._close}
            handlers[item[0]](*item[1:])
        except BaseException:
            log.exception("recording writer: %s failed", item[0])

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=1.0)
            except queue.Empty:
                self._maybe_purge()
                continue
            if item[0] == "stop":
                for call_id in list(self._open):
                    self._close(call_id, None)
                return
            self._handle(item)

    def _open_call(self, call_id: str, path: Path | None, sample_rate: int, activity: VoiceActivity) -> None:
        wav = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                wav = wave.open(str(path), "wb")
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(sample_rate)
            except OSError as exc:
                log.error(
                    "call %s: cannot record to %s: %s (check [recording] directory)",
                    call_id,
                    path,
                    exc,
                )

                wav, path = None, None
        self._open[call_id] = _Open(wav, path, activity, frame_bytes=frame_size(sample_rate))

    def _frame(self, call_id: str, pcm: bytes) -> None:
        entry = self._open.get(call_id)
        if entry is None:  # late frame after close
            return
        entry.activity.observe(pcm, entry.frame_bytes)
        if entry.wav is not None:
            entry.wav.writeframesraw(pcm)
            entry.frames += max(1, len(pcm) // entry.frame_bytes)

    def _close(self, call_id: str, on_closed: Callable[[float], None] | None) -> None:
        entry = self._open.pop(call_id, None)
        seconds = 0.0
        if entry is not None and entry.wav is not None:
            try:
                entry.wav.close()
            except OSError as exc:
                log.error("call %s: closing recording %s failed: %s", call_id, entry.path, exc)
            seconds = entry.frames * 0.02
        if on_closed is not None:
            on_closed(seconds)

    def _maybe_purge(self) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY_S and self._last_purge:
            return
        self._last_purge = time.monotonic()
        try:
            deleted = purge_recording_files(self.directory, self.retention_days)
        except OSError as exc:
            log.warning("recording purge failed: %s", exc)
            return
        if deleted and self.on_purged is not None:
            try:
                self.on_purged(deleted)
            except Exception:
                log.exception("recording purge: recording %d deleted files failed", len(deleted))
