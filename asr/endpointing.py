"""Faster finals: Vosk ends an utterance after trailing silence by Kaldi's endpoint rules, which Vosk 0.3.45
reads only from the model's ``conf/model.conf`` (its Python API has no setter). :func:`with_trailing_silence`
makes an overlay model directory -- symlinks to the model's files and an edited ``model.conf`` -- in which no
rule waits longer than the given silence:

- rule2 (confident end of sentence) and rule3 (fairly confident) keep the model's values when shorter;
- rule4 (any ending, however unsure: the rule espeak or noisy telephone speech usually ends by) is capped.

So ``trailing_silence = 1.0`` turns the Korean model's 0.5/1.0/2.0 s into 0.5/1.0/1.0 s.
"""

from __future__ import annotations

import re
from pathlib import Path

from asr.model_overlay import overlay_with_conf

RULES = ("rule2", "rule3", "rule4")
_OPTION = re.compile(r"^--endpoint\.(rule\d)\.min-trailing-silence=([0-9.]+)\s*$", re.MULTILINE)


def endpoint_silences(model_dir: Path) -> dict[str, float]:
    """The model's own min-trailing-silence per rule (Kaldi's defaults where model.conf has none)."""
    found = {"rule2": 0.5, "rule3": 1.0, "rule4": 2.0}
    conf = model_dir / "conf" / "model.conf"
    if conf.is_file():
        text = conf.read_text(encoding="utf-8")
        found.update({rule: float(value) for rule, value in _OPTION.findall(text)})
    return found


def with_trailing_silence(model_dir: Path, seconds: float, *, cache: Path | None = None) -> Path:
    """An overlay of ``model_dir`` whose endpoint rules wait at most ``seconds`` of silence (the model
    itself when it already does). The overlay lives under ``cache`` (default: the temp dir), named after the
    model and the setting, and is rebuilt when missing; the model's files are not copied."""
    model_dir = model_dir.resolve()
    own = endpoint_silences(model_dir)
    wanted = {rule: min(value, seconds) for rule, value in own.items()}
    if wanted == own:
        return model_dir
    return overlay_with_conf(model_dir, "model.conf", _edited_conf(model_dir, wanted),
                             tag=f"endpoint|{seconds:.3f}", cache=cache)


def _edited_conf(model_dir: Path, silences: dict[str, float]) -> str:
    conf = model_dir / "conf" / "model.conf"
    text = conf.read_text(encoding="utf-8") if conf.is_file() else ""
    lines = [line for line in text.splitlines() if not _OPTION.match(line)]
    lines += [f"--endpoint.{rule}.min-trailing-silence={silences[rule]:g}" for rule in RULES]
    return "\n".join(lines) + "\n"
