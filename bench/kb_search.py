"""Benchmark service-item search: hit@1/hit@3 on the query set and per-query latency.

    python bench/kb_search.py [--repeat 5] [--show-misses]

Loads the shipped seed catalogue (knowledge_base/seed/catalogue/, 885 items) and the query set
(tests/knowledge_base/queries.csv), prints the figures and writes bench/results/kb_search.json.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ROOT / "tests" / "knowledge_base" / "queries.csv"
RESULTS = ROOT / "bench" / "results" / "kb_search.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over the query set")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--scale", type=int, default=6,
                        help="also time a catalogue of N copies (~1000 items, the county lists 885)")
    args = parser.parse_args()

    from knowledge_base.catalog_io import SEED_CATALOG
    from knowledge_base.catalog_reader import read_catalog
    from knowledge_base.search import SearchIndex

    records = read_catalog(SEED_CATALOG)
    with QUERIES.open(encoding="utf-8", newline="") as fh:
        queries = [(row["query"], row["expected_code"]) for row in csv.DictReader(fh)]

    started = time.perf_counter()
    index = SearchIndex(records)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    index.search("预热 查询")
    first_query_s = time.perf_counter() - started

    hit1 = hit3 = 0
    misses = []
    for query, expected in queries:
        codes = [h.code for h in index.search(query, k=3)]
        hit1 += codes[:1] == [expected]
        hit3 += expected in codes
        if expected not in codes:
            misses.append({"query": query, "expected": expected, "got": codes})

    perturbed = homophone_perturbed(queries, records)
    perturbed_hit3 = sum(e in [h.code for h in index.search(q, k=3)] for q, e in perturbed) / len(perturbed)

    latencies_ms = timed(index, queries, args.repeat)
    cpu_ms = timed(index, queries, args.repeat, clock=time.thread_time)
    copies = [dataclasses.replace(r, code=f"{r.code}-{n}") for n in range(args.scale) for r in records]
    started = time.perf_counter()
    scaled_index = SearchIndex(copies)
    scaled_build_s = time.perf_counter() - started
    scaled_ms = timed(scaled_index, queries, args.repeat)

    result = {
        "items": len(records),
        "queries": len(queries),
        "hit_at_1": round(hit1 / len(queries), 4),
        "hit_at_3": round(hit3 / len(queries), 4),
        "hit_at_3_one_homophone_swapped": round(perturbed_hit3, 4),
        "homophone_examples": [q for q, _ in perturbed[:10]],
        "latency_ms": summary(latencies_ms),
        "cpu_ms": summary(cpu_ms),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "index_build_s": round(build_s, 3),
        "scaled": {"items": len(copies), "latency_ms": summary(scaled_ms),
                   "index_build_s": round(scaled_build_s, 3)},
        "first_query_s": round(first_query_s, 3),
        "misses": misses,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(f"catalogue: {result['items']} items, query set: {result['queries']} queries")
    print(f"hit@1 {result['hit_at_1']:.3f}   hit@3 {result['hit_at_3']:.3f}   (aim: hit@3 >= 0.9)")
    print(f"hit@3 with one character of every query swapped for a common homophone: {perturbed_hit3:.3f} "
          f"(e.g. {', '.join(result['homophone_examples'][:4])})")
    lat = result["latency_ms"]
    print(f"latency per query: p50 {lat['p50']} ms   p95 {lat['p95']} ms   max {lat['max']} ms   "
          f"({lat['samples']} searches; aim: p95 < 20 ms)")
    cpu = result["cpu_ms"]
    print(f"CPU time per query: p50 {cpu['p50']} ms   p95 {cpu['p95']} ms   (wall time above includes "
          f"waiting for a core; load average {result['load_average'][0]})")
    print(f"index build {result['index_build_s']} s (first build in the process loads jieba and pypinyin)")
    scaled = result["scaled"]
    print(f"scaled catalogue of {scaled['items']} items: p50 {scaled['latency_ms']['p50']} ms   "
          f"p95 {scaled['latency_ms']['p95']} ms   build {scaled['index_build_s']} s")
    if args.show_misses:
        for miss in misses:
            print(f"  miss: {miss['query']!r} expected {miss['expected']} got {miss['got']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


def homophone_perturbed(queries, records) -> list[tuple[str, str]]:
    """Each query with one character replaced by the most common other character of the same sound.

    "Common" = most frequent in the catalogue's own texts, a stand-in for what a recogniser or an
    input method would produce. The swapped position rotates through the query's Chinese characters.
    """
    from collections import Counter

    from pypinyin import lazy_pinyin

    counts = Counter(c for r in records for text in (r.name, r.answer, *r.materials, *r.steps) for c in text
                     if "\u4e00" <= c <= "\u9fff")
    by_sound: dict[str, list[str]] = {}
    for char, _ in counts.most_common():
        by_sound.setdefault(lazy_pinyin(char)[0], []).append(char)
    out = []
    for n, (query, expected) in enumerate(queries):
        positions = [i for i, c in enumerate(query) if "\u4e00" <= c <= "\u9fff"
                     and any(o != c for o in by_sound.get(lazy_pinyin(c)[0], ()))]
        if positions:
            i = positions[n % len(positions)]
            swap = next(o for o in by_sound[lazy_pinyin(query[i])[0]] if o != query[i])
            query = query[:i] + swap + query[i + 1:]
        out.append((query, expected))
    return out


def timed(index, queries, repeat: int, clock=time.perf_counter) -> list[float]:
    """Per-query milliseconds; ``clock=time.thread_time`` counts CPU time only (no waiting for a core)."""
    out = []
    for _ in range(repeat):
        for query, _expected in queries:
            t0 = clock()
            index.search(query, k=5)
            out.append((clock() - t0) * 1000)
    return sorted(out)


def summary(latencies_ms: list[float]) -> dict[str, float]:
    def pct(p: float) -> float:
        return round(latencies_ms[min(len(latencies_ms) - 1, int(p * len(latencies_ms)))], 3)

    return {"p50": pct(0.50), "p95": pct(0.95), "max": round(latencies_ms[-1], 3),
            "mean": round(statistics.fmean(latencies_ms), 3), "samples": len(latencies_ms)}


if __name__ == "__main__":
    main()
