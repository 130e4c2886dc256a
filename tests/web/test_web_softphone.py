"""The agent's browser softphone end to end, with real components on loopback: rtpengine (userspace),
Kamailio with the configuration `hotline sip kamailio-config --websocket-port` writes, the console in
headless Chromium (fake microphone playing agent.wav), and a pjsua2 caller (`hotline call`) dialling the
agent's URI through Kamailio as a SIP worker does. Audio is measured both ways: the caller's 440 Hz tone in
what the browser receives (WebAudio AnalyserNode on the remote stream) and the agent's 1 kHz tone in what
the pjsua2 side records. Screenshot: test-artifacts/screenshots/softphone-talking.png."""

from __future__ import annotations

import shutil
import sys
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from testkit.browser import launch_chromium, screenshot
from web_testkit import build_app, make_user, serve, sign_in

from hotline.models import Role
from hotline.sip.browser_phones import issue_credentials

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scale"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sip"))
from scale_testkit import KAMAILIO, start_kamailio  # noqa: E402
from sip_testkit import band_dbfs, start_hotline_call, subprocess_env, wav_levels, write_tone  # noqa: E402
from testkit.ports import free_port_block  # noqa: E402
from testkit.rtpengine import RTPENGINE, start_rtpengine, stop_rtpengine  # noqa: E402

SECRET = "softphone-test-secret-0123456789"
CALLER_HZ, AGENT_HZ = 440.0, 1000.0

pytestmark = [
    pytest.mark.sip,
    pytest.mark.browser,
    pytest.mark.skipif(not (Path(RTPENGINE).exists() and Path(KAMAILIO).exists()
                            and shutil.which("chromium")),
                       reason="needs rtpengine-daemon, kamailio (+ websocket, autheph modules) and chromium"),
]

# Energy per frequency of the softphone's remote stream over ``ms`` milliseconds (WebAudio, in the page).
MEASURE_JS = """async ([ms, freqs]) => {
  const stream = window.hotlineSoftphone.remoteStream;
  if (!stream) return {error: "no remote stream"};
  const ctx = new AudioContext();
  await ctx.resume();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 8192;
  ctx.createMediaStreamSource(stream).connect(analyser);
  const bins = new Float32Array(analyser.frequencyBinCount);
  const sums = freqs.map(() => 0);
  let frames = 0, rmsSum = 0;
  const time = new Float32Array(analyser.fftSize);
  const until = performance.now() + ms;
  while (performance.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    analyser.getFloatFrequencyData(bins);
    analyser.getFloatTimeDomainData(time);
    rmsSum += Math.sqrt(time.reduce((a, v) => a + v * v, 0) / time.length);
    freqs.forEach((f, i) => {
      const bin = Math.round(f / (ctx.sampleRate / analyser.fftSize));
      sums[i] += Math.max(bins[bin - 1], bins[bin], bins[bin + 1]);
    });
    frames += 1;
  }
  await ctx.close();
  return {dbfs: freqs.map((f, i) => sums[i] / frames), rms: rmsSum / frames, frames};
}"""


# Try to register a JsSIP UA with the given credentials in the page; resolves to "registered" or the failure.
REGISTER_JS = """(creds) => new Promise((resolve) => {
  const ua = new JsSIP.UA({sockets: [new JsSIP.WebSocketInterface(creds.ws_url)], uri: creds.uri,
                           authorization_user: creds.authorization_user, password: creds.password});
  const done = (result) => { ua.stop(); resolve(result); };
  ua.on("registered", () => done("registered"));
  ua.on("registrationFailed", (e) => done((e.response ? e.response.status_code + " " : "") + e.cause));
  ua.start();
  setTimeout(() => done("timeout"), 8000);
})"""


# Hold and resume the softphone's call (two re-INVITEs from the browser); resolves to "resumed".
REINVITE_JS = """() => new Promise((resolve) => {
  const session = window.hotlineSoftphone.session;
  session.on("hold", () => setTimeout(() => session.unhold(), 500));
  session.on("unhold", () => setTimeout(() => resolve("resumed"), 1000));
  session.hold();
  setTimeout(() => resolve("timeout"), 8000);
})"""


