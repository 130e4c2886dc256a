"""Real SIP calls over 127.0.0.1 from the pjsua2 caller (`hotline call`) to an endpoint subprocess."""

from __future__ import annotations

import subprocess
import time

import pytest
from sip_testkit import (
    endpoint_factory,  # noqa: F401 - fixture
    hotline_call,
    start_hotline_call,
    wav_levels,
    wav_seconds,
    write_tone,
)

pytestmark = pytest.mark.sip


def test_answered_call_is_recorded_and_dtmf_2_chooses_mongolian(endpoint_factory, tmp_path):  # noqa: F811
    endpoint = endpoint_factory()
    speech = write_tone(tmp_path / "speech.wav", 3.0, 300)
    heard = tmp_path / "heard.wav"
    result = hotline_call(
        endpoint.uri,
        "--play",
        str(speech),
        "--dtmf",
        "2",
        "--dtmf-delay",
        "0.5",
        "--hangup-after",
        "4",
        "--record",
        str(heard),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "answered" in result.stdout

    [started] = endpoint.wait_for("call_started")
    [ended] = endpoint.wait_for("call_ended")
    assert started["callee"] == "7812345" and started["caller"] == "1000"
    assert started["direction"] == "inbound" and started["sample_rate"] == 16000
    assert [e["lang"] for e in endpoint.events() if e["event"] == "language"] == ["mn"]
    assert [e["digit"] for e in endpoint.events() if e["event"] == "dtmf"] == ["2"]
    assert (
        ended["reason"] == "caller_hangup"
        and ended["language"] == "mn"
        and ended["language_source"] == "dtmf"
    )
    assert ended["frames_dropped"] == 0
    assert ended["sink_frames"] == ended["frames_received"]
    assert abs(ended["frames_received"] * 0.02 - 4.0) < 0.5
    recording = endpoint.recordings.joinpath(ended["recording_path"]).resolve()
    assert recording.is_file() and recording.suffix == ".wav"
    assert abs(wav_seconds(recording) - 4.0) < 0.5, wav_seconds(recording)
    levels = wav_levels(recording)
    loud = [i * 0.1 for i, level in enumerate(levels) if level > -30]
    assert loud and 2.6 < loud[-1] - loud[0] + 0.1 < 3.4, f"3 s of tone expected, loud windows {loud}"
    # what the caller heard: the 1.5 s greeting first, then (after DTMF 2 cut it) the listen prompt and tone
    heard_levels = wav_levels(heard)
    assert max(heard_levels[:4]) > -30, "the greeting was not played"


def test_wrong_number_is_rejected_with_404(endpoint_factory):  # noqa: F811
    endpoint = endpoint_factory()
    result = hotline_call(f"sip:999@127.0.0.1:{endpoint.port}", "--hangup-after", "1")
    assert result.returncode == 4, result.stdout + result.stderr
    assert "rejected: 404 Not Found" in result.stdout
    time.sleep(0.3)
    assert [e for e in endpoint.events() if e["event"] == "call_started"] == []


def test_caller_hangs_up_during_greeting(endpoint_factory, tmp_path):  # noqa: F811
    endpoint = endpoint_factory(ivr={"greeting_zh": write_tone(tmp_path / "long.wav", 8.0)})
    result = hotline_call(endpoint.uri, "--hangup-after", "1.5")
    assert result.returncode == 0, result.stdout + result.stderr
    [ended] = endpoint.wait_for("call_ended")
    assert ended["reason"] == "caller_hangup" and ended["language"] is None and ended["error"] == ""
    assert 1.0 < ended["duration_s"] < 3.0
    # the endpoint is still healthy: a second call is answered
    assert hotline_call(endpoint.uri, "--hangup-after", "0.5").returncode == 0


def test_silence_times_out_politely_after_default_language(endpoint_factory, tmp_path):  # noqa: F811
    endpoint = endpoint_factory(limits={"silence_timeout": 2})
    heard = tmp_path / "heard.wav"
    started = time.monotonic()
    result = hotline_call(endpoint.uri, "--record", str(heard), timeout=40)  # sends no audio, waits for BYE
    assert result.returncode == 0, result.stdout + result.stderr
    assert "remote hung up" in result.stdout
    [ended] = endpoint.wait_for("call_ended")
    assert ended["reason"] == "silence_timeout"
    assert ended["language"] == "zh" and ended["language_source"] == "default"
    # greeting 1.5 s + language timeout 2 s + listen/tone 0.8 s + silence 2 s + no_input 0.6 s
    assert 6.0 < ended["duration_s"] < 9.5 and time.monotonic() - started < 20
    assert max(wav_levels(heard)[-12:]) > -30, "the no-input prompt was not played before hanging up"


@pytest.mark.parametrize("limit", [2, 4])
def test_call_over_the_limit_gets_486(endpoint_factory, limit):  # noqa: F811
    endpoint = endpoint_factory(limits={"max_calls": limit})
    callers = [start_hotline_call(endpoint.uri, "--hangup-after", "10") for _ in range(limit)]
    endpoint.wait_for("call_started", count=limit, timeout=30)
    extra = hotline_call(endpoint.uri, "--hangup-after", "1")
    assert extra.returncode == 4, extra.stdout + extra.stderr
    assert "rejected: 486 Busy Here" in extra.stdout
    for caller in callers:
        out, err = caller.communicate(timeout=30)
        assert caller.returncode == 0, out + err
    assert len(endpoint.wait_for("call_ended", count=limit)) == limit


def test_malformed_sip_does_not_crash_the_endpoint(endpoint_factory):  # noqa: F811
    import socket

    endpoint = endpoint_factory()
    truncated = (
        f"INVITE sip:7812345@127.0.0.1:{endpoint.port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;bra"
        "nch=z9hG4bK1\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nContent-Length: 400\r\n\r\nv=0\r\no="
    )
    datagrams = [
        b"\x00\xff" * 200,
        b"garbage\r\n\r\n",
        truncated.encode(),
        b"SIP/2.0 200 OK\r\n\r\n",
        bytes(range(256)) * 4,
        b"INVITE\r\n",
    ]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        for data in datagrams:
            udp.sendto(data, ("127.0.0.1", endpoint.port))
    with socket.create_connection(("127.0.0.1", endpoint.port), timeout=5) as tcp:
        tcp.sendall(truncated.encode()[:120] + b"\x00\x01\x02")
    time.sleep(0.5)
    assert endpoint.proc.poll() is None, endpoint.log()
    result = hotline_call(endpoint.uri, "--hangup-after", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert endpoint.wait_for("call_ended")[0]["reason"] == "caller_hangup"


def test_stop_during_a_call_ends_it_and_exits_cleanly(endpoint_factory):  # noqa: F811
    endpoint = endpoint_factory()
    caller = start_hotline_call(endpoint.uri, "--hangup-after", "20")
    endpoint.wait_for("call_started")
    time.sleep(1.0)
    assert endpoint.stop() == 0, endpoint.log()
    [ended] = endpoint.wait_for("call_ended")
    assert ended["reason"] == "shutdown" and ended["recording_seconds"] > 0.5
    out, _ = caller.communicate(timeout=30)
    assert caller.returncode == 0 and "remote hung up" in out
    assert isinstance(caller, subprocess.Popen)


def test_sip_run_command_answers_and_stops_on_sigterm(tmp_path):
    import signal
    import sys

    from sip_testkit import REPO, free_sip_port, subprocess_env, write_config

    port = free_sip_port()
    config = write_config(tmp_path, port)
    events = tmp_path / "events.jsonl"
    server = subprocess.Popen(
        [sys.executable, "-m", "hotline", "sip", "run", str(config), "--events", str(events)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=subprocess_env(),
    )
    try:
        seen = ""
        while "answering" not in seen:
            line = server.stderr.readline()  # type: ignore[union-attr]
            assert line, f"`hotline sip run` exited: {seen}"
            seen += line
        result = hotline_call(f"sip:7812345@127.0.0.1:{port}", "--hangup-after", "1")
        assert result.returncode == 0, result.stdout + result.stderr
        time.sleep(0.5)
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert '"event": "call_ended"' in events.read_text(encoding="utf-8")


def test_outbound_call_presents_the_given_caller_id(endpoint_factory, monkeypatch):  # noqa: F811
    """An agent's leg shows the citizen's number on the agent's phone (From user, display name and PAI)."""
    phone = endpoint_factory("phone")  # a real pjsua2 callee answering 7812345 stands in for the desk phone
    monkeypatch.setenv("HOTLINE_TEST_CALLER_ID", "13800000099")
    endpoint_factory("acd", dial=phone.uri)
    [started] = phone.wait_for("call_started", timeout=15)
    assert started["caller"] == "13800000099", started
    assert started["caller_uri"].startswith('"13800000099" <sip:13800000099@'), started
