"""sip.conf parsing: every mistake names its section and key; `hotline sip check` reports it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotline.cli.sip_cli import app
from hotline.sip.config import PROMPTS_DIR, SipConfigError, load_sip_config, parse_sip_config

REPO = Path(__file__).resolve().parents[2]


def parse(text: str, tmp_path: Path, **env: str):
    return parse_sip_config(text, base_dir=tmp_path, environ=env)


def test_the_example_file_is_valid_and_matches_the_defaults():
    config = load_sip_config(REPO / "sip.conf.example")
    assert config.account.numbers == ("7812345",)
    assert config.transport.udp_port == 5060 and config.transport.tcp_port == 5060
    assert config.media.codecs == ("PCMU", "PCMA", "G722") and config.media.clock_rate == 16000
    assert config.limits.max_calls == 4 and config.limits.silence_timeout_s == 30
    assert config.ivr.prompts["greeting_zh"] == PROMPTS_DIR / "greeting_zh.wav"
    assert config.ivr.prompts["greeting_mn"] is None
    assert config.recording.directory == REPO / "var" / "recordings"


def test_registration_password_comes_from_the_environment(tmp_path):
    lines = ["[account]", "numbers = 7812345, 12345", "registrar = sip:pbx.example", "username = hot"]
    text = "\n".join([*lines, "password_env = PW", ""])
    config = parse(text, tmp_path, PW="s3cret")
    assert config.account.password == "s3cret" and config.account.numbers == ("7812345", "12345")
    assert "s3cret" not in repr(config)
    with pytest.raises(SipConfigError, match=r"\[account\] password_env: environment variable PW is not set"):
        parse(text, tmp_path)


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("[transport]\nudp_port = 70000\n", "[transport] udp_port", "0..65535"),
        ("[transport]\nbind_address = localhost\n", "[transport] bind_address", "IP address"),
        ("[transport]\nudp_port = 0\ntcp_port = 0\n", "[transport] udp_port", "both disabled"),
        ("[account]\nnumbers = 78a\n", "[account] numbers", "digits"),
        ("[account]\nregistrar = pbx.example\n", "[account] registrar", "SIP URI"),
        ("[media]\ncodecs = PCMU, opus\n", "[media] codecs", "PCMU, PCMA, G722"),
        ("[media]\nclock_rate = 11025\n", "[media] clock_rate", "8000 or 16000"),
        ("[ivr]\ngreeting_zh = nowhere.wav\n", "[ivr] greeting_zh", "does not exist"),
        ("[ivr]\nlanguage_timeout = soon\n", "[ivr] language_timeout", "number of seconds"),
        ("[limits]\nmax_calls = 8\n", "[limits] max_calls", "caps a process at 4"),
        ("[limits]\nsilence_timeout = -1\n", "[limits] silence_timeout", "seconds"),
        ("[limits]\nmax_call = 10\n", "[limits] max_call", "unknown key"),
        ("[trunk]\nhost = x\n", "[trunk]", "unknown section"),
        ("no section header\n", "[file]", "not valid INI"),
    ],
)
def test_errors_name_section_key_and_expectation(tmp_path, text, where, expected):
    with pytest.raises(SipConfigError) as err:
        parse(text, tmp_path)
    assert str(err.value).startswith(where) and expected in str(err.value)


def test_check_command_reports_ok_and_errors(tmp_path):
    runner = CliRunner()
    good = runner.invoke(app, ["check", str(REPO / "sip.conf.example")])
    assert good.exit_code == 0 and "OK" in good.output and "greeting_mn  (empty slot)" in good.output
    bad = tmp_path / "sip.conf"
    bad.write_text("[limits]\nmax_calls = 5\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(bad)])
    assert result.exit_code == 2
    assert "[limits] max_calls: expected 1..4 calls" in result.output
    missing = runner.invoke(app, ["check", str(tmp_path / "absent.conf")])
    assert missing.exit_code == 2 and "not found; copy sip.conf.example" in missing.output


def test_check_refuses_a_prompt_wav_that_serve_would_refuse(tmp_path):
    """Issue 14, finding 11: `sip check` decodes every prompt the way `serve` does."""
    garbage = tmp_path / "greeting.wav"
    garbage.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk" + bytes(64))
    conf = tmp_path / "sip.conf"
    conf.write_text(f"[ivr]\ngreeting_zh = {garbage}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(conf)])
    assert result.exit_code == 2, result.output
    assert "[ivr] greeting_zh" in result.output and "not a PCM WAV file" in result.output


def test_queue_section_is_parsed_and_mistakes_name_the_key(tmp_path):
    text = "[queue]\nservice_hours = 08:00-12:00, 13:30-18:00\nmax_wait = 90\nwrap_up = 0\n"
    config = parse_sip_config(text, base_dir=tmp_path)
    assert config.queue.service_hours == ((480, 720), (810, 1080)) and config.queue.max_wait_s == 90
    assert config.queue.open_at(9 * 60) and not config.queue.open_at(12 * 60 + 30)
    for text, where in (("service_hours = 18:00-08:00", "[queue] service_hours"),
                        ("ring_back_key = 1", "[queue] ring_back_key"),
                        ("enabled = maybe", "[queue] enabled"),
                        ("ring_timeout = 1", "[queue] ring_timeout"),
                        ("transfer_uri = sip:pbx.example", "[queue] transfer_uri")):
        with pytest.raises(SipConfigError, match=re.escape(where)):
            parse_sip_config(f"[queue]\n{text}\n", base_dir=tmp_path)


def test_asr_trailing_silence(tmp_path):
    assert parse("", tmp_path).asr.trailing_silence_s == 1.0
    assert parse("[asr]\ntrailing_silence = 0.6\n", tmp_path).asr.trailing_silence_s == 0.6
    assert parse("[asr]\ntrailing_silence = model\n", tmp_path).asr.trailing_silence_s is None
    with pytest.raises(SipConfigError, match=r"\[asr\] trailing_silence.*0.2..5 seconds"):
        parse("[asr]\ntrailing_silence = 9\n", tmp_path)


def test_asr_final_after_silence(tmp_path):
    from hotline.sip.config import DEFAULT_FINAL_AFTER_SILENCE_S

    assert parse("", tmp_path).asr.final_after_silence_s == DEFAULT_FINAL_AFTER_SILENCE_S
    assert parse("[asr]\nfinal_after_silence = 0.6\n", tmp_path).asr.final_after_silence_s == 0.6
    assert parse("[asr]\nfinal_after_silence = off\n", tmp_path).asr.final_after_silence_s is None
    for bad, said in (("1.5s", "expected a number of seconds"), ("0.05", "expected 0.2..2 seconds"),
                      ("nan", "expected 0.2..2 seconds")):
        with pytest.raises(SipConfigError, match=rf"\[asr\] final_after_silence.*{re.escape(said)}"):
            parse(f"[asr]\nfinal_after_silence = {bad}\n", tmp_path)
    example = load_sip_config(REPO / "sip.conf.example")
    assert example.asr.final_after_silence_s == DEFAULT_FINAL_AFTER_SILENCE_S
