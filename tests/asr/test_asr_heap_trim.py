"""Between calls a worker's RSS is what it holds, not what the last calls' decoding left free in glibc's
arenas: the transcription service trims the heap when the last open stream finishes (README, "Memory over
many calls", measured with bench/soak.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import asr
from tests.asr.test_asr_stream_plumbing import RecordingModel

# Kaldi's pattern in miniature: many small blocks, most freed, a few kept between them (so no free space
# sits at the heap's top, where glibc would return it by itself). Freed blocks stay resident until a trim.
FRAGMENTED_HEAP = textwrap.dedent("""
    import ctypes, json
    from asr import heap
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(16384) for _ in range(12800)]  # 200 MB, below the mmap threshold: heap
    for block in blocks:
        ctypes.memset(block, 1, 16384)
    kept = blocks[::32]
    for i, block in enumerate(blocks):
        if i % 32:
            libc.free(block)
    before = heap.smaps_rollup_kb()
    trimmed = heap.trim()
    after = heap.smaps_rollup_kb()
    print(json.dumps({"before": before, "after": after, "trimmed": trimmed, "malloc": heap.malloc_kb()}))
""")


def test_a_trim_returns_the_pages_of_freed_blocks_that_malloc_kept():
    done = subprocess.run([sys.executable, "-c", FRAGMENTED_HEAP], capture_output=True, text=True, timeout=60,
                          check=True)
    result = json.loads(done.stdout)
    before, after = result["before"], result["after"]
    assert result["trimmed"]
    assert set(before) == {"rss_kb", "pss_kb", "private_dirty_kb", "anonymous_kb"}
    # ~194 MB of the 200 MB was freed; without the trim it stays resident
    assert before["rss_kb"] - after["rss_kb"] > 150 * 1024, result
    assert before["private_dirty_kb"] - after["private_dirty_kb"] > 150 * 1024, result
    assert result["malloc"]["heap_free_kb"] > 150 * 1024  # still free in malloc's books: only pages went back


# glibc raises its mmap threshold to the size of a large block freed: then 100 blocks of 512 KB come from the
# heap, and with a small block kept after each their freed pages stay resident. Fixed thresholds keep them
# in their own mappings, returned when freed.
LARGE_BLOCKS_FREED = textwrap.dedent("""
    import ctypes, json, sys
    from asr import heap
    if sys.argv[1] == "fixed":
        assert heap.fix_thresholds()
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    libc.free(libc.malloc(4 << 20))  # Kaldi frees a few large buffers early on
    blocks, kept = [], []
    for _ in range(100):  # each large block followed by a small one that stays
        blocks.append(libc.malloc(512 << 10))
        ctypes.memset(blocks[-1], 1, 512 << 10)
        kept.append(libc.malloc(1024))
    held = heap.smaps_rollup_kb()["rss_kb"]
    for block in blocks:
        libc.free(block)
    print(json.dumps({"freed_kb": held - heap.smaps_rollup_kb()["rss_kb"]}))
""")


@pytest.mark.parametrize("thresholds", ["fixed", "glibc's dynamic ones"])
def test_with_fixed_thresholds_freed_large_blocks_leave_rss_at_once(thresholds):
    done = subprocess.run([sys.executable, "-c", LARGE_BLOCKS_FREED, thresholds.split()[0]],
                          capture_output=True, text=True, timeout=60, check=True)
    freed_mb = json.loads(done.stdout)["freed_kb"] / 1024
    if thresholds == "fixed":
        assert freed_mb > 45  # of 50 MB
    else:
        assert freed_mb < 10  # what the fixed thresholds are for: this stays resident until a trim


@pytest.mark.parametrize("trim_when_idle", [True, False])
def test_the_heap_is_trimmed_when_the_last_open_stream_finishes_not_before(trim_when_idle):
    svc = asr.TranscriptionService(RecordingModel(), decode_threads=2, pool_size=2,
                                   trim_when_idle=trim_when_idle)
    try:
        first, second = svc.open_stream(16000), svc.open_stream(16000)
        for stream in (first, second):
            assert stream.feed(bytes(16000 * 2))
        first.close(timeout=10)
        assert svc.stats()["idle_trims"] == 0  # a call is still live
        second.close(timeout=10)
        assert svc.stats()["idle_trims"] == (1 if trim_when_idle else 0)
        third = svc.open_stream(16000)
        third.feed(bytes(3200))
        third.close(timeout=10)
        assert svc.stats()["idle_trims"] == (2 if trim_when_idle else 0)
    finally:
        svc.shutdown()
