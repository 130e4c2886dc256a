"""`hotline asr transcribe` with the real Korean model."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hotline.cli import asr_cli
from tests.asr.conftest import ko_model_dir

pytestmark = pytest.mark.vosk


def test_transcribe_prints_json_with_utterances_and_timings(speech_dir, ko16_file_transcript):
    result = CliRunner().invoke(
        asr_cli.app, ["transcribe", str(speech_dir / "ko8.wav"), "--model", str(ko_model_dir()), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sample_rate"] == 8000 and data["audio_seconds"] == pytest.approx(12.88, abs=0.05)
    assert data["text"] and len(data["utterances"]) >= 2
    first = data["utterances"][0]
    assert set(first) == {"text", "start", "end", "confidence", "words"}
    assert first["words"][0]["start"] == first["start"] and first["end"] > first["start"]


def test_transcribe_prints_plain_text(speech_dir, ko16, tmp_path):
    from tests.asr.conftest import write_wav

    short = write_wav(tmp_path / "short.wav", ko16[: 16000 * 5], 16000)
    result = CliRunner().invoke(asr_cli.app, ["transcribe", str(short), "--model", str(ko_model_dir())])
    assert result.exit_code == 0 and result.output.strip() and not result.output.lstrip().startswith("{")


def test_transcribe_without_a_model_says_what_to_do(speech_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_VOSK_MODEL", raising=False)
    result = CliRunner().invoke(asr_cli.app, ["transcribe", str(speech_dir / "ko16.wav")])
    assert result.exit_code == 1
    assert "hotline models download small-cn" in result.output and "HOTLINE_VOSK_MODEL" in result.output


def test_transcribe_a_non_audio_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("市民来电记录", encoding="utf-8")
    result = CliRunner().invoke(asr_cli.app, ["transcribe", str(bad), "--model", str(ko_model_dir())])
    assert result.exit_code == 1 and "not an audio file" in result.output
