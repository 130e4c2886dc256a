"""Fast access to the bytes of a SWIG ``std::vector<unsigned char>`` (pjsua2 ``MediaFrame.buf``).

``bytes(frame.buf)`` iterates the vector element by element through SWIG: ~250-540 us per 640-byte frame.
Reading the vector's storage directly costs ~2 us. libstdc++ lays a vector out as three pointers (begin,
end, end of capacity); :func:`check_layout` verifies that on a known vector at start-up.
"""

from __future__ import annotations

import ctypes

_POINTER = ctypes.sizeof(ctypes.c_void_p)


def _bounds(vector: object) -> tuple[int, int]:
    address = int(vector.this)  # type: ignore[attr-defined]  # the SWIG pointer to the C++ vector
    begin = ctypes.c_void_p.from_address(address).value or 0
    end = ctypes.c_void_p.from_address(address + _POINTER).value or 0
    return begin, end


def read_vector(vector: object, size: int) -> bytes:
    """The first ``size`` bytes of the vector (fewer if it is shorter)."""
    begin, end = _bounds(vector)
    return ctypes.string_at(begin, min(size, end - begin)) if begin else b""


def write_vector(vector: object, data: bytes) -> None:
    """Make the vector hold exactly ``data``."""
    begin, end = _bounds(vector)
    if end - begin != len(data):  # resize through SWIG only when needed (~5 us)
        vector.resize(len(data))  # type: ignore[attr-defined]
        begin, _ = _bounds(vector)
    ctypes.memmove(begin, data, len(data))


def check_layout(vector: object, expected: bytes) -> bool:
    """True when ``vector`` (filled with ``expected``) reads back correctly through the fast path."""
    return read_vector(vector, len(expected)) == expected

