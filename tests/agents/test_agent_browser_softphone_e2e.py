"""Issue 13's end-to-end test, as a centre runs it on one machine: `hotline serve --sip-workers 2` (real
pjsua2 workers, real Vosk), Kamailio with the configuration `hotline sip kamailio-config --websocket-port
--rtpengine` writes, rtpengine in userspace, the console in headless Chromium whose fake microphone plays
the agent's WAV, a pjsua2 caller (`hotline call`) and a sipp UAS as a department's phone, all on loopback.

The caller dials 7812345 through Kamailio and presses 1; the agent is signed in (示忙) with no desk phone, so
the caller waits in the queue hearing the announcement and music; the agent presses 置闲, the console
rings (softphone and desk), the agent presses 接听. Measured: the caller's 440 Hz marker and speech in what
the browser receives (WebAudio on the remote stream), the agent's 1 kHz marker and speech in what the caller
records. The desk shows 市民 and 坐席 lines live; the agent transfers the call to a department (the sipp UAS
answers it); the case carries both sides' utterances and the desk offers it for 当场答复.
Screenshots: test-artifacts/screenshots/agent-e2e-*.png.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from agent_testkit import loud_seconds
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from testkit.browser import launch_chromium, screenshot
from testkit.databases import migrated_engine
from testkit.ports import free_port_block, free_tcp_port
from testkit.rtpengine import RTPENGINE, start_rtpengine, stop_rtpengine

from hotline.accounts.passwords import hash_password
from hotline.agents.presence import set_profile
from hotline.models import Call, Case, Department, QueueEntry, QueueEntryState, Role, User
from tests.calls.call_testkit import KO_SENTENCES, ko_model_dir, need_tool, write_speech, write_wav
from tests.sip.sip_testkit import band_dbfs, free_rtp_start, start_hotline_call, wav_levels, wav_seconds
from tests.web.web_testkit import PASSWORD, sign_in

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scale"))
from scale_testkit import KAMAILIO, Node, node_env, start_kamailio, write_sip_conf  # noqa: E402

pytestmark = [
    pytest.mark.sip, pytest.mark.vosk, pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600),
    pytest.mark.skipif(not (Path(RTPENGINE).exists() and Path(KAMAILIO).exists() and shutil.which("chromium")
                            and shutil.which("sipp")),
                       reason="needs rtpengine-daemon, kamailio (websocket, autheph modules), chromium, sipp",
                       ),
]

SECRET = "agents-e2e-secret-0123456789abcdef"
WORKERS = 2
CALLER_HZ, AGENT_HZ = 440.0, 1000.0
CALLER_SPEAKS_AT = 30.0  # seconds into the call: well after the agent answers
HANG_UP_AFTER = 62.0

# Every 100 ms: [unix time, RMS dBFS, dB at 440 Hz, dB at 1 kHz] of the softphone's remote stream.
LEVELS_JS = """([hz1, hz2]) => {
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 8192;
  ctx.createMediaStreamSource(window.hotlineSoftphone.remoteStream).connect(analyser);
  const bins = new Float32Array(analyser.frequencyBinCount), wave = new Float32Array(analyser.fftSize);
  const at = (f) => { const b = Math.round(f / (ctx.sampleRate / analyser.fftSize));
                      return Math.max(bins[b - 1], bins[b], bins[b + 1]); };
  const levels = window.hotlineLevels = [];
  ctx.resume();
  window.hotlineLevelsTimer = setInterval(() => {
    analyser.getFloatFrequencyData(bins);
    analyser.getFloatTimeDomainData(wave);
    const rms = Math.sqrt(wave.reduce((a, v) => a + v * v, 0) / wave.length);
    levels.push([Date.now() / 1000, rms > 0 ? 20 * Math.log10(rms) : -120, at(hz1), at(hz2)]);
  }, 100);
}"""


def tone(seconds: float, freq: float, rate: int, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * freq * t) * level * 32767).astype(np.int16)


def silence(seconds: float, rate: int) -> np.ndarray:
    return np.zeros(int(seconds * rate), np.int16)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2"), w.getframerate()


def voices(directory: Path) -> tuple[Path, Path, float]:
    """caller.wav (8 kHz): silent until CALLER_SPEAKS_AT, then a 1 s 440 Hz marker and Korean speech twice;
    agent.wav (48 kHz, looped by Chromium's fake microphone): a 1 s 1 kHz marker, Korean speech, a pause.
    Returns both and the seconds of the caller's speech."""
    directory.mkdir()
    ko8 = write_speech(directory / "ko8.wav", KO_SENTENCES, lead_s=0.1, tail_s=0.1)
    ko48 = write_speech(directory / "ko48.wav", KO_SENTENCES, rate=48000, lead_s=0.1, tail_s=0.1)
    speech8, _ = read_wav(ko8)
    speech48, _ = read_wav(ko48)
    said = [tone(1, CALLER_HZ, 8000), silence(0.5, 8000), speech8, silence(1, 8000), speech8]
    caller = write_wav(directory / "caller.wav", np.concatenate(
        [silence(CALLER_SPEAKS_AT, 8000), *said, silence(HANG_UP_AFTER, 8000)]), 8000)
    agent = write_wav(directory / "agent.wav", np.concatenate(
        [tone(1, AGENT_HZ, 48000), silence(1, 48000), speech48, silence(2.5, 48000)]), 48000)
    return caller, agent, sum(len(part) for part in said) / 8000


def marker_contrast(samples: np.ndarray, rate: int, freq: float) -> tuple[float, float]:
    """Over 1 s windows (0.5 s apart) with sound in them: the ``freq`` band (dBFS) of the window where it
    stood out most, and by how much it stood out of the rest of that window's sound (dB)."""
    best = (-120.0, -120.0)
    for start in range(0, max(1, len(samples) - rate + 1), rate // 2):
        band, rest = band_dbfs(samples[start:start + rate], rate, freq)
        if max(band, rest) > -60 and band - rest > best[1]:
            best = (band, band - rest)
    return best


def window(levels: list[list[float]], start: float, end: float) -> list[list[float]]:
    return [row for row in levels if start <= row[0] < end]


def browser_agent(engine) -> tuple[int, int, str]:
    """An agent account with no desk phone (the console's softphone is their phone), Mandarin skill."""
    with Session(engine) as session:
        user = User(username="agent_e2e", display_name="坐席甲", role=Role.agent,
                    password_hash=hash_password(PASSWORD), must_change_password=False, failed_logins=0,
                    active=True)
        session.add(user)
        session.flush()
        set_profile(session, user_id=user.id, phone_uri="", languages=["zh"])
        department = session.scalar(select(Department).where(Department.phone.is_not(None))
                                     .order_by(Department.id))
        session.commit()
        return user.id, department.id, "".join(c for c in department.phone if c.isdigit())


def start_serve(directory: Path, url: str, kamailio_port: int, ws_port: int, first_sip_port: int,
                uas_port: int) -> Node:
    """`hotline serve --sip-workers 2` with the agents' queue, the Korean Vosk model and the softphone on."""
    directory.mkdir(parents=True)
    sip_conf = write_sip_conf(directory, first_sip_port, WORKERS)
    with sip_conf.open("a", encoding="utf-8") as conf:
        conf.write("[queue]\nring_timeout = 20\nannounce_every = 10\nwrap_up = 5\nmax_wait = 150\n"
                   f"transfer_uri = sip:{{number}}@127.0.0.1:{uas_port}\n")
    env = node_env(directory, url, sip_conf)
    env.update({"HOTLINE_VOSK_MODEL": str(ko_model_dir()), "HOTLINE_SOFTPHONE_SECRET": SECRET,
                "HOTLINE_SOFTPHONE_WS_URL": f"ws://127.0.0.1:{ws_port}",
                "HOTLINE_SOFTPHONE_SIP_DOMAIN": f"127.0.0.1:{kamailio_port}"})
    web_port = free_tcp_port()
    log_path = directory / "serve.log"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hotline", "serve", "--port", str(web_port),
             "--sip-workers", str(WORKERS)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=directory, env=env)
    return Node(proc, directory, web_port, first_sip_port, log_path)


class TimedLines(threading.Thread):
    """Reads a child's stdout, each line with the wall-clock time it came (the caller prints "answered:")."""

    def __init__(self, proc: subprocess.Popen) -> None:
        super().__init__(daemon=True)
        self.proc, self.lines = proc, []
        self.start()

    def run(self) -> None:
        try:
            for line in self.proc.stdout:
                self.lines.append((time.time(), line))
        except (ValueError, OSError):  # the test closed the pipe after killing the caller
            return

    def when(self, prefix: str, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [t for t, line in self.lines if line.startswith(prefix)]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"the caller never printed {prefix!r}: {self.lines}")

    def text(self) -> str:
        return "".join(line for _, line in self.lines)


def queued_at(database: Path, timeout: float) -> float:
    """Wall-clock time when the caller's queue entry appeared (polled)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as conn:
            if conn.execute("select count(*) from queue_entries where state = 'waiting'").fetchone()[0]:
                return time.time()
        time.sleep(0.2)
    raise AssertionError("the caller never entered the queue")


def test_caller_queues_browser_agent_answers_both_sides_heard_transcribed_then_transferred(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    need_tool("espeak-ng")
    database = tmp_path / "hotline.sqlite3"
    url = f"sqlite:///{database}"
    engine = migrated_engine(url)
    agent_id, department_id, department_number = browser_agent(engine)
    caller_wav, agent_wav, caller_speech_s = voices(tmp_path / "voices")
    heard = tmp_path / "caller-heard.wav"

    rtpengine, ng_port = start_rtpengine(tmp_path)
    first_sip = free_port_block(WORKERS + 1)
    ws_port = free_port_block(1)
    uas_port = free_port_block(1)
    secret_env = {**node_env(tmp_path, url, tmp_path / "sip.conf"), "HOTLINE_SOFTPHONE_SECRET": SECRET}
    kamailio = node = uas = caller = None
    try:
        workers = [f"127.0.0.1:{first_sip + i}" for i in range(WORKERS)]
        kamailio = start_kamailio(tmp_path / "kamailio", workers, secret_env,
                                  ("--websocket-port", str(ws_port), "--rtpengine", f"127.0.0.1:{ng_port}"))
        with (tmp_path / "sipp.log").open("w") as log:  # the department's phone
            uas = subprocess.Popen(["sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", str(uas_port), "-mp",
                                    str(free_rtp_start()), "-m", "1", "-timeout", "200s", "-nostdin"],
                                   cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        node = start_serve(tmp_path / "node", url, kamailio.port, ws_port, first_sip, uas_port)
        started = time.monotonic()
        node.wait_healthy(f"{WORKERS}/{WORKERS} up", timeout=240)
        serve_up_s = time.monotonic() - started
        time.sleep(2.5)  # Kamailio's OPTIONS ping (every 1 s) has found the workers

        media = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-audio-capture={agent_wav}", "--allow-loopback-in-peer-connection"]
        with sync_playwright() as p:
            browser = launch_chromium(p, *media)
            try:
                page = browser.new_page(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                sign_in(page, node.url, "agent_e2e")
                phone = page.locator("#softphone")
                expect(phone).to_have_attribute("data-state", "ready", timeout=20000)
                # signed in, 示忙 (小休): callers queue for this agent instead of going to the message menu
                page.locator("#desk-not-ready").click()
                expect(page.locator("#desk-state")).to_have_text("示忙", timeout=10000)

                caller = start_hotline_call(
                    f"sip:7812345@127.0.0.1:{kamailio.port}", "--from", "13800138000", "--dtmf", "1",
                    "--play", str(caller_wav), "--record", str(heard), "--hangup-after", str(HANG_UP_AFTER),
                    "--answer-timeout", "20")
                said = TimedLines(caller)
                call_started = said.when("answered:", 40)  # what the caller plays and records starts here
                in_queue = queued_at(database, 40)
                page.wait_for_timeout(9000)  # the position announcement, then the hold music
                ready_at = time.time()
                page.locator("#desk-ready").click()
                expect(phone).to_have_attribute("data-state", "ringing", timeout=20000)
                expect(page.locator("#desk-call-state")).to_have_text("振铃中", timeout=10000)
                expect(page.locator("#desk-caller")).to_have_text("13800138000")
                expect(page.locator("#softphone-peer")).to_have_text("13800138000")  # not 7812345
                assert page.title().startswith("【来电】")
                rang_s = time.time() - ready_at
                screenshot(page, "agent-e2e-ringing")
                page.get_by_role("button", name="接听").click()
                expect(phone).to_have_attribute("data-state", "talking", timeout=10000)
                answered = time.time()
                speaks = call_started + CALLER_SPEAKS_AT
                page.wait_for_function("() => window.hotlineSoftphone.remoteStream !== null", timeout=10000)
                page.evaluate(LEVELS_JS, [CALLER_HZ, AGENT_HZ])
                expect(page.locator("#desk-call-state")).to_have_text("通话中", timeout=15000)

                # the live transcript: the agent speaks from the answer, the caller from CALLER_SPEAKS_AT
                lines = page.locator("#desk-lines")
                expect(lines.locator("li.speaker-agent").first).to_contain_text("坐席：", timeout=40000)
                expect(lines.locator("li.speaker-citizen").first).to_contain_text(
                    "市民：", timeout=max(20.0, speaks + 40 - time.time()) * 1000)
                screenshot(page, "agent-e2e-two-sided-transcript")
                page.wait_for_timeout(max(0.0, speaks + 10 - time.time()) * 1000)  # marker, a sentence or two
                levels = page.evaluate("() => { clearInterval(window.hotlineLevelsTimer); "
                                       "return window.hotlineLevels; }")

                page.locator("#desk-transfer-to").select_option(str(department_id))
                transferred_at = time.time()
                page.locator('button[data-command="transfer"]').click()
                expect(phone).to_have_attribute("data-state", "ready", timeout=20000)  # the agent leg ended
                caller.wait(HANG_UP_AFTER + 60)
                said.join(10)
                out, err = said.text(), caller.stderr.read()
                uas_code = uas.wait(60)

                # at hang-up the desk offers the call's case, prefilled with the conversation
                last = page.locator("#desk-last-content")
                expect(last).to_contain_text("市民：", timeout=120000)
                expect(last).to_contain_text("坐席：")
                screenshot(page, "agent-e2e-case-after-transfer")
                assert not errors, errors
            finally:
                browser.close()
    except BaseException:
        for name, text in (("serve", node.log() if node else ""),
                           ("kamailio", kamailio.log() if kamailio else ""),
                           ("rtpengine", (tmp_path / "rtpengine.log").read_text(errors="replace")[-3000:]),
                           ("sipp", (tmp_path / "sipp.log").read_text(errors="replace")[-2000:]
                            if (tmp_path / "sipp.log").exists() else "")):
            print(f"----- {name}\n{text}")
        raise
    finally:
        for proc in (caller, uas):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        if caller is not None:
            caller.stdout.close()
            caller.stderr.close()
        if node is not None:
            node.stop()
        if kamailio is not None:
            kamailio.stop()
        stop_rtpengine(rtpengine)

    serve_log = node.log()
    assert caller.returncode == 0, out + err
    assert uas_code == 0, (tmp_path / "sipp.log").read_text()[-3000:]  # answered, then the caller's BYE
    assert f"to sip:{department_number}@127.0.0.1:{uas_port}" in (tmp_path / "node" / "serve.log").read_text()

    # what the caller heard (their recording starts at the answer, call_started)
    samples, rate = read_wav(heard)
    at = lambda t: int((t - call_started) * rate)  # noqa: E731
    caller_levels = wav_levels(heard)
    music = samples[at(in_queue + 4):at(ready_at - 0.5)]
    music_loud = loud_seconds(caller_levels, in_queue + 4 - call_started, ready_at - 0.5 - call_started)
    music_db = 20 * np.log10(np.sqrt(np.mean((music / 32768.0) ** 2)) + 1e-12)
    talk = samples[at(answered + 1):at(transferred_at)]
    agent_in_caller = marker_contrast(talk, rate, AGENT_HZ)
    agent_loud = loud_seconds(caller_levels, answered + 1 - call_started, transferred_at - call_started)
    music_marker = marker_contrast(music, rate, AGENT_HZ)

    # what the browser received: silence until the caller speaks, then their marker and speech
    quiet = window(levels, answered + 2, speaks - 1)
    speaking = window(levels, speaks, min(speaks + caller_speech_s, transferred_at))
    quiet_db = float(np.percentile([row[1] for row in quiet], 95))
    speaking_loud_s = sum(0.1 for row in speaking if row[1] > -45)
    speaking_db = 10 * np.log10(np.mean([10 ** (row[1] / 10) for row in speaking]))
    marker_peak = max(max(row[2] for row in speaking), -150.0)  # dB in the analyser's 440 Hz bin
    marker_before = max(max(row[2] for row in quiet), -150.0)

    with Session(engine) as session:
        entry = session.scalar(select(QueueEntry))
        call = session.get(Call, entry.call_id, options=[selectinload(Call.utterances)])
        case = session.scalar(select(Case).where(Case.call_id == call.id))
        speakers = {u.speaker for u in call.utterances}
        utterances = [(u.speaker, u.text) for u in call.utterances]
    engine.dispose()

    music_s = ready_at - 0.5 - in_queue - 4
    print(f"\nserve up in {serve_up_s:.1f} s; rang {rang_s:.1f} s after 置闲; bridged "
          f"{answered - in_queue:.1f} s after queue entry\n"
          f"caller heard: hold audio {music_db:.1f} dBFS ({music_loud:.1f} s loud of {music_s:.1f}), "
          f"its 1 kHz band at most {music_marker[1]:+.1f} dB over the rest; after the answer the agent's "
          f"1 kHz marker {agent_in_caller[0]:.1f} dBFS ({agent_in_caller[1]:+.1f} dB over the rest), "
          f"{agent_loud:.1f} s loud\n"
          f"browser received: {quiet_db:.1f} dBFS (95th pct) before the caller spoke; while speaking "
          f"{speaking_db:.1f} dBFS mean, {speaking_loud_s:.1f} s loud of {0.1 * len(speaking):.1f}; "
          f"440 Hz bin peak {marker_peak:.1f} dB (before: {marker_before:.1f})\nutterances: {utterances}")

    assert entry.state is QueueEntryState.ended and entry.agent_id == agent_id and entry.wait_s > 8
    assert music_db > -30 and music_loud > 0.4 * music_s, caller_levels  # hold music
    assert agent_in_caller[0] > -45 and agent_in_caller[1] > 10, agent_in_caller  # the agent's file
    assert music_marker[1] < agent_in_caller[1] - 10, (music_marker, agent_in_caller)
    assert agent_loud > 3, caller_levels
    assert quiet_db < -50, quiet  # nothing reached the agent before the caller spoke
    assert speaking_loud_s > 0.3 * 0.1 * len(speaking) and marker_peak > marker_before + 20, speaking
    assert speakers == {"citizen", "agent"}, utterances
    assert case is not None and "市民：" in case.content and "坐席：" in case.content, case
    assert wav_seconds(heard) > HANG_UP_AFTER - 5
    assert "ERROR" not in serve_log, serve_log
