"""The whole chain over real SIP: a caller dials 7812345, the endpoint answers and greets, records, streams
the caller's voice into Vosk, and when the call ends a case exists with the transcript and its analysis.

One harness process (real PjsuaEndpoint + LiveCallPipeline + Korean Vosk model + SQLite) serves the module;
each test dials from its own caller number and finds its call by that number.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from sqlalchemy import select
from testkit.sipp import sipp_argv

from hotline.calls.finished import EMPTY_TEXT
from hotline.db import make_session_factory
from hotline.models import Call, TranscriptStatus
from tests.calls.call_testkit import (
    HERE,
    assert_case_carries_the_analysis,
    assert_heard_like_the_file,
    call_and_case,
    free_rtp_start,
    free_sip_port,
    sipp_call,
    wav_seconds,
)
from tests.sip.sip_testkit import hotline_call, start_hotline_call

pytestmark = [pytest.mark.sip, pytest.mark.vosk]


def recording_seconds(line, call: Call) -> float:
    return wav_seconds(line.recordings / call.recording_path if not call.recording_path.startswith("/")
                       else call.recording_path)


def test_pjsua2_caller_speech_becomes_a_case_with_transcript_and_language(
        sqlite_line, speech, direct_transcripts, analyzer):
    result = hotline_call(sqlite_line.uri, "--play", str(speech["long"]), "--dtmf", "1",
                          "--dtmf-delay", "0.3", "--from", "13800000101")
    assert result.returncode == 0, result.stdout + result.stderr
    call, case = call_and_case(sqlite_line, "13800000101")

    assert call.transcript_status == TranscriptStatus.complete and call.frames_dropped == 0
    assert call.transcript and call.utterances, call.transcript
    print(f"\nfile: {direct_transcripts['long'].text}\ncall: {call.transcript}")
    assert_heard_like_the_file(call.utterances, direct_transcripts["long"])
    assert abs(recording_seconds(sqlite_line, call) - wav_seconds(speech["long"])) < 0.6
    assert call.language == "zh" and case.language == "zh"  # DTMF 2: tests/calls/test_mongolian_calls.py
    assert case.content == call.transcript and case.citizen_phone == "13800000101"
    assert call.end_reason == "caller_hangup"
    assert_case_carries_the_analysis(case, analyzer)
    finals = sqlite_line.events("call.final")
    assert [e["text"] for e in finals if e["call_id"] == call.id] == [u.text for u in call.utterances]


@pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (Debian sip-tester) is not installed")
def test_sipp_caller_with_rtp_speech_becomes_a_case(sqlite_line, speech, direct_transcripts, analyzer,
                                                    tmp_path):
    audio = wav_seconds(speech["long"])
    result = sipp_call(sqlite_line.port, tmp_path, speech["long_pcap"], audio, caller="13800000102")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    call, case = call_and_case(sqlite_line, "13800000102")
    assert call.transcript and call.frames_dropped == 0
    print(f"\nfile: {direct_transcripts['long'].text}\ncall: {call.transcript}")
    assert_heard_like_the_file(call.utterances, direct_transcripts["long"])
    # the scenario: 1 s of DTMF, then the speech during a pause of its length + 0.3 s, then BYE
    assert abs(recording_seconds(sqlite_line, call) - (1.0 + audio + 0.3)) < 0.6
    assert call.language == "zh" and case.language == "zh"
    assert_case_carries_the_analysis(case, analyzer)


@pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip is not installed")
def test_baresip_caller_speech_becomes_a_case(sqlite_line, speech, direct_transcripts, tmp_path):
    confdir = tmp_path / "baresip"
    confdir.mkdir()
    rtp = free_rtp_start()
    config = [
        "poll_method poll", f"sip_listen 127.0.0.1:{free_sip_port()}", "net_interface 127.0.0.1",
        f"audio_player aufile,{confdir / 'heard.wav'}", f"audio_source aufile,{speech['long']}",
        "audio_alert aufile,/dev/null", "audio_srate 8000", "audio_channels 1", f"rtp_ports {rtp}-{rtp + 20}",
        "module_path /usr/lib/baresip/modules",
        *(f"module {name}.so" for name in ("g711", "aufile", "stdio")),
        *(f"module_app {name}.so" for name in ("account", "menu")),
    ]
    (confdir / "config").write_text("\n".join(config) + "\n")
    (confdir / "accounts").write_text("<sip:13800000103@127.0.0.1>;regint=0\n")
    result = subprocess.run(["baresip", "-f", str(confdir), "-e", f"/dial {sqlite_line.uri}", "-t", "18"],
                            capture_output=True, text=True, timeout=40, stdin=subprocess.DEVNULL)
    assert "Call established" in result.stdout, result.stdout[-3000:]
    call, case = call_and_case(sqlite_line, "13800000103")
    assert call.transcript and call.frames_dropped == 0
    print(f"\nfile: {direct_transcripts['long'].text}\ncall: {call.transcript}")
    assert_heard_like_the_file(call.utterances, direct_transcripts["long"])
    # baresip hangs up a few hundred ms after its file source ends
    assert -0.3 < recording_seconds(sqlite_line, call) - wav_seconds(speech["long"]) < 1.2
    assert call.language == "zh" and case.language == "zh"  # no key pressed: the IVR timeout chose zh
    assert case.content == call.transcript


def test_wrong_number_gets_404_and_no_case(sqlite_line):
    before = len(sqlite_line.events("call.started"))
    wrong = f"sip:999@127.0.0.1:{sqlite_line.port}"
    result = hotline_call(wrong, "--hangup-after", "1", "--from", "13800000104")
    assert result.returncode == 4 and "rejected: 404 Not Found" in result.stdout, result.stdout
    time.sleep(1.0)
    assert len(sqlite_line.events("call.started")) == before
    with make_session_factory(sqlite_line.engine)() as session:
        assert session.scalar(select(Call).where(Call.caller == "13800000104")) is None


def test_fifth_concurrent_caller_gets_486_and_no_case(sqlite_line, speech):
    callers = [f"1380000020{i}" for i in range(4)]
    # long enough that the four are still up when the fifth is placed on a loaded machine
    running = [start_hotline_call(sqlite_line.uri, "--play", str(speech["short"]), "--hangup-after", "15",
                                  "--from", number) for number in callers]
    for number in callers:
        sqlite_line.wait_for("call.started", where=lambda e, n=number: e["caller"] == n, timeout=30)
    extra = hotline_call(sqlite_line.uri, "--hangup-after", "1", "--from", "13800000299")
    assert extra.returncode == 4 and "rejected: 486 Busy Here" in extra.stdout, extra.stdout + extra.stderr
    for proc in running:
        out, err = proc.communicate(timeout=40)
        assert proc.returncode == 0, out + err
    for number in callers:
        call, case = call_and_case(sqlite_line, number)
        assert case is not None and call.transcript and call.frames_dropped == 0
    with make_session_factory(sqlite_line.engine)() as session:
        assert session.scalar(select(Call).where(Call.caller == "13800000299")) is None


def test_caller_hanging_up_during_the_greeting_still_gets_a_case(sqlite_line, speech):
    result = hotline_call(sqlite_line.uri, "--play", str(speech["long"]), "--hangup-after", "1.5",
                          "--from", "13800000105")
    assert result.returncode == 0, result.stdout + result.stderr
    call, case = call_and_case(sqlite_line, "13800000105")
    assert call.end_reason == "caller_hangup" and 1.0 < call.duration_s < 3.0
    assert call.language == "zh"  # no choice was made: stored as the default
    assert call.transcript_status in (TranscriptStatus.complete, TranscriptStatus.empty)
    assert case.content == (call.transcript or EMPTY_TEXT)
    assert abs(recording_seconds(sqlite_line, call) - call.duration_s) < 0.5


@pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (Debian sip-tester) is not installed")
def test_caller_sending_no_audio_is_timed_out_and_the_case_says_no_speech(sqlite_line, tmp_path):
    silent = HERE.parent / "sip" / "sipp_uac_silent.xml"  # From 13912345678, no RTP, waits for our BYE
    result = subprocess.run(
        sipp_argv(silent, target=f"127.0.0.1:{sqlite_line.port}", timeout_s=40),
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, "sipp did not receive our BYE"
    call, case = call_and_case(sqlite_line, "13912345678")
    assert call.end_reason == "silence_timeout"
    assert call.transcript_status == TranscriptStatus.empty and call.transcript == ""
    assert case.content == EMPTY_TEXT and case.needs_triage


def test_malformed_sip_during_a_call_does_not_break_it(sqlite_line, speech):
    caller = start_hotline_call(sqlite_line.uri, "--play", str(speech["short"]), "--from", "13800000106")
    sqlite_line.wait_for("call.started", where=lambda e: e["caller"] == "13800000106", timeout=30)
    port = sqlite_line.port
    garbage = [
        b"\x00\xff" * 200,
        f"INVITE sip:7812345@127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;bra".encode(),
        b"SIP/2.0 200 OK\r\nCSeq: x INVITE\r\nContent-Length: -5\r\n\r\n",
        b"BYE sip:7812345@127.0.0.1 SIP/2.0\r\nCall-ID: \xc3\x28\r\nContent-Length: 99999\r\n\r\n",
        "OPTIONS sip:七八一二@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP ;;;\r\n\r\n".encode(),
    ]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _ in range(20):
            for datagram in garbage:
                sock.sendto(datagram, ("127.0.0.1", sqlite_line.port))
            time.sleep(0.05)
    out, err = caller.communicate(timeout=40)
    assert caller.returncode == 0, out + err
    call, case = call_and_case(sqlite_line, "13800000106")
    assert call.end_reason == "caller_hangup" and call.frames_dropped == 0 and call.transcript
    assert sqlite_line.proc.poll() is None
    # still answering
    again = hotline_call(sqlite_line.uri, "--hangup-after", "0.5", "--from", "13800000107")
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_real_sip_caller_pressing_2_gets_a_case_flagged_for_a_mongolian_speaker(sqlite_line, speech):
    result = hotline_call(sqlite_line.uri, "--play", str(speech["long"]), "--dtmf", "2",
                          "--dtmf-delay", "0.3", "--from", "13800000310")
    assert result.returncode == 0, result.stdout + result.stderr
    call, case = call_and_case(sqlite_line, "13800000310")
    assert call.language == "mn" and case.language == "mn"
    assert case.content.startswith("蒙古语来电：需人工听取") and case.needs_triage
    assert case.intent is None and case.intent_confidence is None and case.routing == []
    assert case.department is None
    assert call.transcript == "" and call.transcript_status == TranscriptStatus.unavailable
    assert not [e for e in sqlite_line.events("call.final") if e["call_id"] == call.id]
    assert abs(recording_seconds(sqlite_line, call) - wav_seconds(speech["long"])) < 0.6  # all recorded
