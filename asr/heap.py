"""glibc's heap in a process that decodes with Vosk: fixed thresholds, trims, and what the process holds.

Kaldi allocates and frees a lot per call (feature pipeline, lattices, a recycled recognizer's graph cache);
glibc keeps what is freed in its arenas, so RSS drifts with whatever the last calls left behind. Two
settings keep RSS to what is held (measured with bench/soak.py, README "Memory over many calls"):

- :func:`fix_thresholds` (called when a Vosk model is loaded): glibc raises its mmap threshold to the size
  of every large block freed (up to 32 MB) and its trim threshold to twice that, so after Kaldi frees a few
  large buffers later large blocks land in the heap and their freed space stays resident. Fixing both at
  glibc's initial 128 KB keeps large blocks in their own mappings, returned when freed.
- :func:`trim`: the transcription service trims when a recycled recognizer is freed and when the last
  open stream finishes (no call live; a few ms on a decode thread).

All are no-ops off glibc.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

_libc: ctypes.CDLL | None = None
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)
FIXED_THRESHOLD_BYTES = 128 * 1024  # glibc's initial value of both, kept instead of raised


def fix_thresholds(nbytes: int = FIXED_THRESHOLD_BYTES) -> bool:
    """Fix glibc's mmap and trim thresholds (mallopt; also stops their dynamic raising). False off glibc."""
    libc = _glibc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, nbytes)) and bool(libc.mallopt(M_TRIM_THRESHOLD, nbytes))


def trim() -> bool:
    """``malloc_trim(0)``: return free pages of every arena to the system. False when not on glibc."""
    libc = _glibc()
    if libc is None or not hasattr(libc, "malloc_trim"):
        return False
    libc.malloc_trim(0)
    return True


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost")]


def malloc_kb() -> dict[str, int]:
    """glibc's heap over all arenas: bytes in use by the program and free bytes malloc keeps (growth of
    the first is memory held, of the second fragmentation), and the arena bytes mapped. {} off glibc."""
    libc = _glibc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return {}
    libc.mallinfo2.restype = _Mallinfo2
    info = libc.mallinfo2()
    return {"heap_in_use_kb": (info.uordblks + info.hblkhd) // 1024, "heap_free_kb": info.fordblks // 1024,
            "heap_arena_kb": info.arena // 1024}


SMAPS_FIELDS = {"Rss": "rss_kb", "Pss": "pss_kb", "Private_Dirty": "private_dirty_kb",
                "Anonymous": "anonymous_kb"}


def smaps_rollup_kb(pid: int | str = "self") -> dict[str, int]:
    """Rss, Pss, Private_Dirty and Anonymous of a process (kB) from /proc/PID/smaps_rollup; {} without it."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}
    values = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in SMAPS_FIELDS and rest.split():
            values[SMAPS_FIELDS[name]] = int(rest.split()[0])
    return values


def _glibc() -> ctypes.CDLL | None:
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL("libc.so.6")
        except OSError:  # not glibc
            return None
    return _libc
