"""Soak: many short calls through one real SIP worker (PjsuaEndpoint + LiveCallPipeline + live Vosk + SQLite),
and the worker's memory between calls. Not in the test suite (a 1,000-call run takes ~40 minutes).

    python bench/soak.py [--calls 1000] [--concurrent 3] [--settle 200] [--pool-size 4] [--warm-up-passes 1]
                         [--batch 10] [--no-idle-trim] [--env MALLOC_ARENA_MAX=2 ...] [--out FILE]

Calls go in sipp runs of ``--batch``; after each run, once every call has ended and its case is written,
the worker reads its memory with no call live (``memory.sample``: /proc/self/smaps_rollup's Rss, Pss,
Private_Dirty and Anonymous, glibc's heap in use and free in heap, the Python object count). Those readings
are the comparable figure: one taken as a case is written (``rss_kb`` on ``case.created``, the old curve,
kept as ``mid_call``) includes the decoding state of the calls still live. What to read, over the readings
after the warm-up (``--settle`` calls): ``slope_mb_per_100_calls`` (least squares, the trend), ``band_mb``
(max - min of single readings), per measure. Heap in use growing is memory held; free in heap growing is
fragmentation (malloc keeps it); RSS minus both is code, the model's mappings and what malloc has not
returned. ``--no-idle-trim`` and ``--env`` (glibc's MALLOC_ARENA_MAX, GLIBC_TUNABLES=glibc.malloc....) run
the variants compared in the README. Prints each reading and writes bench/results/soak.json (or ``--out``).
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
MEASURES = ("rss_kb", "pss_kb", "private_dirty_kb", "anonymous_kb", "heap_in_use_kb", "heap_free_kb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrent", type=int, default=3)
    parser.add_argument("--settle", type=int, default=200, help="calls counted as warm-up")
    parser.add_argument("--pool-size", type=int, default=4)
    parser.add_argument("--warm-up-passes", type=int, default=1)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--batch", type=int, default=10, help="calls per sipp run (a reading after each)")
    parser.add_argument("--no-idle-trim", action="store_true", help="no malloc_trim when the last call ends")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="environment of the worker (e.g. MALLOC_ARENA_MAX=2)")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
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
                          warm_up=clip, warm_up_passes=args.warm_up_passes, idle_trim=not args.no_idle_trim,
                          env=env)
    ready_s = time.monotonic() - started
    sipp_failures = 0
    readings: list[dict] = []  # between calls: (calls done, memory.sample)
    loads: list[float] = []
    try:
        while len(line.events("case.created")) < args.calls:
            result = sipp_call(line.port, tmp / "sipp", pcap, seconds, caller="13800000900", calls=args.batch,
                               concurrent=args.concurrent, rate=args.concurrent, timeout=300)
            sipp_failures += result.returncode != 0
            line.wait_for("case.created", count=len(line.events("call.started")), timeout=300)
            sample = line.memory_sample()
            sample["calls"] = len(line.events("case.created"))
            readings.append(sample)
            loads.append(os.getloadavg()[0])
            print(f"{sample['calls']} calls, between calls: RSS {_mb(sample, 'rss_kb')} MB, Pss "
                  f"{_mb(sample, 'pss_kb')}, Private_Dirty {_mb(sample, 'private_dirty_kb')}, heap in use "
                  f"{_mb(sample, 'heap_in_use_kb')}, free in heap {_mb(sample, 'heap_free_kb')}, objects "
                  f"{sample['python_objects']}{'' if sample['quiet'] else ' (NOT QUIET)'}, "
                  f"load {loads[-1]:.1f}", flush=True)
    finally:
        code = line.stop()
        engine.dispose()
    created = line.events("case.created")
    mid_call = [e["rss_kb"] / 1024 for e in created]
    after = [r for r in readings if r["calls"] >= args.settle] or readings
    summary = {
        "machine": {"cpus": os.cpu_count(), "load_average_during": [min(loads), max(loads)],
                    "load_average_at_end": os.getloadavg(), "shared_cpu": True},
        "variant": {"idle_trim": not args.no_idle_trim, "env": env},
        "calls": len(created), "concurrent": args.concurrent, "batch": args.batch,
        "speech_s_per_call": round(seconds, 2), "pool_size": args.pool_size,
        "warm_up_passes": args.warm_up_passes, "ready_s": round(ready_s, 1), "settle_calls": args.settle,
        "between_calls_after_settle": {
            "readings": len(after), "all_quiet": all(r["quiet"] for r in readings),
            **{key.removesuffix("_kb"): _band(after, key) for key in MEASURES},
            "python_objects": {"min": min(r["python_objects"] for r in after),
                               "max": max(r["python_objects"] for r in after)},
        },
        "between_calls_mb": {r["calls"]: _mb(r, "rss_kb") for r in readings},
        "mid_call_rss_after_settle": _band([{"calls": i + 1, "rss_kb": e["rss_kb"]} for i, e in
                                            enumerate(created) if i + 1 >= args.settle], "rss_kb"),
        "mid_call_rss_mb_at": {n: round(mid_call[n - 1], 1) for n in (1, 100, 200, 500, 1000, len(mid_call))
                               if n <= len(mid_call)},
        "recognizers_live": created[-1].get("recognizers"),
        "recognizers_recycled": created[-1].get("recognizers_recycled"),
        "idle_trims": readings[-1].get("idle_trims") if readings else None,
        "sipp_runs_with_a_failed_call": sipp_failures, "exit_code": code,
        "wall_s": round(time.monotonic() - started),
    }
    print(json.dumps(summary, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2))
    print(f"wrote {args.out}")


def _mb(event: dict, key: str) -> float:
    return round(event.get(key, 0) / 1024, 1)


def _band(readings: list[dict], key: str) -> dict:
    """Single readings' min, max and band (MB), and the least-squares trend per 100 calls."""
    values = [(r["calls"], r[key] / 1024) for r in readings if key in r]
    if not values:
        return {}
    ys = [y for _, y in values]
    return {"min": round(min(ys), 1), "max": round(max(ys), 1), "band_mb": round(max(ys) - min(ys), 1),
            "slope_mb_per_100_calls": _slope_per_100(values)}


def _slope_per_100(points: list[tuple[int, float]]) -> float:
    """Least-squares slope per 100 calls (the trend, not the noise of single readings)."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_x, mean_y = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    cov = sum((x - mean_x) * (y - mean_y) for x, y in points)
    var = sum((x - mean_x) ** 2 for x, _ in points)
    return round(100 * cov / var, 2) if var else 0.0


if __name__ == "__main__":
    main()