# Place a call from a WebSocket client (not registered) to ``target``; resolves to how it ended.
INVITE_JS = """([wsUrl, uri, target]) => new Promise((resolve) => {
  const ua = new JsSIP.UA({sockets: [new JsSIP.WebSocketInterface(wsUrl)], uri: uri, register: false});
  const done = (result) => { ua.stop(); resolve(result); };
  ua.on("connected", () => {
    const s = ua.call(target, {mediaConstraints: {audio: true, video: false}});
    s.on("failed", (e) => done((e.message && e.message.status_code ? e.message.status_code + " " : "")
                               + e.cause));
    s.on("confirmed", () => { s.terminate(); done("answered"); });
  });
  ua.start();
  setTimeout(() => done("timeout"), 8000);
})"""


def refused_registrations(page, engine, agent: str, kamailio_port: int) -> dict[str, str]:
    """How Kamailio answers a call placed over WebSocket to the agent, and REGISTERs with a forged password,
    another agent's name, expired credentials."""
    creds = page.evaluate("() => window.hotlineSoftphone.credentials")
    other = make_user(engine, Role.agent)
    expired = issue_credentials(username=agent, display_name="", ws_url=creds["ws_url"], secret=SECRET,
                                domain=f"127.0.0.1:{kamailio_port}", ttl_s=300,
                                now=datetime.now(UTC) - timedelta(hours=1)).as_json()
    return {
        "call from a WebSocket": page.evaluate(
            INVITE_JS, [creds["ws_url"], "sip:intruder@127.0.0.1", creds["uri"]]),
        "wrong password": page.evaluate(REGISTER_JS, {**creds, "password": "x" + creds["password"]}),
        "another agent": page.evaluate(REGISTER_JS, {**creds, "uri": f"sip:{other}@127.0.0.1"}),
        "expired": page.evaluate(REGISTER_JS, expired),
    }


