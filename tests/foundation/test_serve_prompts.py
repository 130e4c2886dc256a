"""A prompt recorded on /admin/prompts reaches callers of the running `hotline serve` without a restart: a
caller pressing 2 first hears the Mandarin fallback, then (after the admin uploads and activates a
Mongolian "listen" prompt — here a 700 Hz tone, easy to find in what the caller received) the new one."""

from __future__ import annotations

import re
import subprocess
import sys
import wave

import httpx
import numpy as np
import pytest
from test_serve_smoke import served, sign_in_admin  # noqa: F401 — the fixture, reused

pytestmark = [pytest.mark.sip, pytest.mark.vosk, pytest.mark.slow]
TONE_HZ = 700


def tone_seconds(path, hz: float = TONE_HZ, window_s: float = 0.1) -> float:
    """How long the received audio is dominated by ``hz`` (± 40 Hz): the prompt's duration as heard."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    size = int(rate * window_s)
    found = 0
    for start in range(0, len(samples) - size + 1, size):
        spectrum = np.abs(np.fft.rfft(samples[start:start + size])) ** 2
        freqs = np.fft.rfftfreq(size, 1 / rate)
        total = spectrum.sum()
        if total > size * 100 ** 2 and spectrum[np.abs(freqs - hz) <= 40].sum() > 0.6 * total:
            found += 1
    return found * window_s


def call_pressing_2(sip_port: int, heard, cwd) -> None:
    # no agent is signed in: after the language, the queue's menu (1 留言 / 2 回电) plays and, with no key
    # pressed, the message path starts with the "listen" prompt — 9 s of menu, then the prompt
    done = subprocess.run(
        [sys.executable, "-m", "hotline", "call", f"sip:7812345@127.0.0.1:{sip_port}", "--dtmf", "2",
         "--dtmf-delay", "0.5", "--hangup-after", "30", "--record", str(heard)],
        capture_output=True, text=True, timeout=120, cwd=cwd)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_activated_mongolian_prompt_is_heard_by_the_next_caller(served):  # noqa: F811
    proc, base, sip_port, tmp_path = served
    call_pressing_2(sip_port, tmp_path / "before.wav", tmp_path)
    assert tone_seconds(tmp_path / "before.wav") < 0.3  # the Mandarin fallback: speech, no tone

    tone = tmp_path / "listen_mn.mp3"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i",
                    f"sine=frequency={TONE_HZ}:duration=3", "-ar", "44100", str(tone)], check=True)
    with httpx.Client(base_url=base, timeout=60) as console:
        sign_in_admin(console, (tmp_path / "serve.log").read_text(encoding="utf-8"))
        page = console.get("/admin/prompts").text
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
        saved = console.post("/admin/prompts/listen_mn", headers=headers,
                             files={"audio": ("listen_mn.mp3", tone.read_bytes(), "audio/mpeg")})
        assert saved.status_code == 201, saved.text
        activated = console.post(f"/admin/prompts/recordings/{saved.json()['id']}/activate", headers=headers,
                                 follow_redirects=False)
        assert activated.status_code == 303

    call_pressing_2(sip_port, tmp_path / "after.wav", tmp_path)
    heard = tone_seconds(tmp_path / "after.wav")
    print(f"\n700 Hz heard: before {tone_seconds(tmp_path / 'before.wav'):.1f} s, after {heard:.1f} s")
    assert 2.4 <= heard <= 3.3, heard  # the whole 3 s recording, through G.711, without a restart
    assert proc.poll() is None
