"""Soak: many short calls through one real SIP worker (PjsuaEndpoint + LiveCallPipeline + live Vosk + SQLite),
and the worker's RSS as each case is written. Not in the test suite (a 1,000-call run takes ~40 minutes).

    python bench/soak.py [--calls 1000] [--concurrent 3] [--settle 200] [--pool-size 4] [--warm-up-passes 1]

What to read: RSS after the warm-up (``--settle`` calls) should not climb: ``rss_slope_after_settle_mb_per_
100_calls`` is the least-squares trend, ``rss_range_after_settle_mb`` the band. Each line also shows glibc's
heap in use (what the program holds) and free in heap (what malloc keeps): growth of the first is memory held,
of the second fragmentation. A pooled recognizer's graph cache fills with varied speech and the recognizer is
replaced after 120 s of audio (its pages returned), so RSS moves in a band of about one recognizer's cache;
``recognizers_recycled`` counts the replacements. Prints the curve and writes bench/results/soak.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the shared test kit

from testkit.databases import migrated_engine  # noqa: E402

from tests.calls.call_testkit import (  # noqa: E402
    ko_model_dir,
    sipp_call,
    start_pipeline,
    wav_seconds,
    write_rtp_pcap,
    write_speech,
)

RESULTS = ROOT / "bench" / "results" / "soak.json"
BATCH = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrent", type=int, default=3)
    parser.add_argument("--settle", type=int, default=200, help="calls counted as warm-up")
    parser.add_argument("--pool-size", type=int, default=4)
    parser.add_argument("--warm-up-passes", type=int, default=1)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    print(f"events: {tmp / 'worker' / 'events.jsonl'}", flush=True)
    clip = write_speech(tmp / "hello.wav", ("안녕하세요. 주차 문제.",), lead_s=0.2, tail_s=0.6)
    seconds = wav_seconds(clip)
    pcap = tmp / "hello.pcap"
    write_rtp_pcap(clip, pcap)
    url = f"sqlite:///{tmp / 'hotline.sqlite3'}"
    engine = migrated_engine(url)
    started = time.monotonic()
    line = start_pipeline(tmp / "worker", url, model=args.model or ko_model_dir(), pool_size=args.pool_size,
                          warm_up=clip, warm_up_passes=args.warm_up_passes)
    ready_s = time.monotonic() - started
    sipp_failures = 0
    try:
        while len(line.events("case.created")) < args.calls:
            result = sipp_call(line.port, tmp / "sipp", pcap, seconds, caller="13800000900", calls=BATCH,
                               concurrent=args.concurrent, rate=args.concurrent, timeout=300)
            sipp_failures += result.returncode != 0
            line.wait_for("case.created", count=len(line.events("call.started")), timeout=300)
            done = line.events("case.created")
            last = done[-1]
            print(f"{len(done)} calls, RSS {last['rss_kb'] / 1024:.0f} MB, heap in use "
                  f"{last.get('heap_in_use_kb', 0) / 1024:.0f} MB, free in heap "
                  f"{last.get('heap_free_kb', 0) / 1024:.0f} MB, load {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        code = line.stop()
        engine.dispose()
    created = line.events("case.created")
    curve = [e["rss_kb"] / 1024 for e in created]
    after = curve[args.settle - 1:] if len(curve) >= args.settle else curve
    marks = sorted({n for n in (1, 20, 50, 100, 200, 300, 500, 750, 1000, len(curve)) if n <= len(curve)})
    summary = {
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": os.getloadavg(), "shared_cpu": True},
        "calls": len(curve), "concurrent": args.concurrent, "speech_s_per_call": round(seconds, 2),
        "pool_size": args.pool_size, "warm_up_passes": args.warm_up_passes, "ready_s": round(ready_s, 1),
        "rss_mb_after_call": {n: round(curve[n - 1], 1) for n in marks},
        "heap_in_use_mb_after_call": {n: _mb(created[n - 1], "heap_in_use_kb") for n in marks},
        "heap_free_mb_after_call": {n: _mb(created[n - 1], "heap_free_kb") for n in marks},
        "settle_calls": args.settle,
        "rss_growth_after_settle_mb": round(after[-1] - after[0], 1),
        "rss_range_after_settle_mb": round(max(after) - min(after), 1),
        "rss_slope_after_settle_mb_per_100_calls": _slope_per_100(after),
        "recognizers_live": created[-1].get("recognizers"),
        "recognizers_recycled": created[-1].get("recognizers_recycled"),
        "sipp_runs_with_a_failed_call": sipp_failures, "exit_code": code,
        "wall_s": round(time.monotonic() - started),
    }
    print(json.dumps(summary, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2))
    print(f"wrote {args.out}")


def _mb(event: dict, key: str) -> float:
    return round(event.get(key, 0) / 1024, 1)


def _slope_per_100(curve: list[float]) -> float:
    """Least-squares slope of RSS per 100 calls (the trend, not the noise of single samples)."""
    if len(curve) < 2:
        return 0.0
    n = len(curve)
    mean_x, mean_y = (n - 1) / 2, sum(curve) / n
    cov = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(curve))
    var = sum((i - mean_x) ** 2 for i in range(n))
    return round(100 * cov / var, 2)


if __name__ == "__main__":
    main()
