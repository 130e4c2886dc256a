"""The same audio gives the same words: Kaldi's dither with a fixed seed.

Kaldi adds random noise (``--dither``, default 1.0: one 16-bit step, Gaussian) to every frame before its
features, so that digital silence (exact zeros) has no log(0). Its generator is not seeded per recognizer, so
Vosk decoded one espeak clip five different ways in five fresh recognizers (measured), and tests that depend
on where an utterance ends passed or failed by chance. :func:`without_dither` loads the model with
``--dither=0`` (an overlay) and :class:`SeededDither` adds the same noise itself, from a seed that restarts
with every stream: the same audio now always decodes to the same transcript, and zeros are still not silent
to the features.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from asr.model_overlay import overlay_with_conf

SEED = 7812345
_DITHER = re.compile(r"^--dither=\s*(\S*)\s*$", re.MULTILINE)


def dither_is_off(model_dir: Path) -> bool:
    conf = model_dir / "conf" / "mfcc.conf"
    found = _DITHER.findall(conf.read_text(encoding="utf-8")) if conf.is_file() else []
    return bool(found) and float(found[-1] or "1") == 0.0


def without_dither(model_dir: Path, *, cache: Path | None = None) -> Path:
    """An overlay of ``model_dir`` with Kaldi's own dither off (the model itself when it is off already)."""
    if dither_is_off(model_dir):
        return model_dir.resolve()
    conf = model_dir / "conf" / "mfcc.conf"
    text = conf.read_text(encoding="utf-8") if conf.is_file() else ""
    lines = [line for line in text.splitlines() if not _DITHER.match(line)] + ["--dither=0"]
    return overlay_with_conf(model_dir, "mfcc.conf", "\n".join(lines) + "\n", tag="nodither", cache=cache)


class SeededDither:
    """Gaussian noise of one 16-bit step added to 16-bit mono PCM, from a seed that :meth:`restart` resets."""

    def __init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        self._rng = np.random.default_rng(SEED)

    def __call__(self, pcm: bytes) -> bytes:
        samples = np.frombuffer(pcm, dtype="<i2", count=len(pcm) // 2)
        noisy = samples + np.rint(self._rng.standard_normal(samples.size))
        return bytes(np.clip(noisy, -32768, 32767).astype("<i2").tobytes())
