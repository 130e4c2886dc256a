"""Real SIP calls from third-party user agents: sipp (RTP from a pcap, RFC 2833 DTMF) and baresip."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sip_testkit import (
    SIPP_FILES,
    endpoint_factory,  # noqa: F401 - fixture
    free_rtp_start,
    free_sip_port,
    rewrite_rtp_payload_type,
    wav_levels,
    wav_seconds,
    write_tone,
)
from testkit.sipp import sipp_argv

pytestmark = pytest.mark.sip
SCENARIO = Path(__file__).with_name("sipp_uac_pcap_dtmf.xml")
G711A_PCAP_SECONDS = 7.05  # span of the RTP packets in sipp's g711a.pcap


@pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (Debian sip-tester) is not installed")
def test_sipp_call_with_pcap_audio_and_rfc2833_dtmf(endpoint_factory, tmp_path):  # noqa: F811
    endpoint = endpoint_factory()
    workdir = tmp_path / "sipp"
    (workdir / "pcap").mkdir(parents=True)  # sipp reads pcap/*.pcap relative to the working directory
    for name in ("g711a.pcap", "dtmf_2833_2.pcap"):
        (workdir / "pcap" / name).symlink_to(SIPP_FILES / name)
    result = subprocess.run(
        sipp_argv(SCENARIO, target=f"127.0.0.1:{endpoint.port}",
                  extra=["-trace_err", "-error_file", str(workdir / "errors.log")]),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, (
        (workdir / "errors.log").read_text() if (workdir / "errors.log").exists() else ""
    )

    [ended] = endpoint.wait_for("call_ended")
    assert ended["reason"] == "caller_hangup" and ended["frames_dropped"] == 0
    assert ended["dtmf"] == "2" and ended["language"] == "mn" and ended["language_source"] == "dtmf"
    recording = endpoint.recordings.joinpath(ended["recording_path"])
    seconds = wav_seconds(recording)
    # the scenario plays DTMF for 1 s, then the pcap (7.05 s) during a 7.3 s pause, then sends BYE
    assert abs(seconds - ended["duration_s"]) < 0.3 and 8.0 < seconds < 9.0, seconds
    levels = wav_levels(recording)
    speech = [level for level in levels[10:80] if level > -40]  # 1.0 s .. 8.0 s: the pcap's speech
    assert len(speech) > 35, f"expected the pcap's speech in the recording, levels {levels}"


@pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip is not installed")
def test_baresip_call_is_answered_and_recorded(endpoint_factory, tmp_path):  # noqa: F811
    endpoint = endpoint_factory()
    confdir = tmp_path / "baresip"
    confdir.mkdir()
    source = write_tone(confdir / "source.wav", 3.0, 400, rate=8000)  # baresip's aufile source must be 8 kHz
    rtp = free_rtp_start()
    config = [
        "poll_method poll",
        f"sip_listen 127.0.0.1:{free_sip_port()}",
        "net_interface 127.0.0.1",
        f"audio_player aufile,{confdir / 'heard.wav'}",
        f"audio_source aufile,{source}",
        "audio_alert aufile,/dev/null",
        "audio_srate 8000",
        "audio_channels 1",
        f"rtp_ports {rtp}-{rtp + 20}",
        "module_path /usr/lib/baresip/modules",
        *(f"module {name}.so" for name in ("g711", "aufile", "stdio")),
        *(f"module_app {name}.so" for name in ("account", "menu")),
    ]
    (confdir / "config").write_text("\n".join(config) + "\n")
    (confdir / "accounts").write_text("<sip:1000@127.0.0.1>;regint=0\n")
    result = subprocess.run(
        ["baresip", "-f", str(confdir), "-e", f"/dial {endpoint.uri}", "-t", "8"],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert "Call established" in result.stdout, result.stdout[-3000:]

    [started] = endpoint.wait_for("call_started")
    [ended] = endpoint.wait_for("call_ended")
    assert started["caller"] == "1000"
    assert (
        ended["reason"] == "caller_hangup" and ended["frames_dropped"] == 0
    )  # baresip hangs up at end of file
    recording = endpoint.recordings.joinpath(ended["recording_path"])
    assert abs(wav_seconds(recording) - 3.0) < 0.5, wav_seconds(recording)
    loud = [level for level in wav_levels(recording) if level > -30]
    # at least 2 of the 3 s (0.1 s windows): on a loaded machine baresip starts its source a little late
    assert len(loud) >= 20, "expected the 3 s tone in the recording"


@pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (Debian sip-tester) is not installed")
def test_outbound_call_plays_collects_rfc2833_dtmf_and_records(endpoint_factory, tmp_path):  # noqa: F811
    workdir = tmp_path / "sipp"
    (workdir / "pcap").mkdir(parents=True)
    # our offer (PCMU, PCMA, G722) carries telephone-event/8000 as payload type 120; sipp's DTMF pcaps use 101
    rewrite_rtp_payload_type(SIPP_FILES / "dtmf_2833_1.pcap", workdir / "pcap" / "dtmf_1_pt120.pcap", 120)
    port = free_sip_port()
    callee = subprocess.Popen(
        sipp_argv(Path(__file__).with_name("sipp_uas_dtmf.xml"), port=port, timeout_s=40, extra=["-bg"]),
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    callee.communicate(timeout=10)  # -bg: sipp forks into the background and this returns
    endpoint = endpoint_factory(dial=f"sip:13800000000@127.0.0.1:{port}")
    [answered] = endpoint.wait_for("outbound_answered", timeout=15)
    [digit] = endpoint.wait_for("outbound_dtmf", timeout=15)
    [ended] = endpoint.wait_for("outbound_ended", timeout=15)
    assert answered["status_code"] == 200 and digit["digit"] == "1"
    assert [e["name"] for e in endpoint.events() if e["event"] == "outbound_playback_done"] == ["tone"]
    assert ended["reason"] == "local_hangup" and ended["status_code"] == 200
    assert ended["recording_seconds"] > 1.0 and Path(ended["recording_path"]).is_file()
    assert abs(wav_seconds(Path(ended["recording_path"])) - ended["recording_seconds"]) < 0.05


@pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (Debian sip-tester) is not installed")
@pytest.mark.parametrize(("password", "accepted"), [("s3cret-pw", True), ("wrong", False)])
def test_registration_with_digest_auth(endpoint_factory, tmp_path, monkeypatch, password, accepted):  # noqa: F811
    port = free_sip_port()
    registrar = subprocess.Popen(
        sipp_argv(Path(__file__).with_name("sipp_registrar.xml"), port=port, timeout_s=20, media=False),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    monkeypatch.setenv("HOTLINE_TEST_SIP_PASSWORD", password)
    endpoint = endpoint_factory(
        account={
            "registrar": f"sip:127.0.0.1:{port}",
            "username": "7812345",
            "realm": "hotline.test",
            "password_env": "HOTLINE_TEST_SIP_PASSWORD",
            "register_interval": 60,
        }
    )
    assert registrar.wait(timeout=30) == (0 if accepted else 1)
    endpoint.stop()
    expected = "registration: 200" if accepted else "registration: 403"
    assert expected in endpoint.log()


@pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (Debian sip-tester) is not installed")
def test_caller_sending_no_rtp_at_all_is_ended_by_the_silence_timeout(endpoint_factory, tmp_path):  # noqa: F811
    endpoint = endpoint_factory(limits={"silence_timeout": 2})
    result = subprocess.run(
        sipp_argv(Path(__file__).with_name("sipp_uac_silent.xml"), target=f"127.0.0.1:{endpoint.port}"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, "sipp did not receive our BYE"
    [ended] = endpoint.wait_for("call_ended")
    assert ended["reason"] == "silence_timeout" and ended["frames_dropped"] == 0
    assert ended["language"] == "zh" and ended["language_source"] == "default"
    assert abs(ended["recording_seconds"] - ended["duration_s"]) < 0.5, ended
