"""Recordings on disk (writer, retention) and prompt loading, without SIP."""

from __future__ import annotations

import os
import time
import wave
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from hotline.sip.pcm import PromptFileError, load_wav_pcm, pcm_dbfs
from hotline.sip.recording import RecordingWriter, VoiceActivity, purge_recordings, recording_path


def test_writer_records_frames_and_tracks_voice(tmp_path):
    writer = RecordingWriter(tmp_path, retention_days=0)
    writer.start()
    activity = VoiceActivity(-45.0)
    started = activity.last_voice_at
    path = recording_path(tmp_path, "abc", datetime(2026, 11, 29, 17, 0, tzinfo=UTC))
    assert path == tmp_path / "2026-11-30" / "abc.wav"  # 01:00 the next day in China time
    writer.open("abc", path, 8000, activity)
    loud = (np.ones(160) * 10000).astype("<i2").tobytes()
    for _ in range(50):
        writer.frame("abc", bytes(320))
    time.sleep(0.05)
    for _ in range(25):
        writer.frame("abc", loud)
    closed: list[float] = []
    writer.close("abc", closed.append)
    writer.frame("abc", loud)  # a late frame after close is ignored
    writer.stop()
    assert closed == [1.5]
    assert activity.voiced_frames == 25 and activity.last_voice_at > started
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getnframes()) == (8000, 1, 75 * 160)


def test_unwritable_directory_is_logged_and_the_call_goes_on(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    writer = RecordingWriter(tmp_path, 0, synchronous=True)
    closed: list[float] = []
    writer.open("c", blocker / "sub" / "c.wav", 8000, VoiceActivity(-45))
    writer.frame("c", bytes(320))
    writer.close("c", closed.append)
    assert closed == [0.0] and "cannot record" in caplog.text


def test_purge_deletes_only_old_recordings(tmp_path):
    old = tmp_path / "2026-01-01" / "old.wav"
    new = tmp_path / "2026-11-29" / "new.wav"
    for path in (old, new):
        path.parent.mkdir()
        path.write_bytes(b"RIFF")
    long_ago = time.time() - 100 * 86400
    os.utime(old, (long_ago, long_ago))
    assert purge_recordings(tmp_path, retention_days=90) == 1
    assert not old.exists() and not old.parent.exists() and new.exists()
    assert purge_recordings(tmp_path, retention_days=0) == 0 and new.exists()


def test_prompts_of_any_rate_and_channels_are_converted(tmp_path):
    path = tmp_path / "stereo.wav"
    t = np.arange(44100) / 44100
    tone = (np.sin(2 * np.pi * 440 * t) * 16000).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(44100)
        wav.writeframes(np.repeat(tone, 2).tobytes())
    pcm = load_wav_pcm(path, 16000)
    assert len(pcm) == 16000 * 2
    assert -10 < pcm_dbfs(pcm) < -5  # a 0.49 FS sine is about -9 dBFS
    assert pcm_dbfs(bytes(320)) == float("-inf")


def test_a_non_wav_prompt_gets_a_clear_error(tmp_path):
    path = Path(tmp_path / "greeting.mp3")
    path.write_bytes(b"ID3" + bytes(100))
    with pytest.raises(PromptFileError, match="not a PCM WAV file.*sox"):
        load_wav_pcm(path, 8000)
