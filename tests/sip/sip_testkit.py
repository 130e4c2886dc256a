"""Helpers for real SIP tests: an endpoint in a subprocess on free loopback ports, callers, WAV checks."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from testkit.ports import free_sip_port, free_udp_range
from testkit.processes import python_env as subprocess_env
from testkit.processes import stop_child

REPO = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).resolve().parent / "sip_endpoint_harness.py"
HOTLINE = [sys.executable, "-m", "hotline"]
SIPP_FILES = Path("/usr/share/sip-tester")


def rewrite_rtp_payload_type(source: Path, target: Path, payload_type: int) -> Path:
    """Copy an Ethernet/IPv4/UDP/RTP pcap with every RTP payload type replaced (marker bit kept)."""
    data = bytearray(source.read_bytes())
    offset = 24
    while offset < len(data):
        length = int.from_bytes(data[offset + 8 : offset + 12], "little")
        packet = offset + 16
        rtp = packet + 14 + (data[packet + 14] & 0x0F) * 4 + 8
        data[rtp + 1] = (data[rtp + 1] & 0x80) | payload_type
        offset = packet + length
    target.write_bytes(bytes(data))
    return target


def free_rtp_start() -> int:
    """An even port starting a free block of 40 UDP ports (RTP + RTCP pairs)."""
    return free_udp_range(40)


def write_tone(path: Path, seconds: float, freq: float = 440.0, rate: int = 8000, level: float = 0.3) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    samples = (np.sin(2 * math.pi * freq * t) * level * 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return path


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def wav_levels(path: Path, window_s: float = 0.1) -> list[float]:
    """RMS level (dBFS) of each window of a 16-bit mono WAV."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    size = int(rate * window_s)
    levels = []
    for start in range(0, len(samples) - size + 1, size):
        rms = math.sqrt(float(np.mean(samples[start : start + size] ** 2)))
        levels.append(20 * math.log10(rms / 32768) if rms else -120.0)
    return levels


def band_dbfs(samples: np.ndarray, rate: int, freq: float, width: float = 20.0) -> tuple[float, float]:
    """(RMS of ``freq`` ± ``width`` Hz, RMS of everything else) in dBFS of 16-bit samples."""
    x = samples.astype(np.float64) / 32768
    power = 2 * np.abs(np.fft.rfft(x)) ** 2 / max(1, len(x)) ** 2  # per bin; sums to the mean square
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    band = (freqs > freq - width) & (freqs < freq + width)
    return 10 * math.log10(power[band].sum() + 1e-12), 10 * math.log10(power[~band].sum() + 1e-12)


@dataclass
class RunningEndpoint:
    proc: subprocess.Popen
    port: int
    events_path: Path
    log_path: Path
    recordings: Path
    log_file: object = None
    returncode: int | None = field(default=None)

    @property
    def uri(self) -> str:
        return f"sip:7812345@127.0.0.1:{self.port}"

    def events(self) -> list[dict]:
        if not self.events_path.exists():
            return []
        lines = self.events_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def wait_for(self, event: str, count: int = 1, timeout: float = 30.0) -> list[dict]:
        """The first ``count`` events named ``event``; fails with the harness log when they do not come."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events() if e["event"] == event]
            if len(found) >= count:
                return found[:count]
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"expected {count} {event} events, got {self.events()}\nendpoint log:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]

    def stop(self) -> int:
        if self.returncode is None:
            self.returncode = stop_child(self.proc, self.log_file, 20)
        return self.returncode


def write_config(directory: Path, port: int, **sections: dict[str, object]) -> Path:
    recordings = directory / "recordings"
    prompts = {
        "greeting_zh": write_tone(directory / "greeting.wav", 1.5, 440),
        "listen_zh": write_tone(directory / "listen.wav", 0.4, 660),
        "goodbye_zh": write_tone(directory / "goodbye.wav", 0.4, 550),
        "no_input_zh": write_tone(directory / "no_input.wav", 0.6, 350),
    }
    base: dict[str, dict[str, object]] = {
        "transport": {
            "bind_address": "127.0.0.1",
            "udp_port": port,
            "tcp_port": port,
            "rtp_port_start": free_rtp_start(),
            "rtp_port_count": 40,
        },
        "ivr": {**prompts, "language_timeout": 2, "recording_notice_zh": ""},  # timings: no notice,
        "recording": {"directory": recordings, "retention_days": 0},
        "limits": {"silence_timeout": 30, "max_call_length": 120},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    text = "\n".join(
        f"[{name}]\n" + "".join(f"{key} = {value}\n" for key, value in values.items())
        for name, values in base.items()
    )
    path = directory / "sip.conf"
    path.write_text(text, encoding="utf-8")
    return path


def start_endpoint(
    directory: Path, dial: str | None = None, **sections: dict[str, object]
) -> RunningEndpoint:
    directory.mkdir(parents=True, exist_ok=True)
    port = free_sip_port()
    config = write_config(directory, port, **sections)
    events, log_path = directory / "events.jsonl", directory / "endpoint.log"
    log_file = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, str(HARNESS), str(config), str(events), *([dial] if dial else [])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log_file,
        text=True,
        cwd=directory,
        env=subprocess_env(),
    )
    running = RunningEndpoint(proc, port, events, log_path, directory / "recordings", log_file)
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if line.strip() != "READY":
        proc.kill()
        running.stop()
        pytest.fail(f"endpoint did not start: {line!r}\n{running.log()}")
    return running


@pytest.fixture
def endpoint_factory(tmp_path):
    """Start endpoints; at teardown stop them and require a clean exit (no pjsua2 abort)."""
    started: list[RunningEndpoint] = []

    def factory(name: str = "ep", dial: str | None = None, **sections: dict[str, object]) -> RunningEndpoint:
        running = start_endpoint(tmp_path / name, dial, **sections)
        started.append(running)
        return running

    yield factory
    for running in started:
        code = running.stop()
        assert code == 0, f"endpoint exited with {code} (abort?)\n{running.log()}"


def hotline_call(
    uri: str, *args: str, timeout: float = 60, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*HOTLINE, "call", uri, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=subprocess_env(),
        cwd=cwd or REPO,
    )


def start_hotline_call(uri: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*HOTLINE, "call", uri, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
        cwd=REPO,
    )