def tone_dbfs(path: Path, freq: float, skip_s: float = 0.5) -> tuple[float, float]:
    """(RMS of ``freq`` ±20 Hz, RMS of everything else) in dBFS of a 16-bit mono WAV, after ``skip_s``."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return band_dbfs(samples[int(skip_s * rate):], rate, freq)


def muted_stretch_s(path: Path, window_s: float = 0.1) -> float:
    """Longest run of silence (< -60 dBFS) between two stretches of sound (> -40 dBFS; Chrome's automatic gain
    control brings the fake microphone's tone down to about -31 dBFS), in seconds."""
    levels = wav_levels(path, window_s)
    loud = [i for i, level in enumerate(levels) if level > -40]
    if not loud:
        return 0.0
    longest = run = 0
    for level in levels[loud[0]:loud[-1]]:
        run = run + 1 if level < -60 else 0
        longest = max(longest, run)
    return longest * window_s


def test_a_worker_call_rings_the_agents_browser_and_audio_flows_both_ways(web_engine, analyzer, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    ws_port = free_port_block(1)
    rtpengine, ng_port = start_rtpengine(tmp_path)
    env = {**subprocess_env(), "HOTLINE_SOFTPHONE_SECRET": SECRET}
    kamailio = None
    caller = None
    try:
        # the dispatcher list names the SIP workers; the pjsua2 caller below runs on the same host (127.0.0.1)
        kamailio = start_kamailio(tmp_path / "kamailio", [f"127.0.0.1:{free_port_block(1)}"], env,
                                  ("--websocket-port", str(ws_port), "--rtpengine", f"127.0.0.1:{ng_port}"))
        app = build_app(web_engine, analyzer, tmp_path, softphone_ws_url=f"ws://127.0.0.1:{ws_port}",
                        softphone_sip_domain=f"127.0.0.1:{kamailio.port}", softphone_secret=SECRET)
        agent = make_user(web_engine, Role.agent)
        agent_wav = write_tone(tmp_path / "agent.wav", 30, freq=AGENT_HZ, rate=48000, level=0.4)
        caller_wav = write_tone(tmp_path / "caller.wav", 30, freq=CALLER_HZ, rate=8000, level=0.4)
        heard = tmp_path / "caller-heard.wav"
        media = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-audio-capture={agent_wav}", "--allow-loopback-in-peer-connection"]
        with serve(app) as base, sync_playwright() as p:
            browser = launch_chromium(p, *media)
            try:
                page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
                sign_in(page, base, agent)
                phone = page.locator("#softphone")
                expect(phone).to_have_attribute("data-state", "ready", timeout=15000)
                expect(page.locator("#softphone-state")).to_have_text("已就绪，可接听")

                agent_uri = f"sip:{agent}@127.0.0.1:{kamailio.port}"
                caller = start_hotline_call(
                    agent_uri, "--from", "13800138000",
                    "--play", str(caller_wav), "--hangup-after", "40", "--answer-timeout", "20",
                    "--record", str(heard))
                expect(phone).to_have_attribute("data-state", "ringing", timeout=15000)
                expect(page.locator("#softphone-peer")).to_have_text("13800138000")
                page.get_by_role("button", name="接听").click()
                expect(phone).to_have_attribute("data-state", "talking", timeout=10000)
                second = start_hotline_call(agent_uri, "--from", "13700137000", "--answer-timeout", "15")
                page.wait_for_function("() => window.hotlineSoftphone.remoteStream !== null", timeout=10000)
                page.wait_for_timeout(1500)
                heard_in_browser = page.evaluate(MEASURE_JS, [2000, [CALLER_HZ, AGENT_HZ, 2500.0]])
                expect(page.locator("#softphone-call")).to_contain_text("通话 13800138000")
                screenshot(page, "softphone-talking")
                page.wait_for_timeout(1000)  # the caller records the agent's tone meanwhile
                page.get_by_role("button", name="静音").click()
                expect(page.locator("#softphone-state")).to_have_text("通话中（已静音）")
                page.wait_for_timeout(2500)  # the caller hears silence
                page.get_by_role("button", name="取消静音").click()
                expect(phone).to_have_attribute("data-state", "talking")
                page.wait_for_timeout(1500)  # and the agent again
                # a re-INVITE in the dialog (hold, then resume) passes rtpengine too and media goes on
                assert page.evaluate(REINVITE_JS) == "resumed"
                heard_after_reinvite = page.evaluate(MEASURE_JS, [1000, [CALLER_HZ, AGENT_HZ, 2500.0]])
                page.get_by_role("button", name="挂断").click()
                expect(phone).to_have_attribute("data-state", "ready", timeout=10000)
                out, err = caller.communicate(timeout=30)
                busy_out, _ = second.communicate(timeout=30)

                # a worker's ring timeout (CANCEL): the console stops ringing and says so
                missed = start_hotline_call(agent_uri, "--from", "13900139000", "--answer-timeout", "3")
                expect(phone).to_have_attribute("data-state", "ringing", timeout=15000)
                expect(phone).to_have_attribute("data-state", "ready", timeout=15000)
                expect(page.locator("#softphone-error")).to_have_text("对方已挂断（未接听）")
                missed_out, _ = missed.communicate(timeout=30)
                refused = refused_registrations(page, web_engine, agent, kamailio.port)
            finally:
                browser.close()
        assert "error" not in heard_in_browser, heard_in_browser
        caller_db, agent_db, other_db = heard_in_browser["dbfs"]
        assert caller_db > -45 and caller_db > other_db + 30, heard_in_browser  # the caller's tone arrives
        assert heard_after_reinvite["dbfs"][0] > -45, heard_after_reinvite
        assert caller.returncode == 0 and "remote hung up" in out, out + err
        assert second.returncode == 4 and "486" in busy_out, busy_out  # one call at a time: busy
        assert "487" in missed_out, missed_out  # the caller's side cancelled the ringing
        assert not {"registered", "answered", "timeout"} & set(refused.values()), refused
        assert refused["another agent"].startswith("403"), refused
        assert refused["call from a WebSocket"].startswith("403"), refused
        engine_log = (tmp_path / "rtpengine.log").read_text(errors="replace")
        assert "DTLS-SRTP successfully negotiated" in engine_log and "ICE negotiated" in engine_log
        assert engine_log.count("Received command 'offer'") >= 3  # the call, hold and resume
        assert "Received command 'delete'" in engine_log  # the browser's BYE ended the media session
        assert SECRET not in kamailio.log_path.read_text(errors="replace")  # the secret is not logged
        tone, rest = tone_dbfs(heard, AGENT_HZ, skip_s=1.5)  # past Chrome's automatic gain control settling
        assert tone > -40 and tone > rest + 20, (tone, rest)  # the agent's tone reached the pjsua2 side
        assert muted_stretch_s(heard) >= 1.5, wav_levels(heard)  # 静音 silenced the agent, then it came back
    except BaseException:
        if kamailio is not None:
            print(kamailio.log())
        print((tmp_path / "rtpengine.log").read_text(errors="replace")[-4000:])
        raise
    finally:
        if caller is not None and caller.poll() is None:
            caller.kill()
            caller.wait()
        if kamailio is not None:
            kamailio.stop()
        stop_rtpengine(rtpengine)
