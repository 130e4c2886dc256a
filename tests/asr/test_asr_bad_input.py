"""Bad input gives an empty transcript or a clear error, never a crash or a hang (real Vosk decoding)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

import asr
from tests.asr.conftest import need_tool, write_wav

pytestmark = pytest.mark.vosk


def test_silence_gives_an_empty_transcript(ko_model, tmp_path, service):
    path = write_wav(tmp_path / "silence.wav", np.zeros(3 * 8000, np.int16), 8000)
    transcript = asr.transcribe_file(path, ko_model)
    assert transcript.utterances == [] and transcript.text == ""
    assert transcript.audio_seconds == pytest.approx(3.0)
    stream = service.open_stream(8000)
    stream.feed(bytes(3 * 16000))
    assert stream.close(timeout=30).text == ""


def test_empty_wav_gives_an_empty_transcript(ko_model, tmp_path):
    path = write_wav(tmp_path / "empty.wav", np.zeros(0, np.int16), 16000)
    transcript = asr.transcribe_file(path, ko_model)
    assert transcript.text == "" and transcript.audio_seconds == 0.0


def test_noise_and_clipping_decode_without_error(ko_model, tmp_path, ko16):
    rng = np.random.default_rng(1)
    loud_noise = rng.normal(0, 12000, 4 * 16000).clip(-32768, 32767).astype(np.int16)
    clipped = (ko16.astype(np.int32) * 40).clip(-32768, 32767).astype(np.int16)  # hard clipping
    for name, samples in (("noise", loud_noise), ("clipped", clipped)):
        transcript = asr.transcribe_file(write_wav(tmp_path / f"{name}.wav", samples, 16000), ko_model)
        assert transcript.complete
        assert transcript.audio_seconds == pytest.approx(len(samples) / 16000, abs=0.01)
        assert all(0 <= w.confidence <= 1 for u in transcript.utterances for w in u.words)


def test_truncated_wav_decodes_what_is_there(ko_model, tmp_path, ko16):
    whole = write_wav(tmp_path / "whole.wav", ko16, 16000)
    data = whole.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: 44 + 16000 * 2 * 3 + 1])  # header says 13 s; 3 s and half a sample are there
    transcript = asr.transcribe_file(cut, ko_model)
    assert transcript.audio_seconds == pytest.approx(3.0, abs=0.01)


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not an audio file"),  # header cut in the middle
        ("工单编号,内容\n1,路灯不亮\n".encode(), "not an audio file"),  # a CSV named .wav
        (b"", "not an audio file"),
    ],
)
def test_files_that_are_not_audio_give_a_clear_error(ko_model, tmp_path, content, expected):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(asr.AudioFormatError, match=expected):
        asr.transcribe_file(path, ko_model)


def test_missing_file_and_directory_give_a_clear_error(ko_model, tmp_path):
    with pytest.raises(asr.AudioFormatError, match="no such file"):
        asr.transcribe_file(tmp_path / "nope.wav", ko_model)
    with pytest.raises(asr.AudioFormatError, match="not a regular file"):
        asr.transcribe_file(tmp_path, ko_model)


def test_without_sox_other_formats_get_an_install_hint(ko_model, tmp_path, monkeypatch):
    path = tmp_path / "call.mp3"
    path.write_bytes(b"ID3\x03\x00" + bytes(200))
    monkeypatch.setattr("asr.audio_file.shutil.which", lambda name: None)
    with pytest.raises(asr.AudioFormatError, match="install sox"):
        asr.transcribe_file(path, ko_model)


@pytest.mark.parametrize("width, channels, rate", [(1, 1, 8000), (3, 2, 44100), (4, 1, 22050)])
def test_other_widths_rates_and_channels_are_converted(ko_model, tmp_path, ko16, width, channels, rate):
    from tests.asr.conftest import resample

    samples = resample(ko16, 16000, rate)
    if channels == 2:  # speech on the left, silence on the right: the mix is the speech at half level
        samples = np.stack([samples, np.zeros_like(samples)], axis=1).reshape(-1)
    path = write_wav(tmp_path / f"w{width}c{channels}.wav", samples, rate, width=width, channels=channels)
    transcript = asr.transcribe_file(path, ko_model)
    assert transcript.sample_rate == rate
    assert transcript.audio_seconds == pytest.approx(len(ko16) / 16000, abs=0.01)
    assert transcript.utterances  # speech was heard (8-bit keeps enough of it)


def test_flac_is_read_through_sox(ko_model, tmp_path, speech_dir, ko16_file_transcript):
    flac = tmp_path / "ko.flac"
    subprocess.run([need_tool("sox"), str(speech_dir / "ko16.wav"), str(flac)], check=True)
    transcript = asr.transcribe_file(flac, ko_model)
    assert transcript.audio_seconds == pytest.approx(ko16_file_transcript.audio_seconds, abs=0.01)
    assert asr.character_error_rate(ko16_file_transcript.text, transcript.text) <= 0.5
