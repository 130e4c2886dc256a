"""G.711 mu-law and A-law codecs for int16 numpy arrays (ITU-T G.711, the Sun reference algorithm).

Used to measure what a telephone channel (8 kHz, 8-bit companded) does to recognition; encoding and decoding
a clip gives exactly what a PCMU/PCMA call delivers to the recognizer.
"""

from __future__ import annotations

import numpy as np

_MU_BIAS = 0x84
_MU_CLIP = 32635


def mulaw_encode(samples: np.ndarray) -> np.ndarray:
    x = samples.astype(np.int32)
    sign = (x < 0).astype(np.int32) << 7
    mag = np.minimum(np.abs(x), _MU_CLIP) + _MU_BIAS
    exponent = np.floor(np.log2(mag)).astype(np.int32) - 7
    mantissa = (mag >> (exponent + 3)) & 0x0F
    encoded: np.ndarray = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return encoded


def mulaw_decode(codes: np.ndarray) -> np.ndarray:
    u = ~codes.astype(np.int32) & 0xFF
    t = (((u & 0x0F) << 3) + _MU_BIAS) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, _MU_BIAS - t, t - _MU_BIAS).astype(np.int16)


def alaw_encode(samples: np.ndarray) -> np.ndarray:
    x = samples.astype(np.int32) >> 3  # 13-bit
    mask = np.where(x >= 0, 0xD5, 0x55)
    mag = np.where(x >= 0, x, -x - 1)
    seg = np.searchsorted(np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]), mag)
    shift = np.where(seg < 2, 1, seg)
    aval = (np.minimum(seg, 7) << 4) | ((mag >> shift) & 0x0F)
    aval = np.where(seg >= 8, 0x7F, aval)
    return (aval ^ mask).astype(np.uint8)


def alaw_decode(codes: np.ndarray) -> np.ndarray:
    a = codes.astype(np.int32) ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = np.where(seg == 0, t + 8, t + 0x108)
    t = np.where(seg > 1, t << np.maximum(seg - 1, 0), t)
    return np.where(a & 0x80, t, -t).astype(np.int16)
